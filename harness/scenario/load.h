// Reading scenario files: protobuf text format, with every name resolved and every error reported as
// "file:line:column: what is wrong", never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/text_format.h>

#include "harness/scenario/scenario.pb.h"
#include "specs/feature_set.h"

namespace smmu::harness {

struct InputError {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string message;
  std::string to_string() const;
};

struct LoadedScenario {
  std::string path;
  smmucheck::Scenario msg;
  Features features;            // what the scenario asks for
  std::vector<int> step_line;   // 1-based line of each step
};

std::optional<LoadedScenario> parse_scenario(std::string_view text, const std::string& path,
                                             std::vector<InputError>& errors);
std::optional<LoadedScenario> load_scenario(const std::string& path, std::vector<InputError>& errors);

// Any message in text format, with its locations; errors as "file:line:column: what".
bool parse_text(std::string_view text, const std::string& path, google::protobuf::Message& msg,
                google::protobuf::TextFormat::ParseInfoTree& tree, std::vector<InputError>& errors);
bool read_file(const std::string& path, std::string& text, std::vector<InputError>& errors);
// A scenario made from another file's steps (a handover plan's), checked as a scenario file is, its errors
// reported at the given lines and columns (1-based).
std::optional<LoadedScenario> checked_scenario(smmucheck::Scenario msg, const std::string& path,
                                               std::vector<int> step_line, std::vector<int> step_column,
                                               int features_line, int features_column, std::vector<InputError>& errors);

// The features a Features message asks for, starting from smmucheck's defaults.
Features requested_features(const smmucheck::Features& msg, std::vector<std::string>& problems);

}  // namespace smmu::harness
