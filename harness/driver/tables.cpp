#include "harness/driver/tables.h"

#include <stdexcept>

namespace smmu::driver {

namespace {
unsigned level_shift(unsigned granule, int level) { return granule + (3 - level) * (granule - 3); }
}  // namespace

uint64_t Allocator::alloc(uint64_t size, uint64_t align) {
  uint64_t a = (next_ + align - 1) & ~(align - 1);
  if (a + size > end_) throw std::runtime_error("driver allocator: out of table memory");
  next_ = a + size;
  log_.push_back({a, size, owner_});
  if (on_alloc) on_alloc(a, size);
  return a;
}

unsigned tg0_encoding(unsigned granule) { return granule == 12 ? 0 : granule == 16 ? 1 : 2; }
unsigned tg1_encoding(unsigned granule) { return granule == 12 ? 2 : granule == 16 ? 3 : 1; }

Words8 ste_abort() { return with(Words8{}, {{ste::V, 1}, {ste::Config, 0b000}}); }
Words8 ste_bypass() { return with(Words8{}, {{ste::V, 1}, {ste::Config, 0b100}, {ste::SHCFG, 1}}); }

namespace {
Words8 add_s1(Words8 w, const S1Config& s1) {
  return with(w, {{ste::S1ContextPtr, s1.context_ptr >> 6}, {ste::S1CDMax, s1.cdmax}, {ste::S1Fmt, s1.fmt},
                  {ste::S1DSS, s1.s1dss}, {ste::STRW, s1.strw}, {ste::S1CIR, 1}, {ste::S1COR, 1}, {ste::S1CSH, 3}});
}
Words8 add_s2(Words8 w, const S2Config& s2) {
  return with(w, {{ste::S2VMID, s2.vmid}, {ste::S2T0SZ, s2.t0sz}, {ste::S2SL0, s2.sl0}, {ste::S2IR0, 1},
                  {ste::S2OR0, 1}, {ste::S2SH0, 3}, {ste::S2TG, tg0_encoding(s2.granule)}, {ste::S2PS, s2.ps},
                  {ste::S2AA64, 1}, {ste::S2R, s2.record}, {ste::S2AFFD, s2.affd}, {ste::S2TTB, s2.ttb >> 4}});
}
}  // namespace

Words8 ste_stage1(const S1Config& s1) { return add_s1(with(Words8{}, {{ste::V, 1}, {ste::Config, 0b101}}), s1); }
Words8 ste_stage2(const S2Config& s2) { return add_s2(with(Words8{}, {{ste::V, 1}, {ste::Config, 0b110}}), s2); }
Words8 ste_nested(const S1Config& s1, const S2Config& s2) {
  return add_s2(add_s1(with(Words8{}, {{ste::V, 1}, {ste::Config, 0b111}}), s1), s2);
}

Words8 make_cd(const CdConfig& c) {
  return with(Words8{}, {{cd::T0SZ, c.t0sz},
                         {cd::TG0, tg0_encoding(c.granule0)},
                         {cd::IR0, 1},
                         {cd::OR0, 1},
                         {cd::SH0, 3},
                         {cd::T1SZ, c.t1sz},
                         {cd::TG1, tg1_encoding(c.granule1)},
                         {cd::IR1, 1},
                         {cd::OR1, 1},
                         {cd::SH1, 3},
                         {cd::EPD1, c.epd1},
                         {cd::V, 1},
                         {cd::IPS, c.ips},
                         {cd::AFFD, c.affd},
                         {cd::AA64, 1},
                         {cd::R, c.record},
                         {cd::A, c.abort},
                         {cd::ASET, 0},
                         {cd::ASID, c.asid},
                         {cd::TTB0, c.ttb0 >> 4},
                         {cd::TTB1, c.ttb1 >> 4},
                         {cd::MAIR0, c.mair & 0xFFFFFFFF},
                         {cd::MAIR1, c.mair >> 32}});
}

StreamTable StreamTable::linear(harness::TableMemory& mem, Allocator& alloc, unsigned log2size) {
  StreamTable t(mem, alloc);
  t.log2size_ = log2size;
  t.base_ = alloc.alloc(uint64_t{64} << log2size, uint64_t{64} << log2size);
  return t;
}

StreamTable StreamTable::two_level(harness::TableMemory& mem, Allocator& alloc, unsigned log2size, unsigned split) {
  StreamTable t(mem, alloc);
  t.log2size_ = log2size;
  t.split_ = split;
  t.two_level_ = true;
  uint64_t l1_size = uint64_t{8} << (log2size > split ? log2size - split : 0);
  t.base_ = alloc.alloc(l1_size, l1_size < 64 ? 64 : l1_size);
  return t;
}

StreamTable StreamTable::adopt(harness::TableMemory& mem, Allocator& alloc, uint64_t base, uint32_t base_cfg) {
  StreamTable t(mem, alloc);
  // §6.3.24, §6.3.25: ADDR is the table's address; FMT 1 is 2-level with SPLIT bits of StreamID per L2 array.
  t.base_ = regf::STRTAB_BASE_ADDR.in_place(base);
  t.log2size_ = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(base_cfg));
  t.two_level_ = regf::STRTAB_BASE_CFG_FMT.get(base_cfg) == 1;
  t.split_ = t.two_level_ ? static_cast<unsigned>(regf::STRTAB_BASE_CFG_SPLIT.get(base_cfg)) : 0;
  return t;
}

