// A fixed-capacity open-addressing hash table (linear probing, backward-shift deletion) keyed by two
// 64-bit words, shared by the IOTLB, the walk cache and the configuration cache. No allocation after
// construction; when full, the entry nearest the new one's home slot is evicted (caches may drop entries at
// any time, §3.21.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace smmu::opt {

template <class Payload>
class OpenTable {
 public:
  static constexpr uint64_t kValid = uint64_t{1} << 63;  // every stored tag has it: 0 marks an empty slot
  struct Slot {
    uint64_t tag = 0;
    uint64_t key = 0;
    Payload v{};
  };

  explicit OpenTable(unsigned log2_slots)
      : slots_(size_t{1} << log2_slots), mask_((uint64_t{1} << log2_slots) - 1),
        max_count_((size_t{3} << log2_slots) / 4) {}

  // A full 64-bit mix (splitmix64's finalizer): the slot index takes the low bits, so every input bit must
  // reach them, or keys that differ only in high bits (tags, contexts) pile into long probe clusters.
  static uint64_t hash(uint64_t tag, uint64_t key) {
    uint64_t h = key ^ (tag * 0x9E37'79B9'7F4A'7C15ull);
    h = (h ^ (h >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D0'49BB'1331'11EBull;
    return h ^ (h >> 31);
  }

  Payload* find(uint64_t tag, uint64_t key) {
    for (uint64_t i = hash(tag, key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.tag == tag && s.key == key) return &s.v;
      if (s.tag == 0) return nullptr;
    }
  }

  // Inserts or overwrites; returns whether an entry was evicted to make room.
  bool insert(uint64_t tag, uint64_t key, const Payload& v) {
    if (Payload* p = find(tag, key)) {
      *p = v;
      return false;
    }
    bool evicted = false;
    uint64_t i = hash(tag, key) & mask_;
    if (count_ >= max_count_) {
      // Evict where the new entry goes: the first entry at or after its home slot. A victim chosen at a
      // fixed clock hand would gather the empty slots there and pack the rest of the table into one
      // endless probe cluster.
      uint64_t v = i;
      while (slots_[v].tag == 0) v = (v + 1) & mask_;
      erase_at(v);
      evicted = true;
    }
    while (slots_[i].tag != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{tag, key, v};
    ++count_;
    return evicted;
  }

  // Removes every entry `pred(tag, key, payload)` selects; with keep_one the first match survives.
  // Returns the number of matches.
  template <class Pred>
  size_t erase_if(Pred&& pred, bool keep_one = false) {
    if (count_ == 0) return 0;
    // Start after an empty slot so that every probe cluster is scanned from its beginning: a backward
    // shift only moves entries of the cluster not yet scanned, into slots at or after the current one.
    uint64_t start = 0;
    while (slots_[start].tag != 0) start = (start + 1) & mask_;
    size_t matched = 0;
    bool kept = false;
    for (uint64_t n = 1; n <= mask_ + 1; ++n) {
      const uint64_t p = (start + n) & mask_;
      while (slots_[p].tag != 0 && pred(slots_[p].tag, slots_[p].key, slots_[p].v)) {
        ++matched;
        if (keep_one && !kept) {
          kept = true;
          break;
        }
        erase_at(p);
      }
    }
    return matched;
  }

  void clear() {
    for (Slot& s : slots_) s.tag = 0;
    count_ = 0;
  }
  size_t size() const { return count_; }
  size_t capacity() const { return slots_.size(); }
  static constexpr size_t bytes_per_slot() { return sizeof(Slot); }

 private:
  void erase_at(uint64_t i) {
    uint64_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (slots_[j].tag == 0) break;
      const uint64_t k = hash(slots_[j].tag, slots_[j].key) & mask_;
      // Move slot j back to i unless its home k lies cyclically in (i, j].
      const bool home_between = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!home_between) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].tag = 0;
    --count_;
  }

  std::vector<Slot> slots_;
  uint64_t mask_;
  size_t max_count_;
  size_t count_ = 0;
};

}  // namespace smmu::opt
