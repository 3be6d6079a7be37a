#pragma once
// Context descriptors and CD tables: Arm IHI 0070 §5.2 (STE S1Fmt, S1CDMax, S1DSS, S1ContextPtr), §5.3 (L1CD),
// §5.4 and §5.4.2 (CdIllegal), §5.4.1.1 (EPDx), §5.5 (A, R, S), §3.4 and §3.4.3 (address sizes),
// §7.3.7 (F_STREAM_DISABLED), §7.3.9 (C_BAD_SUBSTREAMID), §7.3.10 (F_CD_FETCH), §7.3.11 (C_BAD_CD).
#include "tests/fixture.h"

namespace smmu::test {

using namespace driver;

constexpr uint64_t kVa = 0x12'3000;                  // in the 39-bit TTB0 range [0, 2^39)
constexpr uint64_t kVaHigh = 0xFFFF'FFC0'0012'3000;  // in the 39-bit TTB1 range [2^64 - 2^39, 2^64)
// Data pages, outside the table allocator's [0x4000'0000, 0x6000'0000).
constexpr uint64_t kPa0 = 0x7000'0000;
constexpr uint64_t kPa1 = 0x7100'0000;

class CdTest : public RefTest {
 protected:
  // A VMSAv8-64 CD whose TTB0 tables map the page holding `va` to `pa`, with the granule and input size
  // (64 - T0SZ) of `c`. Distinct output pages tell which CD served a transaction.
  Words8 cd_to(uint64_t pa, CdConfig c = {}, uint64_t va = kVa, S1Leaf leaf = {}) {
    c.ttb0 = s1_tables(va, pa, c.granule0, 64 - c.t0sz, leaf);
    return make_cd(c);
  }
  // Stage-1 tables mapping one page; returns their root.
  uint64_t s1_tables(uint64_t va, uint64_t pa, unsigned granule = 12, unsigned ia_bits = 39, S1Leaf leaf = {}) {
    PageTable pt(*mem, *alloc, granule, ia_bits);
    const uint64_t page = uint64_t{1} << granule;
    pt.map(va & ~(page - 1), pa, page, s1_leaf_bits(leaf));
    return pt.root();
  }
  // STE `sid` translates through stage 1 only with the single CD `cd` (S1CDMax = 0 unless `s1` says else).
  uint64_t single_cd(uint32_t sid, const Words8& cd, S1Config s1 = {}) {
    s1.context_ptr = place_cd(cd);
    strtab->set_ste(sid, ste_stage1(s1));
    return s1.context_ptr;
  }
  Outcome run_cd(const Words8& cd, uint64_t va = kVa, bool read = true) {
    single_cd(1, cd);
    return dma(1, va, read);
  }
  // A linear CD table of 2^cdmax CDs, aligned to its size (§5.2 S1Fmt = 0b00).
  uint64_t linear_table(unsigned cdmax) {
    const uint64_t size = uint64_t{64} << cdmax;
    return alloc->alloc(size, size);
  }
  static uint64_t l1cd_word(uint64_t l2, bool valid = true) {
    uint64_t d = 0;
    l1cd::V.set(d, valid);
    l1cd::L2Ptr.set(d, l2 >> 12);
    return d;
  }
  void expect_bad_cd(const Outcome& o, uint32_t sid = 1) {
    expect_event(o, EventType::C_BAD_CD, {{event::StreamID, sid}, {event::SSV, 0}});
  }
  void reset_with(void (*tweak)(Features&)) {
    Features f;
    tweak(f);
    reset(f);
  }
};

}  // namespace smmu::test
