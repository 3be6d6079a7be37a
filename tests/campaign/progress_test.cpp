// The engines' counters and the progress line (harness/campaign/progress.h).
#include <gtest/gtest.h>

#include "harness/campaign/progress.h"
#include "tests/campaign/campaign_test_util.h"

namespace smmu::campaign {
namespace {

TEST(CampaignProgress, LibFuzzerForkStatusLine) {
  const auto s = parse_libfuzzer_status(
      "#123456: cov: 1234 ft: 4567 corp: 345 exec/s 2057 oom/timeout/crash: 0/0/2 time: 60s job: 7 dft_time: 0");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->execs, 123456u);
  EXPECT_EQ(s->cov, 1234u);
  EXPECT_EQ(s->corpus, 345u);
  EXPECT_EQ(s->exec_per_sec, 2057u);
}

TEST(CampaignProgress, LibFuzzerSingleProcessStatusLine) {
  const auto s = parse_libfuzzer_status("#4096\tpulse  cov: 812 ft: 1500 corp: 77/3123b lim: 43 exec/s: 1365 rss: 70Mb");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->execs, 4096u);
  EXPECT_EQ(s->cov, 812u);
  EXPECT_EQ(s->corpus, 77u);
  EXPECT_EQ(s->exec_per_sec, 1365u);
}

TEST(CampaignProgress, OtherLinesAreNotStatus) {
  EXPECT_FALSE(parse_libfuzzer_status("INFO: -fork=2: fuzzing in separate process(s)"));
  EXPECT_FALSE(parse_libfuzzer_status("SMMUCHECK-DIVERGENCE: ref-opt:dma:outcome:F_TRANSLATION/success"));
  EXPECT_FALSE(parse_libfuzzer_status("#x: cov: 1"));
  EXPECT_FALSE(parse_libfuzzer_status(""));
}

TEST(CampaignProgress, FollowsAGrowingLogFromWhereItWas) {
  testing::TempDir t;
  const auto log = t.path() / "libfuzzer.txt";
  testing::write_file(log, "#999: cov: 9 ft: 9 corp: 9 exec/s 9 oom/timeout/crash: 0/0/0 time: 1s job: 1 dft_time: 0\n");
  LogFollower f(log);  // an earlier session's lines are not this session's progress
  EXPECT_EQ(f.poll().execs, 0u);
  {
    std::ofstream out(log, std::ios::app);
    out << "INFO: something\n#100: cov: 10 ft: 20 corp: 5 exec/s 50 oom/timeout/crash: 0/0/0 time: 2s job: 1 dft_time: 0\n"
        << "#200: cov: 11";
  }
  EXPECT_EQ(f.poll().execs, 100u);
  { std::ofstream(log, std::ios::app) << " ft: 20 corp: 6 exec/s 60 oom/timeout/crash: 0/0/0 time: 3s job: 2 dft_time: 0\n"; }
  const auto& s = f.poll();
  EXPECT_EQ(s.execs, 200u);
  EXPECT_EQ(s.cov, 11u);
  EXPECT_EQ(s.corpus, 6u);
}

TEST(CampaignProgress, AflStatsSummedOverInstances) {
  testing::TempDir t;
  testing::write_file(t.path() / "main/fuzzer_stats",
                      "start_time        : 1714550000\nrun_time          : 4\nexecs_done        : 1000\nexecs_per_sec     : 9999.42\n"
                      "corpus_count      : 40\nedges_found       : 700\nbitmap_cvg        : 1.07%\n");
  testing::write_file(t.path() / "s1/fuzzer_stats",
                      "run_time          : 5\nexecs_done        : 500\nexecs_per_sec     : 100.00\ncorpus_count      : 45\nedges_found       : 650\n");
  testing::write_file(t.path() / "s2/README", "not an instance");
  const auto s = afl_status(t.path());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->execs, 1500u);
  EXPECT_EQ(s->exec_per_sec, 350u);
  EXPECT_EQ(s->cov, 700u);
  EXPECT_EQ(s->corpus, 45u);
  EXPECT_FALSE(afl_status(t.path() / "nothing"));
}

TEST(CampaignProgress, TheLineIsStable) {
  EngineStatus s;
  s.execs = 123456, s.exec_per_sec = 2057, s.cov = 1234, s.corpus = 345;
  EXPECT_EQ(progress_line(std::chrono::seconds(60), s, 2, 1),
            "fuzz: t=60s execs=123456 exec/s=2057 cov=1234 corpus=345 findings=2 signatures=1");
}

TEST(CampaignProgress, Durations) {
  EXPECT_EQ(parse_duration("90")->count(), 90);
  EXPECT_EQ(parse_duration("90s")->count(), 90);
  EXPECT_EQ(parse_duration("15m")->count(), 900);
  EXPECT_EQ(parse_duration("8h")->count(), 8 * 3600);
  EXPECT_EQ(parse_duration("1h30m")->count(), 5400);
  EXPECT_EQ(parse_duration("1d")->count(), 86400);
  for (const char* bad : {"", "0", "-5", "5x", "h", "1h30", "1.5h", "99999999999999999999"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

}  // namespace
}  // namespace smmu::campaign
