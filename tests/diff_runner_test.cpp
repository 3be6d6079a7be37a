// The differential runner and the caching rule (ARCHITECTURE.md): covered words are compared exactly,
// uncovered words allow the values they may still be cached with, and a result outside the permitted set is
// caught with a stable signature. The model under test here is the reference with a deliberately wrong
// cache in front of it.
#include <gtest/gtest.h>

#include <map>

#include "harness/diff/diff_runner.h"
#include "harness/diff/reduce.h"
#include "harness/scenario/load.h"
#include "reference/smmu.h"

namespace smmu::test {
namespace {

using namespace harness;

// Remembers the first outcome of every (StreamID, SubstreamID, page) forever: invalidations never reach it.
class ForeverCache final : public SmmuModel {
 public:
  ForeverCache(const Features& f, Memory& m) : ref_(f, m) {}
  const Features& features() const override { return ref_.features(); }
  uint64_t mmio_read(uint32_t o, unsigned s) override { return ref_.mmio_read(o, s); }
  void mmio_write(uint32_t o, unsigned s, uint64_t v) override { ref_.mmio_write(o, s, v); }
  Outcome translate(const Transaction& t, WalkObserver* obs) override {
    const auto key = std::make_tuple(t.sid, t.ssid.value_or(~0u), t.addr >> 12);
    if (auto it = cache_.find(key); it != cache_.end()) {
      Outcome o = it->second;
      o.pa = (o.pa & ~0xFFFull) | (t.addr & 0xFFF);
      return o;
    }
    Outcome o = ref_.translate(t, obs);
    if (o.kind == OutcomeKind::Success) cache_[key] = o;
    return o;
  }

 private:
  ref::ReferenceSmmu ref_;
  std::map<std::tuple<uint32_t, uint32_t, uint64_t>, Outcome> cache_;
};

LoadedScenario parse(const std::string& text) {
  std::vector<InputError> errors;
  auto s = parse_scenario(text, "test.textproto", errors);
  EXPECT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].to_string());
  return *s;
}

const ModelSpec kForever{"forever", [](const Features& f, Memory& m) { return std::make_unique<ForeverCache>(f, m); }};

const char* kSetup = R"(
step { driver { init {} } }
step { driver { domain { id: 1 stage: STAGE1 asid: 5 } } }
step { driver { map { domain: 1 iova: 0x10000000 pa: 0x80000000 perms: "rwu" } } }
step { driver { attach { sid: 3 domain: 1 } } }
step { dma { sid: 3 addr: 0x10000010 } }
)";

TEST(DiffRunner, ReferenceAgreesWithItselfThroughTheBatchPath) {
  auto s = parse(std::string(kSetup) + "step { dma { sid: 3 addr: 0x10000020 } } step { dma { sid: 3 addr: 0x3000 } }");
  auto r = run_diff(s, {{"refbatch", reference_factory(), true}});
  ASSERT_TRUE(std::holds_alternative<DiffResult>(r));
  const DiffResult& d = std::get<DiffResult>(r);
  EXPECT_TRUE(d.divergences.empty()) << d.divergences[0].signature;
  EXPECT_EQ(d.exact, 3);
}

// §4.4.1, §4.7.3: after an unmap with TLBI_NH_VA and a completed CMD_SYNC the leaf is covered, so the only
// permitted result is the reference's F_TRANSLATION; a cache that kept the translation is caught.
TEST(DiffRunner, StaleTranslationAfterCoveredInvalidationIsCaught) {
  auto s = parse(std::string(kSetup) + R"(
step { driver { unmap { domain: 1 iova: 0x10000000 } } }
step { dma { sid: 3 addr: 0x10000010 } }
)");
  auto r = run_diff(s, {kForever});
  ASSERT_TRUE(std::holds_alternative<DiffResult>(r));
  const DiffResult& d = std::get<DiffResult>(r);
  ASSERT_FALSE(d.divergences.empty());
  EXPECT_EQ(d.divergences[0].signature, "ref-forever:dma:outcome:F_TRANSLATION/success");
  EXPECT_EQ(d.divergences[0].step, 6);
  ASSERT_TRUE(d.dma[6].has_value());
  EXPECT_EQ(d.dma[6]->rule, DmaRule::Exact);
}

// §3.21.1: the same unmap without any invalidation leaves the old leaf uncovered; the stale translation is
// a permitted result and no divergence is reported, and the trace says which rule applied.
TEST(DiffRunner, StaleTranslationWithoutInvalidationIsPermitted) {
  auto s = parse(std::string(kSetup) + R"(
step { mem_write { addr: 0x40008000 qword: 0 } }
step { dma { sid: 3 addr: 0x10000010 } }
)");
  auto r = run_diff(s, {kForever});
  const DiffResult& d = std::get<DiffResult>(r);
  EXPECT_TRUE(d.divergences.empty()) << d.divergences[0].signature;
  ASSERT_TRUE(d.dma[6].has_value());
  EXPECT_EQ(d.dma[6]->rule, DmaRule::PermittedStale);
  EXPECT_EQ(d.dma[6]->permitted, 2u);  // the fault (current value) and the old translation
  EXPECT_EQ(d.dma[6]->stale_words, std::vector<uint64_t>{0x40008000});
}

