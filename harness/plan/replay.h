// A refutation made concrete (ARCHITECTURE.md "Live update"): the plan's steps as a scenario in which the kexec
// is replaced by writes of the junk the counterexample read, then the counterexample's DMA at its state. It
// replays in the reference (which must give what the encoding predicted, or the encoding has a bug) and in the
// optimized model (under the caching rule: the junk counts as uncovered writes). For the footprint invariant,
// a second scenario differs only in one word of memory that was not preserved, and translates differently.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/plan/prove.h"

namespace smmu::plan {

struct ReplayReport {
  bool confirmed = false;       // the reference gave what the encoding predicted, and the violation shows
  std::string reference;        // the reference's outcome
  std::string optimized;        // "agrees" or the divergence's signature
  std::vector<std::string> files;  // the scenarios written
  std::string note;             // why not confirmed, or the pair's two outcomes
};

// Builds the scenario(s), writes them (atomically) into `dir` and replays them.
ReplayReport replay_counterexample(const LoadedPlan& plan, const InvariantResult& r, const std::string& dir);
// For a refutation read off the concrete run (legal programming, write containment, caching): the plan as the
// simulator ran it up to the step that shows it (with a probe DMA for write containment), written into `dir`
// and replayed in the reference and the optimized model.
ReplayReport replay_concrete(const LoadedPlan& plan, const PlanRun& run, const InvariantResult& r, const std::string& dir);

}  // namespace smmu::plan
