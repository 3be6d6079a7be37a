// The engines as data (harness/campaign/engines.h): which build is which, and the command lines.
#include <algorithm>

#include <gtest/gtest.h>

#include "harness/campaign/engines.h"
#include "tests/campaign/campaign_test_util.h"

namespace smmu::campaign {
namespace {

namespace fs = std::filesystem;

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string env_of(const ProcessSpec& p, const std::string& k) {
  for (const auto& [key, value] : p.env)
    if (key == k) return value;
  return "";
}

// A fake build directory of the given kind with everything a campaign needs.
fs::path fake_build(const fs::path& dir, bool afl) {
  testing::write_file(dir / "CMakeCache.txt", afl ? "SMMUCHECK_AFL:BOOL=ON\nSMMUCHECK_FUZZ:BOOL=OFF\n"
                                                  : "SMMUCHECK_FUZZ:BOOL=ON\nSMMUCHECK_AFL:BOOL=OFF\n");
  testing::write_file(dir / "fuzzers/diff_fuzzer", "#!/bin/sh\n");
  fs::permissions(dir / "fuzzers/diff_fuzzer", fs::perms::owner_all);
  testing::write_file(dir / "fuzzers/seeds/scenario/seed1", "x");
  testing::write_file(dir / "fuzzers/dict/scenario.dict", "\"a\"\n");
  if (afl) testing::write_file(dir / "afl-mutator/smmucheck_afl_mutator.so", "");
  return dir;
}

TEST(CampaignEngines, MissingOrWrongBuildsNameTheCommandThatMakesThem) {
  testing::TempDir t;
  std::string error;
  EXPECT_FALSE(check_fuzz_build(Engine::LibFuzzer, t.path() / "none", "fuzz", error));
  EXPECT_NE(error.find("cmake --preset fuzz"), std::string::npos) << error;
  const fs::path afl = fake_build(t.path() / "afl", true);
  EXPECT_FALSE(check_fuzz_build(Engine::LibFuzzer, afl, "fuzz", error));
  EXPECT_NE(error.find("is an AFL++ build"), std::string::npos) << error;
  const fs::path lf = fake_build(t.path() / "fuzz", false);
  EXPECT_FALSE(check_fuzz_build(Engine::Afl, lf, "afl", error));
  EXPECT_NE(error.find("is a libFuzzer build"), std::string::npos) << error;
  fs::remove_all(lf / "fuzzers/seeds");
  EXPECT_FALSE(check_fuzz_build(Engine::LibFuzzer, lf, "fuzz", error));
  EXPECT_NE(error.find("--target fuzz_seeds"), std::string::npos) << error;
  fs::remove(afl / "afl-mutator/smmucheck_afl_mutator.so");
  EXPECT_FALSE(check_fuzz_build(Engine::Afl, afl, "afl", error));
  EXPECT_NE(error.find("smmucheck_afl_mutator.so"), std::string::npos) << error;
  EXPECT_FALSE(check_fuzz_build(Engine::Afl, t.path() / "cmplog", "afl-cmplog", error));
  EXPECT_NE(error.find("AFL_LLVM_CMPLOG=1"), std::string::npos) << error;
}

TEST(CampaignEngines, LibFuzzerForksAndKeepsItsCorpusAndArtifactsInTheCampaign) {
  testing::TempDir t;
  std::string error;
  const auto b = check_fuzz_build(Engine::LibFuzzer, fake_build(t.path() / "fuzz", false), "fuzz", error);
  ASSERT_TRUE(b) << error;
  const CampaignLayout l(t.path() / "campaign");
  const ProcessSpec p = libfuzzer_process(*b, l, 2, std::chrono::seconds(120));
  EXPECT_EQ(p.argv.front(), b->target.string());
  EXPECT_TRUE(has(p.argv, "-fork=2"));
  EXPECT_TRUE(has(p.argv, "-ignore_crashes=1"));
  EXPECT_TRUE(has(p.argv, "-max_total_time=120"));
  EXPECT_TRUE(has(p.argv, "-artifact_prefix=" + l.libfuzzer_artifacts().string() + "/"));
  // The campaign's corpus comes first: libFuzzer adds new inputs to the first directory only.
  const auto corpus = std::find(p.argv.begin(), p.argv.end(), l.libfuzzer_corpus().string());
  ASSERT_NE(corpus, p.argv.end());
  EXPECT_EQ(*(corpus + 1), b->seeds.string());
  EXPECT_EQ(env_of(p, "TMPDIR"), l.libfuzzer_tmp().string());
}

TEST(CampaignEngines, AflRunsOneMainAndSecondariesOneOfThemCmplog) {
  testing::TempDir t;
  std::string error;
  const auto b = check_fuzz_build(Engine::Afl, fake_build(t.path() / "afl", true), "afl", error);
  const auto c = check_fuzz_build(Engine::Afl, fake_build(t.path() / "afl-cmplog", true), "afl-cmplog", error);
  ASSERT_TRUE(b && c) << error;
  const CampaignLayout l(t.path() / "campaign");
  const auto ps = afl_processes(*b, &*c, l, 3, "/usr/bin/afl-fuzz");
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_TRUE(has(ps[0].argv, "-M") && has(ps[0].argv, "main"));
  EXPECT_FALSE(has(ps[0].argv, "-c"));
  EXPECT_TRUE(has(ps[1].argv, "-S") && has(ps[1].argv, "s1") && has(ps[1].argv, "-c"));
  EXPECT_TRUE(has(ps[1].argv, c->target.string()));
  EXPECT_TRUE(has(ps[2].argv, "-S") && has(ps[2].argv, "-p") && !has(ps[2].argv, "-c"));
  for (const auto& p : ps) {
    EXPECT_EQ(p.argv.back(), b->target.string());
    EXPECT_TRUE(has(p.argv, l.afl_out().string()));
    EXPECT_EQ(env_of(p, "AFL_AUTORESUME"), "1");
    EXPECT_EQ(env_of(p, "AFL_SKIP_CPUFREQ"), "1");
    EXPECT_EQ(env_of(p, "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"), "1");
    EXPECT_EQ(env_of(p, "AFL_NO_UI"), "1");
    EXPECT_EQ(env_of(p, "AFL_CUSTOM_MUTATOR_LIBRARY"), b->mutator.string());
  }
  const auto one = afl_processes(*b, &*c, l, 1, "afl-fuzz");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(has(one[0].argv, "-M") && has(one[0].argv, "-c"));
  EXPECT_FALSE(has(afl_processes(*b, nullptr, l, 2, "afl-fuzz")[1].argv, "-c"));
}

TEST(CampaignEngines, Names) {
  EXPECT_EQ(parse_engine("libfuzzer"), Engine::LibFuzzer);
  EXPECT_EQ(parse_engine("afl"), Engine::Afl);
  EXPECT_FALSE(parse_engine("honggfuzz"));
  EXPECT_FALSE(find_program("sh").empty());
  EXPECT_TRUE(find_program("no-such-program-smmucheck").empty());
}

}  // namespace
}  // namespace smmu::campaign
