// CD validity, EPD, fault gates and nested CDs: see tests/cd_fixture.h for the sections covered.

#include "tests/cd_fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------
// CdIllegal (§5.4.2): each condition against a CD that is otherwise valid

TEST_F(CdTest, InvalidCdIsBadCd) {  // §5.4 V: V == 0 -> C_BAD_CD, the rest of the CD IGNORED
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::V, 0}})));
}

TEST_F(CdTest, AbortFlagClearWithTermModelIsBadCd) {  // §5.4.2, §5.5: TERM_MODEL == 1 && CD.A == 0
  expect_success(run_cd(cd_to(kPa0, CdConfig{.abort = false})), kPa0);  // legal with TERM_MODEL == 0
  reset_with([](Features& f) { f.term_model = true; });
  expect_success(run_cd(cd_to(kPa0)), kPa0);
  expect_bad_cd(run_cd(cd_to(kPa0, CdConfig{.abort = false})));
}

TEST_F(CdTest, StallWithoutStallSupportIsBadCd) {  // §5.4.2, §5.5: STALL_MODEL == 0b01 && CD.S == 1
  ASSERT_EQ(smmu->features().stall_model, 1);
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::S, 1}})));
}

// §5.4.2 has "STE.S1STALLD == 1 && CD.S == 1" ILLEGAL, but with STALL_MODEL != 0b00 the STE itself is
// ILLEGAL (§5.2.2, §5.5), so C_BAD_STE is raised before any CD is read. This model implements only
// STALL_MODEL = 0b01 (ReferenceSmmu::implemented()), so the CD rule is unobservable here.
TEST_F(CdTest, S1StalldWithoutStallSupportIsBadSteBeforeTheCd) {  // §5.5: STALL_MODEL != 0 && S1STALLD == 1
  ASSERT_EQ(smmu->features().stall_model, 1);
  const uint64_t cd_pa = place_cd(with(cd_to(kPa0), {{cd::S, 1}}));
  mem->add_abort_range(cd_pa, 64);  // a CD fetch would show as F_CD_FETCH
  strtab->set_ste(1, with(ste_stage1(S1Config{.context_ptr = cd_pa}), {{ste::S1STALLD, 1}}));
  expect_event(dma(1, kVa), EventType::C_BAD_STE, {{event::StreamID, 1}});
}

TEST_F(CdTest, BigEndianOnLittleEndianOnlySmmuIsBadCd) {  // §5.4 ENDI: ILLEGAL with TTENDIAN == 0b10
  ASSERT_EQ(smmu->features().ttendian, 0b10);
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::ENDI, 1}})));
  // ENDI is still checked while one TTB is enabled (here TTB1 with EPD0 = 1 and EPD1 = 0).
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = false}), {{cd::ENDI, 1}, {cd::EPD0, 1}})));
}

TEST_F(CdTest, EndiIgnoredWhenBothTtbsDisabled) {  // §5.4 ENDI: IGNORED if effective EPD0 == EPD1 == 1
  Outcome o = run_cd(with(cd_to(kPa0), {{cd::ENDI, 1}, {cd::EPD0, 1}}));
  // The CD is legal; the TTB0 address meets EPD0 = 1: F_TRANSLATION (§5.4.1.1).
  expect_event(o, EventType::F_TRANSLATION, {{event::StreamID, 1}, {event::S2, 0}, {event::CLASS, 2}});
}

TEST_F(CdTest, Vmsa32WithoutAarch32SupportIsBadCd) {  // §5.4 AA64: VMSAv8-32 ILLEGAL when IDR0.TTF[0] == 0
  ASSERT_FALSE(smmu->features().ttf_aarch32);
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::AA64, 0}})));
}

TEST_F(CdTest, HardwareUpdateWithoutHttuIsBadCd) {  // §5.4 HA/HD, §5.4.2: HA or HD with IDR0.HTTU == 0b00
  ASSERT_EQ(smmu->features().httu, 0);
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::HA, 1}})));
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::HD, 1}})));
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::HA, 1}, {cd::HD, 1}})));
}

