// A memory that reads through to another but keeps its own writes, and can present chosen values at
// chosen addresses: the permitted-stale enumeration runs reference walks on it without disturbing the
// models' memories.
#pragma once

#include <unordered_map>

#include "specs/physical_memory.h"

namespace smmu::harness {

class OverlayMemory final : public Memory {
 public:
  explicit OverlayMemory(Memory& base) : base_(base) {}
  void set64(uint64_t pa, uint64_t v) { put(pa, 8, v); }
  std::optional<uint64_t> read(uint64_t pa, unsigned size) override {
    std::optional<uint64_t> under = base_.read(pa, size);
    if (!under || words_.empty()) return under;
    uint64_t v = *under;
    for (unsigned i = 0; i < size; ++i) {
      const uint64_t a = pa + i;
      if (auto it = words_.find(a & ~uint64_t{7}); it != words_.end() && (it->second.mask >> (a & 7) & 1)) {
        const uint64_t byte = it->second.value >> (8 * (a & 7)) & 0xFF;
        v = (v & ~(uint64_t{0xFF} << (8 * i))) | (byte << (8 * i));
      }
    }
    return v;
  }
  bool write(uint64_t pa, unsigned size, uint64_t value) override {
    if (!base_.read(pa, size)) return false;  // the same abort ranges as the base
    put(pa, size, value);
    return true;
  }

 private:
  // The overlaid bytes of one aligned 8-byte word: `mask` bit i set when byte i is overlaid.
  struct Word {
    uint64_t value = 0;
    uint8_t mask = 0;
  };
  void put(uint64_t pa, unsigned size, uint64_t value) {
    for (unsigned i = 0; i < size; ++i) {
      const uint64_t a = pa + i;
      const unsigned k = unsigned(a & 7);
      Word& w = words_[a & ~uint64_t{7}];
      w.value = (w.value & ~(uint64_t{0xFF} << (8 * k))) | ((value >> (8 * i) & 0xFF) << (8 * k));
      w.mask = uint8_t(w.mask | 1u << k);
    }
  }

  Memory& base_;
  std::unordered_map<uint64_t, Word> words_;  // by word address
};

}  // namespace smmu::harness
