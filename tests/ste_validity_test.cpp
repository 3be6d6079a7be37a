// STE validity and overrides: see tests/ste_fixture.h for the sections covered.

#include "tests/ste_fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------------
// Stage-2 fields

TEST_F(SteTest, S2FieldsIgnoredWithStage2Disabled) {  // §5.2: S2-prefixed fields (not S2VMID) IGNORED, 0b10x
  Words8 st = with(s1_ste(), {{ste::S2TG, 3}, {ste::S2AA64, 0}, {ste::S2S, 1}, {ste::S2ENDI, 1}, {ste::S2HA, 1},
                              {ste::S2HD, 1}, {ste::S2T0SZ, 63}, {ste::S2SL0, 3}, {ste::S2TTB, ~0ull}});
  expect_success(run(st), kData);
}

TEST_F(SteTest, S2SIllegalWithTerminateOnlyStallModel) {  // §5.2.2: S2S == 1 ILLEGAL when STALL_MODEL == 0b01
  ASSERT_EQ(smmu->features().stall_model, 0b01);
  expect_bad_ste(run(with(s2_ste(), {{ste::S2S, 1}})));
  expect_bad_ste(run(with(nested_ste(), {{ste::S2S, 1}})));
  expect_success(run(with(ste_bypass(), {{ste::S2S, 1}}), 0x9000), 0x9000);  // §5.2 S2S: IGNORED, 0b10x
}

TEST_F(SteTest, S2AA64ZeroIllegalWithoutAArch32Tables) {  // §5.2 S2AA64: VMSAv8-32 ILLEGAL when TTF[0] == 0
  ASSERT_FALSE(smmu->features().ttf_aarch32);
  expect_bad_ste(run(with(s2_ste(), {{ste::S2AA64, 0}})));
  expect_bad_ste(run(with(nested_ste(), {{ste::S2AA64, 0}})));
}

TEST_F(SteTest, S2HaS2HdIllegalWithoutHttu) {  // §5.2 S2HA/S2HD: ILLEGAL when IDR0.HTTU == 0b00
  ASSERT_EQ(smmu->features().httu, 0);
  expect_bad_ste(run(with(s2_ste(), {{ste::S2HA, 1}})));
  expect_bad_ste(run(with(s2_ste(), {{ste::S2HD, 1}})));
  expect_bad_ste(run(with(s2_ste(), {{ste::S2HA, 1}, {ste::S2HD, 1}})));
}

TEST_F(SteTest, S2TGReservedIsIllegal) {  // §5.2 S2TG: 0b11 reserved, ILLEGAL
  expect_bad_ste(run(with(s2_ste(), {{ste::S2TG, 3}})));
}

TEST_F(SteTest, S2TGUnsupportedGranuleIsIllegal) {  // §5.2 S2TG: a granule IDR5 does not list is ILLEGAL
  // 16KB, S2T0SZ 24 (40-bit IPA), S2SL0 2: start level 1, 37..51 bits; consistent.
  const S2Config g16{.granule = 14, .t0sz = 24, .sl0 = 2};
  // 64KB, S2T0SZ 24, S2SL0 1: start level 2, 30..46 bits; consistent.
  const S2Config g64{.granule = 16, .t0sz = 24, .sl0 = 1};
  expect_success(run(s2_ste(g16, 1)), kData);
  expect_success(run(s2_ste(g64, 2)), kData);

  reset(with_features([](Features& f) { f.gran16k = false; }));
  expect_bad_ste(run(s2_ste(g16, 1)));
  reset(with_features([](Features& f) { f.gran64k = false; }));
  expect_bad_ste(run(s2_ste(g64, 2)));
  reset(with_features([](Features& f) { f.gran4k = false; }));
  expect_bad_ste(run(s2_ste()));
}

TEST_F(SteTest, S2TtbBeyondS2PsIsIllegal) {  // §5.2 S2TTB: outside the effective S2PS range is ILLEGAL
  expect_bad_ste(run(ste_stage2({.ttb = uint64_t{1} << 40, .ps = 2})));  // S2PS 0b010: 40 bits
  expect_bad_ste(run(ste_stage2({.ttb = uint64_t{1} << 42, .ps = 3})));  // S2PS 0b011: 42 bits
}