TEST_F(CdTest, WideAsidWithoutAsid16IsBadCd) {  // §5.4 ASID: ASID[15:8] != 0 ILLEGAL when ASID16 == 0 (NS-EL1)
  reset_with([](Features& f) { f.asid16 = false; });
  expect_success(run_cd(cd_to(kPa0, CdConfig{.asid = 0xFF})), kPa0);
  expect_bad_cd(run_cd(cd_to(kPa0, CdConfig{.asid = 0x100})));
}

TEST_F(CdTest, WideAsidIsIgnoredInEl2StreamWorld) {  // §5.4 ASID: IGNORED if StreamWorld == any-EL2
  reset_with([](Features& f) { f.asid16 = false; });
  ASSERT_TRUE(smmu->features().hyp);
  set_cr2(/*recinvsid=*/true, /*e2h=*/false);
  single_cd(10, cd_to(kPa0, CdConfig{.asid = 0x1234}), S1Config{.strw = 0b10});
  expect_success(dma(10, kVa), kPa0);
}

TEST_F(CdTest, WideAsidIsCheckedInEl2E2hStreamWorld) {  // §5.4.2: ASID check applies to any-EL2-E2H
  reset_with([](Features& f) { f.asid16 = false; });
  set_cr2(/*recinvsid=*/true, /*e2h=*/true);
  single_cd(10, cd_to(kPa0, CdConfig{.asid = 0x1234}), S1Config{.strw = 0b10});
  expect_bad_cd(dma(10, kVa), 10);
}

TEST_F(CdTest, T0szBelowSixteenIsBadCd) {  // §5.4 T0SZ: minimum 16 (IDR5.VAX == 0)
  expect_success(run_cd(cd_to(kPa0, CdConfig{.t0sz = 16})), kPa0);  // 48-bit VA, walk from level 0
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.t0sz = 16}), {{cd::T0SZ, 15}})));
}

TEST_F(CdTest, T0szAboveThirtyNineIsBadCd) {  // §5.4 T0SZ: maximum 39 when IDR3.STT == 0
  expect_success(run_cd(cd_to(kPa0, CdConfig{.t0sz = 39})), kPa0);  // 25-bit VA, walk from level 2
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.t0sz = 39}), {{cd::T0SZ, 40}})));
}

TEST_F(CdTest, SmallTranslationTablesRaiseT0szMaximum) {  // §5.4 T0SZ: STT == 1 -> 48 (4KB/16KB), 47 (64KB)
  reset_with([](Features& f) { f.stt = true; });
  const uint64_t va = 0x3000;  // inside a 16-bit VA range
  expect_success(run_cd(cd_to(kPa0, CdConfig{.t0sz = 48}, va), va), kPa0);
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.t0sz = 48}, va), {{cd::T0SZ, 49}}), va));
  const uint64_t va64 = 0;  // the first 64KB page of a 17-bit VA range
  expect_success(run_cd(cd_to(kPa0, CdConfig{.granule0 = 16, .t0sz = 47}, va64), va64), kPa0);
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.granule0 = 16, .t0sz = 47}, va64), {{cd::T0SZ, 48}}), va64));
}

