// Write and DMA containment after a kexec (harness/kexec/containment, the runner's live-update part): an
// SMMU write into memory that is not preserved, or reclaimed, is reported unless the new kernel pointed the
// SMMU there after the kexec; a preserved stream's DMA output outside preserved memory is reported.
#include "tests/kexec/kexec_helpers.h"

#include "harness/check/check.h"

namespace smmu::test {
namespace {

using harness::ScenarioRun;
using kexec::Violation;

// A recorded fault of StreamID 3 (IPA 0x10200000 is not mapped: F_TRANSLATION, S2R = 1).
const char* kFault = "step { dma { sid: 3 addr: 0x10200000 } }\n";

std::vector<harness::StepObservation> run_text(const std::string& text) {
  static std::vector<harness::LoadedScenario> keep;  // ScenarioRun keeps a reference to its scenario
  keep.push_back(parse(text));
  ScenarioRun run(keep.back(), harness::reference_factory());
  return run_all(run, keep.back());
}

TEST(KexecContainment, EventQueueNotPreservedIsAWriteContainmentViolation) {
  const auto obs = run_text(std::string(kStage2Setup) +
                            "step { driver { preserve { stream_table: true domain { id: 1 } } } }\n"
                            "step { kexec { seed: 2 } }\n" + kFault + kFault);
  ASSERT_EQ(obs.size(), 8u);
  for (size_t i : {6, 7}) {
    ASSERT_EQ(obs[i].violations.size(), 1u) << "one violation per record, not per qword";
    const Violation& v = obs[i].violations[0];
    EXPECT_EQ(v.kind, Violation::Kind::WriteContainment);
    EXPECT_EQ(v.pa >> 12, 0x40004u);  // the event queue's page
    EXPECT_NE(v.message.find("event record"), std::string::npos) << v.message;
  }
  // The checker reports it when the step does not expect it.
  const auto bad = harness::check_step(smmucheck::Step{}, obs[6]);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].expected, "none");
}

TEST(KexecContainment, BeforeTheKexecNothingIsChecked) {
  const auto obs = run_text(std::string(kStage2Setup) + kFault);
  EXPECT_TRUE(obs.back().violations.empty());
  ASSERT_EQ(obs.back().events.size(), 1u);
}

TEST(KexecContainment, PreservedOrRepointedQueuesAreContained) {
  const auto kept = run_text(std::string(kStage2Setup) +
                             "step { driver { preserve { stream_table: true eventq: true domain { id: 1 } } } }\n"
                             "step { kexec { seed: 2 } }\n" + kFault);
  ASSERT_EQ(kept.back().events.size(), 1u);
  EXPECT_TRUE(kept.back().violations.empty());
  const auto repointed = run_text(std::string(kStage2Setup) +
                                  "step { driver { preserve { stream_table: true domain { id: 1 } } } }\n"
                                  "step { kexec { seed: 2 } }\n"
                                  "step { driver { adopt { cmdq: REPOINT eventq: REPOINT } } }\n" + kFault);
  ASSERT_EQ(repointed.back().events.size(), 1u);
  EXPECT_TRUE(repointed.back().violations.empty());
}

TEST(KexecContainment, AnIgnoredEventQueueBaseWriteRepointsNothing) {
  // EVENTQ_BASE is IGNORED while EVENTQEN = 1 (§6.3.29): the queue is still where the old kernel left it.
  const auto obs = run_text(std::string(kStage2Setup) +
                            "step { driver { preserve { stream_table: true domain { id: 1 } } } }\n"
                            "step { kexec { seed: 2 } }\n"
                            "step { mmio_write { reg: \"EVENTQ_BASE\" field { name: \"ADDR\" value: 0x2400000 } "
                            "field { name: \"LOG2SIZE\" value: 6 } } }\n" + kFault);
  ASSERT_EQ(obs.back().violations.size(), 1u);
}

