// The driver-library hook rewrite_entry(): the writer's steps, run by the scenario runner on the reference
// model, switch a live stream to the new configuration, every DMA meanwhile translating through the old or
// the new one; and, as a scenario, the optimized model (with its caches) agrees under the caching rule.
#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>

#include "optimized/smmu.h"
#include "tests/hitless/live_streams.h"

namespace smmu::driver {
namespace {

using harness::LoadedScenario;
using hitless_test::kLiveSetup;
using hitless_test::parse_live;

class Rewrite : public hitless_test::LiveStreams {
 protected:
  // Applies `steps`, checking after each that stream 3 translates to `old_pa` or `new_pa`, and at the end to
  // `new_pa`, with no command error.
  void apply(const std::vector<smmucheck::Step>& steps, uint64_t old_pa, uint64_t new_pa) {
    ASSERT_FALSE(steps.empty());
    for (const auto& s : steps) {
      auto err = run_->apply_primitive(s);
      ASSERT_FALSE(err.has_value()) << *err;
      const Outcome o = dma(3);
      ASSERT_EQ(o.kind, OutcomeKind::Success);
      EXPECT_TRUE(o.pa == old_pa + 0x10 || o.pa == new_pa + 0x10) << std::hex << o.pa;
    }
    const Outcome o = dma(3);
    ASSERT_EQ(o.kind, OutcomeKind::Success);
    EXPECT_EQ(o.pa, new_pa + 0x10);
    EXPECT_EQ(run_->model().mmio_read(reg::GERROR.offset, 4), 0u);
    EXPECT_EQ(regf::CMDQ_CONS_ERR.get(run_->model().mmio_read(reg::CMDQ_CONS.offset, 4)), 0u);
  }
  unsigned syncs(const std::vector<smmucheck::Step>& steps) {
    unsigned n = 0;
    for (const auto& s : steps)
      if (s.has_commands())
        for (const auto& c : s.commands().cmd())
          n += c.raw_size() && cmd::Opcode.get(c.raw(0)) == static_cast<uint8_t>(Opcode::CMD_SYNC);
    return n;
  }
};

TEST_F(Rewrite, Stage1ToStage2OnTheReferenceModel) {
  ASSERT_EQ(dma(3).pa, 0x80000010u);
  const UsedContext ctx{scenario_.features};
  const auto steps = rewrite_entry(EntryKind::Ste, ste_pa(3), 3, 0, read(ste_pa(3)), read(ste_pa(4)), ctx);
  EXPECT_EQ(syncs(steps), 3u);
  apply(steps, 0x80000000, 0x90000000);
  EXPECT_EQ(read(ste_pa(3)), read(ste_pa(4)));
}

TEST_F(Rewrite, Stage1ToNestedOnTheReferenceModel) {
  const UsedContext ctx{scenario_.features};
  const auto steps = rewrite_entry(EntryKind::Ste, ste_pa(3), 3, 0, read(ste_pa(3)), read(ste_pa(5)), ctx);
  apply(steps, 0x80000000, 0xA0000000);
}

// A CD with other translation tables and the same ASID: one write of TTB0 (q1), CMD_CFGI_CD, CMD_SYNC. (A
// caching SMMU also needs TLB maintenance for the ASID, §5.4 ASET: not the writer's business.)
TEST_F(Rewrite, CdWithNewTtb0OnTheReferenceModel) {
  const UsedContext ctx{scenario_.features};
  const auto steps = rewrite_entry(EntryKind::Cd, cd_pa(3), 3, 0, read(cd_pa(3)), read(cd_pa(6)), ctx);
  EXPECT_EQ(syncs(steps), 1u);
  apply(steps, 0x80000000, 0xB0000000);
}

// The emitted steps printed as text format are a valid scenario: the reference meets the DMA expectations
// written after them, and the optimized model (IOTLB, configuration caches) agrees under the caching rule.
TEST_F(Rewrite, AsAScenarioTheOptimizedModelAgrees) {
  const UsedContext ctx{scenario_.features};
  std::string text = kLiveSetup;
  text += "step { dma { sid: 3 addr: 0x10000010 expect { result: SUCCESS pa: 0x80000010 } } }\n";
  for (const auto& s : rewrite_entry(EntryKind::Ste, ste_pa(3), 3, 0, read(ste_pa(3)), read(ste_pa(5)), ctx)) {
    std::string one;
    google::protobuf::TextFormat::Printer p;
    p.SetSingleLineMode(true);
    ASSERT_TRUE(p.PrintToString(s, &one));
    text += "step { " + one + "}\n";
    text += "step { dma { sid: 3 addr: 0x10000010 } }\n";  // compared between the models, no expectation
  }
  text += "step { dma { sid: 3 addr: 0x10000010 expect { result: SUCCESS pa: 0xA0000010 } } }\n";
  const LoadedScenario s = parse_live(text);
  harness::ModelSpec opt{"opt", [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); }};
  auto r = harness::run_diff(s, {opt});
  ASSERT_TRUE(std::holds_alternative<harness::DiffResult>(r)) << std::get<std::string>(r);
  const auto& d = std::get<harness::DiffResult>(r);
  EXPECT_TRUE(d.divergences.empty()) << d.divergences[0].signature;
  EXPECT_EQ(d.unchecked, 0);
  // The last DMA comes after the last CMD_SYNC: compared exactly, and it meets its expectation.
  ASSERT_FALSE(d.obs.empty());
  const auto& last = d.obs.back()[0];
  ASSERT_TRUE(last.dma.has_value());
  EXPECT_EQ(last.dma->pa, 0xA0000010u);
}

}  // namespace
}  // namespace smmu::driver
