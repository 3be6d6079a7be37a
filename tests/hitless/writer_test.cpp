// The hitless writer on pairs of entries, its sync counts, and the checker catching sequences that are
// not hitless (§3.21.3: every per-qword mix between two completed invalidations is observable).
#include <gtest/gtest.h>

#include <random>

#include "harness/driver/hitless.h"

namespace smmu::driver {
namespace {

const S1Config kS1{.context_ptr = 0x4000'1000};
const S2Config kS2{.ttb = 0x4000'8000, .vmid = 1};
const UsedContext kCtx{};

Words8 stage1() { return with(ste_stage1(kS1), {{ste::S2VMID, 1}}); }  // NS-EL1 stage 1 is tagged with VMID 1

struct Expect {
  Verdict verdict;
  unsigned syncs;
  std::vector<unsigned> critical;
};

void expect_plan(EntryKind kind, const Words8& o, const Words8& n, const Expect& e) {
  const WritePlan plan = plan_entry_update(kind, o, n, kCtx);
  const HitlessReport r = check_hitless(kind, o, n, plan.groups, kCtx);
  EXPECT_EQ(r.verdict, e.verdict) << verdict_name(r.verdict);
  EXPECT_EQ(plan.breaking, e.verdict == Verdict::Breaking);
  EXPECT_EQ(r.syncs, e.syncs);
  EXPECT_EQ(plan.syncs(), e.syncs);
  EXPECT_EQ(plan.critical_qwords, e.critical);
  EXPECT_TRUE(r.reaches_new);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_FALSE(r.first_bad.has_value());
  EXPECT_EQ(r.states > 0, e.syncs > 0);
}

// q2/q3 (stage-2 fields, unused by stage 1 but for S2VMID) first; Config in q0; then q1's S1CIR/S1COR/S1CSH.
TEST(HitlessWriter, Stage1ToStage2IsHitlessInThreeSyncs) {
  expect_plan(EntryKind::Ste, stage1(), ste_stage2(kS2), {Verdict::Hitless, 3, {0}});
}

// The stage-1 fields (q0 S1ContextPtr, q1 S1C*) first, then Config: nothing left to clean up.
TEST(HitlessWriter, Stage2ToNestedIsHitlessInTwoSyncs) {
  expect_plan(EntryKind::Ste, ste_stage2(kS2), ste_nested(kS1, kS2), {Verdict::Hitless, 2, {0}});
}

TEST(HitlessWriter, Stage1ToNestedIsHitlessInTwoSyncs) {
  expect_plan(EntryKind::Ste, stage1(), ste_nested(kS1, kS2), {Verdict::Hitless, 2, {0}});
}

// A stage-1 STE tagged with another VMID: S2VMID (q2) and Config (q0) both change what is used.
TEST(HitlessWriter, Stage1ToNestedWithAnotherVmidBreaks) {
  expect_plan(EntryKind::Ste, with(stage1(), {{ste::S2VMID, 7}}), ste_nested(kS1, kS2), {Verdict::Breaking, 3, {0, 2}});
}

// SHCFG (q1) is unused by the abort STE; then Config.
TEST(HitlessWriter, AbortToBypassIsHitlessInTwoSyncs) {
  expect_plan(EntryKind::Ste, ste_abort(), ste_bypass(), {Verdict::Hitless, 2, {0}});
}

TEST(HitlessWriter, NestedToNestedWithAnotherS2ttbIsOneWrite) {
  S2Config other = kS2;
  other.ttb = 0x4001'0000;
  expect_plan(EntryKind::Ste, ste_nested(kS1, kS2), ste_nested(kS1, other), {Verdict::Hitless, 1, {3}});
}

TEST(HitlessWriter, NestedToNestedWithAnotherVmidAndS2ttbBreaks) {
  S2Config other = kS2;
  other.ttb = 0x4001'0000;
  other.vmid = 2;
  expect_plan(EntryKind::Ste, ste_nested(kS1, kS2), ste_nested(kS1, other), {Verdict::Breaking, 3, {2, 3}});
}

// The same update through an abort STE (§5.2 Config = 0b000) instead of V = 0: the SMMU sees the old entry,
// abort STEs, or the new entry.
TEST(HitlessWriter, BreakingThroughAnAbortSte) {
  S2Config other = kS2;
  other.ttb = 0x4001'0000;
  other.vmid = 2;
  const Words8 o = ste_nested(kS1, kS2), n = ste_nested(kS1, other);
  const WritePlan plan = plan_entry_update(EntryKind::Ste, o, n, kCtx, BreakVia::Abort);
  EXPECT_TRUE(plan.breaking);
  EXPECT_EQ(plan.syncs(), 3u);
  const HitlessReport r = check_hitless(EntryKind::Ste, o, n, plan.groups, kCtx);
  EXPECT_EQ(r.verdict, Verdict::Breaking);
  EXPECT_TRUE(r.reaches_new);
  ASSERT_TRUE(r.first_blocking.has_value());
  const std::span<const uint64_t> b(r.first_blocking->entry);
  EXPECT_EQ(ste::V.get(b), 1u);
  EXPECT_EQ(ste::Config.get(b), 0u);
}

// §3.21.3.1 initialisation: fill in every field with V = 0, sync, then V = 1.
TEST(HitlessWriter, InvalidToValidIsTheInitialisationProcedure) {
  const Words8 n = ste_nested(kS1, kS2);
  const WritePlan plan = plan_entry_update(EntryKind::Ste, Words8{}, n, kCtx);
  ASSERT_EQ(plan.syncs(), 2u);
  ASSERT_EQ(plan.groups[1].size(), 1u);
  EXPECT_EQ(plan.groups[1][0].qword, ste::V.qword);
  EXPECT_EQ(plan.groups[1][0].value, n[0]);
  EXPECT_EQ(check_hitless(EntryKind::Ste, Words8{}, n, plan.groups, kCtx).verdict, Verdict::Hitless);
}

TEST(HitlessWriter, SameEntryNeedsNoSync) {
  expect_plan(EntryKind::Ste, ste_stage2(kS2), ste_stage2(kS2), {Verdict::Hitless, 0, {}});
}

// Bits neither entry uses (SW_RESERVED, §5.2) are written in one group with nothing critical.
TEST(HitlessWriter, UnusedBitsOnlyIsOneSync) {
  expect_plan(EntryKind::Ste, ste_stage2(kS2), with(ste_stage2(kS2), {{ste::SW_RESERVED, 5}}), {Verdict::Hitless, 1, {}});
}

const CdConfig kCd{.ttb0 = 0x4000'2000, .asid = 5};

TEST(HitlessWriter, CdWithNewTtb0AndSameAsidIsOneWrite) {
  CdConfig n = kCd;
  n.ttb0 = 0x4000'3000;
  expect_plan(EntryKind::Cd, make_cd(kCd), make_cd(n), {Verdict::Hitless, 1, {1}});
}

TEST(HitlessWriter, CdChangingAsidOnlyIsOneWrite) {
  CdConfig n = kCd;
  n.asid = 6;
  expect_plan(EntryKind::Cd, make_cd(kCd), make_cd(n), {Verdict::Hitless, 1, {0}});
}

// ASID in q0 and TTB0 in q1: a mix would translate the new tables under the old ASID.
TEST(HitlessWriter, CdChangingAsidAndTtb0BreaksThroughAnInvalidCd) {
  CdConfig n = kCd;
  n.asid = 6;
  n.ttb0 = 0x4000'3000;
  expect_plan(EntryKind::Cd, make_cd(kCd), make_cd(n), {Verdict::Breaking, 3, {0, 1}});
  const WritePlan plan = plan_entry_update(EntryKind::Cd, make_cd(kCd), make_cd(n), kCtx);
  const HitlessReport r = check_hitless(EntryKind::Cd, make_cd(kCd), make_cd(n), plan.groups, kCtx);
  ASSERT_TRUE(r.first_blocking.has_value());
  EXPECT_EQ(cd::V.get(std::span<const uint64_t>(r.first_blocking->entry)), 0u);
}

// Enabling TTB1 in the NS-EL2 StreamWorld changes nothing the SMMU uses (§5.4 EPD1 IGNORED, TTB1 RES0).
TEST(HitlessWriter, CdTtb1ChangesAreUnusedInEl2) {
  CdConfig n = kCd;
  n.epd1 = false;
  n.ttb1 = 0x4000'5000;
  const UsedContext el2{Features{}, StreamWorld::NsEl2};
  const WritePlan plan = plan_entry_update(EntryKind::Cd, make_cd(kCd), make_cd(n), el2);
  EXPECT_EQ(plan.syncs(), 1u);
  EXPECT_TRUE(plan.critical_qwords.empty());
  // In NS-EL1 the TTB1 fields (q0 T1SZ..., q2 TTB1) are unused while EPD1 = 1: they go first, then EPD1.
  const WritePlan el1 = plan_entry_update(EntryKind::Cd, make_cd(kCd), make_cd(n), kCtx);
  EXPECT_FALSE(el1.breaking);
  EXPECT_EQ(el1.critical_qwords, std::vector<unsigned>{0});
  EXPECT_EQ(el1.syncs(), 2u);
}

// A naive update: the whole nested STE written over the live stage-1 STE in order, one CFGI + CMD_SYNC.
// The SMMU may see the new q0 (Config = nested) with the old q2/q3 (no stage 2): caught.
TEST(HitlessChecker, CatchesANaiveInOrderRewrite) {
  const Words8 o = stage1(), n = ste_nested(kS1, kS2);
  WriteGroup all;
  for (unsigned q = 0; q < 8; ++q)
    if (o[q] != n[q]) all.push_back({q, n[q]});
  const HitlessReport r = check_hitless(EntryKind::Ste, o, n, {all}, kCtx);
  ASSERT_EQ(r.verdict, Verdict::NotHitless);
  ASSERT_TRUE(r.first_bad.has_value());
  const ObservedState& s = *r.first_bad;
  EXPECT_EQ(s.group, 0u);
  EXPECT_EQ(ste::Config.get(std::span<const uint64_t>(s.entry)), 0b111u);  // the new q0 ...
  EXPECT_GE(s.source[0], 0);
  EXPECT_EQ(s.source[3], -1);  // ... with the old q3: no S2TTB
  EXPECT_NE(s.differs_new[ste::S2TTB.qword] & ste::S2TTB.mask_in_place(), 0u);
  EXPECT_NE(s.differs_old[ste::Config.qword] & ste::Config.mask_in_place(), 0u);
  EXPECT_TRUE(r.reaches_new);
}

// The same writes as q1..q7 first and q0 last, each group synchronized: q1..q7 cannot hurt the stage-1 STE
// but the writer's order is still needed when q2 is used by both (S2VMID).
TEST(HitlessChecker, WritingQ0LastIsHitlessOnlyWhenNothingElseIsShared) {
  const Words8 o = stage1(), n = ste_nested(kS1, kS2);
  WriteGroup rest, first;
  for (unsigned q = 1; q < 8; ++q)
    if (o[q] != n[q]) rest.push_back({q, n[q]});
  first.push_back({0, n[0]});
  EXPECT_EQ(check_hitless(EntryKind::Ste, o, n, {rest, first}, kCtx).verdict, Verdict::Hitless);
  // With another VMID in the old entry, writing q2 changes a used bit of the live stage-1 STE.
  const Words8 o7 = with(o, {{ste::S2VMID, 7}});
  WriteGroup rest7;
  for (unsigned q = 1; q < 8; ++q)
    if (o7[q] != n[q]) rest7.push_back({q, n[q]});
  const HitlessReport r = check_hitless(EntryKind::Ste, o7, n, {rest7, first}, kCtx);
  EXPECT_EQ(r.verdict, Verdict::NotHitless);
  ASSERT_TRUE(r.first_bad.has_value());
  EXPECT_EQ(r.first_bad->group, 0u);
}

// The driver's break-before-make (V = 0, sync, q1..q7 and q0, sync) only ever blocks traffic: breaking.
TEST(HitlessChecker, BreakBeforeMakeIsBreakingNotBroken) {
  const Words8 o = stage1(), n = ste_nested(kS1, kS2);
  Words8 invalid = o;
  ste::V.set(std::span<uint64_t>(invalid), 0);
  WriteGroup rest;
  for (unsigned q = 1; q < 8; ++q) rest.push_back({q, n[q]});
  rest.push_back({0, n[0]});
  const HitlessReport r = check_hitless(EntryKind::Ste, o, n, {{{0, invalid[0]}}, rest}, kCtx);
  // Group 2 writes q0 with V = 1 in the same group as q2/q3: a valid nested q0 with the old q3 is visible.
  EXPECT_EQ(r.verdict, Verdict::NotHitless);
  ASSERT_TRUE(r.first_blocking.has_value());
  EXPECT_EQ(r.first_blocking->group, 0u);
}

TEST(HitlessChecker, SequenceThatStopsShortIsReported) {
  const Words8 o = stage1(), n = ste_nested(kS1, kS2);
  const HitlessReport r = check_hitless(EntryKind::Ste, o, n, {}, kCtx);
  EXPECT_FALSE(r.reaches_new);
  EXPECT_FALSE(r.ok());
}

TEST(HitlessChecker, BadQwordIndexIsAnErrorNotACrash) {
  const HitlessReport r = check_hitless(EntryKind::Ste, stage1(), stage1(), {{{9, 0}}}, kCtx);
  EXPECT_FALSE(r.error.empty());
}

// Several writes to one qword in one group: every value written is observable.
TEST(HitlessChecker, EveryValueWrittenToAQwordIsObservable) {
  const Words8 o = ste_stage2(kS2);
  S2Config other = kS2;
  other.ttb = 0x4001'0000;
  const Words8 n = ste_nested(kS1, other);
  // A nested q0, then a bypass q0, then the old q0 again, within one group.
  const HitlessReport r = check_hitless(EntryKind::Ste, o, o, {{{0, n[0]}, {0, ste_bypass()[0]}, {0, o[0]}}}, kCtx);
  EXPECT_EQ(r.verdict, Verdict::NotHitless);
  EXPECT_EQ(r.states, 3u);
}

// On random pairs of driver-built entries with random noise, the writer never exposes an entry that is
// neither old nor new nor blocking, always ends with the new entry, and breaks only when it must.
TEST(HitlessWriter, RandomPairsAreNeverBroken) {
  std::mt19937_64 rng(0x8);
  const std::vector<Words8> stes = {ste_abort(), ste_bypass(), stage1(), ste_stage2(kS2), ste_nested(kS1, kS2),
                                    with(ste_nested(kS1, kS2), {{ste::S2VMID, 3}}), Words8{}};
  unsigned breaking = 0, hitless = 0;
  for (int i = 0; i < 3000; ++i) {
    const bool is_cd = i % 3 == 0;
    auto pick = [&]() {
      Words8 e = is_cd ? make_cd({.ttb0 = 0x4000'2000 + 0x1000 * (rng() % 3), .asid = uint16_t(rng() % 3)})
                       : stes[rng() % stes.size()];
      if (rng() % 2) e[rng() % 8] ^= uint64_t{1} << (rng() % 64);
      return e;
    };
    const Words8 o = pick(), n = pick();
    const EntryKind kind = is_cd ? EntryKind::Cd : EntryKind::Ste;
    const UsedContext ctx{Features{}, static_cast<StreamWorld>(rng() % 3)};
    const WritePlan plan = plan_entry_update(kind, o, n, ctx);
    const HitlessReport r = check_hitless(kind, o, n, plan.groups, ctx);
    ASSERT_NE(r.verdict, Verdict::NotHitless) << "case " << i;
    ASSERT_TRUE(r.reaches_new) << "case " << i;
    ASSERT_EQ(plan.breaking, plan.critical_qwords.size() > 1);
    ASSERT_LE(plan.syncs(), 3u);
    if (!plan.breaking) ASSERT_EQ(r.verdict, Verdict::Hitless) << "case " << i;
    (plan.breaking ? breaking : hitless)++;
  }
  EXPECT_GT(breaking, 100u);  // both paths are exercised
  EXPECT_GT(hitless, 100u);
}

}  // namespace
}  // namespace smmu::driver