TEST_F(SteTest, S2TtbJustBelowS2PsIsLegal) {  // §5.2 S2TTB: the last tables below 2^S2PS are in range
  Allocator high((uint64_t{1} << 40) - 0x10000, uint64_t{1} << 40);
  PageTable pt(*mem, high, 12, 40, 1);
  pt.map(kIpa, kData, 4096, s2_leaf_bits({}));
  ASSERT_GT(pt.root(), uint64_t{1} << 39);
  expect_success(run(ste_stage2({.ttb = pt.root(), .ps = 2})), kData);
}

// §5.2 S2PS: eff_S2PS = MIN(S2PS, OAS), so an S2TTB inside S2PS but beyond the OAS is ILLEGAL.
TEST_F(SteTest, S2PsIsCappedByOasForS2Ttb) {
  reset(with_features([](Features& f) { f.oas = 0; }));  // 32 bits; IAS 32, so S2T0SZ >= 32
  expect_bad_ste(run(ste_stage2({.ttb = 0x1'0000'0000, .t0sz = 32, .sl0 = 1, .ps = 5})));
  expect_success(run(s2_ste({.t0sz = 32, .sl0 = 1, .ps = 5}, 1)), kData);  // tables below 2^32
}

TEST_F(SteTest, S2PsAboveOasIsNotIllegal) {  // §5.2 S2PS: a value above the OAS behaves as the cap
  ASSERT_EQ(smmu->features().oas_bits(), 48u);
  expect_success(run(s2_ste({.ps = 6}, 1)), kData);  // 52 bits
  expect_success(run(s2_ste({.ps = 7}, 1)), kData);  // 56 bits, reserved before v3.4
}

// §5.2 S2PS and §3.4 stage 2 check 2: the Address Size fault is against eff_S2PS = MIN(S2PS, OAS).
TEST_F(SteTest, S2PsCapAppliesToStage2Output) {
  reset(with_features([](Features& f) { f.oas = 0; }));
  Outcome o = run(s2_ste({.t0sz = 32, .sl0 = 1, .ps = 5}, 1, kIpa, 0x1'0000'0000));
  expect_event(o, EventType::F_ADDR_SIZE,
               {{event::S2, 1}, {event::CLASS, 2 /*IN*/}, {event::IPA, kIpa >> 12}, {event::InputAddr, kIpa}});
}

// §5.2 S2TTB: beyond 48 bits ILLEGAL with a 4KB or 16KB granule and S2DS == 0, even inside S2PS; a 64KB
// granule may use a 52-bit S2TTB.
TEST_F(SteTest, S2TtbBeyond48BitsNeeds64KGranule) {
  reset(with_features([](Features& f) { f.oas = 6; }));  // 52 bits
  const uint64_t high = uint64_t{1} << 48;
  expect_bad_ste(run(ste_stage2({.ttb = high, .granule = 12, .t0sz = 24, .sl0 = 1, .ps = 6})));
  expect_bad_ste(run(ste_stage2({.ttb = high, .granule = 14, .t0sz = 24, .sl0 = 2, .ps = 6})));
  // 64KB, 40-bit IPA, S2SL0 1: start level 2 resolving IPA[39:29]. One 512MB block descriptor at index 0
  // maps kIpa to 0x6000'0000 + kIpa.
  uint64_t block = s2_leaf_bits({});
  s2desc::Valid.set(block, 1);
  s2desc::Type.set(block, 0);
  s2desc::Address.set(block, 0x6000'0000 >> 12);
  mem->poke64(high, block);
  expect_success(run(ste_stage2({.ttb = high, .granule = 16, .t0sz = 24, .sl0 = 1, .ps = 6})), 0x6000'0000 + kIpa);
}

// §5.2 S2T0SZ (v3.1+): minimum MAX(16, 64 - IAS) for 4KB/16KB with S2DS == 0; out of range is ILLEGAL.
TEST_F(SteTest, S2T0SzBelowMinimumIsIllegal) {
  // IAS 48: minimum 16. 4KB, S2SL0 2 starts at level 0, consistent for 40..52-bit IPAs.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 15, .sl0 = 2})));
  expect_success(run(s2_ste({.t0sz = 16, .sl0 = 2}, 0)), kData);
}

TEST_F(SteTest, S2T0SzMinimumFollowsIas) {  // §5.2 S2T0SZ: minimum 64 - IAS when IAS < 48
  reset(with_features([](Features& f) { f.oas = 0; }));  // IAS 32
  // 4KB, S2SL0 1: level 1, consistent for 31..43-bit IPAs, so only the minimum rejects S2T0SZ 31.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 31, .sl0 = 1, .ps = 0})));
  expect_success(run(s2_ste({.t0sz = 32, .sl0 = 1, .ps = 0}, 1)), kData);
}

TEST_F(SteTest, S2T0SzMinimumIsTwelveFor64K) {  // §5.2 S2T0SZ: 64KB minimum MAX(12, 64 - IAS)
  reset(with_features([](Features& f) { f.oas = 6; }));  // IAS 52
  // 64KB, S2SL0 2: start level 1, consistent for 43..59-bit IPAs.
  expect_success(run(s2_ste({.granule = 16, .t0sz = 12, .sl0 = 2, .ps = 6}, 1)), kData);
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 16, .t0sz = 11, .sl0 = 2, .ps = 6})));
  // 4KB keeps the minimum of 16 (S2DS == 0): S2T0SZ 15 at level 0 (40..52 bits) is ILLEGAL.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 12, .t0sz = 15, .sl0 = 2, .ps = 6})));
}