// §3.21, §4.7.3: a TLBI consumed before the descriptor write does not cover it, even when the CMD_SYNC that
// completes the TLBI comes after the write: a DMA between the TLBI and the write may cache the old leaf.
TEST(DiffRunner, InvalidationConsumedBeforeTheWriteDoesNotCoverIt) {
  auto s = parse(std::string(kSetup) + R"(
step { commands { cmd { opcode: "CMD_TLBI_NH_ALL" } } }
step { dma { sid: 3 addr: 0x10000010 } }
step { mem_write { addr: 0x40008000 qword: 0 } }
step { commands { cmd { opcode: "CMD_SYNC" } } }
step { dma { sid: 3 addr: 0x10000010 } }
)");
  auto r = run_diff(s, {kForever});
  const DiffResult& d = std::get<DiffResult>(r);
  EXPECT_TRUE(d.divergences.empty()) << d.divergences[0].signature;
  ASSERT_TRUE(d.dma[9].has_value());
  EXPECT_EQ(d.dma[9]->rule, DmaRule::PermittedStale);
  EXPECT_EQ(d.dma[9]->stale_words, std::vector<uint64_t>{0x40008000});
}

// The permitted set holds only the values the word had: a result that none of them gives is caught even
// though the word is uncovered (a cache returning the old translation at a different output address).
TEST(DiffRunner, ResultOutsideThePermittedSetIsCaught) {
  auto s = parse(std::string(kSetup) + R"(
step { mem_write { addr: 0x40008000 qword: 0x0060000090000f47 } }
step { dma { sid: 3 addr: 0x10000010 } }
)");
  struct Shifted final : SmmuModel {
    Shifted(const Features& f, Memory& m) : ref(f, m) {}
    const Features& features() const override { return ref.features(); }
    uint64_t mmio_read(uint32_t o, unsigned s) override { return ref.mmio_read(o, s); }
    void mmio_write(uint32_t o, unsigned s, uint64_t v) override { ref.mmio_write(o, s, v); }
    Outcome translate(const Transaction& t, WalkObserver* obs) override {
      Outcome o = ref.translate(t, obs);
      if (++n == 2) o.pa += 0x1000;  // neither 0x80000010 (old) nor 0x90000010 (new)
      return o;
    }
    ref::ReferenceSmmu ref;
    int n = 0;
  };
  auto r = run_diff(s, {{"shifted", [](const Features& f, Memory& m) { return std::make_unique<Shifted>(f, m); }}});
  const DiffResult& d = std::get<DiffResult>(r);
  ASSERT_TRUE(d.dma[6].has_value());
  EXPECT_EQ(d.dma[6]->rule, DmaRule::PermittedStale);
  ASSERT_FALSE(d.divergences.empty());
  EXPECT_EQ(d.divergences[0].signature, "ref-shifted:dma:pa:success/success");
}

TEST(DiffRunner, EnumerationBoundMakesADmaUnchecked) {
  auto s = parse(std::string(kSetup) + R"(
step { mem_write { addr: 0x40008000 qword: 0 } }
step { dma { sid: 3 addr: 0x10000010 } }
)");
  DiffOptions opts;
  opts.enumeration_bound = 1;
  auto r = run_diff(s, {kForever}, opts);
  const DiffResult& d = std::get<DiffResult>(r);
  ASSERT_TRUE(d.dma[6].has_value());
  EXPECT_EQ(d.dma[6]->rule, DmaRule::Unchecked);
  EXPECT_EQ(d.unchecked, 1);
}