// §5.4 T0SZ/T1SZ (= TCR_ELx.TxSZ): TTB0 covers [0, 2^(64-T0SZ)) and TTB1 [2^64 - 2^(64-T1SZ), 2^64). §3.4.1's
// example: with a 49-bit VA range (T0SZ = T1SZ = 16) 0x0000FFFFFFFFFFFF and 0xFFFF000000000000 are in range,
// 0x0001000000000000 and 0xFFFE000000000000 are not.
TEST_F(CdTest, TxszRegionCoversTheWholeInputSize) {
  const uint64_t top0 = 0x0000'FFFF'FFFF'F000, bottom1 = 0xFFFF'0000'0000'0000;
  const uint64_t root1 = s1_tables(bottom1, kPa1, 12, 48);
  const Words8 cd = cd_to(kPa0, CdConfig{.t0sz = 16, .epd1 = false, .ttb1 = root1, .t1sz = 16}, top0);
  expect_success(run_cd(cd, top0 + 0xfff), kPa0 + 0xfff);
  expect_success(run_cd(cd, bottom1), kPa1);
  expect_event(run_cd(cd, 0x0001'0000'0000'0000), EventType::F_TRANSLATION, {{event::StreamID, 1}});
  expect_event(run_cd(cd, 0xFFFE'FFFF'FFFF'F000), EventType::F_TRANSLATION, {{event::StreamID, 1}});
}

TEST_F(CdTest, Ttb0RegionTopHalfTranslates) {  // §5.4 T0SZ: T0SZ = 25 covers [0, 2^39), VA[38] may be 1
  const uint64_t va = 0x40'0000'0000;
  expect_success(run_cd(cd_to(kPa0, CdConfig{}, va), va), kPa0);
}

TEST_F(CdTest, T1szOutOfRangeIsBadCdOnlyWhenTtb1Enabled) {  // §5.4 T1SZ, §5.4.1.1: IGNORED if EPD1 == 1
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = false}), {{cd::T1SZ, 40}})));
  expect_success(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = true}), {{cd::T1SZ, 40}})), kPa0);
}

TEST_F(CdTest, ReservedGranuleIsBadCd) {  // §5.4 TG0 0b11 and TG1 0b00 are Reserved: ILLEGAL
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::TG0, 3}})));
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = false}), {{cd::TG1, 0}})));
  expect_success(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = true}), {{cd::TG1, 0}})), kPa0);
}

TEST_F(CdTest, UnsupportedGranuleIsBadCd) {  // §5.4 TG0/TG1: a granule not in IDR5 is ILLEGAL unless EPDx == 1
  reset_with([](Features& f) { f.gran16k = false; });
  // TG0 = 16KB (encoding 0b10).
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::TG0, 2}})));
  // TG1 = 16KB (encoding 0b01) with TTB1 enabled, then disabled.
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = false}), {{cd::TG1, 1}})));
  expect_success(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = true}), {{cd::TG1, 1}})), kPa0);
}

TEST_F(CdTest, Unsupported4KbAnd64KbGranulesAreBadCd) {  // §5.4 TG0: GRAN4K / GRAN64K
  reset_with([](Features& f) { f.gran4k = false; });
  expect_bad_cd(run_cd(with(cd_to(kPa0), {{cd::EPD1, 1}})));  // TG0 = 4KB
  reset_with([](Features& f) { f.gran64k = false; });
  expect_bad_cd(run_cd(cd_to(kPa0, CdConfig{.granule0 = 16})));
}

TEST_F(CdTest, Ttb0BeyondIpsIsBadCd) {  // §5.4 TTB0: ILLEGAL outside the effective IPS (here 40 bits)
  const Words8 cd = cd_to(kPa0);  // IPS = 0b010
  expect_bad_cd(run_cd(with(cd, {{cd::TTB0, (uint64_t{1} << 40) >> 4}})));
  // The last 4KB below 2^40 is in range: the CD is legal and the walk reads an empty table.
  expect_event(run_cd(with(cd, {{cd::TTB0, ((uint64_t{1} << 40) - 0x1000) >> 4}})), EventType::F_TRANSLATION,
               {{event::StreamID, 1}, {event::S2, 0}});
}

TEST_F(CdTest, Ttb0RangeUsesIpsCappedAtOas) {  // §5.4 IPS: eff_IPS = MIN(CD.IPS, IDR5.OAS)
  // 64KB granule so that only the IPS rule applies; IPS = 0b110 (52 bits) capped to the 48-bit OAS.
  const Words8 cd = with(cd_to(kPa0, CdConfig{.granule0 = 16, .ips = 6}), {{cd::TTB0, (uint64_t{1} << 48) >> 4}});
  expect_bad_cd(run_cd(cd));
  reset_with([](Features& f) { f.oas = 6; });  // 52-bit OAS: the same CD is legal
  expect_event(run_cd(cd), EventType::F_TRANSLATION, {{event::StreamID, 1}, {event::S2, 0}});
}

