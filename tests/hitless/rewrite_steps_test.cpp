// The driver-library hook rewrite_entry(): the writer's steps, run by the scenario runner on the reference
// model, switch a live stream to the new configuration, every DMA meanwhile translating through the old or
// the new one; and, as a scenario, the optimized model (with its caches) agrees under the caching rule.
#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>

#include "harness/diff/diff_runner.h"
#include "harness/driver/hitless.h"
#include "harness/runner/runner.h"
#include "optimized/smmu.h"

namespace smmu::driver {
namespace {

using harness::LoadedScenario;

// Streams 3..6 through four domains that map IOVA 0x10000000 to four different PAs.
const char* kSetup = R"(
step { driver { init {} } }
step { driver { domain { id: 1 stage: STAGE1 asid: 5 vmid: 1 } } }
step { driver { map { domain: 1 iova: 0x10000000 pa: 0x80000000 perms: "rwu" } } }
step { driver { domain { id: 2 stage: STAGE2 vmid: 1 } } }
step { driver { map { domain: 2 iova: 0x10000000 pa: 0x90000000 } } }
step { driver { domain { id: 3 stage: NESTED asid: 5 vmid: 1 } } }
step { driver { map { domain: 3 iova: 0x10000000 ipa: 0x20000000 pa: 0xA0000000 perms: "rwu" } } }
step { driver { domain { id: 4 stage: STAGE1 asid: 5 vmid: 1 } } }
step { driver { map { domain: 4 iova: 0x10000000 pa: 0xB0000000 perms: "rwu" } } }
step { driver { attach { sid: 3 domain: 1 } } }
step { driver { attach { sid: 4 domain: 2 } } }
step { driver { attach { sid: 5 domain: 3 } } }
step { driver { attach { sid: 6 domain: 4 } } }
)";
constexpr uint64_t kIova = 0x10000010;

LoadedScenario parse(const std::string& text) {
  std::vector<harness::InputError> errors;
  auto s = harness::parse_scenario(text, "rewrite.textproto", errors);
  EXPECT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].to_string());
  return s ? *s : LoadedScenario{};
}

class Rewrite : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario_ = parse(kSetup);
    run_ = std::make_unique<harness::ScenarioRun>(scenario_, harness::reference_factory());
    for (int i = 0; i < scenario_.msg.step_size(); ++i) {
      auto r = run_->run_step(i);
      ASSERT_TRUE(std::holds_alternative<harness::StepObservation>(r)) << std::get<std::string>(r);
    }
    const uint64_t base = run_->model().mmio_read(reg::STRTAB_BASE.offset, 8);
    strtab_ = regf::STRTAB_BASE_ADDR.in_place(base);
  }
  uint64_t ste_pa(uint32_t sid) const { return strtab_ + 64 * uint64_t{sid}; }  // the driver's linear table
  Words8 read(uint64_t pa) {
    Words8 w{};
    for (unsigned q = 0; q < 8; ++q) w[q] = run_->memory().peek64(pa + 8 * q);
    return w;
  }
  uint64_t cd_pa(uint32_t sid) { return ste::S1ContextPtr.in_place(std::span<const uint64_t>(read(ste_pa(sid)))); }
  Outcome dma(uint32_t sid) { return run_->model().translate(Transaction{.sid = sid, .addr = kIova}, nullptr); }

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

  LoadedScenario scenario_;
  std::unique_ptr<harness::ScenarioRun> run_;
  uint64_t strtab_ = 0;
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
  std::string text = kSetup;
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
  const LoadedScenario s = parse(text);
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
