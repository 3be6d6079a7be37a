// Every entry the checker says the SMMU can observe during the writer's sequence, written into a live
// stream table and translated by the reference model: a state judged old-or-new translates exactly as the
// old or the new entry, a blocking state lets nothing through, and a naive sequence's bad state translates
// as neither (the checker's verdicts, confirmed by a model).
#include <gtest/gtest.h>

#include <random>

#include "tests/hitless/live_streams.h"

namespace smmu::driver {
namespace {

class ObservableStates : public hitless_test::LiveStreams {
 protected:
  std::vector<Outcome> outcomes(uint32_t sid) {
    std::vector<Outcome> out;
    for (const Transaction& t : {Transaction{.sid = sid, .addr = hitless_test::kIova},
                                 Transaction{.sid = sid, .addr = hitless_test::kIova, .read = false},
                                 Transaction{.sid = sid, .addr = 0x3000'0000}})
      out.push_back(run_->model().translate(t, nullptr));
    return out;
  }
  static bool same(const std::vector<Outcome>& a, const std::vector<Outcome>& b) {
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].kind != b[i].kind || a[i].pa != b[i].pa || !(a[i].perms == b[i].perms) || !(a[i].attrs == b[i].attrs) ||
          a[i].event.has_value() != b[i].event.has_value() ||
          (a[i].event && a[i].event->get(event::EVENT_TYPE) != b[i].event->get(event::EVENT_TYPE)))
        return false;
    return true;
  }
  static bool blocked(const std::vector<Outcome>& a) {
    for (const Outcome& o : a)
      if (o.kind == OutcomeKind::Success) return false;
    return true;
  }

  struct Tally {
    unsigned old_or_new = 0, blocking = 0, bad = 0, bad_confirmed = 0;
  };
  // Replays every observable state of `groups` (old -> new, at kind's address for stream `sid`).
  Tally replay(EntryKind kind, uint32_t sid, uint64_t pa, const Words8& o, const Words8& n,
               const std::vector<WriteGroup>& groups) {
    const UsedContext ctx{scenario_.features};
    write(pa, o);
    const auto want_old = outcomes(sid);
    write(pa, n);
    const auto want_new = outcomes(sid);
    EXPECT_FALSE(same(want_old, want_new)) << "the pair must translate differently to be a test";
    Tally t;
    check_hitless(kind, o, n, groups, ctx, uint64_t{1} << 20, [&](const ObservedState& s, Verdict v) {
      write(pa, s.entry);
      const auto got = outcomes(sid);
      switch (v) {
        case Verdict::Hitless:
          ++t.old_or_new;
          EXPECT_TRUE(same(got, want_old) || same(got, want_new)) << "group " << s.group;
          break;
        case Verdict::Breaking:
          ++t.blocking;
          EXPECT_TRUE(blocked(got)) << "group " << s.group;
          break;
        case Verdict::NotHitless:
          ++t.bad;
          t.bad_confirmed += !same(got, want_old) && !same(got, want_new);
          break;
      }
    });
    write(pa, n);
    return t;
  }
};

TEST_F(ObservableStates, WriterStage1ToStage2) {
  const Words8 o = read(ste_pa(3)), n = read(ste_pa(4));
  const auto plan = plan_entry_update(EntryKind::Ste, o, n, {scenario_.features});
  const Tally t = replay(EntryKind::Ste, 3, ste_pa(3), o, n, plan.groups);
  EXPECT_GT(t.old_or_new, 0u);
  EXPECT_EQ(t.bad, 0u);
}

TEST_F(ObservableStates, WriterStage2ToNestedAndBack) {
  const Words8 s2 = read(ste_pa(4)), nested = read(ste_pa(5));
  for (const auto& [o, n] : {std::pair{s2, nested}, std::pair{nested, s2}}) {
    const auto plan = plan_entry_update(EntryKind::Ste, o, n, {scenario_.features});
    const Tally t = replay(EntryKind::Ste, 4, ste_pa(4), o, n, plan.groups);
    EXPECT_EQ(t.bad, 0u);
    EXPECT_GT(t.old_or_new, 0u);
  }
}

// Abort and bypass in both directions, and a breaking update through V = 0 and through an abort STE.
TEST_F(ObservableStates, WriterBreakingAndAbortBypass) {
  const Words8 s1 = read(ste_pa(3)), s2_other_vmid = with(read(ste_pa(4)), {{ste::S2VMID, 9}});
  for (BreakVia via : {BreakVia::Invalid, BreakVia::Abort}) {
    const auto plan = plan_entry_update(EntryKind::Ste, s1, s2_other_vmid, {scenario_.features}, via);
    ASSERT_TRUE(plan.breaking);
    const Tally t = replay(EntryKind::Ste, 3, ste_pa(3), s1, s2_other_vmid, plan.groups);
    EXPECT_EQ(t.bad, 0u);
    EXPECT_GT(t.blocking, 0u);
  }
  const auto plan = plan_entry_update(EntryKind::Ste, ste_abort(), ste_bypass(), {scenario_.features});
  EXPECT_EQ(replay(EntryKind::Ste, 7, ste_pa(7), ste_abort(), ste_bypass(), plan.groups).bad, 0u);
}

TEST_F(ObservableStates, WriterCdNewTables) {
  const Words8 o = read(cd_pa(3)), n = read(cd_pa(6));
  const auto plan = plan_entry_update(EntryKind::Cd, o, n, {scenario_.features});
  const Tally t = replay(EntryKind::Cd, 3, cd_pa(3), o, n, plan.groups);
  EXPECT_EQ(t.bad, 0u);
}

// The naive rewrite of the live stage-1 STE into the nested one, all qwords in one group: the checker's bad
// states do translate differently on the reference model.
TEST_F(ObservableStates, NaiveRewriteIsConfirmedByTheModel) {
  const Words8 o = read(ste_pa(3)), n = read(ste_pa(5));
  WriteGroup all;
  for (unsigned q = 0; q < 8; ++q)
    if (o[q] != n[q]) all.push_back({q, n[q]});
  const Tally t = replay(EntryKind::Ste, 3, ste_pa(3), o, n, {all});
  EXPECT_GT(t.bad, 0u);
  EXPECT_GT(t.bad_confirmed, 0u);
}

// Random pairs among the live configurations (stage 1, stage 2, nested, another stage 1, abort, bypass), with
// random values in bits the old or the new entry does not use: every state of the writer's sequence that the
// checker calls old-or-new translates so on the model, and no state is bad.
TEST_F(ObservableStates, RandomPairsAgreeWithTheModel) {
  const UsedContext ctx{scenario_.features};
  const std::vector<Words8> live = {read(ste_pa(3)), read(ste_pa(4)), read(ste_pa(5)), read(ste_pa(6)),
                                    ste_abort(),     ste_bypass()};
  std::mt19937_64 rng(3);
  auto noisy = [&](const Words8& e) {
    const Words8 u = used_bits(EntryKind::Ste, e, ctx);
    Words8 m = e;
    for (const Field& f : ste::kFields)  // only named fields: RES0 gaps stay zero, as a driver leaves them
      if (rng() % 8 == 0) m[f.qword] ^= rng() & f.mask_in_place() & ~u[f.qword];
    return m;
  };
  unsigned pairs = 0, breaking = 0;
  for (int i = 0; i < 60; ++i) {
    const Words8 o = noisy(live[rng() % live.size()]), n = noisy(live[rng() % live.size()]);
    write(ste_pa(3), o);
    const auto a = outcomes(3);
    write(ste_pa(3), n);
    if (same(a, outcomes(3))) continue;  // translates alike: nothing to tell apart
    const auto plan = plan_entry_update(EntryKind::Ste, o, n, ctx);
    const Tally t = replay(EntryKind::Ste, 3, ste_pa(3), o, n, plan.groups);
    ASSERT_EQ(t.bad, 0u) << "pair " << i;
    ++pairs;
    breaking += plan.breaking;
  }
  EXPECT_GT(pairs, 20u);
  EXPECT_GT(breaking, 0u);
}

}  // namespace
}  // namespace smmu::driver
