// One line per stage of the night, for the report's summary table and the markdown summary.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace smmu::nightly {

// `summary` with every part the report reads present and of its type (an empty array or object, a null), so
// that a night whose stages were skipped, or a summary.json edited by hand, renders without surprises.
nlohmann::json normalized(const nlohmann::json& summary);

// What stage `stage` (an entry of summary["stages"]) found, in a few words: "156 vectors: 156 pass, 0 fail".
std::string headline(const nlohmann::json& summary, const nlohmann::json& stage);

// Counts of a conform_json object: pass, fail, skip, error.
int conform_count(const nlohmann::json& conform, const char* status);

}  // namespace smmu::nightly
