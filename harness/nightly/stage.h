// The nightly's stages run as child processes of smmucheck itself (`smmucheck conform --json`, `diff --json`,
// ...): a stage that crashes or overruns its share of the budget costs that stage, not the night. Each child
// writes its JSON to DIR/stages/NAME.json and its text to DIR/logs/NAME.log.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace smmu::nightly {

// The night's clock: the budget, the time spent, and the progress lines (stdout, one per event):
//   nightly: t=42s/300s conform opt: 156 vectors, 156 pass, 0 fail, 0 skip
class Clock {
 public:
  explicit Clock(std::chrono::seconds budget);
  double elapsed() const;
  double remaining() const { return double(budget_.count()) - elapsed(); }
  std::chrono::seconds budget() const { return budget_; }
  void progress(const std::string& what) const;

 private:
  std::chrono::seconds budget_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

struct StageRun {
  std::string name;
  std::string status;  // ok, failed (the child exit 1: a check failed), error (it could not run), timed_out, skipped
  int exit_code = -1;  // -1: killed by a signal, timed out or never started
  double seconds = 0;
  std::filesystem::path log, json_file;
  std::optional<nlohmann::json> json;  // the child's stdout, when it is JSON
  std::string note;                    // why it was skipped, timed out or could not run
  nlohmann::json to_json() const;
};

// Runs `smmucheck ARGS` (`self` is the smmucheck binary) with at most `limit` seconds; stdout into
// DIR/stages/NAME.json, stderr into DIR/logs/NAME.log.
StageRun run_stage(const std::filesystem::path& self, const std::string& name, const std::vector<std::string>& args,
                   const std::filesystem::path& dir, double limit);

StageRun skipped_stage(const std::string& name, const std::string& why);

// The campaign's progress lines in `log` (DIR/progress.log) from byte `offset` on, this night's, as
// [{"t", "execs", "exec_per_sec", "cov", "corpus", "findings", "signatures"}]:
//   fuzz: t=60s execs=123456 exec/s=2057 cov=1234 corpus=345 findings=2 signatures=1
nlohmann::json campaign_progress(const std::filesystem::path& log, uintmax_t offset);

}  // namespace smmu::nightly
