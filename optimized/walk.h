// One VMSAv8-64 translation table walk (Arm ARM D8.2, D8.3), for either stage: descriptor decoding, block
// levels per granule, next-level and output address extraction and the Address size check (§3.4, Arm ARM
// D8.2.3). What a fetch is (a PA read, or an IPA translated by stage 2 first) is the caller's: `fetch`
// returns the descriptor or nothing (the caller recorded the fault).
#pragma once

#include <cstdint>
#include <optional>

#include "optimized/config.h"

namespace smmu::opt {

inline unsigned level_shift(unsigned granule, int level) {
  return granule + static_cast<unsigned>(3 - level) * (granule - 3);
}
inline uint64_t low_mask(unsigned bits) { return bits >= 64 ? ~0ull : (uint64_t{1} << bits) - 1; }

struct Leaf {
  uint64_t oa = 0;          // output address of the block or page start
  uint64_t desc = 0;        // the leaf descriptor
  int level = 0;
  unsigned size_log2 = 12;  // block or page size
  unsigned table_bits = 0;  // stage 1: bit 0 APTable[0], 1 APTable[1], 2 UXNTable, 3 PXNTable (ORed)
};

enum class WalkStop : uint8_t { None, Translation, AddrSize, Fetch };
struct WalkResult {
  WalkStop stop = WalkStop::None;
  int level = 0;
  Leaf leaf;
};

// Arm ARM D8.3 (tables D8-16, -26, -35): levels with Block descriptors, without DS; a 64KB level-1 block
// needs a 52-bit OAS (specs/unpredictable.def BLOCK_64K_LEVEL1).
inline bool block_allowed(const TableConfig& t, int level) {
  switch (t.granule) {
    case 12: return level == 1 || level == 2;
    case 14: return level == 2;
    default: return level == 2 || (level == 1 && t.lpa);
  }
}

// Output or next-level address bits of a descriptor: [47:shift], and OA[51:48] from bits [15:12] with LPA
// (stage-2 descriptors hold them at the same positions: specs/fields/s2_desc.def).
inline uint64_t descriptor_address(const TableConfig& t, uint64_t desc, unsigned shift) {
  uint64_t a = s1desc::Address.in_place(desc) & ~low_mask(shift);
  if (t.lpa) a |= s1desc::OA_52_48.get(desc) << 48;
  return a;
}

// Walks `t` for input address `ia` starting at `level` in `table` with hierarchical bits `bits` (the root,
// or where the walk cache left off). on_table(next_level, next_table, bits) sees every table descriptor
// followed; note(level, pa, desc, leaf) every descriptor read.
template <class Fetch, class OnTable, class Note>
WalkResult walk_table(const TableConfig& t, uint64_t ia, int level, uint64_t table, unsigned bits, bool stage1,
                      Fetch&& fetch, OnTable&& on_table, Note&& note) {
  const unsigned g = t.granule, stride = g - 3;
  for (;;) {
    const unsigned shift = level_shift(g, level);
    const unsigned idx_bits = level == t.start_level && t.ia_bits > shift ? t.ia_bits - shift : stride;
    const uint64_t pa = table + ((ia >> shift) & low_mask(idx_bits)) * 8;
    const std::optional<uint64_t> d = fetch(level, pa);
    if (!d) return WalkResult{WalkStop::Fetch, level, {}};
    const uint64_t desc = *d;
    const bool valid = desc & 1, type = desc & 2;
    if (!valid || (level == 3 && !type) || (level < 3 && !type && !block_allowed(t, level))) {
      note(level, pa, desc, true);
      return WalkResult{WalkStop::Translation, level, {}};
    }
    if (level < 3 && type) {  // table descriptor
      note(level, pa, desc, false);
      const uint64_t next = descriptor_address(t, desc, g);
      if (next >> t.oa_bits) return WalkResult{WalkStop::AddrSize, level, {}};
      if (stage1) bits |= static_cast<unsigned>(((desc >> 61) & 3) | (((desc >> 60) & 1) << 2) | (((desc >> 59) & 1) << 3));
      on_table(level + 1, next, bits);
      table = next;
      ++level;
      continue;
    }
    note(level, pa, desc, true);
    Leaf leaf;
    leaf.oa = descriptor_address(t, desc, shift);
    if (leaf.oa >> t.oa_bits) return WalkResult{WalkStop::AddrSize, level, {}};
    leaf.desc = desc;
    leaf.level = level;
    leaf.size_log2 = shift;
    leaf.table_bits = bits;
    return WalkResult{WalkStop::None, level, leaf};
  }
}

}  // namespace smmu::opt
