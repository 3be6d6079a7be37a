#include "fuzzers/fuzz_models.h"

#include "optimized/smmu.h"

namespace smmu::fuzz {

std::vector<harness::ModelSpec> diff_models() {
  // The optimized model, one call at a time and through its batch API, against the reference. Its caches
  // are small here: a model is made for every input (clearing megabytes of cache was a fifth of the time),
  // every TLBI scans its TLB, and scenarios of fifty steps fill small caches, so eviction gets exercised.
  auto opt = [](const Features& f, Memory& m) -> std::unique_ptr<SmmuModel> {
    return std::make_unique<opt::OptimizedSmmu>(
        f, m, opt::OptimizedSmmu::Sizes{.tlb_log2 = 8, .walk_cache_log2 = 6, .ste_cache_log2 = 6, .cd_cache_log2 = 6,
                                        .memo_sets_log2 = 6});
  };
  return {{"opt", opt, false}, {"optbatch", opt, true}};
}

}  // namespace smmu::fuzz