TEST_F(CdTest, TtbBeyond48BitsWithSmallGranuleIsBadCd) {  // §5.4 TTB0: 48-bit limit with DS == 0 and TG0 < 64KB
  reset_with([](Features& f) { f.oas = 6; });
  const uint64_t ttb = uint64_t{1} << 48;  // inside the 52-bit effective IPS
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.ips = 6}), {{cd::TTB0, ttb >> 4}})));
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.granule0 = 14, .ips = 6}), {{cd::TTB0, ttb >> 4}})));
  expect_event(run_cd(with(cd_to(kPa0, CdConfig{.granule0 = 16, .ips = 6}), {{cd::TTB0, ttb >> 4}})),
               EventType::F_TRANSLATION, {{event::StreamID, 1}});
}

TEST_F(CdTest, Ttb1BeyondIpsIsBadCdOnlyWhenEnabled) {  // §5.4 TTB1, §5.4.1.1: IGNORED if EPD1 == 1
  const uint64_t ttb1 = uint64_t{1} << 40;
  expect_bad_cd(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = false}), {{cd::TTB1, ttb1 >> 4}})));
  expect_success(run_cd(with(cd_to(kPa0, CdConfig{.epd1 = true}), {{cd::TTB1, ttb1 >> 4}})), kPa0);
}

TEST_F(CdTest, Epd0SkipsTtb0Checks) {  // §5.4.1.1: validity checks are not performed on fields EPD0 disables
  const uint64_t root1 = s1_tables(kVaHigh, kPa1);
  Words8 cd = make_cd(CdConfig{.epd1 = false, .ttb1 = root1});
  cd = with(cd, {{cd::EPD0, 1}, {cd::T0SZ, 0}, {cd::TG0, 3}, {cd::TTB0, (uint64_t{1} << 50) >> 4}});
  expect_success(run_cd(cd, kVaHigh), kPa1);
}

TEST_F(CdTest, Epd0FaultsTtb0Addresses) {  // §5.4 EPD0, §5.4.1.1: a TTB0 address -> F_TRANSLATION, no walk
  const uint64_t root1 = s1_tables(kVaHigh, kPa1);
  const Words8 cd = with(cd_to(kPa0, CdConfig{.epd1 = false, .ttb1 = root1}), {{cd::EPD0, 1}});
  expect_success(run_cd(cd, kVaHigh), kPa1);
  expect_event(run_cd(cd, kVa), EventType::F_TRANSLATION,
               {{event::StreamID, 1}, {event::S2, 0}, {event::CLASS, 2}, {event::InputAddr, kVa}});
}

TEST_F(CdTest, Epd1FaultsTtb1Addresses) {  // §5.4 EPD1, §5.4.1.1: a TTB1 address -> F_TRANSLATION
  const uint64_t root1 = s1_tables(kVaHigh, kPa1);
  const Words8 cd = cd_to(kPa0, CdConfig{.epd1 = true, .ttb1 = root1});
  expect_success(run_cd(cd, kVa), kPa0);
  expect_event(run_cd(cd, kVaHigh), EventType::F_TRANSLATION,
               {{event::StreamID, 1}, {event::S2, 0}, {event::CLASS, 2}, {event::InputAddr, kVaHigh}});
  // Without EPD1 the same address translates through TTB1.
  expect_success(run_cd(with(cd, {{cd::EPD1, 0}}), kVaHigh), kPa1);
}

