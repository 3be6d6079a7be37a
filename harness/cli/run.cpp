// `smmucheck run`: run scenarios on the reference model and check their expectations.
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/check/check.h"
#include "harness/cli/commands.h"
#include "harness/cli/models.h"

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

namespace {

struct ScenarioResult {
  std::string file, name;
  std::string status;  // pass, fail, error
  int steps = 0, checks = 0;
  std::vector<nlohmann::json> problems;
};

int count_checks(const smmucheck::Step& s) {
  int n = 0;
  if (s.has_dma() && s.dma().has_expect()) ++n;
  if (s.has_mmio_read() && (s.mmio_read().has_expect_value() || s.mmio_read().expect_field_size())) ++n;
  if (s.has_expect_events()) ++n;
  if (s.has_expect_queue()) ++n;
  if (s.has_mem_read() && s.mem_read().has_expect_value()) ++n;
  return n;
}

ScenarioResult run_one(const std::string& file, const ModelSpec& model) {
  ScenarioResult r{.file = file, .status = "pass"};
  std::vector<InputError> errors;
  std::optional<LoadedScenario> s = load_scenario(file, errors);
  if (!s) {
    r.status = "error";
    for (const auto& e : errors) r.problems.push_back({{"error", e.to_string()}});
    return r;
  }
  // A scenario that needs a feature the model lacks is skipped with the reason (clamping would change it).
  // A model with a prepare hook (the QEMU peer) decides that itself, and may narrow the features.
  r.name = s->msg.name();
  try {
    if (model.prepare) {
      if (auto why = prepare_models(*s, {model})) {
        r.status = "skip";
        r.problems.push_back({{"skip", *why}});
        return r;
      }
    } else {
      const Features asked = s->features.clamp_to(s->features);  // the request with its own RES0 rules applied
      SparseMemory scratch;
      const Features have = model.make(asked, scratch)->features();
      if (!(have.clamp_to(asked) == asked)) {
        r.status = "skip";
        r.problems.push_back({{"skip", "model " + model.name + " does not implement every feature the scenario asks for: " +
                                           describe_difference(asked, have)}});
        return r;
      }
    }
  } catch (const std::exception& e) {  // a peer that failed (QEMU did not start, ...)
    r.status = "error";
    r.problems.push_back({{"error", file + ": model " + model.name + ": " + e.what()}});
    return r;
  }
  std::optional<ScenarioRun> run_storage;
  try {
    run_storage.emplace(*s, model.make);
  } catch (const std::exception& e) {
    r.status = "error";
    r.problems.push_back({{"error", file + ": model " + model.name + ": " + e.what()}});
    return r;
  }
  ScenarioRun& run = *run_storage;
  for (int i = 0; i < s->msg.step_size(); ++i) {
    std::variant<StepObservation, std::string> result;
    try {
      result = run.run_step(i);
    } catch (const std::exception& e) {  // a peer that failed mid-run (QEMU died, timed out)
      result = std::string("model ") + model.name + ": " + e.what();
    }
    const int line = s->step_line[size_t(i)];
    if (auto* err = std::get_if<std::string>(&result)) {
      r.status = "error";
      r.problems.push_back({{"error", fmt::format("{}:{}: step {}: {}", file, line, i, *err)}});
      return r;
    }
    ++r.steps;
    const smmucheck::Step& step = s->msg.step(i);
    r.checks += count_checks(step);
    for (const Mismatch& m : check_step(step, std::get<StepObservation>(result))) {
      r.status = "fail";
      r.problems.push_back({{"step", i}, {"line", line}, {"what", m.what}, {"expected", m.expected}, {"actual", m.actual}});
    }
  }
  return r;
}

}  // namespace

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
