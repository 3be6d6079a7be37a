// Reduction of a diverging scenario (the differential issue; reused by the fuzzers): shrink it step by step,
// then field by field, keeping the same first-divergence signature, so that a reduction cannot slide from
// one bug to another.
#pragma once

#include <string>
#include <vector>

#include "harness/diff/diff_runner.h"

namespace smmu::harness {

struct ReduceResult {
  smmucheck::Scenario scenario;  // the reduced scenario
  std::string signature;         // empty when the input did not diverge
  int steps_before = 0, steps_after = 0;
  int runs = 0;                  // diff runs spent
};

// The first-divergence signature of `s`, or "" when the models agree (or the scenario is invalid).
std::string first_signature(const smmucheck::Scenario& s, const std::vector<ModelSpec>& models);

// Drops what does not decide a run's behaviour: comments and every expectation (expect blocks, expected
// reads and events). Expectations, comments and names do not decide a divergence.
void strip_expectations(smmucheck::Scenario& s);

ReduceResult reduce(const smmucheck::Scenario& s, const std::vector<ModelSpec>& models, int max_runs = 2000);

// Text format with a header comment, written atomically (harness/atomic_file.h).
bool write_scenario_atomically(const std::string& path, const smmucheck::Scenario& s, const std::string& header,
                               std::string& error);

}  // namespace smmu::harness
