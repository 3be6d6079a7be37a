// The concrete containment checks of a kexec (ARCHITECTURE.md invariants 6 and 7):
//  - write containment: after the kexec, nothing the SMMU writes (event records, CMD_SYNC MSI writes, the
//    EVENTQ and GERROR interrupt MSIs) lands in a page that is not preserved or has been reclaimed, unless
//    the new kernel pointed the SMMU at that address after the kexec (EVENTQ_BASE, an IRQ_CFG0 register, a
//    CMD_SYNC's MSIAddress);
//  - DMA containment: after the kexec, a preserved stream's successful DMA output lies in preserved memory.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "harness/kexec/ownership.h"

namespace smmu::kexec {

struct Violation {
  enum class Kind : uint8_t { WriteContainment, DmaContainment };
  Kind kind;
  uint64_t pa = 0;
  std::string source;   // write containment: what the SMMU wrote ("an event record", ...)
  std::string message;
};
const char* violation_kind_name(Violation::Kind k);  // "write_containment", "dma_containment"

// What the new kernel has pointed the SMMU at since the kexec.
class WriteTargets {
 public:
  void clear() { ranges_.clear(); }
  void add(uint64_t base, uint64_t size, std::string what) { ranges_.push_back({base, size, std::move(what)}); }
  // The target holding pa, or nullptr.
  const std::string* find(uint64_t pa) const;

 private:
  struct Range {
    uint64_t base, size;
    std::string what;
  };
  std::vector<Range> ranges_;
};

// The checks themselves, given what the runner knows.
class Containment {
 public:
  Ownership ownership;
  std::set<uint32_t> preserved_streams;
  WriteTargets repointed;  // since the last kexec
  bool after_kexec = false;

  // An SMMU write of `size` bytes at pa that landed; `source` names what the SMMU was writing, as far as the
  // runner can tell from the registers ("an event record", "an MSI"; asked only for a violation). The qwords of one 32-byte event
  // record make one violation.
  void smmu_write(uint64_t pa, unsigned size, const std::function<std::string()>& source,
                  std::vector<Violation>& out) const;
  // A DMA's successful output address.
  void dma_output(uint32_t sid, uint64_t pa, std::vector<Violation>& out) const;
};

}  // namespace smmu::kexec
