// `smmucheck prove PLAN...`: proves or refutes each invariant of each handover plan (harness/plan/prove.h),
// replays each counterexample in both models, and compares the verdicts with the plan's expected ones.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/plan/prove.h"
#include "harness/plan/replay.h"

namespace smmu::harness {

int prove_plans(const ProveOptions& opts) {
  // With --json the JSON goes to stdout and the text to stderr.
  FILE* text = opts.json ? stderr : stdout;
  nlohmann::json plans_json = nlohmann::json::array(), errors_json = nlohmann::json::array();
  auto input_error = [&](const std::string& what) {
    fmt::print(stderr, "{}\n", what);
    errors_json.push_back(what);
  };
  std::vector<std::string> missing;
  const std::vector<std::string> files = scenario_files(opts.paths, missing);
  for (const auto& m : missing) input_error("smmucheck prove: " + m + ": no such file or directory");
  if (!missing.empty() || files.empty()) return 2;
  bool mismatch = false;
  const auto suite_start = std::chrono::steady_clock::now();
  for (const std::string& file : files) {
    std::vector<InputError> errors;
    auto plan = plan::load_plan(file, errors);
    if (!plan) {
      for (const auto& e : errors) input_error(e.to_string());
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    plan::PlanRun run;
    try {
      run = plan::run_plan(*plan);
    } catch (const std::exception& e) {
      input_error(file + ": " + e.what());
      continue;
    }
    fmt::print(text, "plan {} ({}): {} preserved pages, {} states after the kexec, {} write groups\n", plan->msg.name(),
               file, run.preserved.size(), run.after.size(), run.groups.size());
    double last_progress = 0;
    auto progress = [&](const std::string& what) {
      if (elapsed() - last_progress < opts.progress_seconds) return;
      last_progress = elapsed();
      fmt::print(stderr, "prove: {} t={:.1f}s {}\n", plan->msg.name(), elapsed(), what);
    };
    std::vector<plan::InvariantResult> results;
    try {
      results = plan::prove(*plan, run, progress);
    } catch (const std::exception& e) {  // a configuration outside the encoding's scope
      input_error(file + ": cannot encode: " + e.what());
      continue;
    }
    std::map<int, bool> expected;
    for (const auto& v : plan->msg.expect()) expected[v.invariant()] = v.proved();
    const std::string out_dir = (std::filesystem::path(opts.out) / plan->msg.name()).string();
    nlohmann::json invariants = nlohmann::json::array();
    for (const auto& r : results) {
      const auto want = expected.find(r.invariant);
      const bool judged = want != expected.end();
      const bool ok = !judged || (want->second == r.proved && !r.undecided);
      mismatch |= !ok;
      const char* verdict = r.proved ? "proved" : r.undecided ? "undecided" : "refuted";
      fmt::print(text, "  {:<18} {:<8} {:6.2f} s  {}\n", plan::invariant_name(r.invariant), verdict, r.seconds,
                 !judged ? "(no verdict expected)" : ok ? "as expected" : want->second ? "EXPECTED proved" : "EXPECTED refuted");
      if (!r.proved && !r.detail.empty()) fmt::print(text, "      {}\n", r.detail);
      nlohmann::json inv = {{"invariant", plan::invariant_name(r.invariant)}, {"verdict", verdict},
                            {"seconds", r.seconds}, {"detail", r.detail}, {"as_expected", ok},
                            {"expected", judged ? nlohmann::json(want->second ? "proved" : "refuted") : nlohmann::json()}};
      if (r.cex || (!r.proved && r.concrete_step >= 0)) {
        plan::ReplayReport rep = r.cex ? plan::replay_counterexample(*plan, r, out_dir) : plan::replay_concrete(*plan, run, r, out_dir);
        fmt::print(text, "      {}: reference {}; optimized model {}{}\n", rep.confirmed ? "confirmed by replay" : "NOT confirmed by replay",
                   rep.reference.empty() ? "-" : rep.reference, rep.optimized.empty() ? "-" : rep.optimized,
                   rep.note.empty() ? "" : "; " + rep.note);
        for (const auto& f : rep.files) fmt::print(text, "      replay: smmucheck replay {}\n", f);
        mismatch |= !rep.confirmed;
        inv["replay"] = {{"confirmed", rep.confirmed}, {"reference", rep.reference}, {"optimized", rep.optimized},
                         {"note", rep.note}, {"files", rep.files}};
      }
      invariants.push_back(std::move(inv));
    }
    fmt::print(text, "  plan {}: {:.2f} s\n", plan->msg.name(), elapsed());
    plans_json.push_back({{"plan", plan->msg.name()}, {"file", file}, {"seconds", elapsed()}, {"invariants", invariants}});
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - suite_start).count();
  fmt::print(text, "{} plans in {:.1f} s\n", files.size(), total);
  if (opts.json)
    fmt::print("{}\n", nlohmann::json{{"plans", plans_json}, {"errors", errors_json}, {"seconds", total}}.dump(2));
  if (!errors_json.empty()) return 2;
  return mismatch ? 1 : 0;
}

}  // namespace smmu::harness
