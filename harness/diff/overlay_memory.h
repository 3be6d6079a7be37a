// A memory that reads through to another but keeps its own writes, and can present a chosen value at the
// n-th read of a chosen word: the permitted-stale enumeration runs reference walks on it without disturbing
// the models' memories. The choice is per read, not per word: in one nested translation the same stage-2
// descriptor serves several stage-2 walks (the CD's IPA, each stage-1 table's, the output's), and a caching
// SMMU may hold the translation of one IPA made with the old descriptor while it walks another afresh.
#pragma once

#include <map>
#include <unordered_map>
#include <utility>

#include "specs/physical_memory.h"

namespace smmu::harness {

class OverlayMemory final : public Memory {
 public:
  explicit OverlayMemory(Memory& base) : base_(base) {}
  // The value the `occurrence`-th (from 0) aligned 8-byte read of the word at `pa` returns.
  void present(uint64_t pa, unsigned occurrence, uint64_t v) { presented_[{pa, occurrence}] = v; }
  std::optional<uint64_t> read(uint64_t pa, unsigned size) override {
    std::optional<uint64_t> under = base_.read(pa, size);
    if (under && size == 8 && !(pa & 7) && !presented_.empty()) {
      if (auto it = presented_.find({pa, reads_[pa]++}); it != presented_.end()) under = it->second;
    }
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
  std::map<std::pair<uint64_t, unsigned>, uint64_t> presented_;  // (word address, occurrence) -> value
  std::unordered_map<uint64_t, unsigned> reads_;                 // aligned 8-byte reads so far, by word
};

}  // namespace smmu::harness
