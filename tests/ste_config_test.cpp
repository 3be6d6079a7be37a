// STE configuration and bypass: see tests/ste_fixture.h for the sections covered.

#include "tests/ste_fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------------
// V and Config

TEST_F(SteTest, VZeroIsBadSte) {  // §5.2 V: V == 0 aborts and records C_BAD_STE, whatever Config says
  expect_bad_ste(run(with(ste_bypass(), {{ste::V, 0}})));
  expect_bad_ste(run(with(ste_abort(), {{ste::V, 0}})));
  expect_bad_ste(run(with(s1_ste(), {{ste::V, 0}})));
}

TEST_F(SteTest, BadSteCarriesSubstreamId) {  // §7.3.5: C_BAD_STE has StreamID, SSV and SubstreamID
  expect_event(run(with(ste_bypass(), {{ste::V, 0}}), kIpa, 0x2a), EventType::C_BAD_STE,
               {{event::StreamID, kSid}, {event::SSV, 1}, {event::SubstreamID, 0x2a}});
}

TEST_F(SteTest, BadSteIsRecordedWhateverRecInvSid) {  // §6.3.12: RECINVSID gates only C_BAD_STREAMID
  set_cr2(/*recinvsid=*/false, false);
  expect_event(run(Words8{}), EventType::C_BAD_STE, {{event::StreamID, kSid}}, /*recorded=*/true);
}

TEST_F(SteTest, ConfigAbortTerminatesWithoutEvent) {  // §5.2 Config 0b000: abort to device, no event
  expect_terminated(run(ste_abort()));
  // §7.3.9 names only Config 0b1x0 for a SubstreamID without stage 1; §5.2.1: 0b000 aborts silently.
  expect_terminated(run(ste_abort(), kIpa, 5));
}

TEST_F(SteTest, ReservedConfigsBehaveAsAbort) {  // §5.2 Config 0b0xx: reserved, behaves as 0b000
  for (unsigned config : {0b001u, 0b010u, 0b011u}) {
    SCOPED_TRACE(config);
    expect_terminated(run(with(ste_abort(), {{ste::Config, config}})));
  }
}

// §5.2.2 SteIllegal: "if STE.Config == '0xx' then return FALSE" comes before every other check, so fields
// that would be ILLEGAL in a translating STE never make an abort STE ILLEGAL.
TEST_F(SteTest, ReservedConfigsAreNeverIllegal) {
  Words8 junk = with(ste_abort(), {{ste::S1STALLD, 1}, {ste::S1CDMax, 31}, {ste::S1ContextPtr, ~0ull},
                                   {ste::S2TG, 3}, {ste::S2AA64, 0}, {ste::S2S, 1}, {ste::S2ENDI, 1},
                                   {ste::S2HA, 1}, {ste::S2HD, 1}, {ste::S2VMID, 0xffff}, {ste::S2T0SZ, 0},
                                   {ste::S2TTB, ~0ull}});
  auto check_all = [&] {
    for (unsigned strw : {0b00u, 0b01u, 0b11u}) {
      for (unsigned config : {0b000u, 0b001u, 0b010u, 0b011u}) {
        SCOPED_TRACE(testing::Message() << "Config " << config << " STRW " << strw);
        expect_terminated(run(with(junk, {{ste::Config, config}, {ste::STRW, strw}})));
      }
    }
  };
  reset(with_features([](Features& f) { f.vmid16 = false; }));
  check_all();
  reset(with_features([](Features& f) {  // nor do absent stages make them ILLEGAL
    f.s1p = false;
    f.s2p = false;
  }));
  check_all();
}

// ---------------------------------------------------------------------------------------------------------
// Bypass (Config 0b100)

TEST_F(SteTest, BypassPassesAddressUnchanged) {  // §5.2 Config 0b100; §3.4: input address presented as PA
  strtab->set_ste(kSid, ste_bypass());
  expect_success(dma(kSid, 0xabcd'1234'5678), 0xabcd'1234'5678);
  expect_success(dma(kSid, 0xffff'ffff'ffff, /*read=*/false), 0xffff'ffff'ffff);  // 2^48 - 1, OAS 48
}

