// The smmucheck subcommands.
#pragma once

#include <string>
#include <vector>

namespace smmu::harness {

// Exit codes of every subcommand.
enum ExitCode : int { kExitOk = 0, kExitFailed = 1, kExitInputError = 2 };

int run_demo(bool quiet);

struct RunOptions {
  std::vector<std::string> paths;  // scenario files or directories of *.textproto
  std::string model = "ref";       // ref, opt, or a plugin PATH.so
  bool json = false;
  bool verbose = false;
};
int run_scenarios(const RunOptions& opts);

int replay_scenario(const std::string& path, bool json, const std::string& model = "ref");

struct DiffOptionsCli {
  std::vector<std::string> paths;
  std::vector<std::string> models;  // "ref" is always model 0
  bool json = false;
  bool verbose = false;
};
int diff_scenarios(const DiffOptionsCli& opts);

int bench_models(double seconds_per_measurement, const std::vector<std::string>& workloads);

// Exit 1 when the reduced scenario (still) diverges, 0 when the models agree.
int reduce_scenario(const std::string& path, const std::vector<std::string>& models, std::string out);

// The scenario files under `paths`: files as given, directories searched for *.textproto, sorted.
std::vector<std::string> scenario_files(const std::vector<std::string>& paths, std::vector<std::string>& missing);

}  // namespace smmu::harness
