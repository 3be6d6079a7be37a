// What makes a night fail: a new finding (a signature not already in corpus/regressions/) or a regression
// (something that passed in the --baseline summary.json and fails now).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace smmu::nightly {

// Each regression of `now` against `baseline` (both summary.json objects):
// {"kind": "conformance"|"plan"|"corpus run"|"corpus diff", "id", "model" (conformance), "was", "now"}.
// A conformance vector that passed and now fails or could not run; a plan invariant whose verdict was the
// expected one and is not now; a corpus scenario that passed its expectations (or on which the models agreed)
// and fails (diverges) now. Something the baseline had that this night did not run is not a regression.
std::vector<nlohmann::json> regressions(const nlohmann::json& now, const nlohmann::json& baseline);

// Reads a baseline summary.json; nullopt with `error` naming the file and the reason when it is not one.
std::optional<nlohmann::json> load_baseline(const std::filesystem::path& file, std::string& error);

// The signatures corpus/regressions/ already holds: each file's name is the triage's stem of its signature
// (campaign/safe_name.h), and its description says "Regression found by fuzzing: SIGNATURE".
struct KnownSignatures {
  explicit KnownSignatures(const std::filesystem::path& regressions_dir);
  bool contains(const std::string& signature) const;
  std::vector<std::string> stems, signatures;
};

}  // namespace smmu::nightly
