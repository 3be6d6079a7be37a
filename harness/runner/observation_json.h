// Observations as JSON, for `--json` output of run, replay and (later) diff.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/runner/runner.h"

namespace smmu::harness {

nlohmann::json outcome_json(const Outcome& o);
nlohmann::json event_json(const EventRecord& e);
nlohmann::json observation_json(const StepObservation& obs);

}  // namespace smmu::harness
