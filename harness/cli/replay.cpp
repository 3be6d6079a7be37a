// `smmucheck replay`: the story of one scenario, step by step: each step (and what a driver step became),
// each table read and decision of the model, each command, event and MSI, each result, each check.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/check/check.h"
#include "harness/cli/commands.h"
#include "harness/cli/trace.h"
#include "harness/runner/observation_json.h"
#include "harness/scenario/describe.h"
#include "harness/cli/models.h"
#include "specs/print.h"

namespace smmu::harness {

namespace {

// The replay as one JSON document: each step with its observations and check results.
int replay_json(const LoadedScenario& s, const ModelSpec& model) {
  ScenarioRun run(s, model.make);
  nlohmann::json j;
  j["scenario"] = s.msg.name();
  j["file"] = s.path;
  j["model"] = model.name;
  int failed = 0;
  for (int i = 0; i < s.msg.step_size(); ++i) {
    nlohmann::json step{{"index", i}, {"line", s.step_line[size_t(i)]}, {"step", describe_step(s.msg.step(i))}};
    auto result = run.run_step(i);
    if (auto* err = std::get_if<std::string>(&result)) {
      step["error"] = *err;
      j["steps"].push_back(step);
      fmt::print("{}\n", j.dump(2));
      return kExitInputError;
    }
    const StepObservation& obs = std::get<StepObservation>(result);
    step["observed"] = observation_json(obs);
    for (const auto& m : check_step(s.msg.step(i), obs))
      step["mismatches"].push_back({{"what", m.what}, {"expected", m.expected}, {"actual", m.actual}});
    failed += step.contains("mismatches") ? 1 : 0;
    j["steps"].push_back(step);
  }
  j["failed_steps"] = failed;
  fmt::print("{}\n", j.dump(2));
  return failed ? kExitFailed : kExitOk;
}

}  // namespace

int replay_scenario(const std::string& path, bool json, const std::string& model_name) {
  std::string err;
  const auto model = model_by_name(model_name, err);
  if (!model) {
    fmt::print(stderr, "smmucheck replay: {}\n", err);
    return kExitInputError;
  }
  std::vector<InputError> errors;
  std::optional<LoadedScenario> s = load_scenario(path, errors);
  if (!s) {
    for (const auto& e : errors) fmt::print(stderr, "{}\n", e.to_string());
    return kExitInputError;
  }
  try {  // a model that cannot express the scenario (the QEMU peer) says why
    if (auto why = prepare_models(*s, {*model})) {
      fmt::print(stderr, "smmucheck replay: {}: {}\n", path, *why);
      return kExitInputError;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "smmucheck replay: model {}: {}\n", model->name, e.what());
    return kExitInputError;
  }
  if (json) return replay_json(*s, *model);
  TracePrinter trace(stdout, "      ");
  ScenarioRun run(*s, model->make, &trace);
  run.on_primitive = [](const smmucheck::Step& p) {
    fmt::print("    -> {}{}\n", describe_step(p), p.comment().empty() ? "" : "   # " + p.comment());
  };
  fmt::print("scenario {} ({})\n", s->msg.name(), path);
  if (!s->msg.description().empty()) fmt::print("  {}\n", s->msg.description());
  if (s->msg.spec_size()) {
    std::string secs;
    for (const auto& x : s->msg.spec()) secs += " §" + x;
    fmt::print("  spec:{}\n", secs);
  }
  fmt::print("  model: {} ({})\n\n", model->name, smmu::describe(run.model().features()));
  int failed = 0;
  for (int i = 0; i < s->msg.step_size(); ++i) {
    const smmucheck::Step& step = s->msg.step(i);
    fmt::print("step {} (line {}): {}{}\n", i, s->step_line[size_t(i)], describe_step(step),
               step.comment().empty() ? "" : "   # " + step.comment());
    auto result = run.run_step(i);
    if (auto* err = std::get_if<std::string>(&result)) {
      fmt::print("  ERROR: {}\n", *err);
      return kExitInputError;
    }
    const StepObservation& obs = std::get<StepObservation>(result);
    if (step.has_kexec()) {  // what survived: everything else now reads as the seed's junk
      std::string kept;
      for (const auto& e : run.ownership().extents())
        if (e.owner == kexec::Owner::Preserved) kept += fmt::format(" {:#x}+{:#x}", e.base, e.size);
      fmt::print("  preserved:{}; every other page scrambled; the SMMU keeps running\n", kept.empty() ? " nothing" : kept);
    }
    if (obs.dma) fmt::print("  => {}\n", format_outcome(*obs.dma));
    if (obs.mmio_value) fmt::print("  => {:#x}\n", *obs.mmio_value);
    for (const auto& e : obs.events) fmt::print("  event queue: {}\n", format_event(e));
    for (const auto& v : obs.violations) fmt::print("  live update: {}\n", v.message);
    const Mismatches m = check_step(step, obs);
    for (const auto& x : m) fmt::print("  MISMATCH {}: expected {}, got {}\n", x.what, x.expected, x.actual);
    if (m.empty() && (step.has_expect_events() || step.has_expect_queue() || (step.has_dma() && step.dma().has_expect()) ||
                      (step.has_mmio_read() && (step.mmio_read().has_expect_value() || step.mmio_read().expect_field_size()))))
      fmt::print("  checks: ok\n");
    failed += m.empty() ? 0 : 1;
    fmt::print("\n");
  }
  fmt::print("{}: {} steps, {}\n", s->msg.name(), s->msg.step_size(),
             failed ? fmt::format("{} with mismatches", failed) : std::string("every check passed"));
  return failed ? kExitFailed : kExitOk;
}

}  // namespace smmu::harness
