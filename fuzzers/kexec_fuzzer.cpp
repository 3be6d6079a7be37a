// kexec_fuzzer: random handover plans in the concrete kexec simulator (ARCHITECTURE.md "Live update"). The
// input's bytes are the choices of harness/plan/random_plan.h: the old kernel's domains and streams, which
// survive, the preservation set, the kexec seed, the new kernel's adopt and rewrites, and sometimes one
// injected fault. Each plan runs in the simulator and is checked with no solver (harness/plan/concrete.h):
// a correct plan must keep every invariant, a faulty one must break the invariant its fault names, and the
// optimized model must agree with the reference across the kexec. Anything else aborts with the plan.
#include <cstdio>
#include <cstdlib>
#include <span>

#include "harness/plan/random_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  smmu::plan::ByteChoices choices(std::span<const uint8_t>(data, size));
  const smmu::plan::RandomPlan rp = smmu::plan::random_plan(choices);
  if (auto problem = smmu::plan::check_random_plan(rp, size)) {
    std::fprintf(stderr, "kexec_fuzzer: %s\n", problem->c_str());
    std::abort();
  }
  return 0;
}
