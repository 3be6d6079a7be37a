// `smmucheck diff`: runs scenarios on the reference and other models and reports the first divergence of
// each, with its signature, the step, and both models' observations side by side.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/cli/models.h"
#include "harness/runner/observation_json.h"
#include "harness/scenario/describe.h"
#include "specs/print.h"

namespace smmu::harness {

namespace {

void print_side_by_side(const DiffResult& r, const Divergence& d, const LoadedScenario& s) {
  const StepObservation& a = r.obs[size_t(d.step)][0];
  size_t m = 1;
  while (m < r.models.size() && r.models[m] != d.model) ++m;
  const StepObservation& b = r.obs[size_t(d.step)][m];
  fmt::print("      step {} (line {}): {}\n", d.step, d.line, describe_step(s.msg.step(d.step)));
  fmt::print("      {}: expected(ref) {} / {} {}\n", d.difference.what, d.difference.a_value, d.model, d.difference.b_value);
  if (a.dma && b.dma) {
    fmt::print("        ref: {}\n", format_outcome(*a.dma));
    fmt::print("        {}: {}\n", d.model, format_outcome(*b.dma));
  }
  if (const auto& c = r.dma[size_t(d.step)]; c && c->rule != DmaRule::Exact)
    fmt::print("        rule: {} ({} uncovered words, {} permitted outcomes)\n", dma_rule_name(c->rule), c->stale_words.size(),
               c->permitted);
}

}  // namespace

int diff_scenarios(const DiffOptionsCli& opts) {
  std::vector<ModelSpec> models;
  for (const std::string& name : opts.models) {
    if (name == "ref") continue;  // the reference always runs, as model 0
    std::string err;
    auto m = model_by_name(name, err);
    if (!m) {
      fmt::print(stderr, "smmucheck diff: {}\n", err);
      return kExitInputError;
    }
    models.push_back(*m);
  }
  if (models.empty()) {
    fmt::print(stderr, "smmucheck diff: name at least one model besides ref (--model)\n");
    return kExitInputError;
  }
  std::vector<std::string> missing;
  const auto files = scenario_files(opts.paths, missing);
  for (const auto& m : missing) fmt::print(stderr, "{}: no such file or directory\n", m);
  int same = 0, diverged = 0, skipped = 0, invalid = int(missing.size());
  int exact = 0, stale = 0, unchecked = 0;
  nlohmann::json j;
  for (const std::string& file : files) {
    std::vector<InputError> errors;
    auto s = load_scenario(file, errors);
    nlohmann::json js{{"file", file}};
    if (!s) {
      ++invalid;
      for (const auto& e : errors) {
        if (!opts.json) fmt::print("ERROR {}\n", e.to_string());
        js["errors"].push_back(e.to_string());
      }
      j["scenarios"].push_back(js);
      continue;
    }
    // A model that cannot express the scenario (the QEMU peer: StreamIDs, features, addresses) skips it.
    std::variant<DiffResult, std::string> r;
    try {
      if (auto why = prepare_models(*s, models)) {
        ++skipped;
        if (!opts.json) fmt::print("SKIP  {}: {}\n", file, *why);
        js["status"] = "skip";
        js["skip"] = *why;
        j["scenarios"].push_back(js);
        continue;
      }
      r = run_diff(*s, models);
    } catch (const std::exception& e) {  // a peer that failed (QEMU did not start, died, timed out)
      r = std::string(e.what());
    }
    if (auto* err = std::get_if<std::string>(&r)) {
      ++invalid;
      if (!opts.json) fmt::print("ERROR {}: {}\n", file, *err);
      js["errors"].push_back(*err);
      j["scenarios"].push_back(js);
      continue;
    }
    const DiffResult& d = std::get<DiffResult>(r);
    exact += d.exact, stale += d.stale, unchecked += d.unchecked;
    js["name"] = s->msg.name();
    js["dma"] = {{"exact", d.exact}, {"permitted_stale", d.stale}, {"unchecked", d.unchecked}};
    if (d.divergences.empty()) {
      ++same;
      js["status"] = "same";
      if (opts.verbose && !opts.json)
        fmt::print("SAME  {} ({} dma: {} exact, {} permitted-stale, {} unchecked)\n", file, d.exact + d.stale + d.unchecked,
                   d.exact, d.stale, d.unchecked);
    } else {
      ++diverged;
      const Divergence& first = d.divergences.front();
      js["status"] = "diverged";
      js["signature"] = first.signature;
      js["step"] = first.step;
      js["line"] = first.line;
      js["what"] = first.difference.what;
      js["ref"] = first.difference.a_value;
      js["other"] = first.difference.b_value;
      js["observations"] = {{"ref", observation_json(d.obs[size_t(first.step)][0])}};
      for (size_t m = 1; m < d.models.size(); ++m)
        js["observations"][d.models[m]] = observation_json(d.obs[size_t(first.step)][m]);
      if (!opts.json) {
        fmt::print("DIVERGE {}  {}\n", file, first.signature);
        print_side_by_side(d, first, *s);
      }
    }
    j["scenarios"].push_back(js);
  }
  if (opts.json) {
    j["summary"] = {{"scenarios", files.size() + missing.size()}, {"same", same}, {"diverged", diverged}, {"skipped", skipped},
                    {"invalid", invalid},
                    {"dma", {{"exact", exact}, {"permitted_stale", stale}, {"unchecked", unchecked}}}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{} scenarios: {} same, {} diverged, {}{} invalid; DMAs compared: {} exact, {} permitted-stale, {} unchecked\n",
               files.size() + missing.size(), same, diverged, skipped ? fmt::format("{} skipped, ", skipped) : "", invalid,
               exact, stale, unchecked);
  }
  return invalid ? kExitInputError : diverged ? kExitFailed : kExitOk;
}

}  // namespace smmu::harness