TEST_F(SteTest, S2T0SzMaximumWithoutStt) {  // §5.2 S2T0SZ: maximum 39 when IDR3.STT == 0
  ASSERT_FALSE(smmu->features().stt);
  // 4KB, S2SL0 0: start level 2, consistent for 22..34-bit IPAs.
  expect_success(run(s2_ste({.t0sz = 39, .sl0 = 0}, 2, 0x5000), 0x5000), kData);
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 40, .sl0 = 0})));
}

TEST_F(SteTest, S2T0SzMaximumWithStt) {  // §5.2 S2T0SZ: with STT, maximum 48 (4KB/16KB) or 47 (64KB)
  reset(with_features([](Features& f) { f.stt = true; }));
  expect_success(run(s2_ste({.t0sz = 40, .sl0 = 0}, 2, 0x5000), 0x5000), kData);
  // 4KB, S2SL0 3: start level 3 (FEAT_TTST), consistent for 13..25-bit IPAs.
  expect_success(run(s2_ste({.t0sz = 48, .sl0 = 3}, 3, 0x5000), 0x5000), kData);
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 49, .sl0 = 3})));
  // 64KB, S2SL0 0: start level 3, consistent for 17..33-bit IPAs.
  expect_success(run(s2_ste({.granule = 16, .t0sz = 47, .sl0 = 0}, 3, 0x1'0000), 0x1'0000), kData);
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 16, .t0sz = 48, .sl0 = 0})));
}

// §5.2 S2SL0: ILLEGAL when inconsistent with S2T0SZ and S2TG (Arm ARM S2InconsistentSL: the start level
// resolves between 1 and stride + 4 bits).
TEST_F(SteTest, S2Sl0InconsistentIsIllegal) {
  // 4KB, 40-bit IPA: level 2 (S2SL0 0) resolves at most 21 + 9 + 4 = 34 bits.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 24, .sl0 = 0})));
  // 4KB, 30-bit IPA: level 0 (S2SL0 2) needs at least 40 bits.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 34, .sl0 = 2})));
  // 64KB, 40-bit IPA: level 3 (S2SL0 0) resolves at most 16 + 13 + 4 = 33 bits.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 16, .t0sz = 24, .sl0 = 0})));
  // 16KB, 40-bit IPA: level 3 (S2SL0 0) resolves at most 14 + 11 + 4 = 29 bits; level 2 (S2SL0 1) is fine.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 14, .t0sz = 24, .sl0 = 0})));
  expect_success(run(s2_ste({.granule = 14, .t0sz = 24, .sl0 = 1}, 2)), kData);
}

