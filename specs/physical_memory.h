// The memory a model reads its tables from and writes its queues to (ARCHITECTURE.md, "Memory").
// Accesses can fail with an external abort, which is how F_STE_FETCH, F_CD_FETCH and F_WALK_EABT arise.
#pragma once

#include <cstdint>
#include <optional>

namespace smmu {

class Memory {
 public:
  virtual ~Memory() = default;
  // Little-endian read of `size` (4 or 8) bytes at physical address `pa`; nullopt is an external abort.
  virtual std::optional<uint64_t> read(uint64_t pa, unsigned size) = 0;
  // Little-endian write; false is an external abort.
  virtual bool write(uint64_t pa, unsigned size, uint64_t value) = 0;
};

}  // namespace smmu
