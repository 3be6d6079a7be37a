// The driver's live-update intents (harness/driver/driver_kexec.cpp): preserve marks the pages of what it
// names; adopt takes the live SMMU over without writing STRTAB_BASE, and the new kernel's intents work
// after it, in its own memory.
#include "tests/kexec/kexec_helpers.h"

#include "harness/check/check.h"
#include "specs/lookup.h"

namespace smmu::test {
namespace {

using harness::ScenarioRun;
using kexec::Owner;

TEST(KexecDriver, PreserveMarksThePagesOfWhatItNames) {
  const auto s = parse(std::string(kStage2Setup) + R"(
step { driver { domain { id: 2 stage: STAGE1 asid: 4 } } }
step { driver { map { domain: 2 iova: 0x20000000 pa: 0xA0000000 } } }
step { driver { preserve { stream_table: true cmdq: true domain { id: 1 } stream: 3
                           range { base: 0x80000000 size: 0x2000 } } } }
)");
  ScenarioRun run(s, harness::reference_factory());
  const auto obs = run_all(run, s);
  const auto& own = run.ownership();
  EXPECT_TRUE(own.preserved(0x40000000));  // the stream table
  EXPECT_TRUE(own.preserved(0x40003fc0));  // its last STE
  EXPECT_TRUE(own.preserved(0x40004000));  // the command queue (and the event queue in its page)
  EXPECT_TRUE(own.preserved(0x80001ff8));  // the raw range
  EXPECT_FALSE(own.preserved(0x80002000));
  EXPECT_FALSE(own.preserved(0xA0000000));  // domain 2's output, not named
  // Domain 1's stage-2 tables are preserved, domain 2's stage-1 tables and CD are not: find them through the
  // STE's S2TTB and through the walk the driver wrote.
  const uint64_t ste0 = run.memory().peek64(0x40000000 + 3 * 64 + 24);  // STE qword 3 holds S2TTB
  const std::array<uint64_t, 8> ste{0, 0, 0, ste0};
  const uint64_t s2ttb = ste::S2TTB.in_place(std::span<const uint64_t>(ste));
  EXPECT_NE(s2ttb, 0u);
  EXPECT_TRUE(own.preserved(s2ttb));
  int preserved_after_domain1 = 0, pages = 0;
  for (uint64_t pa = s2ttb; pa < 0x40020000; pa += 0x1000, ++pages) preserved_after_domain1 += own.preserved(pa);
  EXPECT_LT(preserved_after_domain1, pages);  // domain 2's tables, allocated later, are not preserved
  EXPECT_TRUE(run.containment().preserved_streams.count(3));
  EXPECT_FALSE(run.containment().preserved_streams.count(4));
  // The expansion is owner steps and a preserved_stream step, nothing the SMMU sees.
  ASSERT_FALSE(obs.back().expanded.empty());
  for (const auto& p : obs.back().expanded) EXPECT_TRUE(p.has_owner() || p.has_preserved_stream()) << p.DebugString();
}

TEST(KexecDriver, PreserveOfAnUnknownDomainIsAnError) {
  const auto s = parse(std::string(kStage2Setup) + "step { driver { preserve { domain { id: 9 } } } }\n");
  ScenarioRun run(s, harness::reference_factory());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(std::holds_alternative<harness::StepObservation>(run.run_step(i)));
  auto r = run.run_step(4);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("no domain 9"), std::string::npos);
}

TEST(KexecDriver, AdoptNeverWritesTheStreamTableBaseAndKeepsSmmuEnabled) {
  const auto s = parse(std::string(kStage2Setup) + R"(
step { driver { preserve { stream_table: true cmdq: true eventq: true domain { id: 1 } } } }
step { kexec { seed: 4 } }
step { driver { adopt { cmdq: REPOINT eventq: REPOINT } } }
step { driver { domain { id: 1 stage: STAGE2 vmid: 9 } } }
step { driver { map { domain: 1 iova: 0x30000000 pa: 0x90000000 } } }
step { driver { attach { sid: 7 domain: 1 } } }
step { dma { sid: 7 addr: 0x30000008 expect { result: SUCCESS pa: 0x90000008 } } }
step { dma { sid: 3 addr: 0x10000008 expect { result: SUCCESS pa: 0x80000008 } } }
)");
  ScenarioRun run(s, harness::reference_factory());
  const auto obs = run_all(run, s);
  ASSERT_EQ(obs.size(), size_t(s.msg.step_size()));
  const auto& adopt = obs[6].expanded;
  ASSERT_FALSE(adopt.empty());
  bool repointed_eventq = false, repointed_cmdq = false;
  for (const auto& p : adopt) {
    if (!p.has_mmio_write()) continue;
    const std::string& r = p.mmio_write().reg();
    EXPECT_NE(r, "STRTAB_BASE");
    EXPECT_NE(r, "STRTAB_BASE_CFG");
    if (r == "CR0") EXPECT_EQ(p.mmio_write().value() & 1, 1u) << "a CR0 write cleared SMMUEN";
    repointed_eventq |= r == "EVENTQ_BASE";
    repointed_cmdq |= r == "CMDQ_BASE";
  }
  EXPECT_TRUE(repointed_eventq);
  EXPECT_TRUE(repointed_cmdq);
  // The queues now live in the new kernel's memory, which holds no preserved page.
  const uint64_t evq = regf::QUEUE_BASE_ADDR.in_place(run.model().mmio_read(reg::EVENTQ_BASE.offset, 8));
  EXPECT_GE(evq, 0x48000000u);
  EXPECT_FALSE(run.ownership().preserved(evq));
  // The new kernel's attach wrote StreamID 7's STE in the adopted table, in place.
  bool wrote_ste7 = false;
  for (const auto& p : obs[9].expanded)
    if (p.has_mem_write() && p.mem_write().addr() == 0x40000000 + 7 * 64) wrote_ste7 = true;
  EXPECT_TRUE(wrote_ste7);
  EXPECT_EQ(regf::STRTAB_BASE_ADDR.in_place(run.model().mmio_read(reg::STRTAB_BASE.offset, 8)), 0x40000000u);
  for (size_t i = 10; i < obs.size(); ++i) {
    ASSERT_TRUE(obs[i].dma);
    EXPECT_TRUE(harness::check_step(s.msg.step(int(i)), obs[i]).empty()) << "step " << i;
  }
}

TEST(KexecDriver, AdoptRefusesTableMemoryOverPreservedPages) {
  const auto s = parse(std::string(kStage2Setup) + R"(
step { driver { preserve { stream_table: true range { base: 0x48010000 size: 0x1000 } } } }
step { kexec { seed: 4 } }
step { driver { adopt {} } }
)");
  ScenarioRun run(s, harness::reference_factory());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(std::holds_alternative<harness::StepObservation>(run.run_step(i)));
  auto r = run.run_step(6);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("0x48010000"), std::string::npos) << std::get<std::string>(r);
}

