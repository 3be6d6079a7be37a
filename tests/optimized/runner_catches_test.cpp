// The differential runner can fail (the differential issue): with each deliberately wrong behaviour of the
// optimized model switched on, the runner reports the expected signature; with it off, nothing.
#include <gtest/gtest.h>

#include <functional>

#include "harness/diff/diff_runner.h"
#include "harness/scenario/load.h"
#include "optimized/smmu.h"

#if SMMUCHECK_FAULT_INJECTION

namespace smmu::test {
namespace {

using namespace harness;

LoadedScenario parse(const std::string& text) {
  std::vector<InputError> errors;
  auto s = parse_scenario(text, "test.textproto", errors);
  EXPECT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].to_string());
  return *s;
}

// The first signature of `text` run against the optimized model with `wrong` applied to it.
std::string signature(const LoadedScenario& s, std::function<void(opt::FaultInjection&)> wrong) {
  ModelSpec m{"opt", [wrong](const Features& f, Memory& mem) {
                auto o = std::make_unique<opt::OptimizedSmmu>(f, mem);
                if (wrong) wrong(o->fault_injection());
                return std::unique_ptr<SmmuModel>(std::move(o));
              }};
  auto r = run_diff(s, {m});
  EXPECT_TRUE(std::holds_alternative<DiffResult>(r)) << std::get<std::string>(r);
  const auto& d = std::get<DiffResult>(r);
  return d.divergences.empty() ? "" : d.divergences.front().signature;
}

const char* kStage1 = R"(
step { driver { init {} } }
step { driver { domain { id: 1 stage: STAGE1 asid: 5 } } }
step { driver { map { domain: 1 iova: 0x10000000 pa: 0x80000000 perms: "rwu" } } }
step { driver { attach { sid: 3 domain: 1 } } }
step { dma { sid: 3 addr: 0x10000010 } }
)";

// §4.4.1, §4.7.3: an unmap covered by TLBI_NH_VA and a completed CMD_SYNC must not leave the translation.
TEST(RunnerCatches, StaleTlbEntryAfterCoveredInvalidation) {
  auto s = parse(std::string(kStage1) + R"(
step { driver { unmap { domain: 1 iova: 0x10000000 } } }
step { dma { sid: 3 addr: 0x10000010 } }
)");
  EXPECT_EQ(signature(s, nullptr), "");
  EXPECT_EQ(signature(s, [](auto& f) { f.keep_stale_tlb_after_invalidation = true; }),
            "ref-opt:dma:outcome:F_TRANSLATION/success");
}

// §3.21.1: a fault is never cached, so mapping a page where nothing was mapped needs no invalidation.
TEST(RunnerCatches, CachedFault) {
  auto s = parse(R"(
step { driver { init {} } }
step { driver { domain { id: 1 stage: STAGE1 asid: 5 } } }
step { driver { map { domain: 1 iova: 0x10000000 pa: 0x80000000 perms: "rwu" } } }
step { driver { attach { sid: 3 domain: 1 } } }
step { dma { sid: 3 addr: 0x10001010 } }
step { driver { map { domain: 1 iova: 0x10001000 pa: 0x80001000 perms: "rwu" } } }
step { dma { sid: 3 addr: 0x10001010 } }
)");
  EXPECT_EQ(signature(s, nullptr), "");
  EXPECT_EQ(signature(s, [](auto& f) { f.cache_faults = true; }), "ref-opt:dma:outcome:success/F_TRANSLATION");
}

// §4.3.2: CMD_CFGI_STE_RANGE invalidates the STEs of its aligned block of StreamIDs.
TEST(RunnerCatches, IgnoredCfgiSteRange) {
  auto s = parse(std::string(kStage1) + R"(
step { mem_write { addr: 0x400000c0 qword: 0x1 } }
step { commands { cmd { opcode: "CMD_CFGI_STE_RANGE" field { name: "StreamID" value: 0 } field { name: "Range" value: 3 } }
                  cmd { opcode: "CMD_SYNC" } } }
step { dma { sid: 3 addr: 0x10000010 } }
)");
  EXPECT_EQ(signature(s, nullptr), "");
  EXPECT_EQ(signature(s, [](auto& f) { f.ignore_cfgi_ste_range = true; }), "ref-opt:dma:outcome:terminated/success");
}

// §3.17, §5.2 S2VMID: two streams share stage-2 tables under VMIDs 1 and 2. The shared leaf moves and only
// VMID 2 is invalidated: stream 2 must see the new PA; a TLB that ignores the VMID hands it VMID 1's entry.
TEST(RunnerCatches, MissingVmidTag) {
  std::string text = R"(
step { driver { init {} } }
step { driver { domain { id: 1 stage: STAGE2 vmid: 1 } } }
step { driver { map { domain: 1 iova: 0x10000000 pa: 0x80000000 } } }
step { driver { attach { sid: 1 domain: 1 } } }
)";
  // Copy StreamID 1's STE to StreamID 2 with S2VMID = 2, through what the driver wrote.
  auto prefix = parse(text);
  ScenarioRun run(prefix, reference_factory());
  for (int i = 0; i < prefix.msg.step_size(); ++i) ASSERT_TRUE(std::holds_alternative<StepObservation>(run.run_step(i)));
  const uint64_t strtab = regf::STRTAB_BASE_ADDR.in_place(run.model().mmio_read(reg::STRTAB_BASE.offset, 8));
  std::array<uint64_t, 8> ste{};
  for (unsigned q = 0; q < 8; ++q) ste[q] = run.memory().peek64(strtab + 64 + 8 * q);
  ste::S2VMID.set(std::span<uint64_t>(ste), 2);
  std::string words;
  for (uint64_t q : ste) words += " qword: " + std::to_string(q);
  const uint64_t leaf_page = 0x80001000;  // the new output page
  text += "step { mem_write { addr: " + std::to_string(strtab + 128) + words + " } }\n";
  text += R"(step { commands { cmd { opcode: "CMD_CFGI_STE" field { name: "StreamID" value: 2 } } cmd { opcode: "CMD_SYNC" } } }
step { dma { sid: 1 addr: 0x10000010 } }
step { dma { sid: 2 addr: 0x10000010 } }
)";
  // Find the stage-2 leaf of IPA 0x10000000 in the reference's footprint and move it to the new page.
  struct Leaf : WalkObserver {
    uint64_t pa = 0, value = 0;
    void table_read(const TableRead& r) override {
      if (r.role == TableRole::S2Desc && r.leaf && r.value) pa = r.pa, value = *r.value;
    }
  } leaf;
  run.model().translate(Transaction{.sid = 1, .addr = 0x10000010}, &leaf);
  ASSERT_NE(leaf.pa, 0u);
  uint64_t moved = leaf.value;
  s2desc::Address.set(moved, leaf_page >> 12);
  text += "step { mem_write { addr: " + std::to_string(leaf.pa) + " qword: " + std::to_string(moved) + " } }\n";
  text += R"(step { commands { cmd { opcode: "CMD_TLBI_S2_IPA" field { name: "VMID" value: 2 } field { name: "IPA" value: 0x10000 } }
                  cmd { opcode: "CMD_SYNC" } } }
step { dma { sid: 2 addr: 0x10000010 } }
)";
  auto s = parse(text);
  EXPECT_EQ(signature(s, nullptr), "");
  EXPECT_EQ(signature(s, [](auto& f) { f.drop_vmid_tag = true; }), "ref-opt:dma:pa:success/success");
}

}  // namespace
}  // namespace smmu::test

#endif  // SMMUCHECK_FAULT_INJECTION
