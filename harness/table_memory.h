// The memory the driver library writes tables into: plain 64-bit reads and writes, no aborts. A sparse
// memory is one; the driver's recording memory (which turns every write into a scenario step) another.
#pragma once

#include <cstdint>

namespace smmu::harness {

class TableMemory {
 public:
  virtual ~TableMemory() = default;
  virtual uint64_t peek64(uint64_t pa) const = 0;
  virtual void poke64(uint64_t pa, uint64_t value) = 0;
};

}  // namespace smmu::harness
