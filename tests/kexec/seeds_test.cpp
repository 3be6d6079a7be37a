// Every corpus/kexec scenario under many seeds: the optimized model agrees with the reference under the
// caching rule (the scramble counting as uncovered writes), one call at a time and through the batch API,
// whatever the junk. The expectations of a scenario are written so that they hold for any seed; the
// reference must meet them under every seed too.
#include "tests/kexec/kexec_helpers.h"

#include <filesystem>

#include "harness/check/check.h"
#include "optimized/smmu.h"

namespace smmu::test {
namespace {

using namespace harness;

TEST(KexecSeeds, CorpusHoldsAndModelsAgreeUnderManySeeds) {
  const ModelFactory opt = [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); };
  int scenarios = 0;
  for (const auto& e : std::filesystem::directory_iterator(SMMUCHECK_CORPUS "/kexec")) {
    std::vector<InputError> errors;
    auto s = load_scenario(e.path().string(), errors);
    ASSERT_TRUE(s) << e.path();
    ++scenarios;
    for (uint64_t seed = 100; seed < 132; ++seed) {
      for (auto& st : *s->msg.mutable_step())
        if (st.has_kexec()) st.mutable_kexec()->set_seed(seed * 7919 + 1);
      auto r = run_diff(*s, {{"opt", opt}, {"optbatch", opt, true}});
      ASSERT_TRUE(std::holds_alternative<DiffResult>(r)) << e.path() << ": " << std::get<std::string>(r);
      const auto& d = std::get<DiffResult>(r);
      EXPECT_TRUE(d.divergences.empty()) << e.path() << " seed " << seed << ": " << d.divergences[0].signature
                                         << " at step " << d.divergences[0].step;
      for (int i = 0; i < s->msg.step_size(); ++i)
        for (const Mismatch& m : check_step(s->msg.step(i), d.obs[size_t(i)][0]))
          ADD_FAILURE() << e.path() << " seed " << seed << " step " << i << ": " << m.what << ": expected "
                        << m.expected << ", got " << m.actual;
    }
  }
  EXPECT_GE(scenarios, 5);
}

}  // namespace
}  // namespace smmu::test
