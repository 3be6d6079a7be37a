// Random handover plans (harness/plan/random_plan.h) in the concrete simulator: a correct plan keeps every
// invariant whatever the junk, a plan with an injected fault breaks the invariant the fault names, and the
// optimized model agrees with the reference across the kexec under the caching rule. The kexec fuzzer asks
// the same of every input (fuzzers/kexec_fuzzer.cpp).
#include <gtest/gtest.h>

#include <google/protobuf/text_format.h>

#include <map>

#include "harness/diff/diff_runner.h"
#include "harness/plan/concrete.h"
#include "harness/plan/random_plan.h"
#include "optimized/smmu.h"

namespace smmu::plan {
namespace {

TEST(RandomPlans, CorrectPlansHoldAndInjectedFaultsAreCaught) {
  std::map<Fault, int> seen;
  for (uint64_t seed = 1; seed <= 48; ++seed) {
    RandomChoices c(seed);
    const RandomPlan rp = random_plan(c);
    std::string text;
    google::protobuf::TextFormat::PrintToString(rp.plan, &text);
    std::vector<harness::InputError> errors;
    auto plan = parse_plan(text, "random plan " + std::to_string(seed), errors);
    ASSERT_TRUE(plan) << errors[0].message << "\n" << text;
    PlanRun run;
    ASSERT_NO_THROW(run = run_plan(*plan)) << text;
    ++seen[rp.fault];
    for (const ConcreteVerdict& v : check_concretely(*plan, run, {.seed = seed})) {
      if (rp.breaks == v.invariant) {
        EXPECT_TRUE(v.violation) << "seed " << seed << ": fault " << fault_name(rp.fault) << " not caught by "
                                 << invariant_name(v.invariant) << "\n" << text;
      } else if (rp.fault == Fault::None) {
        EXPECT_FALSE(v.violation) << "seed " << seed << ": a correct plan violates " << invariant_name(v.invariant)
                                  << ": " << *v.violation << "\n" << text;
      }
    }
    const harness::ModelFactory opt = [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); };
    auto d = harness::run_diff(concrete_scenario(*plan, run), {{"opt", opt}});
    ASSERT_TRUE(std::holds_alternative<harness::DiffResult>(d)) << std::get<std::string>(d) << "\n" << text;
    const auto& r = std::get<harness::DiffResult>(d);
    EXPECT_TRUE(r.divergences.empty()) << "seed " << seed << ": " << r.divergences[0].signature << " at step "
                                       << r.divergences[0].step << "\n" << text;
  }
  EXPECT_GE(seen[Fault::None], 10);
  EXPECT_GE(seen.size(), 5u) << "most kinds of fault are generated";
}

}  // namespace
}  // namespace smmu::plan
