// Random handover plans (harness/plan/random_plan.h) in the concrete simulator: a correct plan keeps every
// invariant whatever the junk, a plan with an injected fault breaks the invariant the fault names, and the
// optimized model agrees with the reference across the kexec under the caching rule. The kexec fuzzer asks
// the same of every input (fuzzers/kexec_fuzzer.cpp).
#include <gtest/gtest.h>

#include <map>

#include "harness/plan/random_plan.h"

namespace smmu::plan {
namespace {

TEST(RandomPlans, CorrectPlansHoldAndInjectedFaultsAreCaught) {
  std::map<Fault, int> seen;
  for (uint64_t seed = 1; seed <= 48; ++seed) {
    RandomChoices c(seed);
    const RandomPlan rp = random_plan(c);
    ++seen[rp.fault];
    const auto problem = check_random_plan(rp, seed);
    EXPECT_FALSE(problem) << "seed " << seed << ": " << *problem;
  }
  EXPECT_GE(seen[Fault::None], 10);
  EXPECT_GE(seen.size(), 6u) << "most kinds of fault are generated";
}

// The fuzzer's byte source: no bytes make the smallest correct plan; any bytes make a plan that runs.
TEST(RandomPlans, ByteChoicesMakePlansFromAnyBytes) {
  for (const std::vector<uint8_t>& bytes : {std::vector<uint8_t>{}, std::vector<uint8_t>(7, 0xFF),
                                            std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}}) {
    ByteChoices c(bytes);
    const RandomPlan rp = random_plan(c);
    if (bytes.empty()) EXPECT_EQ(rp.fault, Fault::None);
    const auto problem = check_random_plan(rp, 1);
    EXPECT_FALSE(problem) << *problem;
  }
}

}  // namespace
}  // namespace smmu::plan
