// The smmucheck subcommands.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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

// `json`: the rates and ratios as JSON on stdout ({"models", "workloads": [{name, rates, ratios, success}]}).
int bench_models(double seconds_per_measurement, const std::vector<std::string>& workloads, bool json = false);

// Exit 1 when the reduced scenario (still) diverges, 0 when the models agree.
int reduce_scenario(const std::string& path, const std::vector<std::string>& models, std::string out);

// `smmucheck fuzz` (harness/cli/fuzz.cpp). Exit 0 when DIR holds no finding, 1 when it does, 2 on bad input or
// an engine that could not run.
struct FuzzOptions {
  std::string engine;                // libfuzzer, afl
  int jobs = 1;
  std::string time;                  // 90, 90s, 15m, 8h
  std::string out;                   // the campaign directory
  std::string build;                 // the fuzz build (default <source>/build/fuzz or build/afl)
  std::string cmplog_build;          // AFL++: the CMPLOG build (default <source>/build/afl-cmplog)
  bool no_cmplog = false;
  std::string interval = "30s";      // between progress lines
  std::optional<uint32_t> seed;      // the engines' random seed (libFuzzer -seed, AFL++ -s): a repeatable start
};
int fuzz_campaign(const FuzzOptions& opts);

// `smmucheck triage` (harness/cli/triage.cpp). Exit 1 when a reproducer still diverges or crashes, 0 when none
// does, 2 on bad input or a file it could not write.
struct TriageOptions {
  std::string dir;
  bool promote = false;
  std::string corpus;                // where --promote adds files (default <source>/corpus/regressions)
  bool json = false;
};
int triage_campaign(const TriageOptions& opts);

// `smmucheck prove` (harness/cli/prove.cpp). Exit 0 when every verdict is the plan's expected one and every
// counterexample replays, 1 otherwise, 2 on bad input.
struct ProveOptions {
  std::vector<std::string> paths;    // plan files or directories of *.textproto
  std::string out = "smmucheck-prove";  // where counterexample scenarios are written, one directory per plan
  double progress_seconds = 5;       // between progress lines (stderr)
  bool json = false;                 // the verdicts as JSON on stdout, the text on stderr
};
int prove_plans(const ProveOptions& opts);
// `smmucheck hitless` (harness/cli/hitless.cpp): the hitless writer's sequence for one STE or CD update and
// the checker's verdict. Exit 0 hitless, 1 not hitless (breaking or worse), 2 bad input.
struct HitlessOptions {
  std::string old_path, new_path;
  std::string kind;                  // "ste", "cd", or empty: the files say
  uint32_t sid = 0, ssid = 0;        // for the printed CFGI commands
  std::string break_via = "invalid"; // a breaking STE update passes through: "invalid" (V = 0) or "abort"
  std::string sequence_path;         // check this write sequence (entry.proto WriteSequence), not the writer's
  bool json = false;
};
int hitless_command(const HitlessOptions& opts);

// `smmucheck conform` (harness/cli/conform.cpp): the conformance vectors on one model, per vector and per spec
// section. Exit 0 when no vector fails, 1 when one fails, 2 on bad input (a file that is not a vector, a model
// that could not run it).
struct ConformOptions {
  std::vector<std::string> paths;    // vector files or directories; empty: default_conformance_paths()
  std::string model = "ref";         // ref, opt, qemu, or a plugin PATH.so
  std::string junit;                 // write JUnit XML here too
  bool json = false;                 // the results as JSON on stdout (conform_json), the text on stderr
  bool verbose = false;
};
int conform_command(const ConformOptions& opts);
// specs/conformance/ and the corpus areas of hand-written vectors, under the source tree.
std::vector<std::string> default_conformance_paths();
// The vector files under `paths` (empty: default_conformance_paths()), less the corpus files that are not
// vectors, each told to `note` with the reason.
std::vector<std::string> conformance_files(const std::vector<std::string>& paths, std::vector<std::string>& missing,
                                           const std::function<void(const std::string&, const std::string&)>& note);

// `smmucheck coverage` (harness/cli/coverage.cpp): what the conformance suite exercises (harness/coverage/),
// written to DIR/coverage.{json,md,html}, the markdown printed. Exit 0, or 2 on bad input (a --coverage-build
// that is not a coverage build), a failed write, or line coverage asked for and not measured.
struct CoverageOptions {
  std::string out = "smmucheck-coverage";
  std::string coverage_build;  // a `coverage` preset build: llvm-cov line coverage of reference/ under the suite
};
int coverage_command(const CoverageOptions& opts);

// The scenario files under `paths`: files as given, directories searched for *.textproto, sorted.
std::vector<std::string> scenario_files(const std::vector<std::string>& paths, std::vector<std::string>& missing);

}  // namespace smmu::harness
