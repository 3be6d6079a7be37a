#include "fuzzers/fuzz_models.h"

#include "optimized/smmu.h"

namespace smmu::fuzz {

std::vector<harness::ModelSpec> diff_models() {
  // The optimized model, one call at a time and through its batch API, against the reference.
  auto opt = [](const Features& f, Memory& m) -> std::unique_ptr<SmmuModel> {
    return std::make_unique<opt::OptimizedSmmu>(f, m);
  };
  return {{"opt", opt, false}, {"optbatch", opt, true}};
}

}  // namespace smmu::fuzz