TEST_F(CdTest, Epd0IsIgnoredInEl2StreamWorld) {  // §5.4 EPD0: IGNORED (effective 0) for StreamWorld any-EL2
  set_cr2(/*recinvsid=*/true, /*e2h=*/false);
  single_cd(10, with(cd_to(kPa0), {{cd::EPD0, 1}}), S1Config{.strw = 0b10});
  expect_success(dma(10, kVa), kPa0);
}

TEST_F(CdTest, El2CdWithRes0Ttb1FieldsIsLegal) {  // §5.4.1: TTB1 unreachable in any-EL2, its fields RES0
  set_cr2(/*recinvsid=*/true, /*e2h=*/false);
  // TG1 = 0b00 would be a Reserved granule and T1SZ = 0 out of range if TTB1 were checked.
  const Words8 cd = with(cd_to(kPa0), {{cd::EPD1, 0}, {cd::TG1, 0}, {cd::T1SZ, 0}, {cd::IR1, 0}, {cd::OR1, 0},
                                       {cd::SH1, 0}, {cd::TTB1, 0}});
  single_cd(10, cd, S1Config{.strw = 0b10});
  expect_success(dma(10, kVa), kPa0);
}

// ---------------------------------------------------------------------------------------------------
// Fault configuration: CD.R and CD.A (§5.5)

TEST_F(CdTest, RecordClearSuppressesTranslationFault) {  // §5.5 R: suppresses the four translation-related faults
  const Words8 cd = cd_to(kPa0, CdConfig{.record = false});
  expect_event(run_cd(cd, kVa + 0x1000), EventType::F_TRANSLATION, {{event::StreamID, 1}}, /*recorded=*/false);
  expect_success(run_cd(cd, kVa), kPa0);
}

TEST_F(CdTest, RecordClearSuppressesPermissionFault) {  // §5.5 R: F_PERMISSION
  const Words8 ro = cd_to(kPa0, CdConfig{.record = false}, kVa, S1Leaf{.ap = 0b11});  // read-only
  expect_success(run_cd(ro, kVa, /*read=*/true), kPa0);
  expect_event(run_cd(ro, kVa, /*read=*/false), EventType::F_PERMISSION, {{event::StreamID, 1}, {event::RnW, 0}},
               /*recorded=*/false);
  const Words8 ro_rec = cd_to(kPa0, CdConfig{.record = true}, kVa, S1Leaf{.ap = 0b11});
  expect_event(run_cd(ro_rec, kVa, /*read=*/false), EventType::F_PERMISSION, {{event::StreamID, 1}}, /*recorded=*/true);
}

TEST_F(CdTest, RecordClearDoesNotSuppressBadCd) {  // §5.5: configuration errors always attempt to record
  expect_event(run_cd(with(cd_to(kPa0, CdConfig{.record = false}), {{cd::ENDI, 1}})), EventType::C_BAD_CD,
               {{event::StreamID, 1}}, /*recorded=*/true);
}

// §5.5: F_WALK_EABT is not one of the four translation-related faults; §7.3.12: stage 1, CLASS = TT.
TEST_F(CdTest, RecordClearDoesNotSuppressWalkAbort) {
  const uint64_t root = s1_tables(kVa, kPa0);
  mem->add_abort_range(root, 8);  // level-1 entry for kVa: index kVa[38:30] = 0
  Outcome o = run_cd(make_cd(CdConfig{.ttb0 = root, .record = false}));
  expect_event(o, EventType::F_WALK_EABT,
               {{event::StreamID, 1}, {event::S2, 0}, {event::CLASS, 1}, {event::FetchAddr, root >> 3}},
               /*recorded=*/true);
}

TEST_F(CdTest, AbortClearCompletesTranslationFaultAsRazWi) {  // §5.5 A == 0: RAZ/WI, recorded per R
  const Words8 cd = cd_to(kPa0, CdConfig{.abort = false});
  expect_event(run_cd(cd, kVa + 0x1000), EventType::F_TRANSLATION, {{event::StreamID, 1}}, /*recorded=*/true,
               OutcomeKind::CompletedRazWi);
  const Words8 silent = cd_to(kPa0, CdConfig{.record = false, .abort = false});
  expect_event(run_cd(silent, kVa + 0x1000, false), EventType::F_TRANSLATION, {{event::StreamID, 1}},
               /*recorded=*/false, OutcomeKind::CompletedRazWi);
}