TEST(KexecContainment, ReclaimingTheQueuePageMakesItsWritesViolations) {
  const auto obs = run_text(std::string(kStage2Setup) +
                            "step { driver { preserve { stream_table: true eventq: true domain { id: 1 } } } }\n"
                            "step { kexec { seed: 2 } }\n" + kFault +
                            "step { owner { base: 0x40004000 size: 0x1000 kind: RECLAIMED } }\n" + kFault);
  EXPECT_TRUE(obs[6].violations.empty());
  ASSERT_EQ(obs[8].violations.size(), 1u);
  EXPECT_NE(obs[8].violations[0].message.find("reclaimed"), std::string::npos);
}

TEST(KexecContainment, CmdSyncMsiIntoTheNewKernelsOwnMemoryIsContained) {
  // §4.7.3: CS = SIG_IRQ writes MSIData to MSIAddress when the sync completes. The new kernel issued it, so
  // the address is one it chose; the MSI lands in a page not preserved and is not a violation.
  const auto obs = run_text(std::string(kStage2Setup) +
                            "step { driver { preserve { stream_table: true eventq: true domain { id: 1 } } } }\n"
                            "step { kexec { seed: 2 } }\n"
                            "step { commands { cmd { opcode: \"CMD_SYNC\" field { name: \"CS\" value: 1 } "
                            "field { name: \"MSIAddress\" value: 0x12000000 } field { name: \"MSIData\" value: 5 } } } }\n"
                            "step { mem_read { addr: 0x48000000 size: 4 expect_value: 5 } }\n");
  EXPECT_TRUE(obs[6].violations.empty());
  EXPECT_EQ(obs[7].mem_value, 5u) << "the MSI landed (MSIAddress holds bits [55:2])";
}

TEST(KexecContainment, PreservedStreamDmaOutsidePreservedMemory) {
  const auto obs = run_text(std::string(kStage2Setup) + R"(
step { driver { map { domain: 1 iova: 0x10001000 pa: 0x90000000 } } }
step { driver { preserve { stream_table: true eventq: true domain { id: 1 } stream: 3 range { base: 0x80000000 size: 0x1000 } } } }
step { kexec { seed: 2 } }
step { dma { sid: 3 addr: 0x10000010 } }
step { dma { sid: 3 addr: 0x10001010 } }
step { driver { detach { sid: 3 bypass: true } } }
step { dma { sid: 3 addr: 0x70000000 } }
)");
  ASSERT_EQ(obs.size(), 11u);
  EXPECT_TRUE(obs[7].violations.empty());
  ASSERT_EQ(obs[8].violations.size(), 1u);
  EXPECT_EQ(obs[8].violations[0].kind, Violation::Kind::DmaContainment);
  EXPECT_EQ(obs[8].violations[0].pa, 0x90000010u);
  // A preserved stream set to bypass reaches any address: still a violation outside preserved memory.
  ASSERT_EQ(obs[10].violations.size(), 1u);
  EXPECT_EQ(obs[10].violations[0].pa, 0x70000000u);
}

TEST(KexecContainment, FootprintOfEachDmaIsExposed) {
  const auto obs = run_text(std::string(kStage2Setup) + "step { kexec { seed: 1 } }\nstep { dma { sid: 3 addr: 0x10000010 } }\n");
  const auto& fp = obs.back().footprint;
  ASSERT_FALSE(fp.empty());
  EXPECT_EQ(fp.front().role, TableRole::Ste);
  EXPECT_EQ(fp.front().pa, 0x40000000u + 3 * 64);
}

TEST(KexecContainment, ReclaimBeforeAKexecIsAnInputError) {
  auto s = parse("step { owner { base: 0x1000 size: 0x1000 kind: RECLAIMED } }\n");
  ScenarioRun run(s, harness::reference_factory());
  auto r = run.run_step(0);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("kexec"), std::string::npos);
}

TEST(KexecContainment, MalformedOwnerStepsAreRejectedWithTheLine) {
  std::vector<harness::InputError> errors;
  EXPECT_FALSE(harness::parse_scenario("step { kexec {} }\nstep { owner { base: 0x1010 size: 0x1000 } }\n", "bad.textproto", errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_NE(errors[0].message.find("4 KiB"), std::string::npos);
  errors.clear();
  EXPECT_FALSE(harness::parse_scenario("step { dma {} expect_violations { kind: \"isolation\" } }\n", "bad.textproto", errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message.find("isolation"), std::string::npos);
}

}  // namespace
}  // namespace smmu::test