// A model that aborts like the reference but writes no record of a translation fault: with every table
// word covered the window is exact, so the missing record is a divergence.
TEST(DiffRunner, MissingRecordInAnExactWindowIsCaught) {
  auto s = parse(std::string(kSetup) + "step { dma { sid: 3 addr: 0x20000000 } }");
  struct Mute final : SmmuModel {
    Mute(const Features& f, Memory& m) : ref(f, m) {}
    const Features& features() const override { return ref.features(); }
    uint64_t mmio_read(uint32_t o, unsigned s) override { return ref.mmio_read(o, s); }
    void mmio_write(uint32_t o, unsigned s, uint64_t v) override { ref.mmio_write(o, s, v); }
    Outcome translate(const Transaction& t, WalkObserver* obs) override {
      const uint64_t cr0 = ref.mmio_read(reg::CR0.offset, 4);
      ref.mmio_write(reg::CR0.offset, 4, cr0 & ~regf::CR0_EVENTQEN.mask_in_place());  // records are discarded
      Outcome o = ref.translate(t, obs);
      ref.mmio_write(reg::CR0.offset, 4, cr0);
      return o;
    }
    ref::ReferenceSmmu ref;
  };
  auto r = run_diff(s, {{"mute", [](const Features& f, Memory& m) { return std::make_unique<Mute>(f, m); }}});
  const DiffResult& d = std::get<DiffResult>(r);
  ASSERT_FALSE(d.divergences.empty());
  EXPECT_EQ(d.divergences[0].signature, "ref-mute:events:events.count:expected/fewer");
  EXPECT_EQ(d.divergences[0].difference.a_value, "1");
  EXPECT_EQ(d.divergences[0].difference.b_value, "0");
}

// After a stale window in which the cache answered without a fault, the reference's queue holds one record
// more: its later records land elsewhere, EVENTQ_PROD differs, and neither they, PROD, nor the memory they
// are in is compared until software re-initializes the queue (§6.3.95: PROD is writable with EVENTQEN 0).
TEST(DiffRunner, AStaleWindowLeavesTheQueuesOutOfStepUntilReinitialized) {
  auto s = parse(std::string(kSetup) + R"(
step { mem_write { addr: 0x40008000 qword: 0 } }
step { dma { sid: 3 addr: 0x10000010 } }
step { mmio_read { reg: "EVENTQ_PROD" } }
step { dma { sid: 3 addr: 0x20000000 } }
step { mem_read { addr: 0x40004810 } }
step { mmio_write { reg: "CR0" value: 0x9 } }
step { mmio_write { reg: "EVENTQ_PROD" value: 0 } }
step { mmio_write { reg: "EVENTQ_CONS" value: 0 } }
step { mmio_write { reg: "CR0" value: 0xd } }
step { dma { sid: 3 addr: 0x20000000 } }
step { mmio_read { reg: "EVENTQ_PROD" } }
)");
  auto r = run_diff(s, {kForever});
  const DiffResult& d = std::get<DiffResult>(r);
  EXPECT_TRUE(d.divergences.empty()) << d.divergences[0].signature;
  EXPECT_EQ(d.obs[7][0].mmio_value, 1u);  // the reference recorded the fault, the cache did not
  EXPECT_EQ(d.obs[7][1].mmio_value, 0u);
  ASSERT_EQ(d.obs[8][0].events.size(), 1u);
  EXPECT_NE(d.obs[8][0].event_pas, d.obs[8][1].event_pas);
  EXPECT_NE(d.obs[9][0].mem_value, d.obs[9][1].mem_value);  // entry 0's InputAddr: 0x10000010 / 0x20000000
  EXPECT_EQ(d.obs[15][0].mmio_value, 1u);
  EXPECT_EQ(d.obs[15][1].mmio_value, 1u);
}

}  // namespace
}  // namespace smmu::test

namespace smmu::test {
namespace {

// Reduction keeps the signature and drops what does not matter (here: the second mapping and its DMA, the
// expectations, a mmio read).
TEST(Reduce, KeepsTheSignatureAndShrinks) {
  auto s = parse(std::string(kSetup) + R"(
step { driver { map { domain: 1 iova: 0x20000000 pa: 0x81000000 } } }
step { dma { sid: 3 addr: 0x20000000 expect { result: SUCCESS pa: 0x81000000 } } }
step { mmio_read { reg: "CR0" } }
step { driver { unmap { domain: 1 iova: 0x10000000 } } }
step { dma { sid: 3 addr: 0x10000010 expect { result: FAULT } } }
)");
  const ReduceResult r = reduce(s.msg, {kForever});
  EXPECT_EQ(r.signature, "ref-forever:dma:outcome:F_TRANSLATION/success");
  EXPECT_EQ(first_signature(r.scenario, {kForever}), r.signature);
  EXPECT_EQ(r.steps_before, 10);
  EXPECT_LT(r.steps_after, 8);
  for (const auto& step : r.scenario.step()) {
    EXPECT_FALSE(step.has_mmio_read());
    if (step.has_dma()) EXPECT_FALSE(step.dma().has_expect());
  }
}

TEST(Reduce, AgreeingModelsReduceToNothing) {
  auto s = parse(kSetup);
  const ReduceResult r = reduce(s.msg, {{"refbatch", reference_factory(), true}});
  EXPECT_TRUE(r.signature.empty());
  EXPECT_EQ(r.scenario.step_size(), s.msg.step_size());
}

}  // namespace
}  // namespace smmu::test
