// A memory that reads through to another but keeps its own writes, and can present chosen values at
// chosen addresses: the permitted-stale enumeration runs reference walks on it without disturbing the
// models' memories.
#pragma once

#include <map>

#include "specs/physical_memory.h"

namespace smmu::harness {

class OverlayMemory final : public Memory {
 public:
  explicit OverlayMemory(Memory& base) : base_(base) {}
  void set64(uint64_t pa, uint64_t v) {
    for (unsigned i = 0; i < 8; ++i) bytes_[pa + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  std::optional<uint64_t> read(uint64_t pa, unsigned size) override {
    std::optional<uint64_t> under = base_.read(pa, size);
    if (!under) return under;
    uint64_t v = *under;
    for (unsigned i = 0; i < size; ++i)
      if (auto it = bytes_.find(pa + i); it != bytes_.end())
        v = (v & ~(uint64_t{0xFF} << (8 * i))) | (uint64_t{it->second} << (8 * i));
    return v;
  }
  bool write(uint64_t pa, unsigned size, uint64_t value) override {
    if (!base_.read(pa, size)) return false;  // the same abort ranges as the base
    for (unsigned i = 0; i < size; ++i) bytes_[pa + i] = static_cast<uint8_t>(value >> (8 * i));
    return true;
  }

 private:
  Memory& base_;
  std::map<uint64_t, uint8_t> bytes_;
};

}  // namespace smmu::harness
