// The driver-library hook rewrite_entry(): the writer's steps, run by the scenario runner on the reference
// model, switch a live stream to the new configuration, every DMA meanwhile translating through the old or
// the new one; and, as a scenario, the optimized model (with its caches) agrees under the caching rule.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <fstream>
#include <sstream>

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

namespace smmu::driver {
namespace {

// corpus/hitless/rewrite_stage1_to_nested.textproto replays the writer's steps with `smmucheck run` (and
// `smmucheck diff` against the optimized model). Its steps after the setup must be exactly what
// rewrite_entry() emits today; on a mismatch the test prints the file as it should be.
TEST_F(Rewrite, CorpusScenarioHoldsTheWritersSteps) {
  const std::string path = std::string(SMMUCHECK_CORPUS) + "/hitless/rewrite_stage1_to_nested.textproto";
  const UsedContext ctx{scenario_.features};
  const auto steps = rewrite_entry(EntryKind::Ste, ste_pa(3), 3, 0, read(ste_pa(3)), read(ste_pa(5)), ctx);
  // The expected file: the setup, a DMA through the stage-1 STE, then each group's writes and commands with a
  // DMA after it (still stage 1 until the critical qword q0 is written, §3.21.3), and a last DMA.
  std::string want = R"(# The hitless writer (harness/driver/hitless.h) rewrites the live stage-1 STE of StreamID 3 into the
# nested STE the driver built for StreamID 5 (its own CD, the same VMID 1): first the stage-2 fields in
# q2/q3, which a stage-1 STE does not use (§5.2: S2 fields except S2VMID are IGNORED when stage 2 bypasses),
# CMD_CFGI_STE, CMD_SYNC; then q0 (Config = 0b111 and the new S1ContextPtr) alone, CMD_CFGI_STE, CMD_SYNC
# (§3.21.3: a 64-bit write is single-copy atomic, and every other qword already holds the nested STE's
# values; §4.3.1: CMD_CFGI_STE also drops CDs cached through StreamID 3). DMA through StreamID 3
# reaches the stage-1 mapping (PA 0x80000000) until q0 is written, the nested one (PA 0xA0000000) after.
# Generated by tests/hitless/rewrite_steps_test.cpp (Rewrite.CorpusScenarioHoldsTheWritersSteps), which
# checks that it still holds the writer's steps.
name: "hitless_rewrite_stage1_to_nested"
description: "the hitless writer switches a live stage-1 STE to nested in two groups, DMA flowing throughout"
spec: ["3.21.3", "3.21.3.1", "4.3.1", "5.2"]
)";
  want += kLiveSetup;
  want += "step { dma { sid: 3 addr: 0x10000010 expect { result: SUCCESS pa: 0x80000010 } } }\n";
  unsigned group = 0;
  for (const auto& s : steps) {
    if (s.has_mem_write()) {
      ASSERT_EQ(s.mem_write().qword_size(), 1);
      want += fmt::format("step {{ mem_write {{ addr: {:#x} qword: {:#018x} }} }}{}\n", s.mem_write().addr(),
                          s.mem_write().qword(0), s.comment().empty() ? "" : "  # " + s.comment());
      continue;
    }
    ASSERT_TRUE(s.has_commands());
    want += "step { commands {";
    for (const auto& c : s.commands().cmd()) {
      const std::array<uint64_t, 2> raw{c.raw(0), c.raw(1)};
      const auto* info = opcode_info(static_cast<uint8_t>(cmd::Opcode.get(raw[0])));
      ASSERT_NE(info, nullptr);
      want += fmt::format(" cmd {{ opcode: \"{}\"", info->name);
      for (const Field& f : cmd::kFields)
        if ((info->fields >> (&f - cmd::kFields) & 1) && f.get(std::span<const uint64_t>(raw)))
          want += fmt::format(" field {{ name: \"{}\" value: {} }}", f.name, f.get(std::span<const uint64_t>(raw)));
      want += " }";
    }
    want += " } }\n";
    want += fmt::format("step {{ dma {{ sid: 3 addr: 0x10000010 expect {{ result: SUCCESS pa: {} }} }} }}\n",
                        ++group < 2 ? "0x80000010" : "0xA0000010");
  }
  ASSERT_EQ(group, 2u);
  // The file's primitive steps after the setup, encoded, against the writer's.
  std::vector<harness::InputError> errors;
  const auto file = harness::load_scenario(path, errors);
  ASSERT_TRUE(file.has_value()) << (errors.empty() ? "" : errors[0].to_string()) << "\nwrite this to " << path
                                << ":\n" << want;
  std::vector<smmucheck::Step> have;
  for (int i = scenario_.msg.step_size(); i < file->msg.step_size(); ++i)
    if (!file->msg.step(i).has_dma()) have.push_back(file->msg.step(i));
  bool same = have.size() == steps.size();
  for (size_t i = 0; same && i < have.size(); ++i) {
    if (steps[i].has_mem_write())
      same = have[i].has_mem_write() && have[i].mem_write().addr() == steps[i].mem_write().addr() &&
             have[i].mem_write().qword_size() == 1 && have[i].mem_write().qword(0) == steps[i].mem_write().qword(0);
    else {
      same = have[i].has_commands() && have[i].commands().cmd_size() == steps[i].commands().cmd_size();
      for (int c = 0; same && c < have[i].commands().cmd_size(); ++c)
        same = harness::encode_command(have[i].commands().cmd(c)) == harness::encode_command(steps[i].commands().cmd(c));
    }
  }
  EXPECT_TRUE(same) << "write this to " << path << ":\n" << want;
}

}  // namespace
}  // namespace smmu::driver
