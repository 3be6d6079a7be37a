// Shared helpers of the live-update tests: parsing a scenario from text and running it on the reference.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/diff/diff_runner.h"
#include "harness/runner/runner.h"
#include "harness/scenario/load.h"

namespace smmu::test {

inline harness::LoadedScenario parse(const std::string& text) {
  std::vector<harness::InputError> errors;
  auto s = harness::parse_scenario(text, "test.textproto", errors);
  EXPECT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].to_string());
  return s ? *s : harness::LoadedScenario{};
}

// Runs every step; returns the observations, or fails the test at the first input error.
inline std::vector<harness::StepObservation> run_all(harness::ScenarioRun& run, const harness::LoadedScenario& s) {
  std::vector<harness::StepObservation> out;
  for (int i = 0; i < s.msg.step_size(); ++i) {
    auto o = run.run_step(i);
    if (auto* err = std::get_if<std::string>(&o)) {
      ADD_FAILURE() << "step " << i << ": " << *err;
      return out;
    }
    out.push_back(std::move(std::get<harness::StepObservation>(o)));
  }
  return out;
}

// A stage-2 stream (StreamID 3, VMID 3): IPA 0x10000000 -> PA 0x80000000. Tables from 0x40000000: the
// 16 KiB linear stream table, the command queue at 0x40004000, the event queue at 0x40004800, then the
// stage-2 tables from 0x40006000 (harness/driver's allocation order).
inline const char* kStage2Setup = R"(
step { driver { init {} } }
step { driver { domain { id: 1 stage: STAGE2 vmid: 3 } } }
step { driver { map { domain: 1 iova: 0x10000000 pa: 0x80000000 } } }
step { driver { attach { sid: 3 domain: 1 } } }
)";

}  // namespace smmu::test