TEST_F(CdTest, AbortClearCompletesAddressSizeFaultAsRazWi) {  // §5.5 A == 0, §3.4: output beyond IPS -> F_ADDR_SIZE
  const Words8 cd = cd_to(uint64_t{1} << 32, CdConfig{.ips = 0, .abort = false});  // 32-bit IPS
  expect_event(run_cd(cd), EventType::F_ADDR_SIZE, {{event::StreamID, 1}, {event::S2, 0}, {event::CLASS, 2}},
               /*recorded=*/true, OutcomeKind::CompletedRazWi);
}

TEST_F(CdTest, AbortClearDoesNotApplyToConfigurationErrors) {  // §5.5: other faults and config errors abort
  expect_event(run_cd(with(cd_to(kPa0, CdConfig{.abort = false}), {{cd::ENDI, 1}})), EventType::C_BAD_CD,
               {{event::StreamID, 1}}, /*recorded=*/true, OutcomeKind::Fault);
  const uint64_t root = s1_tables(kVa, kPa0);
  mem->add_abort_range(root, 8);
  expect_event(run_cd(make_cd(CdConfig{.ttb0 = root, .abort = false})), EventType::F_WALK_EABT,
               {{event::StreamID, 1}}, /*recorded=*/true, OutcomeKind::Fault);
}

// ---------------------------------------------------------------------------------------------------
// Nested: CDs and L1CDs are fetched from IPA space through stage 2 (§5.2 S1ContextPtr, §5.4.1)

class NestedCdTest : public CdTest {
 protected:
  static constexpr uint64_t kIpaData = 0x8000'0000;    // a 1GB stage-2 block
  static constexpr uint64_t kPaData = 0x1'0000'0000;   // ... that it maps to
  // Stage 2 (4KB, 40-bit IPA, start level 1): the table area [0x4000'0000, 0x8000'0000) is identity
  // mapped with one 1GB block, and IPA [0x8000'0000, 0xC000'0000) maps to [kPaData, +1GB).
  S2Config s2_config() {
    PageTable s2(*mem, *alloc, 12, 40, 1);
    s2.map(0x4000'0000, 0x4000'0000, uint64_t{1} << 30, s2_leaf_bits({}));
    s2.map(kIpaData, kPaData, uint64_t{1} << 30, s2_leaf_bits({}));
    return S2Config{.ttb = s2.root()};
  }
};

TEST_F(NestedCdTest, CdFetchedThroughStageTwo) {  // §5.4.1: CD fetched from IPA space; S1 output is an IPA
  const uint64_t base = linear_table(4);
  write8(base + 2 * 64, cd_to(kIpaData + 0x5000));
  strtab->set_ste(11, ste_nested(S1Config{.context_ptr = base, .cdmax = 4}, s2_config()));
  expect_success(dma(11, kVa, true, 2), kPaData + 0x5000);
}