TEST_F(SteTest, S2Sl0ReservedEncodingsAreIllegal) {  // §5.2 S2SL0 (VTCR_EL2.SL0): reserved encodings
  // 4KB SL0 0b11 (level 3) needs FEAT_TTST; a 25-bit IPA would be consistent at level 3.
  ASSERT_FALSE(smmu->features().stt);
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 39, .sl0 = 3})));
  // 64KB SL0 0b11 is reserved; 16KB SL0 0b11 (level 0) needs S2DS == 1.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 16, .t0sz = 24, .sl0 = 3})));
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 14, .t0sz = 16, .sl0 = 3})));
}

// specs/unpredictable.def S2SL0_PAMAX: the Arm ARM's S2InvalidSL rejects a 4KB level-0 start below a 44-bit
// PA size and a 16KB level-1 start below 42 bits; the model takes the OAS as that PA size.
TEST_F(SteTest, S2Sl0DeepStartNeedsALargeEnoughOas) {
  Features f;
  f.oas = 2;  // 40-bit PA, IAS 40
  reset(f);
  // 4KB, 40-bit IPA, SL0 2 (level 0, consistent for 40..52 bits) but the PA size is below 44 bits.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .t0sz = 24, .sl0 = 2, .ps = 2})));
  // 16KB, 40-bit IPA, SL0 2 (level 1, 37..51 bits) is invalid below 42 bits; 64KB SL0 2 below 44 bits.
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 14, .t0sz = 24, .sl0 = 2, .ps = 2})));
  expect_bad_ste(run(ste_stage2({.ttb = 0x4000'0000, .granule = 16, .t0sz = 24, .sl0 = 2, .ps = 2})));
  // The same 4KB configuration starting at level 1 (SL0 1, two concatenated tables) is valid.
  expect_success(run(s2_ste({.t0sz = 24, .sl0 = 1, .ps = 2}, 1)), kData);
  // With a 42-bit OAS the 16KB level-1 start becomes valid (37..51 bits, IPA 42 bits).
  f.oas = 3;
  reset(f);
  expect_success(run(s2_ste({.granule = 14, .t0sz = 22, .sl0 = 2, .ps = 3}, 1)), kData);
}

TEST_F(SteTest, S2EndiBigEndianIllegalOnLittleEndianOnly) {  // §5.2 S2ENDI: unimplemented endianness ILLEGAL
  ASSERT_EQ(smmu->features().ttendian, 0b10);
  expect_bad_ste(run(with(s2_ste(), {{ste::S2ENDI, 1}})));
  expect_bad_ste(run(with(nested_ste(), {{ste::S2ENDI, 1}})));
  expect_success(run(with(s1_ste(), {{ste::S2ENDI, 1}})), kData);  // IGNORED with stage 2 disabled
}

// ---------------------------------------------------------------------------------------------------------
// S2VMID (§5.2 S2VMID, §5.2.2 IgnoreSTES2VMID)

TEST_F(SteTest, S2VmidUpperBitsIllegalWithoutVmid16) {  // S2VMID[15:8] != 0 ILLEGAL when VMID16 == 0
  reset(with_features([](Features& f) { f.vmid16 = false; }));
  expect_bad_ste(run(s2_ste({.vmid = 0x100}, 1)));
  expect_success(run(s2_ste({.vmid = 0xff}, 1)), kData);
}

TEST_F(SteTest, S2VmidIgnoredInBypass) {  // IgnoreSTES2VMID: Config 0b100 -> IGNORED, the same bits are legal
  reset(with_features([](Features& f) { f.vmid16 = false; }));
  expect_success(run(with(ste_bypass(), {{ste::S2VMID, 0x1234}}), 0x9000), 0x9000);
}

TEST_F(SteTest, S2VmidUsedByStage1OnlyInEl1) {  // S2P == 1, NS-EL1, stage 1 translates: S2VMID tags, checked
  reset(with_features([](Features& f) { f.vmid16 = false; }));
  expect_bad_ste(run(with(s1_ste(), {{ste::S2VMID, 0x100}})));
  expect_success(run(with(s1_ste(), {{ste::S2VMID, 0xff}})), kData);
}

TEST_F(SteTest, S2VmidIgnoredForEl2StreamWorld) {  // IgnoreSTES2VMID: STRW != 0b00 and used -> IGNORED
  reset(with_features([](Features& f) { f.vmid16 = false; }));
  expect_success(run(with(s1_ste(), {{ste::STRW, 0b10}, {ste::S2VMID, 0x100}})), kData);
}

TEST_F(SteTest, S2VmidIgnoredWithoutStage2) {  // IgnoreSTES2VMID: NS and IDR0.S2P == 0 -> IGNORED
  reset(with_features([](Features& f) {
    f.vmid16 = false;
    f.s2p = false;
  }));
  expect_success(run(with(s1_ste(), {{ste::S2VMID, 0x100}})), kData);
}

// ---------------------------------------------------------------------------------------------------------
// Attribute overrides in bypass (§13.3, §13.1.3 defaults, §13.1.4 Replace, §13.1.7 consistency).
// Default input: Normal iWB-oWB, RA, WA, nTR, NSH, Data, Unprivileged: MAIR 0xFF.

TEST_F(SteTest, BypassWithoutOverridesUsesIncomingAttributes) {  // §13.1.3; §13.1.2 writes are Data
  EXPECT_EQ(bypass_attrs({}), attrs(0xff, 0));
  EXPECT_EQ(bypass_attrs({}, true, /*priv=*/true, /*instr=*/true), attrs(0xff, 0, true, true));
  EXPECT_EQ(bypass_attrs({}, /*read=*/false, true, /*instr=*/true), attrs(0xff, 0, false, true));
}

TEST_F(SteTest, MtcfgDeviceTypes) {  // §5.2 MemAttr (stage-2 encoding 0b00dd); §13.1.7 Device is OSH
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0000}, {ste::SHCFG, 3}}), attrs(0x00, 2));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0001}, {ste::SHCFG, 3}}), attrs(0x04, 2));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0010}, {ste::SHCFG, 0}}), attrs(0x08, 2));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0011}, {ste::SHCFG, 1}}), attrs(0x0c, 2));
}

