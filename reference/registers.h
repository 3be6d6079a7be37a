// The register state of the Non-secure programming interface (Arm IHI 0070 §6.3), as raw values read
// and written through the field tables.
#pragma once

#include <cstdint>

namespace smmu::ref {

struct Registers {
  uint32_t cr0 = 0, cr0ack = 0;        // §6.3.9, §6.3.10
  uint32_t cr1 = 0;                    // §6.3.11
  uint32_t cr2 = 0;                    // §6.3.12: E2H, RECINVSID
  uint32_t gbpa = 0;                   // §6.3.14
  uint32_t irq_ctrl = 0, irq_ctrlack = 0;  // §6.3.16, §6.3.18
  uint32_t gerror = 0, gerrorn = 0;    // §6.3.19, §6.3.20
  uint64_t gerror_irq_cfg0 = 0;        // §6.3.21
  uint32_t gerror_irq_cfg1 = 0, gerror_irq_cfg2 = 0;
  uint64_t strtab_base = 0;            // §6.3.24
  uint32_t strtab_base_cfg = 0;        // §6.3.25
  uint64_t cmdq_base = 0;              // §6.3.26
  uint32_t cmdq_prod = 0, cmdq_cons = 0;  // §6.3.27, §6.3.28
  uint64_t eventq_base = 0;            // §6.3.29
  uint32_t eventq_prod = 0, eventq_cons = 0;  // §6.3.95, §6.3.96 (page 1)
  uint64_t eventq_irq_cfg0 = 0;        // §6.3.30
  uint32_t eventq_irq_cfg1 = 0, eventq_irq_cfg2 = 0;
};

}  // namespace smmu::ref