TEST_F(SteTest, BypassIgnoresStageFields) {  // §5.2.1: with Config 0b100 the S1* and S2* fields are IGNORED
  reset(with_features([](Features& f) { f.vmid16 = false; }));
  Words8 st = with(ste_bypass(), {{ste::S1STALLD, 1}, {ste::S1CDMax, 31}, {ste::S1Fmt, 1},
                                  {ste::S1ContextPtr, ~0ull}, {ste::STRW, 0b01}, {ste::S2TG, 3},
                                  {ste::S2AA64, 0}, {ste::S2S, 1}, {ste::S2ENDI, 1}, {ste::S2HA, 1},
                                  {ste::S2HD, 1}, {ste::S2T0SZ, 63}, {ste::S2SL0, 3}, {ste::S2PS, 7},
                                  {ste::S2TTB, ~0ull}, {ste::S2VMID, 0xabcd}});
  expect_success(run(st, 0x8000), 0x8000);
}

TEST_F(SteTest, BypassWithSubstreamIdIsBadSubstreamId) {  // §5.2 S1Fmt, §7.3.9: SSID with stage 1 disabled
  Outcome o = run(ste_bypass(), kIpa, 0x15);
  expect_event(o, EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, kSid}, {event::SubstreamID, 0x15}, {event::SSV, 0}});  // no SSV in 7.3.9
}

TEST_F(SteTest, Stage2OnlyWithSubstreamIdIsBadSubstreamId) {  // §7.3.9: independent of stage 2 being enabled
  expect_event(run(s2_ste(), kIpa, 0), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, kSid}, {event::SubstreamID, 0}, {event::SSV, 0}});
}

TEST_F(SteTest, SubstreamIdWithS1CDMaxZeroIsBadSubstreamId) {  // §5.2 S1CDMax == 0: SSV=1 is C_BAD_SUBSTREAMID
  expect_event(run(s1_ste(), kIpa, 1), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, kSid}, {event::SubstreamID, 1}});
}

