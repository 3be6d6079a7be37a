// One scenario on one model, its expectations checked step by step: shared by `smmucheck run` and
// `smmucheck conform`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/diff/diff_runner.h"
#include "harness/scenario/scenario.pb.h"

namespace smmu::harness {

struct ScenarioResult {
  std::string file, name;
  std::string status;  // pass, fail, skip, error
  int steps = 0, checks = 0;
  // Each problem: {"error": text}, {"skip": reason}, or a mismatch {"step", "line", "what", "expected", "actual"}.
  std::vector<nlohmann::json> problems;
};

// The expectations a step carries (each DMA expect, register or memory read value, event list, queue state).
int count_checks(const smmucheck::Step& s);

// Loads `file` and runs it on `model`: skipped (with the reason) when the model lacks a feature it asks for.
ScenarioResult run_one(const std::string& file, const ModelSpec& model);

}  // namespace smmu::harness
