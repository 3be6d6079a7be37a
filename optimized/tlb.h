// The IOTLB (Arm IHI 0070 §3.17): valid translations only (§3.21.1), tagged as the architecture tags
// them: translation regime (StreamWorld), VMID when the regime has one, ASID for non-global entries of
// ASID regimes (global entries match any ASID of the same regime and VMID), the input address and the
// block/page size, and whether the entry translates a VA (stage 1 alone, or stage 1 + stage 2 combined
// for nested) or an IPA (stage 2 alone, also used for the stage-2 walks of a nested stage-1 walk).
//
// Entries hold what the descriptors say (output address, the leaf attribute and permission bits, the
// hierarchical table bits); permissions and attributes are derived at lookup from the current STE and
// CD, so a CD field change needs only CFGI_CD, not a TLBI, as in the reference.
#pragma once

#include <cstdint>

#include "optimized/config.h"
#include "optimized/hash_table.h"

namespace smmu::opt {

struct TlbData {
  uint64_t oa = 0;     // output address of the start of the block or page
  uint32_t s1 = 0;     // [11:0] stage-1 leaf descriptor bits [11:0], [13:12] PXN, UXN, [19:16] table bits,
                       // [25:20] log2 of the block size, [31:28] flags
  uint16_t s2 = 0;     // stage-2 leaf: descriptor bits [9:0], [11:10] XN[1:0]
  uint16_t vmid = 0;   // the entry's VMID (kept apart from the lookup tag)
  static constexpr uint32_t kHasS1 = 1, kHasS2 = 2, kFault = 4;