TEST_F(SteTest, MtcfgReservedEncodingsAreDeviceNGnRnE) {  // §5.2 MemAttr: 0b0100/0b1000/0b1100 -> nGnRnE
  for (unsigned m : {0b0100u, 0b1000u, 0b1100u}) {
    SCOPED_TRACE(m);
    EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, m}, {ste::SHCFG, 3}}), attrs(0x00, 2));
  }
}

TEST_F(SteTest, MtcfgNormalTypes) {  // §5.2 MemAttr: [3:2] outer, [1:0] inner; 01 NC, 10 WT, 11 WB
  // Cacheable levels keep the incoming RA, WA, nTR hints (§13.1.4); iNC-oNC is always OSH (§13.1.7).
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b1111}, {ste::SHCFG, 3}}), attrs(0xff, 3));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b1010}, {ste::SHCFG, 3}}), attrs(0xbb, 3));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0101}, {ste::SHCFG, 3}}), attrs(0x44, 2));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0110}, {ste::SHCFG, 3}}), attrs(0x4b, 3));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b1101}, {ste::SHCFG, 0}}), attrs(0xf4, 0));
}

TEST_F(SteTest, ShcfgOverridesShareability) {  // §5.2 SHCFG: 00 NSH, 01 incoming, 10 OSH, 11 ISH
  EXPECT_EQ(bypass_attrs({{ste::SHCFG, 0}}), attrs(0xff, 0));
  EXPECT_EQ(bypass_attrs({{ste::SHCFG, 1}}), attrs(0xff, 0));  // incoming default: NSH (§13.1.3)
  EXPECT_EQ(bypass_attrs({{ste::SHCFG, 2}}), attrs(0xff, 2));
  EXPECT_EQ(bypass_attrs({{ste::SHCFG, 3}}), attrs(0xff, 3));
}