TEST_F(SteTest, BypassAddressBeyondOasIsStage1AddrSize) {  // §3.4: bypass, address >= 2^OAS -> F_ADDR_SIZE
  Outcome o = run(ste_bypass(), uint64_t{1} << 48);  // default OAS: 48 bits
  expect_event(o, EventType::F_ADDR_SIZE,
               {{event::StreamID, kSid}, {event::SSV, 0}, {event::S2, 0}, {event::CLASS, 2 /*IN*/},
                {event::RnW, 1}, {event::InputAddr, uint64_t{1} << 48}},
               /*recorded=*/true);
  // §3.4.1: all input address bits are recorded unmodified.
  expect_event(run(ste_bypass(), 0xffff'0000'0000'1000), EventType::F_ADDR_SIZE,
               {{event::InputAddr, 0xffff'0000'0000'1000}, {event::S2, 0}, {event::CLASS, 2}});
}

TEST_F(SteTest, BypassAddrSizeFollowsOas) {  // §3.4: the check is against IDR5.OAS
  reset(with_features([](Features& f) { f.oas = 0; }));  // 32 bits
  expect_success(run(ste_bypass(), 0xffff'f000), 0xffff'f000);
  expect_event(run(ste_bypass(), 0x1'0000'0000), EventType::F_ADDR_SIZE,
               {{event::S2, 0}, {event::CLASS, 2}, {event::InputAddr, 0x1'0000'0000}});
}

// §7.3.14: the InD/PnU of F_ADDR_SIZE are the post-STE-override values; InD == 0 when RnW == 0.
TEST_F(SteTest, BypassAddrSizeRecordsPostOverrideAttributes) {
  strtab->set_ste(kSid, with(ste_bypass(), {{ste::PRIVCFG, 0b11}, {ste::INSTCFG, 0b11}}));
  const uint64_t addr = uint64_t{1} << 50;
  expect_event(dma(kSid, addr, /*read=*/true), EventType::F_ADDR_SIZE,
               {{event::RnW, 1}, {event::PnU, 1}, {event::InD, 1}});
  expect_event(dma(kSid, addr, /*read=*/false, std::nullopt, false, /*instr=*/true), EventType::F_ADDR_SIZE,
               {{event::RnW, 0}, {event::PnU, 1}, {event::InD, 0}});
  strtab->set_ste(kSid, with(ste_bypass(), {{ste::PRIVCFG, 0b10}, {ste::INSTCFG, 0b10}}));
  expect_event(dma(kSid, addr, true, std::nullopt, /*priv=*/true, /*instr=*/true), EventType::F_ADDR_SIZE,
               {{event::PnU, 0}, {event::InD, 0}});
}

// §3.4: with stage 1 bypassed (Config 0b110) an input address beyond the IAS is a stage 1 Address Size fault
// (S2 = 0, CLASS = IN, §7.3.14), terminated with an abort and recorded: STE.S2R governs only stage 2 faults
// (§5.5). Inside the IAS but beyond the 40-bit stage-2 input range it is a stage 2 Translation fault.
TEST_F(SteTest, Stage1BypassAddressBeyondIasIsStage1AddrSize) {
  ASSERT_EQ(smmu->features().ias_bits(), 48u);
  Words8 st = s2_ste({.record = false}, 1);
  expect_event(run(st, uint64_t{1} << 48), EventType::F_ADDR_SIZE,
               {{event::S2, 0}, {event::CLASS, 2}, {event::InputAddr, uint64_t{1} << 48}}, /*recorded=*/true);
  expect_event(run(with(st, {{ste::S2R, 1}}), uint64_t{1} << 44), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, 2}, {event::IPA, uint64_t{1} << 32}});
}

// §5.2 S1DSS 0b01: a transaction without a SubstreamID bypasses stage 1 "as though STE.Config == 0b1x0",
// including the stage 1 Address Size check against the IAS (§3.4); stage 2 is bypassed, so PA = address.
TEST_F(SteTest, S1DssBypassChecksTheIas) {
  Words8 st = ste_stage1({.context_ptr = s1_cd(), .cdmax = 4, .s1dss = 0b01});
  expect_success(run(st, 0xffff'ffff'f000), 0xffff'ffff'f000);
  expect_event(run(st, uint64_t{1} << 48), EventType::F_ADDR_SIZE,
               {{event::S2, 0}, {event::CLASS, 2}, {event::InputAddr, uint64_t{1} << 48}}, /*recorded=*/true);
}

// ---------------------------------------------------------------------------------------------------------
// Stages not implemented

TEST_F(SteTest, Stage1WithoutS1PIsIllegal) {  // §5.2 Config: 0b1x1 ILLEGAL when IDR0.S1P == 0
  reset(with_features([](Features& f) { f.s1p = false; }));
  expect_bad_ste(run(ste_stage1({.context_ptr = s1_cd()})));
  expect_bad_ste(run(nested_ste()));
  expect_success(run(s2_ste()), kData);  // stage 2 alone is unaffected
}

TEST_F(SteTest, Stage2WithoutS2PIsIllegal) {  // §5.2 Config: 0b11x ILLEGAL when IDR0.S2P == 0
  reset(with_features([](Features& f) { f.s2p = false; }));
  expect_bad_ste(run(s2_ste()));
  expect_bad_ste(run(nested_ste()));
  expect_success(run(s1_ste()), kData);  // stage 1 alone is unaffected
}

// ---------------------------------------------------------------------------------------------------------
// STRW

TEST_F(SteTest, ReservedStrwIsIllegalWhenUsed) {  // §5.2 STRW: NS 0bx1 reserved, ILLEGAL (Config 0b101, HYP=1)
  ASSERT_TRUE(smmu->features().hyp);
  expect_bad_ste(run(with(s1_ste(), {{ste::STRW, 0b01}})));
  expect_bad_ste(run(with(s1_ste(), {{ste::STRW, 0b11}})));
  expect_success(run(with(s1_ste(), {{ste::STRW, 0b00}})), kData);  // NS-EL1
  expect_success(run(with(s1_ste(), {{ste::STRW, 0b10}})), kData);  // NS-EL2
}

TEST_F(SteTest, StrwIgnoredUnlessStage1Only) {  // §5.2.2 IgnoreSTESTRW: Config 0b11x and 0b100 ignore STRW
  expect_success(run(with(s2_ste(), {{ste::STRW, 0b11}})), kData);
  expect_success(run(with(nested_ste(), {{ste::STRW, 0b01}})), kData);
  expect_success(run(with(ste_bypass(), {{ste::STRW, 0b01}}), 0x9000), 0x9000);
}

TEST_F(SteTest, StrwIgnoredWithoutHyp) {  // §5.2 STRW RES0 when IDR0.HYP == 0; IgnoreSTESTRW returns TRUE
  reset(with_features([](Features& f) { f.hyp = false; }));
  expect_success(run(with(s1_ste(), {{ste::STRW, 0b01}})), kData);
  expect_success(run(with(s1_ste(), {{ste::STRW, 0b11}})), kData);
}

// ---------------------------------------------------------------------------------------------------------
// Stage-1 fields

TEST_F(SteTest, S1StalldIllegalUnlessStallModelIsZero) {  // §5.2 S1STALLD: ILLEGAL when STALL_MODEL != 0b00
  ASSERT_EQ(smmu->features().stall_model, 0b01);  // the model supports terminate only
  expect_bad_ste(run(with(s1_ste(), {{ste::S1STALLD, 1}})));
  expect_bad_ste(run(with(nested_ste(), {{ste::S1STALLD, 1}})));
}

TEST_F(SteTest, S1StalldIgnoredWithStage1Disabled) {  // §5.2 S1STALLD IGNORED when Config == 0b1x0
  expect_success(run(with(s2_ste(), {{ste::S1STALLD, 1}})), kData);
  expect_success(run(with(ste_bypass(), {{ste::S1STALLD, 1}}), 0x9000), 0x9000);
}

TEST_F(SteTest, S1CDMaxAboveSsidSizeIsIllegal) {  // §5.2 S1CDMax: allowable range 0..IDR1.SSIDSIZE
  ASSERT_EQ(smmu->features().ssidsize, 8);
  expect_bad_ste(run(with(s1_ste(), {{ste::S1CDMax, 9}})));
  expect_bad_ste(run(with(s1_ste(), {{ste::S1CDMax, 31}})));
}

TEST_F(SteTest, S1CDMaxEqualToSsidSizeIsLegal) {  // §5.2 S1CDMax = SSIDSIZE: 2^8 CDs in a linear table
  CdTable cds(*mem, *alloc, 8, 0);
  cds.set_cd(0xff, cd_mapping(kIpa, kData + 0x5000));
  Words8 st = ste_stage1({.context_ptr = cds.context_ptr(), .cdmax = 8});
  expect_success(run(st, kIpa + 0x123, 0xff), kData + 0x5123);
  // 2^S1CDMax bounds the SubstreamID (§7.3.9): 0x100 is out of range.
  expect_event(run(st, kIpa, 0x100), EventType::C_BAD_SUBSTREAMID, {{event::SubstreamID, 0x100}});
}

TEST_F(SteTest, S1CDMaxIgnoredWithoutSubstreams) {  // §5.2 S1CDMax/S1Fmt IGNORED when IDR1.SSIDSIZE == 0
  reset(with_features([](Features& f) { f.ssidsize = 0; }));
  Words8 st = ste_stage1({.context_ptr = s1_cd(), .cdmax = 31, .fmt = 1, .s1dss = 0});
  expect_success(run(st), kData);  // S1ContextPtr points at one CD
  // §5.2 S1CDMax: with SSIDSIZE == 0 a transaction may not supply a SubstreamID (§7.3.9).
  expect_event(run(st, kIpa, 0), EventType::C_BAD_SUBSTREAMID, {{event::StreamID, kSid}, {event::SubstreamID, 0}});
}

TEST_F(SteTest, TwoLevelS1FmtWithoutCd2lIsIllegal) {  // §5.2 S1Fmt: != 0b00 ILLEGAL when IDR0.CD2L == 0
  reset(with_features([](Features& f) { f.cd2l = false; }));
  expect_bad_ste(run(ste_stage1({.context_ptr = s1_cd(), .cdmax = 4, .fmt = 1, .s1dss = 0b10})));
  expect_bad_ste(run(ste_stage1({.context_ptr = s1_cd(), .cdmax = 4, .fmt = 2, .s1dss = 0b10})));
}

// §5.2 S1Fmt 0b11: reserved, behaves as 0b00; §5.2.2 lists only 0b01 and 0b10 as ILLEGAL without CD2L.
TEST_F(SteTest, S1Fmt3BehavesAsLinearWithoutCd2l) {
  reset(with_features([](Features& f) { f.cd2l = false; }));
  CdTable cds(*mem, *alloc, 4, 0);
  cds.set_cd(3, cd_mapping(kIpa, kData + 0x3000));
  Words8 st = ste_stage1({.context_ptr = cds.context_ptr(), .cdmax = 4, .fmt = 0b11});
  expect_success(run(st, kIpa, 3), kData + 0x3000);
}

TEST_F(SteTest, S1FmtIgnoredWithSubstreamsDisabled) {  // §5.2 S1Fmt IGNORED when S1CDMax == 0
  reset(with_features([](Features& f) { f.cd2l = false; }));
  expect_success(run(ste_stage1({.context_ptr = s1_cd(), .cdmax = 0, .fmt = 1})), kData);
}

// §5.2 S1ContextPtr: a PA within the OAS with stage 1 only; §3.4.3 (1): v3.1+ out of range is C_BAD_STE.
TEST_F(SteTest, S1ContextPtrBeyondOasIsIllegal) {
  expect_bad_ste(run(ste_stage1({.context_ptr = uint64_t{1} << 48})));
  expect_bad_ste(run(ste_stage1({.context_ptr = uint64_t{1} << 55})));
}

TEST_F(SteTest, S1ContextPtrLimitIsTheOas) {  // §5.2 S1ContextPtr: the range is that of IDR5.OAS
  reset(with_features([](Features& f) { f.oas = 0; }));  // 32 bits
  const uint64_t top = 0xffff'ffc0;                          // the last CD below 2^32
  write8(top, cd_mapping());
  expect_success(run(ste_stage1({.context_ptr = top})), kData);
  expect_bad_ste(run(ste_stage1({.context_ptr = 0x1'0000'0000})));
}

TEST_F(SteTest, NestedS1ContextPtrBeyondIasIsIllegal) {  // §5.2 S1ContextPtr: an IPA within the IAS (§3.4.3 (2))
  ASSERT_EQ(smmu->features().ias_bits(), 48u);  // no VMSAv8-32: IAS == OAS (§3.4)
  expect_bad_ste(run(nested_ste({.context_ptr = uint64_t{1} << 48})));
  expect_success(run(nested_ste()), kData);
}

// §5.2 S1ContextPtr with stage 2: an IPA inside the IAS is translated by stage 2; beyond the 40-bit stage-2
// input range it is a stage 2 Translation fault (§3.4 check 1) with CLASS = CD and IPA = the CD address
// (§7.3.13), recorded per S2R.
TEST_F(SteTest, NestedS1ContextPtrIsAnIpa) {
  const uint64_t cd_ipa = uint64_t{1} << 44;
  Outcome o = run(nested_ste({.context_ptr = cd_ipa}));
  expect_event(o, EventType::F_TRANSLATION,
               {{event::StreamID, kSid}, {event::S2, 1}, {event::CLASS, 0 /*CD*/}, {event::IPA, cd_ipa >> 12},
                {event::InputAddr, kIpa}, {event::RnW, 1}});
}

TEST_F(SteTest, S1FieldsIgnoredWithStage1Disabled) {  // §5.2: S1-prefixed fields IGNORED when Config == 0b1x0
  reset(with_features([](Features& f) { f.cd2l = false; }));
  Words8 st = with(s2_ste(), {{ste::S1CDMax, 31}, {ste::S1Fmt, 2}, {ste::S1ContextPtr, ~0ull}, {ste::S1STALLD, 1}});
  expect_success(run(st), kData);
}

}  // namespace
}  // namespace smmu::test
