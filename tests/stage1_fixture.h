#pragma once
// Stage-1 translation (VMSAv8-64): Arm IHI 0070 §3.4 and §3.4.1 (VA range, TBI, TTB0/TTB1 selection),
// §5.4 (CD TxSZ, TGx, TTBx, EPDx, TBIx, IPS, AFFD, WXN, PAN, HADx, E0PDx, ASID, MAIR), §5.4.1 (StreamWorld
// EL2: one range, ASID ignored), §13.4.1 (stage-1 permissions per StreamWorld), §13.1.7 (consistent output
// attributes), §7.3.12-§7.3.16 (F_WALK_EABT, F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION), and the
// Arm ARM (DDI 0487) D8.2 (start levels), D8.3 (descriptor formats) and D8.4 (Direct permissions).
//
// Every expected PA below is worked out by hand: OA base plus the VA's offset inside the page or block.
#include <vector>

#include "tests/fixture.h"

namespace smmu::test {

using namespace driver;

// §7.3 CLASS: 0b01 TT (stage-1 table fetch), 0b10 IN (the input address caused the fault).
constexpr uint64_t kClassTT = 0b01;
constexpr uint64_t kClassIN = 0b10;
// §5.2 STRW: 0b00 EL1, 0b10 EL2 (or EL2-E2H when SMMU_CR2.E2H == 1).
constexpr unsigned kStrwEl1 = 0b00;
constexpr unsigned kStrwEl2 = 0b10;

constexpr uint64_t k4K = uint64_t{1} << 12, k16K = uint64_t{1} << 14, k64K = uint64_t{1} << 16;

class Stage1Test : public RefTest {
 protected:
  static constexpr uint32_t kSid = 5;

  // Points StreamID kSid at `cd` through a stage-1-only STE (§5.2 Config = 0b101).
  void attach(const Words8& cd, unsigned strw = kStrwEl1) {
    strtab->set_ste(kSid, ste_stage1(S1Config{.context_ptr = place_cd(cd), .strw = strw}));
  }
  PageTable make_table(unsigned granule, unsigned ia_bits, int start_level) {
    return PageTable(*mem, *alloc, granule, ia_bits, start_level);
  }
  // The common case: a 4KB granule, T0SZ = 25 (39-bit VA; start level 1 by hand: 3 - (38 - 12) / 9 = 1),
  // IPS 40 bits, TTB1 disabled; `extra` sets further CD fields.
  PageTable setup(std::initializer_list<FieldValue> extra = {}, CdConfig c = {}, unsigned strw = kStrwEl1) {
    PageTable pt = make_table(12, 39, 1);
    c.ttb0 = pt.root();
    attach(with(make_cd(c), extra), strw);
    return pt;
  }
  void map_page(PageTable& pt, uint64_t va, uint64_t oa, const S1Leaf& leaf = {}) {
    pt.map(va, oa, k4K, s1_leaf_bits(leaf));
  }

  Outcome read(uint64_t va, bool priv = false) { return dma(kSid, va, true, std::nullopt, priv); }
  Outcome write(uint64_t va, bool priv = false) { return dma(kSid, va, false, std::nullopt, priv); }
  Outcome fetch(uint64_t va, bool priv = false) { return dma(kSid, va, true, std::nullopt, priv, true); }

  // Translation-related stage-1 faults: S2 = 0, CLASS = IN (§7.3.13), InputAddr as presented (§7.3).
  static void expect_s1_fault(const Outcome& o, EventType type, uint64_t va) {
    expect_event(o, type, {{event::S2, 0}, {event::CLASS, kClassIN}, {event::InputAddr, va}});
  }
  static void expect_translation_fault(const Outcome& o, uint64_t va) {
    expect_s1_fault(o, EventType::F_TRANSLATION, va);
  }
  static void expect_permission_fault(const Outcome& o, uint64_t va) {
    expect_s1_fault(o, EventType::F_PERMISSION, va);
  }

  // Maps the page of `va` through a TTB0 table of `granule` and T0SZ whose start level the test worked out
  // by hand, and checks the walk lands on `pa`.
  void expect_page_walk(const Features& f, unsigned granule, unsigned t0sz, int start, uint64_t va, uint64_t oa,
                        uint64_t pa) {
    reset(f);
    PageTable pt = make_table(granule, 64 - t0sz, start);
    attach(make_cd(CdConfig{.ttb0 = pt.root(), .granule0 = granule, .t0sz = t0sz}));
    const uint64_t page = uint64_t{1} << granule;
    pt.map(va & ~(page - 1), oa, page, s1_leaf_bits({}));
    expect_success(read(va), pa);
  }
};

}  // namespace smmu::test
