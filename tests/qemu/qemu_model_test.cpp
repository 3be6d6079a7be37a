// The QEMU peer model (harness/qemu/qemu_model.h) against the reference through the differential runner:
// a stage-1 translation (read and write), a translation fault with its record, an invalid STE, and the
// scenarios the peer refuses, with their reasons. Skipped when qemu-system-aarch64 is not installed.
#include <gtest/gtest.h>

#include <string>

#include "harness/diff/diff_runner.h"
#include "harness/qemu/qemu_model.h"

namespace smmu::qemu {
namespace {

using harness::LoadedScenario;

LoadedScenario parse(const std::string& text) {
  std::vector<harness::InputError> errors;
  auto s = harness::parse_scenario(text, "test.textproto", errors);
  EXPECT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].to_string());
  return s ? *s : LoadedScenario{};
}

class QemuModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = QemuMachine::unavailable_reason()) GTEST_SKIP() << *why;
  }
  // Prepares `s` for the peer (must succeed) and diffs it against the reference.
  harness::DiffResult diff(LoadedScenario& s) {
    const std::vector<harness::ModelSpec> models{qemu_model_spec()};
    auto why = harness::prepare_models(s, models);
    EXPECT_FALSE(why.has_value()) << *why;
    auto r = harness::run_diff(s, models);
    if (auto* err = std::get_if<std::string>(&r)) {
      ADD_FAILURE() << *err;
      return {};
    }
    return std::get<harness::DiffResult>(r);
  }
  static std::string signatures(const harness::DiffResult& r) {
    std::string out;
    for (const auto& d : r.divergences) out += d.signature + " (step " + std::to_string(d.step) + ")\n";
    return out;
  }
};

// Stage 1, 4KB granule: a read and a write through one page (the write's tag found at the output address),
// a second StreamID behind a root port sharing the domain.
TEST_F(QemuModelTest, Stage1TranslationMatchesTheReference) {
  LoadedScenario s = parse(R"(
    name: "qemu_s1"
    step { driver { init { strtab_log2size: 9 } } }
    step { driver { domain { id: 1 stage: STAGE1 asid: 5 } } }
    step { driver { map { domain: 1 iova: 0x10000000 pa: 0x48000000 perms: "rwu" } } }
    step { driver { attach { sid: 0x10 domain: 1 } } }
    step { driver { attach { sid: 0x100 domain: 1 } } }
    step { dma { sid: 0x10 addr: 0x10000234 access: READ expect { result: SUCCESS pa: 0x48000234 } } }
    step { dma { sid: 0x10 addr: 0x10000ff0 access: WRITE expect { result: SUCCESS pa: 0x48000ff0 } } }
    step { dma { sid: 0x100 addr: 0x10000008 access: WRITE expect { result: SUCCESS pa: 0x48000008 } } }
  )");
  const harness::DiffResult r = diff(s);
  EXPECT_TRUE(r.divergences.empty()) << signatures(r);
  EXPECT_EQ(r.exact, 3);
  ASSERT_EQ(r.obs.size(), 8u);
  ASSERT_TRUE(r.obs[6][1].dma.has_value());
  EXPECT_EQ(r.obs[6][1].dma->kind, OutcomeKind::Success);
  EXPECT_EQ(r.obs[6][1].dma->pa, 0x48000ff0u);
  EXPECT_TRUE(r.obs[6][1].events.empty());
}

// A translation fault is F_TRANSLATION on both, recorded once (one 4-byte beat). QEMU 7.2 leaves the
// record's CLASS at 0 (CD) where §7.3.13 requires IN: the one known difference (docs/qemu-peer.md).
TEST_F(QemuModelTest, TranslationFaultRecordDiffersOnlyInClass) {
  LoadedScenario s = parse(R"(
    name: "qemu_s1_fault"
    step { driver { init {} } }
    step { driver { domain { id: 1 stage: STAGE1 asid: 5 } } }
    step { driver { map { domain: 1 iova: 0x10000000 pa: 0x48000000 perms: "rwu" } } }
    step { driver { attach { sid: 0x8 domain: 1 } } }
    step { dma { sid: 0x8 addr: 0x10200000 access: WRITE } }
    step { dma { sid: 0x8 addr: 0x10000000 access: READ } }
  )");
  const harness::DiffResult r = diff(s);
  ASSERT_EQ(r.obs.size(), 6u);
  const auto& q = r.obs[4][1];
  ASSERT_TRUE(q.dma && q.dma->event);
  EXPECT_EQ(q.dma->kind, OutcomeKind::Fault);
  EXPECT_EQ(q.dma->event->type(), static_cast<uint8_t>(EventType::F_TRANSLATION));
  ASSERT_EQ(q.events.size(), 1u);
  EXPECT_EQ(q.events[0].get(event::InputAddr), 0x10200000u);
  EXPECT_EQ(q.events[0].get(event::StreamID), 0x8u);
  EXPECT_EQ(q.events[0].get(event::RnW), 0u);
  ASSERT_EQ(r.divergences.size(), 1u) << signatures(r);
  EXPECT_EQ(r.divergences[0].signature, "ref-qemu:events:event.CLASS:F_TRANSLATION/F_TRANSLATION");
  // The DMA after the fault (and the read-back of its data) leaves nothing behind.
  EXPECT_EQ(r.obs[5][1].dma->kind, OutcomeKind::Success);
  EXPECT_TRUE(r.obs[5][1].events.empty());
}

