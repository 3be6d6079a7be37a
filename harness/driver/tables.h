// The driver library's table builders: what a correct driver writes into memory for the SMMU (stream
// tables, STEs, CD tables, CDs, stage-1 and stage-2 translation tables). Every bit goes through the
// field tables of specs/. Later issues grow this into intent-level operations (attach, map, unmap).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "specs/layout.h"
#include "harness/table_memory.h"

namespace smmu::driver {

using Words8 = std::array<uint64_t, 8>;

// A range of memory a table builder allocated (for the preservation intent: harness/driver preserve).
struct Extent {
  uint64_t base, size;
};

// A bump allocator of physical memory for tables. Each allocation is recorded with the owner named when it
// was made (the stream table, a queue, a domain's stage-1 tables...), so that a handover plan can name what
// it preserves by what it is (ARCHITECTURE.md "Live update").
class Allocator {
 public:
  struct Allocation {
    uint64_t base, size;
    std::string owner;
  };
  explicit Allocator(uint64_t base = 0x4000'0000, uint64_t end = 0x8000'0000) : next_(base), end_(end) {}
  uint64_t alloc(uint64_t size, uint64_t align);
  uint64_t alloc(uint64_t size, uint64_t align, const std::string& owner) {
    Owner scope(*this, owner);
    return alloc(size, align);
  }
  const std::vector<Allocation>& allocations() const { return log_; }

  // Names the owner of the allocations made while it lives.
  class Owner {
   public:
    Owner(Allocator& a, std::string owner) : a_(a), saved_(std::exchange(a.owner_, std::move(owner))) {}
    ~Owner() { a_.owner_ = std::move(saved_); }
    Owner(const Owner&) = delete;
    Owner& operator=(const Owner&) = delete;

   private:
    Allocator& a_;
    std::string saved_;
  };
  // Called with each allocation (a kexec'd kernel's driver zeroes what it gets: its free memory holds the
  // old kernel's junk, harness/kexec).
  std::function<void(uint64_t base, uint64_t size)> on_alloc;

 private:
  uint64_t next_, end_;
  std::string owner_;
  std::vector<Allocation> log_;
};

// Sets fields of a structure by name: with(w, {{ste::V, 1}, {ste::Config, 0b101}}).
struct FieldValue {
  const Field& field;
  uint64_t value;
};
template <size_t N>
std::array<uint64_t, N> with(std::array<uint64_t, N> words, std::initializer_list<FieldValue> values) {
  for (const FieldValue& fv : values) fv.field.set(std::span<uint64_t>(words), fv.value);
  return words;
}

// STEs (§5.2). Addresses are passed as addresses and placed in their fields.
Words8 ste_abort();
Words8 ste_bypass();
struct S1Config {
  uint64_t context_ptr = 0;  // S1ContextPtr: a CD, a linear CD table or an L1CD table
  unsigned cdmax = 0, fmt = 0, s1dss = 0, strw = 0;
};
struct S2Config {
  uint64_t ttb = 0;
  unsigned granule = 12;  // 12, 14 or 16
  unsigned t0sz = 24;     // 40-bit IPA
  unsigned sl0 = 1;       // 4KB: start at level 1
  unsigned ps = 2;        // S2PS encoding: 40 bits
  uint16_t vmid = 1;
  bool record = true;     // S2R
  bool affd = false;      // S2AFFD
};
Words8 ste_stage1(const S1Config& s1);
Words8 ste_stage2(const S2Config& s2);
Words8 ste_nested(const S1Config& s1, const S2Config& s2);

// A VMSAv8-64 CD (§5.4) translating through TTB0 (TTB1 disabled unless given).
struct CdConfig {
  uint64_t ttb0 = 0;
  unsigned granule0 = 12, t0sz = 25;  // 39-bit VA
  bool epd1 = true;
  uint64_t ttb1 = 0;
  unsigned granule1 = 12, t1sz = 25;
  unsigned ips = 2;  // 40 bits
  uint16_t asid = 1;
  bool record = true, abort = true, affd = false;
  uint64_t mair = 0x0000'0000'0044'ff04ull;  // attr0 Device-nGnRE, attr1 Normal WB, attr2 Normal NC
};
Words8 make_cd(const CdConfig& c);
unsigned tg0_encoding(unsigned granule);  // CD.TG0 and STE.S2TG
unsigned tg1_encoding(unsigned granule);  // CD.TG1

// A stream table (§3.3.2, §5.1), linear or 2-level; L2 arrays are allocated on first use with the
// largest span (2^SPLIT STEs).
class StreamTable {
 public:
  static StreamTable linear(harness::TableMemory& mem, Allocator& alloc, unsigned log2size);
  static StreamTable two_level(harness::TableMemory& mem, Allocator& alloc, unsigned log2size, unsigned split);
  uint64_t base() const { return base_; }            // STRTAB_BASE
  uint32_t base_cfg() const;                          // STRTAB_BASE_CFG
  uint64_t ste_address(uint32_t sid);                 // allocating the L2 array if needed
  uint64_t l1_address(uint32_t sid) const;            // 2-level only
  unsigned log2size() const { return log2size_; }
  // Whether `sid` still needs its L2 array: a 2-level table whose L1STD is invalid (Span = 0).
  bool needs_l2(uint32_t sid) const { return two_level_ && l1std::Span.get(mem_->peek64(l1_address(sid))) == 0; }
  void set_ste(uint32_t sid, const Words8& ste);
  // The live table of an SMMU whose STRTAB_BASE and STRTAB_BASE_CFG read `base` and `base_cfg` (a kexec'd
  // kernel adopting it in place): later L2 arrays come from `alloc`.
  static StreamTable adopt(harness::TableMemory& mem, Allocator& alloc, uint64_t base, uint32_t base_cfg);
  // The L1 table (or the linear table) and every L2 array allocated or adopted so far.
  std::vector<Extent> extents() const;
  unsigned split() const { return split_; }
  bool two_level() const { return two_level_; }