TEST(KexecDriver, AdoptNeedsAnEnabledSmmu) {
  const auto s = parse("step { kexec { seed: 1 } }\nstep { driver { adopt {} } }\n");
  ScenarioRun run(s, harness::reference_factory());
  ASSERT_TRUE(std::holds_alternative<harness::StepObservation>(run.run_step(0)));
  auto r = run.run_step(1);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("SMMUEN"), std::string::npos);
}

}  // namespace
}  // namespace smmu::test

namespace smmu::test {
namespace {

TEST(KexecDriver, AdoptRefusesToKeepAQueueThatWasNotPreserved) {
  const auto s = parse(std::string(kStage2Setup) + R"(
step { driver { preserve { stream_table: true cmdq: true } } }
step { owner { base: 0x40004000 size: 0x1000 kind: NOT_PRESERVED } }
step { kexec { seed: 4 } }
step { driver { adopt { eventq: REPOINT } } }
)");
  harness::ScenarioRun run(s, harness::reference_factory());
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(std::holds_alternative<harness::StepObservation>(run.run_step(i)));
  auto r = run.run_step(7);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("command queue"), std::string::npos) << std::get<std::string>(r);
  EXPECT_NE(std::get<std::string>(r).find("cmdq: REPOINT"), std::string::npos);
}

}  // namespace
}  // namespace smmu::test

namespace smmu::test {
namespace {

TEST(KexecDriver, PreserveCanLeaveTheCdOutAndKeepTheStage1Tables) {
  const auto s = parse(R"(
step { driver { init {} } }
step { driver { domain { id: 1 stage: STAGE1 asid: 1 } } }
step { driver { map { domain: 1 iova: 0x10000000 pa: 0x80000000 perms: "rwu" } } }
step { driver { attach { sid: 3 domain: 1 } } }
step { driver { preserve { domain { id: 1 skip_cd: true } } } }
)");
  harness::ScenarioRun run(s, harness::reference_factory());
  run_all(run, s);
  // The STE's S1ContextPtr names the CD; the CD's TTB0 the stage-1 root.
  const uint64_t ste0 = run.memory().peek64(0x40000000 + 3 * 64);
  const uint64_t cd = ste::S1ContextPtr.in_place(ste0);
  const std::array<uint64_t, 8> cdw{run.memory().peek64(cd), run.memory().peek64(cd + 8)};
  const uint64_t ttb0 = cd::TTB0.in_place(std::span<const uint64_t>(cdw));
  ASSERT_NE(cd, 0u);
  ASSERT_NE(ttb0, 0u);
  EXPECT_NE(cd >> 12, ttb0 >> 12) << "the CD and the root table share a page: the test proves nothing";
  EXPECT_FALSE(run.ownership().preserved(cd));
  EXPECT_TRUE(run.ownership().preserved(ttb0));
}

}  // namespace
}  // namespace smmu::test