std::vector<Extent> StreamTable::extents() const {
  const unsigned l1_bits = two_level_ && log2size_ > split_ ? log2size_ - split_ : 0;
  if (l1_bits > 20 || (!two_level_ && log2size_ > 24))
    throw std::runtime_error("stream table too large to list its pages (more than 2^20 L1 descriptors or 2^24 STEs)");
  std::vector<Extent> out{{base_, two_level_ ? uint64_t{8} << l1_bits : uint64_t{64} << log2size_}};
  if (!two_level_) return out;
  for (uint64_t i = 0; i < (uint64_t{1} << l1_bits); ++i) {
    const uint64_t l1 = mem_->peek64(base_ + 8 * i);
    const unsigned span = static_cast<unsigned>(l1std::Span.get(l1));
    // §5.1: Span 1..12 gives 2^(Span-1) STEs; 0 is invalid (no L2 array).
    if (span >= 1 && span <= 12) out.push_back({l1std::L2Ptr.in_place(l1), uint64_t{64} << (span - 1)});
  }
  return out;
}

uint32_t StreamTable::base_cfg() const {
  uint64_t v = 0;
  regf::STRTAB_BASE_CFG_LOG2SIZE.set(v, log2size_);
  regf::STRTAB_BASE_CFG_SPLIT.set(v, split_);
  regf::STRTAB_BASE_CFG_FMT.set(v, two_level_ ? 1 : 0);
  return static_cast<uint32_t>(v);
}

uint64_t StreamTable::l1_address(uint32_t sid) const { return base_ + uint64_t{sid >> split_} * 8; }

uint64_t StreamTable::ste_address(uint32_t sid) {
  if (!two_level_) return base_ + uint64_t{sid} * 64;
  uint64_t l1_pa = l1_address(sid);
  uint64_t l1 = mem_->peek64(l1_pa);
  if (l1std::Span.get(l1) == 0) {
    uint64_t size = uint64_t{64} << split_;
    uint64_t l2 = alloc_->alloc(size, size);
    l1 = 0;
    l1std::Span.set(l1, split_ + 1);
    l1std::L2Ptr.set(l1, l2 >> 6);
    mem_->poke64(l1_pa, l1);
  }
  return l1std::L2Ptr.in_place(l1) + uint64_t{sid & ((1u << split_) - 1)} * 64;
}

void StreamTable::set_ste(uint32_t sid, const Words8& ste) {
  uint64_t pa = ste_address(sid);
  for (unsigned i = 0; i < 8; ++i) mem_->poke64(pa + 8 * i, ste[i]);
}

CdTable::CdTable(harness::TableMemory& mem, Allocator& alloc, unsigned cdmax, unsigned fmt)
    : mem_(&mem), alloc_(&alloc), cdmax_(cdmax), fmt_(fmt) {
  if (fmt == 0) {
    uint64_t size = uint64_t{64} << cdmax;
    base_ = alloc.alloc(size, size);
    extents_.push_back({base_, size});
  } else {
    unsigned leaf_bits = fmt == 1 ? 6 : 10;
    uint64_t l1_size = uint64_t{8} << (cdmax > leaf_bits ? cdmax - leaf_bits : 0);
    base_ = alloc.alloc(l1_size, 64);
    extents_.push_back({base_, l1_size});
  }
}

uint64_t CdTable::cd_address(uint32_t ssid) {
  if (fmt_ == 0) return base_ + uint64_t{ssid} * 64;
  unsigned leaf_bits = fmt_ == 1 ? 6 : 10;
  uint64_t l1_pa = base_ + uint64_t{ssid >> leaf_bits} * 8;
  uint64_t l1 = mem_->peek64(l1_pa);
  if (!l1cd::V.get(l1)) {
    uint64_t size = uint64_t{64} << leaf_bits;
    uint64_t leaf = alloc_->alloc(size, size);
    extents_.push_back({leaf, size});
    l1 = 0;
    l1cd::V.set(l1, 1);
    l1cd::L2Ptr.set(l1, leaf >> 12);
    mem_->poke64(l1_pa, l1);
  }
  return l1cd::L2Ptr.in_place(l1) + uint64_t{ssid & ((1u << leaf_bits) - 1)} * 64;
}

