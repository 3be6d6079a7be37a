// The walk cache: intermediate (table) descriptors of stage-1 and stage-2 walks (§3.21.1: walk caches are
// invalidated as a PE's are, by TLBI with Leaf = 0, and here by every TLBI that covers the address).
// An entry maps (stage, regime, VMID, ASID, granule, level L, input-address prefix) to the address of the
// level-L table and the hierarchical bits gathered above it. For a nested stage-1 walk the table address is
// an IPA: its stage-2 translation goes through the IOTLB's IPA entries.
#pragma once

#include <cstdint>

#include "optimized/config.h"
#include "optimized/hash_table.h"
#include "optimized/tlb.h"

namespace smmu::opt {

struct WalkCacheData {
  uint64_t table = 0;       // level-L table address (PA, or IPA for a nested stage-1 walk)
  uint16_t vmid = 0;
  uint8_t table_bits = 0;   // stage 1: APTable/UXNTable/PXNTable ORed over the levels above L
};

class WalkCache {
 public:
  explicit WalkCache(unsigned log2_slots) : table_(log2_slots) {}

  // ctx: table_context() of the walk (see tlb.h).
  static uint64_t tag(bool stage2, World w, unsigned granule, int level, uint16_t key_vmid, uint16_t asid, uint32_t ctx) {
    return OpenTable<WalkCacheData>::kValid | (uint64_t(stage2) << 62) | (uint64_t(w) << 60) |
           (uint64_t((granule - 12) / 2) << 56) | (uint64_t(level & 3) << 54) | (uint64_t(key_vmid) << 32) |
           (uint64_t(asid) << 16) | (ctx & 0xFFFF);
  }
  static bool tag_stage2(uint64_t t) { return (t >> 62) & 1; }
  static World tag_world(uint64_t t) { return static_cast<World>((t >> 60) & 3); }
  static unsigned tag_granule(uint64_t t) { return 12 + 2 * ((t >> 56) & 3); }
  static int tag_level(uint64_t t) { return static_cast<int>((t >> 54) & 3); }
  static uint16_t tag_asid(uint64_t t) { return static_cast<uint16_t>(t >> 16); }
  // log2 of the input range a level-`level` table covers.
  static unsigned span_log2(unsigned granule, int level) {
    return granule + static_cast<unsigned>(4 - level) * (granule - 3);
  }

  const WalkCacheData* find(uint64_t t, uint64_t ia, uint32_t ctx) {
    return table_.find(t, page_key(ia, span_log2(tag_granule(t), tag_level(t)), ctx));
  }
  void insert(uint64_t t, uint64_t ia, uint32_t ctx, const WalkCacheData& d) {
    table_.insert(t, page_key(ia, span_log2(tag_granule(t), tag_level(t)), ctx), d);
  }
  // pred(tag, first_address, span_log2, data)
  template <class Pred>
  size_t invalidate(Pred&& pred) {
    return table_.erase_if([&](uint64_t t, uint64_t key, const WalkCacheData& d) {
      const unsigned span = span_log2(tag_granule(t), tag_level(t));
      return pred(t, key_base(key, span), span, d);
    });
  }
  void clear() { table_.clear(); }
  size_t size() const { return table_.size(); }
  static constexpr size_t bytes_per_entry() { return OpenTable<WalkCacheData>::bytes_per_slot(); }

 private:
  OpenTable<WalkCacheData> table_;
};

}  // namespace smmu::opt
