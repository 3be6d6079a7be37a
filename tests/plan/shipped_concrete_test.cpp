// The shipped plans (specs/plans/) in the concrete simulator under many kexec seeds (harness/plan/concrete.h):
// an invariant a plan expects proved is never violated concretely, whatever the junk; one it expects refuted
// is seen violated under some seed where the concrete run can show it (a refutation that needs junk the
// scramble does not produce is named in kNotShownConcretely, with the reason).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "harness/plan/concrete.h"

namespace smmu::plan {
namespace {

constexpr unsigned kSeeds = 8;

// Refutations the scramble cannot show, by plan and invariant, with the reason.
const std::map<std::pair<std::string, smmucheck::Invariant>, const char*> kNotShownConcretely = {
    {{"05-dead-stream-left-live", smmucheck::ISOLATION},
     "the dead stream's CD and stage-1 tables are junk: reaching memory needs a CD and a walk that the solver "
     "chooses and a scramble makes almost never (its valid-looking words are scattered, not chained)"},
};

std::vector<std::string> shipped_plans() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(SMMUCHECK_PLANS))
    if (e.path().extension() == ".textproto") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class ShippedPlan : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedPlan, ConcreteRunsAgreeWithTheExpectedVerdicts) {
  std::vector<harness::InputError> errors;
  auto plan = load_plan(GetParam(), errors);
  ASSERT_TRUE(plan) << (errors.empty() ? "" : errors[0].message);
  std::map<smmucheck::Invariant, bool> expected;  // invariant -> proved
  for (const auto& v : plan->msg.expect()) expected[v.invariant()] = v.proved();
  std::set<smmucheck::Invariant> seen_violated;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    set_kexec_seed(*plan, seed * 0x9E3779B97F4A7C15ull);
    const PlanRun run = run_plan(*plan);
    for (const ConcreteVerdict& v : check_concretely(*plan, run, {.seed = seed})) {
      if (!v.violation) continue;
      seen_violated.insert(v.invariant);
      auto e = expected.find(v.invariant);
      EXPECT_FALSE(e != expected.end() && e->second)
          << invariant_name(v.invariant) << " is expected proved, but seed " << seed << " violates it: " << *v.violation;
    }
  }
  for (const auto& [inv, proved] : expected)
    if (!proved && !kNotShownConcretely.count({plan->msg.name(), inv}))
      EXPECT_TRUE(seen_violated.count(inv)) << invariant_name(inv) << " is expected refuted, but no seed shows it concretely";
}

INSTANTIATE_TEST_SUITE_P(Plans, ShippedPlan, ::testing::ValuesIn(shipped_plans()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = std::filesystem::path(i.param).stem().string();
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace smmu::plan
