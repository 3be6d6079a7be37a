#pragma once
// The Stream Table Entry: Arm IHI 0070 §5.2 (fields), §5.2.1 (bypass), §5.2.2 (SteIllegal), §3.4 (address
// sizes, bypass Address Size fault), §13.1 and §13.3 (STE attribute overrides), §7.3.5 (C_BAD_STE), §7.3.9
// (C_BAD_SUBSTREAMID) and the post-override PnU/InD of §7.3.13/§7.3.14.
//
// The reference model implements a clamped feature set (ReferenceSmmu::implemented()): no VMSAv8-32 tables
// (TTF[0] = 0, so IAS == OAS), HTTU = 0, TTENDIAN = little-endian only, STALL_MODEL = terminate only. The
// ILLEGAL conditions below are those the model can meet with these features; tests that rely on one of these
// choices assert it first.
#include "tests/fixture.h"

namespace smmu::test {

using namespace driver;

constexpr uint64_t kIpa = 0x1234'0000;   // an input address (VA or IPA), 64KB-aligned
constexpr uint64_t kData = 0x7000'0000;  // a data page outside table memory, 64KB-aligned
constexpr uint32_t kSid = 3;

class SteTest : public RefTest {
 protected:
  Features with_features(void (*edit)(Features&)) {
    Features f;
    edit(f);
    return f;
  }

  // A VMSAv8-64 CD (4KB granule, 39-bit VA through TTB0) whose tables map one 4KB page `va` -> `pa`.
  Words8 cd_mapping(uint64_t va = kIpa, uint64_t pa = kData, const S1Leaf& leaf = {}) {
    PageTable pt(*mem, *alloc, 12, 39);
    pt.map(va, pa, 4096, s1_leaf_bits(leaf));
    CdConfig c;
    c.ttb0 = pt.root();
    return make_cd(c);
  }
  uint64_t s1_cd(uint64_t va = kIpa, uint64_t pa = kData, const S1Leaf& leaf = {}) {
    return place_cd(cd_mapping(va, pa, leaf));
  }
  // A stage-1-only STE (Config 0b101) with one CD mapping kIpa -> kData.
  Words8 s1_ste() { return ste_stage1({.context_ptr = s1_cd()}); }

  // A stage-2-only STE (Config 0b110) for `c` whose tables map one page `ipa` -> `pa`. The start level is
  // worked out by hand in each test from S2TG and S2SL0 (Arm ARM VTCR_EL2.SL0).
  Words8 s2_ste(S2Config c, int start_level, uint64_t ipa = kIpa, uint64_t pa = kData) {
    PageTable pt(*mem, *alloc, c.granule, 64 - c.t0sz, start_level);
    pt.map(ipa, pa, uint64_t{1} << c.granule, s2_leaf_bits({}));
    c.ttb = pt.root();
    return ste_stage2(c);
  }
  // The default stage 2 (4KB, S2T0SZ = 24: 40-bit IPA, S2SL0 = 1: start at level 1).
  Words8 s2_ste() { return s2_ste(S2Config{}, 1); }

  // A nested STE (Config 0b111): stage 2 maps the GB at 0x4000'0000 (table memory and kData) by identity
  // with one 1GB block, so the CD and stage-1 tables are reached through stage 2 at their PAs.
  Words8 nested_ste(S1Config s1) {
    PageTable pt(*mem, *alloc, 12, 40, 1);
    pt.map(0x4000'0000, 0x4000'0000, uint64_t{1} << 30, s2_leaf_bits({}));
    S2Config c;
    c.ttb = pt.root();
    return ste_nested(s1, c);
  }
  Words8 nested_ste() { return nested_ste({.context_ptr = s1_cd()}); }

  // Installs `ste` at kSid and runs a read of `addr`.
  Outcome run(const Words8& ste, uint64_t addr = kIpa, std::optional<uint32_t> ssid = std::nullopt) {
    strtab->set_ste(kSid, ste);
    return dma(kSid, addr, true, ssid);
  }
  // Bypass with overrides, returning the output attributes of a successful access.
  MemAttrs bypass_attrs(std::initializer_list<FieldValue> fields, bool read = true, bool priv = false,
                        bool instr = false) {
    Words8 st = ste_bypass();
    for (const FieldValue& fv : fields) fv.field.set(std::span<uint64_t>(st), fv.value);
    strtab->set_ste(kSid, st);
    Outcome o = dma(kSid, kData, read, std::nullopt, priv, instr);
    EXPECT_EQ(o.kind, OutcomeKind::Success) << format_outcome(o);
    return o.attrs;
  }
};

inline void expect_bad_ste(const Outcome& o, uint32_t sid = kSid) {
  expect_event(o, EventType::C_BAD_STE, {{event::StreamID, sid}, {event::SSV, 0}, {event::SubstreamID, 0}});
}

inline void expect_terminated(const Outcome& o) {
  EXPECT_EQ(o.kind, OutcomeKind::Terminated) << format_outcome(o);
  EXPECT_FALSE(o.event.has_value()) << format_outcome(o);
  EXPECT_FALSE(o.recorded);
}

inline MemAttrs attrs(uint8_t mair, uint8_t sh, bool instr = false, bool priv = false) {
  return MemAttrs{.mair = mair, .sh = sh, .instr = instr, .priv = priv};
}

}  // namespace smmu::test
