// `smmucheck run`: run scenarios on the reference model and check their expectations.
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/check/check.h"
#include "harness/cli/commands.h"
#include "harness/cli/models.h"
#include "harness/cli/run_one.h"

namespace smmu::harness {

std::vector<std::string> scenario_files(const std::vector<std::string>& paths, std::vector<std::string>& missing) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::set<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".textproto") found.insert(e.path().string());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    } else {
      missing.push_back(p);
    }
  }
  return out;
}

int run_scenarios(const RunOptions& opts) {
  std::string err;
  const auto model = model_by_name(opts.model, err);
  if (!model) {
    fmt::print(stderr, "smmucheck run: {}\n", err);
    return kExitInputError;
  }
  std::vector<std::string> missing;
  const std::vector<std::string> files = scenario_files(opts.paths, missing);
  std::vector<ScenarioResult> results;
  for (const auto& m : missing) results.push_back({.file = m, .status = "error", .problems = {{{"error", m + ": no such file or directory"}}}});
  for (const auto& f : files) results.push_back(run_one(f, *model));
  int pass = 0, fail = 0, error = 0, skip = 0;
  for (const auto& r : results) (r.status == "pass" ? pass : r.status == "fail" ? fail : r.status == "skip" ? skip : error)++;
  if (opts.json) {
    nlohmann::json j;
    j["model"] = model->name;
    for (const auto& r : results)
      j["scenarios"].push_back({{"file", r.file}, {"name", r.name}, {"status", r.status}, {"steps", r.steps},
                                {"checks", r.checks}, {"problems", r.problems}});
    j["summary"] = {{"scenarios", results.size()}, {"passed", pass}, {"failed", fail}, {"skipped", skip}, {"errors", error}};
    fmt::print("{}\n", j.dump(2));
  } else {
    for (const auto& r : results) {
      if (r.status == "pass" && !opts.verbose) continue;
      fmt::print("{:<5} {}{}\n", r.status == "pass" ? "PASS" : r.status == "fail" ? "FAIL" : r.status == "skip" ? "SKIP" : "ERROR", r.file,
                 r.name.empty() ? "" : fmt::format(" ({}: {} steps, {} checks)", r.name, r.steps, r.checks));
      for (const auto& p : r.problems) {
        if (p.contains("error")) fmt::print("      {}\n", p["error"].get<std::string>());
        else if (p.contains("skip")) fmt::print("      {}\n", p["skip"].get<std::string>());
        else fmt::print("      step {} (line {}): {}: expected {}, got {}\n", p["step"].get<int>(), p["line"].get<int>(),
                        p["what"].get<std::string>(), p["expected"].get<std::string>(), p["actual"].get<std::string>());
      }
    }
    int checks = 0;
    for (const auto& r : results) checks += r.checks;
    fmt::print("{} scenarios on model {}: {} passed, {} failed, {} skipped, {} invalid ({} checks)\n", results.size(),
               model->name, pass, fail, skip, error, checks);
  }
  return error ? kExitInputError : fail ? kExitFailed : kExitOk;
}

}  // namespace smmu::harness
