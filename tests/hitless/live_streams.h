// A live SMMU on the reference model, set up by the driver library: streams 3..6 translate IOVA 0x10000000
// through a stage-1, a stage-2, a nested and another stage-1 domain to four different PAs.
#pragma once

#include <gtest/gtest.h>

#include "harness/diff/diff_runner.h"
#include "harness/driver/hitless.h"
#include "harness/runner/runner.h"

namespace smmu::driver::hitless_test {

inline const char* kLiveSetup = R"(
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
inline constexpr uint64_t kIova = 0x10000010;

inline harness::LoadedScenario parse_live(const std::string& text) {
  std::vector<harness::InputError> errors;
  auto s = harness::parse_scenario(text, "live.textproto", errors);
  EXPECT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].to_string());
  return s ? *s : harness::LoadedScenario{};
}

class LiveStreams : public ::testing::Test {
 protected:
  // A `features { ... }` block for the scenario; smmucheck's defaults unless a test asks.
  virtual std::string features_text() const { return ""; }
  void SetUp() override {
    scenario_ = parse_live(features_text() + kLiveSetup);
    run_ = std::make_unique<harness::ScenarioRun>(scenario_, harness::reference_factory());
    for (int i = 0; i < scenario_.msg.step_size(); ++i) {
      auto r = run_->run_step(i);
      ASSERT_TRUE(std::holds_alternative<harness::StepObservation>(r)) << std::get<std::string>(r);
    }
    strtab_ = regf::STRTAB_BASE_ADDR.in_place(run_->model().mmio_read(reg::STRTAB_BASE.offset, 8));
  }
  uint64_t ste_pa(uint32_t sid) const { return strtab_ + 64 * uint64_t{sid}; }  // the driver's linear table
  Words8 read(uint64_t pa) {
    Words8 w{};
    for (unsigned q = 0; q < 8; ++q) w[q] = run_->memory().peek64(pa + 8 * q);
    return w;
  }
  void write(uint64_t pa, const Words8& w) {
    for (unsigned q = 0; q < 8; ++q) run_->memory().poke64(pa + 8 * q, w[q]);
  }
  uint64_t cd_pa(uint32_t sid) { return ste::S1ContextPtr.in_place(std::span<const uint64_t>(read(ste_pa(sid)))); }
  Outcome dma(uint32_t sid, uint64_t addr = kIova) {
    return run_->model().translate(Transaction{.sid = sid, .addr = addr}, nullptr);
  }

  harness::LoadedScenario scenario_;
  std::unique_ptr<harness::ScenarioRun> run_;
  uint64_t strtab_ = 0;
};

}  // namespace smmu::driver::hitless_test