  unsigned size_log2() const { return (s1 >> 20) & 63; }
  uint32_t flags() const { return s1 >> 28; }
  void set_size_flags(unsigned size_log2, uint32_t flags) {
    s1 = (s1 & 0xFFFFF) | ((size_log2 & 63u) << 20) | (flags << 28);
  }
};

// Packing of the leaf descriptors into TlbData.
inline uint32_t pack_s1(uint64_t desc, unsigned table_bits) {
  return static_cast<uint32_t>(desc & 0xFFF) | static_cast<uint32_t>(((desc >> 53) & 3) << 12) |
         (static_cast<uint32_t>(table_bits & 0xF) << 16);
}
inline uint64_t unpack_s1_desc(uint32_t s1) { return (s1 & 0xFFFu) | (uint64_t((s1 >> 12) & 3) << 53); }
inline unsigned unpack_s1_table(uint32_t s1) { return (s1 >> 16) & 0xF; }
inline uint16_t pack_s2(uint64_t desc) {
  return static_cast<uint16_t>((desc & 0x3FF) | (((desc >> 53) & 3) << 10));
}
inline uint64_t unpack_s2_desc(uint16_t s2) { return (s2 & 0x3FFu) | (uint64_t((s2 >> 10) & 3) << 53); }

enum class TlbKind : uint8_t { Va = 0, Ipa = 1 };

// A 32-bit identity of the translation tables an entry was walked from (table roots and geometry). The
// architecture tags entries by regime, VMID and ASID only, and makes two contexts that share those tags but
// differ in tables UNPREDICTABLE (§5.4.1, §5.2.1); tagging by the tables as well only narrows hits, so
// such a software error reads the tables it names, as the non-caching reference does. Invalidation
// ignores it.
inline uint32_t table_context(const TableConfig& a, const TableConfig* b = nullptr) {
  uint64_t h = a.ttb ^ (uint64_t(a.granule) << 56) ^ (uint64_t(a.ia_bits) << 48);
  if (b) h = h * 0x9E37'79B9'7F4A'7C15ull ^ b->ttb ^ (uint64_t(b->granule) << 56) ^ (uint64_t(b->ia_bits) << 48);
  h *= 0xBF58'476D'1CE4'E5B9ull;
  return static_cast<uint32_t>(h >> 32);
}
// The hash key of an input address: the page number of its canonical form (bits [55:0]) with the upper
// half of the context in bits [63:48].
inline uint64_t page_key(uint64_t ia, unsigned size_log2, uint32_t ctx) {
  return ((ia & 0x00FF'FFFF'FFFF'FFFFull) >> size_log2) | (uint64_t(ctx >> 16) << 48);
}
inline uint64_t key_base(uint64_t key, unsigned size_log2) {
  const uint64_t b = (key & 0x0000'FFFF'FFFF'FFFFull) << size_log2;
  return (b >> 55) & 1 ? b | 0xFF00'0000'0000'0000ull : b;  // canonical: VA[63:56] copy VA[55]
}

class Tlb {
 public:
  explicit Tlb(unsigned log2_slots) : table_(log2_slots) {}

  // Tag fields (see the file comment).
  static uint64_t tag(TlbKind kind, World w, bool global, unsigned size_log2, uint16_t vmid, uint16_t asid,
                      uint32_t ctx) {
    return OpenTable<TlbData>::kValid | (uint64_t(kind) << 62) | (uint64_t(w) << 60) | (uint64_t(global) << 59) |
           (uint64_t(size_log2 & 63) << 53) | (uint64_t(vmid) << 32) | (uint64_t(asid) << 16) | (ctx & 0xFFFF);
  }
  static TlbKind tag_kind(uint64_t t) { return static_cast<TlbKind>((t >> 62) & 1); }
  static World tag_world(uint64_t t) { return static_cast<World>((t >> 60) & 3); }
  static bool tag_global(uint64_t t) { return (t >> 59) & 1; }
  static unsigned tag_size(uint64_t t) { return (t >> 53) & 63; }
  static uint16_t tag_asid(uint64_t t) { return static_cast<uint16_t>(t >> 16); }

  // A lookup of `ia` (a VA in `world`, or an IPA); `asid_tagged` regimes also match global entries.
  // `key_vmid` is the VMID the lookup is tagged with (0 where the regime has none).
  const TlbData* lookup(TlbKind kind, World w, uint16_t key_vmid, bool asid_tagged, uint16_t asid, uint64_t ia,
                        uint32_t ctx) {
    const unsigned k = static_cast<unsigned>(kind);
    for (uint64_t m = sizes_[k][0]; m; m &= m - 1) {
      const unsigned sz = static_cast<unsigned>(__builtin_ctzll(m));
      if (const TlbData* d = table_.find(tag(kind, w, false, sz, key_vmid, asid_tagged ? asid : 0, ctx), page_key(ia, sz, ctx)))
        return d;
    }
    if (asid_tagged) {
      for (uint64_t m = sizes_[k][1]; m; m &= m - 1) {
        const unsigned sz = static_cast<unsigned>(__builtin_ctzll(m));
        if (const TlbData* d = table_.find(tag(kind, w, true, sz, key_vmid, 0, ctx), page_key(ia, sz, ctx))) return d;
      }
    }
    return nullptr;
  }

  // Returns whether an entry was evicted.
  bool insert(TlbKind kind, World w, uint16_t key_vmid, bool global, uint16_t asid, uint64_t ia, unsigned size_log2,
              uint32_t ctx, const TlbData& d) {
    sizes_[static_cast<unsigned>(kind)][global ? 1 : 0] |= uint64_t{1} << size_log2;
    return table_.insert(tag(kind, w, global, size_log2, key_vmid, global ? 0 : asid, ctx), page_key(ia, size_log2, ctx), d);
  }

  // Removes every entry `pred(tag, first_address, data)` selects; keep_one leaves the first match
  // (fault injection). Returns the number of matching entries.
  template <class Pred>
  size_t invalidate(Pred&& pred, bool keep_one = false) {
    return table_.erase_if(
        [&](uint64_t t, uint64_t key, const TlbData& d) { return pred(t, key_base(key, tag_size(t)), d); }, keep_one);
  }
  void clear() {
    table_.clear();
    sizes_[0][0] = sizes_[0][1] = sizes_[1][0] = sizes_[1][1] = 0;
  }
  size_t size() const { return table_.size(); }
  size_t capacity() const { return table_.capacity(); }
  static constexpr size_t bytes_per_entry() { return OpenTable<TlbData>::bytes_per_slot(); }

 private:
  OpenTable<TlbData> table_;
  uint64_t sizes_[2][2] = {{0, 0}, {0, 0}};  // [kind][global]: the block sizes present, as a bit mask
};

}  // namespace smmu::opt
