// `smmucheck prove PLAN...`: proves or refutes each invariant of each handover plan (harness/plan/prove.h),
// replays each counterexample in both models, and compares the verdicts with the plan's expected ones.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/plan/prove.h"
#include "harness/plan/replay.h"

namespace smmu::harness {

int prove_plans(const ProveOptions& opts) {
  std::vector<std::string> missing;
  const std::vector<std::string> files = scenario_files(opts.paths, missing);
  for (const auto& m : missing) fmt::print(stderr, "smmucheck prove: {}: no such file or directory\n", m);
  if (!missing.empty() || files.empty()) return 2;
  bool input_error = false, mismatch = false;
  const auto suite_start = std::chrono::steady_clock::now();
  for (const std::string& file : files) {
    std::vector<InputError> errors;
    auto plan = plan::load_plan(file, errors);
    if (!plan) {
      for (const auto& e : errors) fmt::print(stderr, "{}\n", e.to_string());
      input_error = true;
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    plan::PlanRun run;
    try {
      run = plan::run_plan(*plan);
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: {}\n", file, e.what());
      input_error = true;
      continue;
    }
    fmt::print("plan {} ({}): {} preserved pages, {} states after the kexec, {} write groups\n", plan->msg.name(), file,
               run.preserved.size(), run.after.size(), run.groups.size());
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
      fmt::print(stderr, "{}: cannot encode: {}\n", file, e.what());
      input_error = true;
      continue;
    }
    std::map<int, bool> expected;
    for (const auto& v : plan->msg.expect()) expected[v.invariant()] = v.proved();
    const std::string out_dir = (std::filesystem::path(opts.out) / plan->msg.name()).string();
    for (const auto& r : results) {
      const auto want = expected.find(r.invariant);
      const bool judged = want != expected.end();
      const bool ok = !judged || (want->second == r.proved && !r.undecided);
      mismatch |= !ok;
      fmt::print("  {:<18} {:<8} {:6.2f} s  {}\n", plan::invariant_name(r.invariant), r.proved ? "proved" : r.undecided ? "undecided" : "refuted",
                 r.seconds, !judged ? "(no verdict expected)" : ok ? "as expected" : want->second ? "EXPECTED proved" : "EXPECTED refuted");
      if (!r.proved && !r.detail.empty()) fmt::print("      {}\n", r.detail);
      if (r.cex || (!r.proved && r.concrete_step >= 0)) {
        plan::ReplayReport rep = r.cex ? plan::replay_counterexample(*plan, r, out_dir) : plan::replay_concrete(*plan, run, r, out_dir);
        fmt::print("      {}: reference {}; optimized model {}{}\n", rep.confirmed ? "confirmed by replay" : "NOT confirmed by replay",
                   rep.reference.empty() ? "-" : rep.reference, rep.optimized.empty() ? "-" : rep.optimized,
                   rep.note.empty() ? "" : "; " + rep.note);
        for (const auto& f : rep.files) fmt::print("      replay: smmucheck replay {}\n", f);
        mismatch |= !rep.confirmed;
      }
    }
    fmt::print("  plan {}: {:.2f} s\n", plan->msg.name(), elapsed());
  }
  fmt::print("{} plans in {:.1f} s\n", files.size(),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - suite_start).count());
  if (input_error) return 2;
  return mismatch ? 1 : 0;
}

}  // namespace smmu::harness
