// The differential runner across a kexec (ARCHITECTURE.md: the optimized model replays a kexec under the
// caching rule, the scramble counting as uncovered writes). A model that keeps every outcome forever
// (invalidations never reach it) may still give its pre-kexec results until the next covering
// invalidation, even for words that were never written and are only scrambled, but not after it.
#include "tests/kexec/kexec_helpers.h"

#include <map>
#include <tuple>

#include "harness/diff/sync_tracker.h"
#include "reference/smmu.h"

namespace smmu::test {
namespace {

using namespace harness;

class ForeverOutcomes final : public SmmuModel {
 public:
  ForeverOutcomes(const Features& f, Memory& m) : ref_(f, m) {}
  const Features& features() const override { return ref_.features(); }
  uint64_t mmio_read(uint32_t o, unsigned s) override { return ref_.mmio_read(o, s); }
  void mmio_write(uint32_t o, unsigned s, uint64_t v) override { ref_.mmio_write(o, s, v); }
  Outcome translate(const Transaction& t, WalkObserver* obs) override {
    const auto key = std::make_tuple(t.sid, t.addr >> 12, t.read);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    return cache_[key] = ref_.translate(t, obs);
  }

 private:
  ref::ReferenceSmmu ref_;
  std::map<std::tuple<uint32_t, uint64_t, bool>, Outcome> cache_;
};

const ModelSpec kForever{"forever", [](const Features& f, Memory& m) { return std::make_unique<ForeverOutcomes>(f, m); }};

// StreamID 200's STE lies at 0x40003200, in the stream table's last page, which no one ever writes: before
// the kexec it reads as zero (V = 0: C_BAD_STE), after it as junk. Nothing is preserved.
std::string scenario(uint64_t seed, bool invalidate) {
  return std::string(kStage2Setup) + "step { dma { sid: 200 addr: 0x1000 } }\nstep { kexec { seed: " + std::to_string(seed) +
         " } }\n" +
         (invalidate ? "step { commands { cmd { opcode: \"CMD_CFGI_STE_RANGE\" field { name: \"Range\" value: 31 } } "
                      "cmd { opcode: \"CMD_TLBI_NSNH_ALL\" } cmd { opcode: \"CMD_SYNC\" } } }\n"
                    : "") +
         "step { dma { sid: 200 addr: 0x1000 } }\n";
}

// A seed whose junk STE for StreamID 200 does not give C_BAD_STE again (so a stale V = 0 STE is visible).
uint64_t seed_with_visible_junk() {
  for (uint64_t seed = 1; seed < 64; ++seed) {
    const auto s = parse(scenario(seed, true));
    auto r = run_diff(s, {});
    const auto& d = std::get<DiffResult>(r);
    const Outcome& after = *d.obs.back()[0].dma;
    if (!after.event || after.event->type() != static_cast<uint8_t>(EventType::C_BAD_STE)) return seed;
  }
  return 0;
}

TEST(KexecDiff, ScrambledUntouchedWordsAreUncoveredUntilInvalidated) {
  const uint64_t seed = seed_with_visible_junk();
  ASSERT_NE(seed, 0u);
  {
    const auto s = parse(scenario(seed, false));
    auto r = run_diff(s, {kForever});
    ASSERT_TRUE(std::holds_alternative<DiffResult>(r)) << std::get<std::string>(r);
    const auto& d = std::get<DiffResult>(r);
    // The forever model repeats C_BAD_STE: permitted, the STE's qword 0 was zero before the scramble.
    EXPECT_TRUE(d.divergences.empty()) << d.divergences[0].signature;
    ASSERT_TRUE(d.dma.back());
    EXPECT_NE(d.dma.back()->rule, DmaRule::Exact);
    EXPECT_FALSE(d.dma.back()->stale_words.empty());
  }
  {
    const auto s = parse(scenario(seed, true));
    auto r = run_diff(s, {kForever});
    ASSERT_TRUE(std::holds_alternative<DiffResult>(r));
    const auto& d = std::get<DiffResult>(r);
    ASSERT_FALSE(d.divergences.empty()) << "a stale STE after CFGI_ALL, TLBI_NSNH_ALL and CMD_SYNC went unnoticed";
    EXPECT_EQ(d.divergences[0].step, s.msg.step_size() - 1);
  }
}

TEST(KexecDiff, ReferenceAgreesWithItselfAcrossAKexec) {
  const auto s = parse(scenario(5, false) + "step { driver { adopt { cmdq: REPOINT eventq: REPOINT } } }\nstep { dma { sid: 3 addr: 0x10000010 } }\n");
  auto r = run_diff(s, {{"ref2", reference_factory()}, {"ref2:batch", reference_factory(), true}});
  ASSERT_TRUE(std::holds_alternative<DiffResult>(r)) << std::get<std::string>(r);
  EXPECT_TRUE(std::get<DiffResult>(r).divergences.empty());
}

TEST(KexecDiff, TrackerKnowsTheValueBeforeAndAfterTheScramble) {
  SparseMemory mem;
  kexec::Ownership own;
  kexec::KexecHistory history;
  SyncTracker tracker;
  history.kexec(3, own, mem, [&](uint64_t pa, uint64_t b, uint64_t a) { tracker.on_write(pa, b, a); });
  tracker.on_kexec(history);
  TableRead r{.role = TableRole::Ste, .pa = 0x40003200, .value = mem.read(0x40003200, 8)};
  const auto v = tracker.permitted_values(r);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], kexec::junk_word(3, 0x40003200));
  EXPECT_EQ(v[1], 0u);  // what it held before the kexec
  // A word preserved through the kexec has no stale value.
  kexec::Ownership keep;
  keep.set(0x50000000, 0x1000, kexec::Owner::Preserved);
  SparseMemory mem2;
  kexec::KexecHistory h2;
  SyncTracker t2;
  h2.kexec(3, keep, mem2, nullptr);
  t2.on_kexec(h2);
  EXPECT_EQ(t2.permitted_values({.role = TableRole::Ste, .pa = 0x50000000, .value = 0}).size(), 1u);
}

}  // namespace
}  // namespace smmu::test
