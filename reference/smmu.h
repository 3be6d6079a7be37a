// The reference SMMUv3 model: clarity over speed, no caching, shaped like Arm IHI 0070.
#pragma once

#include "specs/model.h"
#include "reference/registers.h"

namespace smmu::ref {

class ReferenceSmmu final : public SmmuModel {
 public:
  // The model implements the requested features clamped to implemented().
  ReferenceSmmu(const Features& requested, Memory& memory);

  // What this model implements: VMSAv8-64 little-endian tables only, no HTTU, no ATS/PRI, no stalls
  // (STALL_MODEL = 0b01), no FWB, no 52-bit VAs or LPA2, Non-secure state only.
  static Features implemented();

  const Features& features() const override { return features_; }
  uint64_t mmio_read(uint32_t offset, unsigned size) override;
  void mmio_write(uint32_t offset, unsigned size, uint64_t value) override;
  Outcome translate(const Transaction& t, WalkObserver* observer = nullptr) override;

  // The registers translation reads. Until the register file exists (part 2), tests and the demo set
  // them here directly.
  Registers& registers() { return regs_; }

 private:
  Features features_;
  Memory& memory_;
  Registers regs_;
};

}  // namespace smmu::ref