// §7.3.13: a stage-2 fault fetching a CD has S2 = 1, CLASS = CD and IPA = the CD address.
TEST_F(NestedCdTest, UnmappedCdIpaIsStageTwoFaultClassCd) {
  const uint64_t cd_ipa = 0xC000'0000 + 3 * 64;  // table at IPA 0xC000'0000: not mapped at stage 2
  strtab->set_ste(11, ste_nested(S1Config{.context_ptr = 0xC000'0000, .cdmax = 4}, s2_config()));
  expect_event(dma(11, kVa, true, 3), EventType::F_TRANSLATION,
               {{event::StreamID, 11}, {event::SSV, 1}, {event::SubstreamID, 3}, {event::S2, 1}, {event::CLASS, 0},
                {event::IPA, cd_ipa >> 12}});
}

TEST_F(NestedCdTest, L2PtrOutsideStageTwoRangeIsStageTwoFault) {  // §3.4 stage 2 check 1, §3.4.3 (4): within IAS
  const uint64_t l1 = alloc->alloc(64, 64);
  const uint64_t l2 = uint64_t{1} << 44;  // inside the 48-bit IAS, beyond the 40-bit stage-2 input range
  mem->poke64(l1 + 8, l1cd_word(l2));
  strtab->set_ste(11, ste_nested(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1}, s2_config()));
  expect_event(dma(11, kVa, true, 0x47), EventType::F_TRANSLATION,
               {{event::StreamID, 11}, {event::SubstreamID, 0x47}, {event::S2, 1}, {event::CLASS, 0},
                {event::IPA, (l2 + 7 * 64) >> 12}});
}

// §3.4.3 (4): L2Ptr beyond the IAS is C_BAD_SUBSTREAMID or a stage-2 fault; we choose C_BAD_SUBSTREAMID
// (specs/unpredictable.def L1CD_L2PTR_OOR_NESTED).
TEST_F(NestedCdTest, L2PtrBeyondIasIsBadSubstreamId) {
  const uint64_t l1 = alloc->alloc(64, 64);
  mem->poke64(l1 + 8, l1cd_word(uint64_t{1} << 48));
  strtab->set_ste(11, ste_nested(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1}, s2_config()));
  expect_event(dma(11, kVa, true, 0x47), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, 11}, {event::SubstreamID, 0x47}});
}

TEST_F(NestedCdTest, S1DssBypassPassesAddressToStageTwo) {  // §5.2 S1DSS = 0b01, §3.4: input address is the IPA
  strtab->set_ste(11, ste_nested(S1Config{.context_ptr = linear_table(4), .cdmax = 4, .s1dss = 0b01}, s2_config()));
  expect_success(dma(11, kIpaData + 0x1234), kPaData + 0x1234);
  // Within the IAS but outside the stage-2 range: a stage-2 Translation fault, CLASS = IN.
  expect_event(dma(11, uint64_t{1} << 44), EventType::F_TRANSLATION,
               {{event::StreamID, 11}, {event::S2, 1}, {event::CLASS, 2}, {event::IPA, (uint64_t{1} << 44) >> 12}});
}

// §3.4, §7.3.14: the stage-1 Address Size fault (S2 = 0, CLASS = IN) is recorded whatever STE.S2R says.
TEST_F(NestedCdTest, S1DssBypassBeyondIasIsStageOneAddressSize) {
  S2Config s2 = s2_config();
  s2.record = false;  // S2R = 0 does not govern a stage-1 fault
  strtab->set_ste(11, ste_nested(S1Config{.context_ptr = linear_table(4), .cdmax = 4, .s1dss = 0b01}, s2));
  expect_event(dma(11, uint64_t{1} << 48), EventType::F_ADDR_SIZE,
               {{event::StreamID, 11}, {event::S2, 0}, {event::CLASS, 2}, {event::InputAddr, uint64_t{1} << 48}},
               /*recorded=*/true);
}

TEST_F(NestedCdTest, AbortClearDoesNotApplyToStageTwoFaults) {  // §5.5 A: stage 2 behaves as though A == 1
  const uint64_t base = linear_table(4);
  write8(base, cd_to(0xC000'0000, CdConfig{.record = false, .abort = false}));  // S1 output IPA unmapped at stage 2
  strtab->set_ste(11, ste_nested(S1Config{.context_ptr = base, .cdmax = 4}, s2_config()));
  expect_event(dma(11, kVa, true, 0), EventType::F_TRANSLATION,
               {{event::StreamID, 11}, {event::S2, 1}, {event::CLASS, 2}, {event::IPA, 0xC000'0000 >> 12}},
               /*recorded=*/true, OutcomeKind::Fault);
}

}  // namespace
}  // namespace smmu::test
