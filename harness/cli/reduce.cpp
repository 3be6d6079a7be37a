// `smmucheck reduce`: shrink a diverging scenario, keeping its signature, and write it as text format.
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/cli/models.h"
#include "harness/diff/reduce.h"

namespace smmu::harness {

int reduce_scenario(const std::string& path, const std::vector<std::string>& model_names, std::string out) {
  std::vector<InputError> errors;
  auto s = load_scenario(path, errors);
  if (!s) {
    for (const auto& e : errors) fmt::print(stderr, "{}\n", e.to_string());
    return kExitInputError;
  }
  std::vector<ModelSpec> models;
  for (const std::string& name : model_names) {
    if (name == "ref") continue;
    std::string err;
    auto m = model_by_name(name, err);
    if (!m) {
      fmt::print(stderr, "smmucheck reduce: {}\n", err);
      return kExitInputError;
    }
    models.push_back(*m);
  }
  const ReduceResult r = reduce(s->msg, models);
  if (r.signature.empty()) {
    fmt::print("{}: the models agree; nothing to reduce\n", path);
    return kExitOk;
  }
  if (out.empty()) out = path.substr(0, path.rfind(".textproto")) + ".reduced.textproto";
  const std::string header = fmt::format(
      "# Reduced by `smmucheck reduce` from {}: {} steps to {}.\n# Signature: {}\n# Replay: smmucheck diff {}\n\n",
      path, r.steps_before, r.steps_after, r.signature, out);
  std::string err;
  if (!write_scenario_atomically(out, r.scenario, header, err)) {
    fmt::print(stderr, "smmucheck reduce: {}\n", err);
    return kExitInputError;
  }
  fmt::print("{}: {} steps -> {} steps ({} runs), signature {}\nwrote {}\n", path, r.steps_before, r.steps_after, r.runs,
             r.signature, out);
  return kExitFailed;  // the reduced scenario still diverges
}

}  // namespace smmu::harness