// An STE with V = 0: C_BAD_STE with the StreamID, the same record as the reference's.
TEST_F(QemuModelTest, InvalidSteMatchesTheReference) {
  LoadedScenario s = parse(R"(
    name: "qemu_ste_invalid"
    step { driver { init {} } }
    step { dma { sid: 0x18 addr: 0x48000000 access: READ expect { result: FAULT event { type: "C_BAD_STE" } } } }
    step { mem_write { addr: 0x40000600 qword: [0x8, 0, 0, 0, 0, 0, 0, 0] } }
    step { commands { cmd { opcode: "CMD_CFGI_STE" field { name: "StreamID" value: 0x18 } } cmd { opcode: "CMD_SYNC" } } }
    step { dma { sid: 0x18 addr: 0x48000000 access: WRITE expect { result: FAULT event { type: "C_BAD_STE" } } } }
  )");
  const harness::DiffResult r = diff(s);
  EXPECT_TRUE(r.divergences.empty()) << signatures(r);
  ASSERT_EQ(r.obs.size(), 5u);
  ASSERT_EQ(r.obs[1][1].events.size(), 1u);
  EXPECT_EQ(r.obs[1][1].events[0].type(), static_cast<uint8_t>(EventType::C_BAD_STE));
  EXPECT_EQ(r.obs[1][1].events[0].get(event::StreamID), 0x18u);
}

// What the peer refuses, with the reason; and what it accepts narrows the scenario to QEMU's features.
TEST_F(QemuModelTest, RefusesWhatQemuCannotExpress) {
  const harness::ModelSpec qemu = qemu_model_spec();
  auto reason = [&](const std::string& text) {
    LoadedScenario s = parse(text);
    auto why = qemu.prepare(s);
    return why.value_or("");
  };
  EXPECT_NE(reason(R"(step { driver { init {} } } step { dma { sid: 3 addr: 0x1000 } })").find("host bridge"),
            std::string::npos);
  EXPECT_NE(reason(R"(step { driver { init {} } } step { dma { sid: 0x10 ssid: 1 addr: 0x1000 } })").find("SubstreamID"),
            std::string::npos);
  EXPECT_NE(reason(R"(step { driver { init {} } } step { dma { sid: 0x10 access: INSTR addr: 0x1000 } })")
                .find("instruction fetch"), std::string::npos);
  EXPECT_NE(reason(R"(step { driver { init {} } } step { dma { sid: 0x10 priv: true addr: 0x1000 } })").find("privileged"),
            std::string::npos);
  EXPECT_NE(reason(R"(step { driver { domain { id: 1 stage: STAGE2 vmid: 1 } } })").find("stage 1 only"),
            std::string::npos);
  EXPECT_NE(reason(R"(abort { base: 0x40001000 size: 64 } step { driver { init {} } } step { dma { sid: 0x10 addr: 0x1000 } })")
                .find("abort range"), std::string::npos);
  EXPECT_NE(reason(R"(step { driver { init { table_base: 0x20000000 } } } step { dma { sid: 0x10 addr: 0x1000 } })")
                .find("outside the RAM"), std::string::npos);
  // A CMD_SYNC MSI the scenario reads back: the reference writes it only with IDR0.MSI = 1 (QEMU has 0).
  EXPECT_NE(reason(R"(step { driver { init {} } }
                      step { commands { cmd { opcode: "CMD_SYNC" field { name: "CS" value: 1 }
                                              field { name: "MSIData" value: 7 } field { name: "MSIAddress" value: 0x10040000 } } } }
                      step { mem_read { addr: 0x40100000 size: 4 } })")
                .find("depend on features"), std::string::npos);
  LoadedScenario ok = parse(R"(step { driver { init {} } } step { dma { sid: 0x10 addr: 0x1000 } })");
  EXPECT_FALSE(qemu.prepare(ok).has_value());
  EXPECT_EQ(ok.features, Features::from_idr(qemu_id_regs()));
}

// QEMU 7.2's identification, as docs/qemu-peer.md and the issue state it.
TEST_F(QemuModelTest, QemuIdRegisters) {
  const IdRegs& r = qemu_id_regs();
  EXPECT_EQ(r.idr0, 0x0d40101au);
  EXPECT_EQ(r.idr1, 0x02730010u);
  EXPECT_EQ(r.idr3, 0x1404u);
  EXPECT_EQ(r.idr5, 0x74u);
  EXPECT_EQ(r.aidr, 1u);
}

}  // namespace
}  // namespace smmu::qemu
