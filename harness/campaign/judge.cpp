#include "harness/campaign/judge.h"

#include <cstdio>

#include "fuzzers/codec.h"
#include "fuzzers/fuzz_models.h"
#include "harness/campaign/isolate.h"
#include "harness/diff/diff_runner.h"

namespace smmu::campaign {

Judgement judge_input(std::span<const uint8_t> bytes) {
  static const std::vector<harness::ModelSpec> models = fuzz::diff_models();
  Judgement j;
  j.scenario = fuzz::decode(bytes);
  // The same prefix rule as run_diff_input (fuzzers/diff_fuzzer.cpp), so a finding keeps its signature here.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const harness::LoadedScenario l = fuzz::loaded(j.scenario);
    auto result = harness::run_diff(l, models);
    if (auto* r = std::get_if<harness::DiffResult>(&result)) {
      if (!r->divergences.empty()) j.signature = r->divergences.front().signature;
      return j;
    }
    int n = 0;
    if (std::sscanf(std::get<std::string>(result).c_str(), "step %d:", &n) != 1 || n <= 0 ||
        n >= j.scenario.step_size())
      return j;
    j.scenario.mutable_step()->DeleteSubrange(n, j.scenario.step_size() - n);
  }
  return j;
}

std::string finding_signature(std::span<const uint8_t> bytes, std::string_view kind, std::chrono::milliseconds timeout) {
  const Isolated r = run_isolated([&] { return judge_input(bytes).signature; }, timeout);
  if (!r.started) return "";
  if (!r.ok) return r.failure == "timeout" ? "hang" : "crash:" + r.failure;
  if (r.output.empty()) return "no-divergence:" + std::string(kind);
  return r.output;
}

}  // namespace smmu::campaign
