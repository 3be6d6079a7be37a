// The used bits of STEs (§5.2) and CDs (§5.4), worked out by hand from the field descriptions.
#include <gtest/gtest.h>

#include <random>

#include "harness/driver/tables.h"
#include "harness/driver/used_bits.h"

namespace smmu::driver {
namespace {

bool uses(const Words8& used, const Field& f) { return (used[f.qword] & f.mask_in_place()) == f.mask_in_place(); }
bool uses_none(const Words8& used, const Field& f) { return (used[f.qword] & f.mask_in_place()) == 0; }

const S1Config kS1{.context_ptr = 0x4000'1000};
const S2Config kS2{.ttb = 0x4000'8000};

// §5.2 V: "Structure contents are invalid. Other STE fields are IGNORED."
TEST(SteUsedBits, InvalidSteUsesOnlyV) {
  Words8 e = ste_nested(kS1, kS2);
  ste::V.set(std::span<uint64_t>(e), 0);
  const Words8 u = ste_used_bits(e, Features{});
  Words8 only_v{};
  only_v[0] = ste::V.mask_in_place();
  EXPECT_EQ(u, only_v);
}

// §5.2 Config 0b000: abort, no event; only V, Config and the CONT hint of a valid STE remain.
TEST(SteUsedBits, AbortUsesVConfigAndCont) {
  const Words8 u = ste_used_bits(with(ste_abort(), {{ste::SHCFG, 1}, {ste::S2TTB, 0x1234}}), Features{});
  Words8 expect{};
  expect[ste::V.qword] |= ste::V.mask_in_place() | ste::Config.mask_in_place();
  expect[ste::CONT.qword] |= ste::CONT.mask_in_place();
  EXPECT_EQ(u, expect);
}

// §5.2 V: S1 fields are IGNORED when stage 1 bypasses; S2VMID tags the stage-2 translations.
TEST(SteUsedBits, Stage2OnlyDoesNotUseS1ContextPtr) {
  const Words8 u = ste_used_bits(ste_stage2(kS2), Features{});
  EXPECT_TRUE(uses_none(u, ste::S1ContextPtr));
  EXPECT_TRUE(uses_none(u, ste::S1CDMax));
  EXPECT_TRUE(uses_none(u, ste::S1CIR));
  EXPECT_TRUE(uses_none(u, ste::STRW));  // §5.2 STRW: IGNORED when stage 2 translates
  EXPECT_TRUE(uses(u, ste::S2TTB));
  EXPECT_TRUE(uses(u, ste::S2T0SZ));
  EXPECT_TRUE(uses(u, ste::S2VMID));
  EXPECT_TRUE(uses(u, ste::SHCFG));
  EXPECT_TRUE(uses_none(u, ste::NSCFG));  // Non-secure Stream table
  EXPECT_TRUE(uses_none(u, ste::SW_RESERVED));
}

// §5.2 V: S2 fields except S2VMID are IGNORED when stage 2 bypasses; §5.2 S2VMID tags NS-EL1 stage-1
// translations when stage 2 is implemented.
TEST(SteUsedBits, Stage1OnlyUsesS2VmidOnlyForNsEl1WithStage2Implemented) {
  Words8 e = ste_stage1(kS1);
  Words8 u = ste_used_bits(e, Features{});
  EXPECT_TRUE(uses(u, ste::S1ContextPtr));
  EXPECT_TRUE(uses(u, ste::STRW));
  EXPECT_TRUE(uses(u, ste::S2VMID));
  EXPECT_TRUE(uses_none(u, ste::S2TTB));
  EXPECT_TRUE(uses_none(u, ste::S2T0SZ));
  // STRW = 0b10: NS-EL2, no VMID tagging.
  u = ste_used_bits(with(e, {{ste::STRW, 0b10}}), Features{});
  EXPECT_TRUE(uses_none(u, ste::S2VMID));
  // No stage 2 implemented: S2VMID IGNORED.
  Features no_s2;
  no_s2.s2p = false;
  EXPECT_TRUE(uses_none(ste_used_bits(e, no_s2), ste::S2VMID));
  // IDR0.Hyp == 0: STRW is RES0 and the StreamWorld NS-EL1.
  Features no_hyp;
  no_hyp.hyp = false;
  u = ste_used_bits(with(e, {{ste::STRW, 0b10}}), no_hyp);
  EXPECT_TRUE(uses_none(u, ste::STRW));
  EXPECT_TRUE(uses(u, ste::S2VMID));
}

// §5.2 S1Fmt, S1DSS: IGNORED when S1CDMax == 0; S1CDMax IGNORED when IDR1.SSIDSIZE == 0.
TEST(SteUsedBits, SubstreamFieldsFollowS1CdMax) {
  Words8 u = ste_used_bits(ste_stage1(kS1), Features{});
  EXPECT_TRUE(uses(u, ste::S1CDMax));
  EXPECT_TRUE(uses_none(u, ste::S1Fmt));
  EXPECT_TRUE(uses_none(u, ste::S1DSS));
  u = ste_used_bits(ste_stage1({.context_ptr = 0x4000'1000, .cdmax = 2}), Features{});
  EXPECT_TRUE(uses(u, ste::S1Fmt));
  EXPECT_TRUE(uses(u, ste::S1DSS));
  Features no_ssid;
  no_ssid.ssidsize = 0;
  u = ste_used_bits(ste_stage1({.context_ptr = 0x4000'1000, .cdmax = 2}), no_ssid);
  EXPECT_TRUE(uses_none(u, ste::S1CDMax));
  EXPECT_TRUE(uses_none(u, ste::S1DSS));
}

// §5.2 MemAttr: RES0 when MTCFG == 0 or IDR1.ATTR_TYPES_OVR == 0; SHCFG, MTCFG RES0 without ATTR_TYPES_OVR.
TEST(SteUsedBits, BypassAttributeOverrides) {
  Words8 u = ste_used_bits(ste_bypass(), Features{});
  EXPECT_TRUE(uses(u, ste::SHCFG));
  EXPECT_TRUE(uses(u, ste::MTCFG));
  EXPECT_TRUE(uses_none(u, ste::MemAttr));
  EXPECT_TRUE(uses(u, ste::PRIVCFG));
  EXPECT_TRUE(uses_none(u, ste::S1ContextPtr));
  EXPECT_TRUE(uses_none(u, ste::S2TTB));
  EXPECT_TRUE(uses_none(u, ste::S2VMID));  // §5.2 S2VMID: Config[1:0] == 0b00, no translation
  u = ste_used_bits(with(ste_bypass(), {{ste::MTCFG, 1}}), Features{});
  EXPECT_TRUE(uses(u, ste::MemAttr));
  Features no_ovr;
  no_ovr.attr_types_ovr = false;
  u = ste_used_bits(with(ste_bypass(), {{ste::MTCFG, 1}}), no_ovr);
  EXPECT_TRUE(uses_none(u, ste::SHCFG));
  EXPECT_TRUE(uses_none(u, ste::MemAttr));
}

TEST(CdUsedBits, InvalidCdUsesOnlyV) {
  Words8 e = make_cd({.ttb0 = 0x4000'2000});
  cd::V.set(std::span<uint64_t>(e), 0);
  Words8 only_v{};
  only_v[cd::V.qword] = cd::V.mask_in_place();
  EXPECT_EQ(cd_used_bits(e, Features{}, StreamWorld::NsEl1), only_v);
}

// §5.4 EPD0/EPD1: the TTBx walk fields are IGNORED when the walk is disabled.
TEST(CdUsedBits, EpdDisablesItsTableFields) {
  const Words8 e = make_cd({.ttb0 = 0x4000'2000});  // EPD1 = 1
  Words8 u = cd_used_bits(e, Features{}, StreamWorld::NsEl1);
  EXPECT_TRUE(uses(u, cd::TTB0));
  EXPECT_TRUE(uses(u, cd::T0SZ));
  EXPECT_TRUE(uses_none(u, cd::TTB1));
  EXPECT_TRUE(uses_none(u, cd::T1SZ));
  EXPECT_TRUE(uses_none(u, cd::TG1));
  EXPECT_TRUE(uses(u, cd::ASID));
  EXPECT_TRUE(uses(u, cd::MAIR0));
  EXPECT_TRUE(uses(u, cd::ENDI));
  // Both walks disabled: ENDI is IGNORED too.
  u = cd_used_bits(with(e, {{cd::EPD0, 1}}), Features{}, StreamWorld::NsEl1);
  EXPECT_TRUE(uses_none(u, cd::TTB0));
  EXPECT_TRUE(uses_none(u, cd::ENDI));
  EXPECT_TRUE(uses(u, cd::EPD0));
}

// §5.4 EPD0: IGNORED (effective 0) for any-EL2; ASID IGNORED and the TTB1 fields RES0 there.
TEST(CdUsedBits, El2StreamWorld) {
  const Words8 e = make_cd({.ttb0 = 0x4000'2000, .epd1 = false});
  const Words8 u = cd_used_bits(with(e, {{cd::EPD0, 1}}), Features{}, StreamWorld::NsEl2);
  EXPECT_TRUE(uses(u, cd::TTB0));
  EXPECT_TRUE(uses_none(u, cd::EPD0));
  EXPECT_TRUE(uses_none(u, cd::ASID));
  EXPECT_TRUE(uses_none(u, cd::TTB1));
  EXPECT_TRUE(uses(cd_used_bits(e, Features{}, StreamWorld::NsEl2E2H), cd::ASID));
  EXPECT_TRUE(uses(cd_used_bits(e, Features{}, StreamWorld::NsEl2E2H), cd::TTB1));
}

// §5.4 AFFD: IGNORED when HA == 1.
TEST(CdUsedBits, AffdIgnoredWithHardwareAccessFlag) {
  const Words8 e = make_cd({.ttb0 = 0x4000'2000});
  EXPECT_TRUE(uses(cd_used_bits(e, Features{}, StreamWorld::NsEl1), cd::AFFD));
  EXPECT_TRUE(uses_none(cd_used_bits(with(e, {{cd::HA, 1}}), Features{}, StreamWorld::NsEl1), cd::AFFD));
}

TEST(UsedBits, FieldsInNamesFieldsAndUnnamedBits) {
  const auto names = fields_in(EntryKind::Ste, 0, ste::Config.mask_in_place() | (uint64_t{1} << 57));
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "Config");
  EXPECT_EQ(names[1], "q0 bits[57:57]");
}

// The bits deciding what is used are themselves used: any entry that agrees with `e` on used(e) has the
// same used bits. The writer's step 1 and the checker rely on it.
TEST(UsedBits, UsedBitsDecideThemselves) {
  std::mt19937_64 rng(8);
  std::vector<Features> feature_sets(3);
  feature_sets[1].ssidsize = 0;
  feature_sets[1].hyp = false;
  feature_sets[2].attr_types_ovr = false;
  feature_sets[2].httu = 2;
  const std::vector<Words8> seeds = {ste_abort(), ste_bypass(), ste_stage1(kS1), ste_stage2(kS2),
                                     ste_nested({.context_ptr = 0x4000'1000, .cdmax = 3}, kS2)};
  for (const Features& f : feature_sets)
    for (int i = 0; i < 4000; ++i) {
      const EntryKind kind = i % 2 ? EntryKind::Cd : EntryKind::Ste;
      Words8 e = kind == EntryKind::Ste ? seeds[rng() % seeds.size()] : make_cd({.ttb0 = 0x4000'2000});
      // Flip a few random bits, then keep the used ones and randomise the rest.
      for (int k = 0; k < 3; ++k) e[rng() % 8] ^= uint64_t{1} << (rng() % 64);
      if (rng() % 4 == 0) e[rng() % 8] = rng();
      const UsedContext ctx{f, static_cast<StreamWorld>(rng() % 3)};
      const Words8 u = used_bits(kind, e, ctx);
      Words8 m{};
      for (unsigned q = 0; q < 8; ++q) m[q] = (e[q] & u[q]) | (rng() & ~u[q]);
      ASSERT_EQ(used_bits(kind, m, ctx), u) << entry_kind_name(kind) << " case " << i;
    }
}

}  // namespace
}  // namespace smmu::driver
