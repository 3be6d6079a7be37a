// The differential fuzz target: decodes the input into a scenario (codec.h) and runs it on the reference
// and on diff_models(). On a divergence it prints the first one's stable signature on one line,
// "SMMUCHECK-DIVERGENCE: ref-<model>:<step kind>:<what>:<a kind>/<b kind>", and aborts, so crashes
// de-duplicate by that line. `fuzz_decode CRASH` turns the input into a scenario for smmucheck replay/reduce.
// SMMUCHECK_FUZZ_DEBUG=1 in the environment prints the runner's input errors.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzzers/codec.h"
#include "fuzzers/diff_target.h"
#include "fuzzers/fuzz_models.h"
#include "fuzzers/libfuzzer_hooks.h"

namespace smmu::fuzz {

DiffStats& diff_stats() {
  static DiffStats stats;
  return stats;
}

std::optional<harness::Divergence> run_diff_input(const uint8_t* data, size_t size) {
  static const std::vector<harness::ModelSpec> models = diff_models();
  DiffStats& stats = diff_stats();
  ++stats.inputs;
  smmucheck::Scenario s = decode({data, size});
  for (int attempt = 0; attempt < 2; ++attempt) {
    const harness::LoadedScenario l = loaded(s);
    auto result = harness::run_diff(l, models);
    if (auto* r = std::get_if<harness::DiffResult>(&result)) {
      stats.steps += static_cast<uint64_t>(l.msg.step_size());
      stats.dma_exact += r->exact;
      stats.dma_stale += r->stale;
      stats.dma_unchecked += r->unchecked;
      if (r->divergences.empty()) return std::nullopt;
      ++stats.divergences;
      return r->divergences.front();
    }
    // The runner stops at a step it cannot carry out ("step N: the command queue is full"): compare the
    // steps before it.
    ++stats.input_errors;
    if (std::getenv("SMMUCHECK_FUZZ_DEBUG")) std::fprintf(stderr, "input error: %s\n", std::get<std::string>(result).c_str());
    int n = 0;
    if (std::sscanf(std::get<std::string>(result).c_str(), "step %d:", &n) != 1 || n <= 0 || n >= s.step_size())
      return std::nullopt;
    s.mutable_step()->DeleteSubrange(n, s.step_size() - n);
  }
  return std::nullopt;
}

}  // namespace smmu::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto d = smmu::fuzz::run_diff_input(data, size)) {
    std::fprintf(stderr, "smmucheck: first divergence at step %d (%s): %s %s / %s\n", d->step, d->model.c_str(),
                 d->difference.what.c_str(), d->difference.a_value.c_str(), d->difference.b_value.c_str());
    std::fprintf(stderr, "SMMUCHECK-DIVERGENCE: %s\n", d->signature.c_str());
    std::abort();
  }
  return 0;
}
