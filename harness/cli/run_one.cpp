// One scenario on one model with its expectations checked (harness/cli/run_one.h).
#include "harness/cli/run_one.h"

#include <fmt/format.h>

#include "harness/check/check.h"

namespace smmu::harness {

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


}  // namespace smmu::harness