void CdTable::set_cd(uint32_t ssid, const Words8& cd) {
  uint64_t pa = cd_address(ssid);
  for (unsigned i = 0; i < 8; ++i) mem_->poke64(pa + 8 * i, cd[i]);
}

uint64_t s1_leaf_bits(const S1Leaf& l) {
  uint64_t d = 0;
  s1desc::AP.set(d, l.ap);
  s1desc::AttrIndx.set(d, l.attr_index);
  s1desc::SH.set(d, l.sh);
  s1desc::AF.set(d, l.af);
  s1desc::nG.set(d, l.ng);
  s1desc::UXN.set(d, l.uxn);
  s1desc::PXN.set(d, l.pxn);
  return d;
}

uint64_t s2_leaf_bits(const S2Leaf& l) {
  uint64_t d = 0;
  s2desc::S2AP.set(d, l.s2ap);
  s2desc::MemAttr.set(d, l.memattr);
  s2desc::SH.set(d, l.sh);
  s2desc::AF.set(d, l.af);
  s2desc::XN.set(d, l.xn);
  return d;
}

PageTable::PageTable(harness::TableMemory& mem, Allocator& alloc, unsigned granule, unsigned ia_bits, int start_level)
    : mem_(&mem), alloc_(&alloc), granule_(granule), ia_bits_(ia_bits) {
  start_ = start_level >= 0 ? start_level : 3 - int((ia_bits - 1 - granule) / (granule - 3));
  uint64_t size = uint64_t{8} << index_bits(start_);
  root_ = alloc.alloc(size, size < 64 ? 64 : size);
  extents_.push_back({root_, size});
}

unsigned PageTable::index_bits(int level) const {
  return level == start_ ? ia_bits_ - level_shift(granule_, level) : granule_ - 3;
}

uint64_t PageTable::table_descriptor(uint64_t next_table) const {
  uint64_t d = 0;
  s1desc::Valid.set(d, 1);
  s1desc::Type.set(d, 1);
  s1desc::Address.set(d, next_table >> 12);
  return d;
}

uint64_t PageTable::descriptor_address(uint64_t ia, int level) {
  uint64_t table = root_;
  for (int l = start_;; ++l) {
    uint64_t index = (ia >> level_shift(granule_, l)) & ((uint64_t{1} << index_bits(l)) - 1);
    uint64_t pa = table + index * 8;
    if (l == level) return pa;
    uint64_t d = mem_->peek64(pa);
    if (!s1desc::Valid.get(d) || !s1desc::Type.get(d)) {
      uint64_t size = uint64_t{1} << granule_;
      uint64_t next = alloc_->alloc(size, size);
      extents_.push_back({next, size});
      d = table_descriptor(next);
      mem_->poke64(pa, d);
    }
    table = s1desc::Address.in_place(d);
  }
}

int PageTable::leaf_level(uint64_t size) const {
  for (int l = 3; l >= start_; --l)
    if (size == uint64_t{1} << level_shift(granule_, l)) return l;
  return -1;
}

uint64_t PageTable::existing_descriptor_address(uint64_t ia, int level) const {
  if (level < start_ || level > 3) return 0;
  uint64_t table = root_;
  for (int l = start_;; ++l) {
    uint64_t pa = table + ((ia >> level_shift(granule_, l)) & ((uint64_t{1} << index_bits(l)) - 1)) * 8;
    if (l == level) return pa;
    uint64_t d = mem_->peek64(pa);
    if (!s1desc::Valid.get(d) || !s1desc::Type.get(d)) return 0;
    table = s1desc::Address.in_place(d);
  }
}

void PageTable::map(uint64_t ia, uint64_t oa, uint64_t size, uint64_t leaf_bits) {
  const int level = leaf_level(size);
  if (level < 0) throw std::invalid_argument("PageTable::map: size is not a page or block size");
  uint64_t d = leaf_bits;
  s1desc::Valid.set(d, 1);
  s1desc::Type.set(d, level == 3 ? 1 : 0);
  s1desc::Address.set(d, oa >> 12);
  if (granule_ == 16) s1desc::OA_52_48.set(d, oa >> 48);
  set_descriptor(ia, level, d);
}

}  // namespace smmu::driver