// §5.2 ALLOCCFG 0b1RWT sets RA, WA, TR at both levels (used with MTCFG = 1: without it, ALLOCCFG's effect
// is CONSTRAINED UNPREDICTABLE). MAIR nibbles: WB nTR 0b11RW, WB transient 0b01RW.
TEST_F(SteTest, AlloccfgOverridesAllocationHints) {
  auto wb = [&](unsigned alloccfg) {
    return bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b1111}, {ste::ALLOCCFG, alloccfg}}).mair;
  };
  EXPECT_EQ(wb(0b0111), 0xff);  // 0b0xxx: incoming RA, WA, nTR
  EXPECT_EQ(wb(0b1110), 0xff);  // RA, WA, nTR
  EXPECT_EQ(wb(0b1100), 0xee);  // RA, nWA, nTR
  EXPECT_EQ(wb(0b1000), 0xcc);  // no allocation
  EXPECT_EQ(wb(0b1101), 0x66);  // RA, nWA, transient
  EXPECT_EQ(wb(0b1011), 0x55);  // nRA, WA, transient
  EXPECT_EQ(wb(0b1001), 0xcc);  // transient no-allocate is non-transient (§5.2 ALLOCCFG note, §13.1.7)
}

TEST_F(SteTest, AlloccfgOnlyAffectsCacheableLevels) {  // §5.2 ALLOCCFG: no effect on Device or NC
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0001}, {ste::ALLOCCFG, 0b1111}}), attrs(0x04, 2));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0101}, {ste::ALLOCCFG, 0b1000}}), attrs(0x44, 2));
  // oNC-iWT: only the inner level takes nRA, WA, nTR (WT nTR 0b10RW = 0b1001).
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0110}, {ste::ALLOCCFG, 0b1010}}).mair, 0x49);
}

TEST_F(SteTest, PrivcfgOverridesPrivilege) {  // §5.2 PRIVCFG: 00 incoming, 01 as 00, 10 unpriv, 11 priv
  EXPECT_FALSE(bypass_attrs({{ste::PRIVCFG, 0b00}}, true, /*priv=*/false).priv);
  EXPECT_TRUE(bypass_attrs({{ste::PRIVCFG, 0b00}}, true, /*priv=*/true).priv);
  EXPECT_TRUE(bypass_attrs({{ste::PRIVCFG, 0b01}}, true, /*priv=*/true).priv);
  EXPECT_FALSE(bypass_attrs({{ste::PRIVCFG, 0b01}}, true, /*priv=*/false).priv);
  EXPECT_FALSE(bypass_attrs({{ste::PRIVCFG, 0b10}}, true, /*priv=*/true).priv);
  EXPECT_TRUE(bypass_attrs({{ste::PRIVCFG, 0b11}}, true, /*priv=*/false).priv);
  EXPECT_TRUE(bypass_attrs({{ste::PRIVCFG, 0b11}}, /*read=*/false, /*priv=*/false).priv);  // writes too
}

TEST_F(SteTest, InstcfgOverridesReadsOnly) {  // §5.2 INSTCFG: 00 incoming, 01 as 00, 10 Data, 11 Instruction
  EXPECT_TRUE(bypass_attrs({{ste::INSTCFG, 0b00}}, true, false, /*instr=*/true).instr);
  EXPECT_TRUE(bypass_attrs({{ste::INSTCFG, 0b01}}, true, false, /*instr=*/true).instr);
  EXPECT_FALSE(bypass_attrs({{ste::INSTCFG, 0b01}}, true, false, /*instr=*/false).instr);
  EXPECT_FALSE(bypass_attrs({{ste::INSTCFG, 0b10}}, true, false, /*instr=*/true).instr);
  EXPECT_TRUE(bypass_attrs({{ste::INSTCFG, 0b11}}, true, false, /*instr=*/false).instr);
  // §13.1.2, Table 13.4: INSTCFG is ignored for writes, which are always Data.
  EXPECT_FALSE(bypass_attrs({{ste::INSTCFG, 0b11}}, /*read=*/false, false, false).instr);
  EXPECT_FALSE(bypass_attrs({{ste::INSTCFG, 0b11}}, /*read=*/false, false, /*instr=*/true).instr);
}

