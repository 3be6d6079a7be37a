// One line per stage of the night, for the report's summary table and the markdown summary.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace smmu::nightly {

// What stage `stage` (an entry of summary["stages"]) found, in a few words: "156 vectors: 156 pass, 0 fail".
std::string headline(const nlohmann::json& summary, const nlohmann::json& stage);

// Counts of a conform_json object: pass, fail, skip, error.
int conform_count(const nlohmann::json& conform, const char* status);

// A conformance problem (a mismatch, a skip reason or an error) as text.
std::string problem_text(const nlohmann::json& p);

}  // namespace smmu::nightly