 private:
  StreamTable(harness::TableMemory& mem, Allocator& alloc) : mem_(&mem), alloc_(&alloc) {}
  harness::TableMemory* mem_;
  Allocator* alloc_;
  uint64_t base_ = 0;
  unsigned log2size_ = 0, split_ = 0;
  bool two_level_ = false;
};

// A CD table (§5.2 S1Fmt, §5.3): linear (fmt 0) or 2-level with 4KB (fmt 1) or 64KB (fmt 2) leaves.
class CdTable {
 public:
  CdTable(harness::TableMemory& mem, Allocator& alloc, unsigned cdmax, unsigned fmt);
  uint64_t context_ptr() const { return base_; }
  unsigned cdmax() const { return cdmax_; }
  uint64_t cd_address(uint32_t ssid);  // allocating the leaf if needed
  void set_cd(uint32_t ssid, const Words8& cd);
  const std::vector<Extent>& extents() const { return extents_; }  // the table and its leaves

 private:
  std::vector<Extent> extents_;
  harness::TableMemory* mem_;
  Allocator* alloc_;
  uint64_t base_;
  unsigned cdmax_, fmt_;
};

// Leaf descriptor attributes (Arm ARM D8.3, D8.4).
struct S1Leaf {
  unsigned ap = 0b01;        // AP[2:1]: 01 = read/write at EL1 and EL0
  unsigned attr_index = 1;   // MAIR index
  unsigned sh = 3;
  bool af = true, ng = true, uxn = false, pxn = false;
};
struct S2Leaf {
  unsigned s2ap = 0b11;       // read and write
  unsigned memattr = 0b1111;  // Normal WB
  unsigned sh = 3;
  bool af = true;
  unsigned xn = 0;
};
uint64_t s1_leaf_bits(const S1Leaf& l);
uint64_t s2_leaf_bits(const S2Leaf& l);

// A stage-1 or stage-2 translation table (Arm ARM D8.2, D8.3). Stage 2 may start with concatenated tables.
class PageTable {
 public:
  // `start_level` < 0 derives the stage-1 start level from the input size.
  PageTable(harness::TableMemory& mem, Allocator& alloc, unsigned granule, unsigned ia_bits, int start_level = -1);
  uint64_t root() const { return root_; }
  int start_level() const { return start_; }
  unsigned ia_bits() const { return ia_bits_; }
  unsigned granule() const { return granule_; }
  // The level whose leaves cover `size` bytes, or -1.
  int leaf_level(uint64_t size) const;
  // The address of the level-`level` descriptor for `ia` when the tables above it exist, else 0.
  uint64_t existing_descriptor_address(uint64_t ia, int level) const;
  // Maps [ia, ia + size) to oa with one leaf; size must be the page size or a block size.
  void map(uint64_t ia, uint64_t oa, uint64_t size, uint64_t leaf_bits);
  // The address of the level-`level` descriptor for `ia`, creating the tables above it.
  uint64_t descriptor_address(uint64_t ia, int level);
  void set_descriptor(uint64_t ia, int level, uint64_t desc) { mem_->poke64(descriptor_address(ia, level), desc); }
  uint64_t table_descriptor(uint64_t next_table) const;
  const std::vector<Extent>& extents() const { return extents_; }  // every table of every level so far

 private:
  std::vector<Extent> extents_;
  unsigned index_bits(int level) const;
  harness::TableMemory* mem_;
  Allocator* alloc_;
  unsigned granule_, ia_bits_;
  int start_;
  uint64_t root_;
};

}  // namespace smmu::driver