// §5.2 MTCFG/MemAttr, ALLOCCFG, SHCFG: RES0 and the incoming attribute used when IDR1.ATTR_TYPES_OVR == 0.
TEST_F(SteTest, TypeOverridesAbsentWithoutAttrTypesOvr) {
  reset(with_features([](Features& f) { f.attr_types_ovr = false; }));
  EXPECT_EQ(bypass_attrs({{ste::MTCFG, 1}, {ste::MemAttr, 0b0001}, {ste::SHCFG, 3}, {ste::ALLOCCFG, 0b1000},
                          {ste::PRIVCFG, 0b11}, {ste::INSTCFG, 0b11}}),
            attrs(0xff, 0, /*instr=*/true, /*priv=*/true));  // PRIV/INST overrides still apply
}

// §5.2 PRIVCFG, INSTCFG: RES0 and the incoming attribute used when IDR1.ATTR_PERMS_OVR == 0.
TEST_F(SteTest, PermOverridesAbsentWithoutAttrPermsOvr) {
  reset(with_features([](Features& f) { f.attr_perms_ovr = false; }));
  EXPECT_EQ(bypass_attrs({{ste::PRIVCFG, 0b11}, {ste::INSTCFG, 0b11}, {ste::MTCFG, 1}, {ste::MemAttr, 0b0001}}),
            attrs(0x04, 2, false, false));  // the type override still applies
  EXPECT_EQ(bypass_attrs({{ste::PRIVCFG, 0b10}, {ste::INSTCFG, 0b10}}, true, /*priv=*/true, /*instr=*/true),
            attrs(0xff, 0, true, true));
}

// ---------------------------------------------------------------------------------------------------------
// Post-override PRIV/INST in stage-1 translation (§13.1.4, §7.3.13: InD/PnU are the post-STE-override
// values; InD == 0 when RnW == 0).

TEST_F(SteTest, Stage1FaultRecordsOverriddenPnUAndInD) {
  Words8 st = with(s1_ste(), {{ste::PRIVCFG, 0b11}, {ste::INSTCFG, 0b11}});
  strtab->set_ste(kSid, st);
  const uint64_t unmapped = kIpa + 0x20'0000;  // another level-2 entry: no table
  expect_event(dma(kSid, unmapped, /*read=*/true), EventType::F_TRANSLATION,
               {{event::S2, 0}, {event::CLASS, 2}, {event::RnW, 1}, {event::PnU, 1}, {event::InD, 1},
                {event::InputAddr, unmapped}, {event::SSV, 0}});
  expect_event(dma(kSid, unmapped, /*read=*/false, std::nullopt, false, /*instr=*/true), EventType::F_TRANSLATION,
               {{event::RnW, 0}, {event::PnU, 1}, {event::InD, 0}});
  strtab->set_ste(kSid, with(s1_ste(), {{ste::PRIVCFG, 0b10}, {ste::INSTCFG, 0b10}}));
  expect_event(dma(kSid, unmapped, true, std::nullopt, /*priv=*/true, /*instr=*/true), EventType::F_TRANSLATION,
               {{event::RnW, 1}, {event::PnU, 0}, {event::InD, 0}});
}

// §13.1.1: PRIV is checked against the stage-1 permissions after the STE override. AP[2:1] = 0b00 grants
// read/write at EL1 only.
TEST_F(SteTest, PrivcfgDecidesStage1Permission) {
  Words8 st = ste_stage1({.context_ptr = s1_cd(kIpa, kData, S1Leaf{.ap = 0b00})});
  expect_event(run(st), EventType::F_PERMISSION, {{event::S2, 0}, {event::CLASS, 2}, {event::PnU, 0}});
  expect_success(run(with(st, {{ste::PRIVCFG, 0b11}})), kData);
}

// §13.1.1: INST is checked against execute permission after the STE override; UXN = 1 forbids EL0 fetches.
TEST_F(SteTest, InstcfgDecidesStage1Permission) {
  Words8 st = ste_stage1({.context_ptr = s1_cd(kIpa, kData, S1Leaf{.uxn = true})});
  expect_success(run(st), kData);
  expect_event(run(with(st, {{ste::INSTCFG, 0b11}})), EventType::F_PERMISSION,
               {{event::S2, 0}, {event::InD, 1}, {event::PnU, 0}, {event::RnW, 1}});
}

}  // namespace
}  // namespace smmu::test
