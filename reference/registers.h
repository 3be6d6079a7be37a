// The register state the translation path reads (Arm IHI 0070 §6.3). Part 1 of the reference model keeps
// the raw register values here; the register file of part 2 owns and updates them through MMIO.
#pragma once

#include <cstdint>

namespace smmu::ref {

struct Registers {
  uint32_t cr0 = 0;              // §6.3.9: SMMUEN, queue enables
  uint32_t cr2 = 0;              // §6.3.12: E2H, RECINVSID
  uint32_t gbpa = 0;             // §6.3.14: global bypass attributes while SMMUEN = 0
  uint64_t strtab_base = 0;      // §6.3.24
  uint32_t strtab_base_cfg = 0;  // §6.3.25
};

}  // namespace smmu::ref
