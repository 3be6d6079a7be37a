// The nightly's pieces that decide its exit status and draw its page: the baseline comparison, the known
// signatures of corpus/regressions/, the campaign's progress lines, the plots and the report.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "harness/campaign/safe_name.h"
#include "harness/nightly/baseline.h"
#include "harness/nightly/report.h"
#include "harness/nightly/stage.h"
#include "harness/nightly/svg.h"

namespace smmu::nightly {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json vectors(std::initializer_list<std::pair<const char*, const char*>> v) {
  json a = json::array();
  for (const auto& [name, status] : v) a.push_back({{"name", name}, {"status", status}, {"section", "5.2"}});
  return a;
}

json night(json conform_ref, json plans, json diff) {
  return {{"schema", "smmucheck-nightly/1"},
          {"conformance", {{"ref", {{"vectors", conform_ref}}}}},
          {"proofs", {{"plans", plans}}},
          {"corpus", {{"diff", {{"scenarios", diff}}}}}};
}

TEST(NightlyBaseline, OnlyWhatPassedThenAndFailsNowIsARegression) {
  const json was = night(vectors({{"a", "pass"}, {"b", "pass"}, {"c", "fail"}, {"gone", "pass"}}),
                         json::array({{{"plan", "p"}, {"invariants", json::array({{{"invariant", "isolation"}, {"verdict", "proved"}, {"as_expected", true}},
                                                                                  {{"invariant", "continuity"}, {"verdict", "refuted"}, {"as_expected", false}}})}}}),
                         json::array({{{"file", "x"}, {"status", "same"}}, {{"file", "y"}, {"status", "same"}}}));
  const json now = night(vectors({{"a", "fail"}, {"b", "pass"}, {"c", "fail"}, {"new", "fail"}, {"skipped", "skip"}}),
                         json::array({{{"plan", "p"}, {"invariants", json::array({{{"invariant", "isolation"}, {"verdict", "refuted"}, {"as_expected", false}},
                                                                                  {{"invariant", "continuity"}, {"verdict", "refuted"}, {"as_expected", false}}})}}}),
                         json::array({{{"file", "x"}, {"status", "diverged"}}, {{"file", "y"}, {"status", "same"}}}));
  const auto r = regressions(now, was);
  ASSERT_EQ(r.size(), 3u) << json(r).dump(2);
  EXPECT_EQ(r[0]["kind"], "conformance");
  EXPECT_EQ(r[0]["id"], "a");
  EXPECT_EQ(r[0]["model"], "ref");
  EXPECT_EQ(r[0]["now"], "fail");
  EXPECT_EQ(r[1]["kind"], "corpus diff");
  EXPECT_EQ(r[1]["id"], "x");
  EXPECT_EQ(r[2]["kind"], "plan");
  EXPECT_EQ(r[2]["id"], "p isolation");
  EXPECT_TRUE(regressions(now, now).empty());
}

TEST(NightlyBaseline, ABaselineThatIsNotASummaryIsRefusedNamingTheFile) {
  const fs::path dir = fs::temp_directory_path() / "nightly_test_baseline";
  fs::create_directories(dir);
  std::ofstream(dir / "bad.json") << "{not json";
  std::ofstream(dir / "other.json") << R"({"schema": "something else"})";
  std::string error;
  EXPECT_FALSE(load_baseline(dir / "bad.json", error));
  EXPECT_NE(error.find("bad.json"), std::string::npos);
  EXPECT_FALSE(load_baseline(dir / "other.json", error));
  EXPECT_NE(error.find("schema"), std::string::npos);
  EXPECT_FALSE(load_baseline(dir / "missing.json", error));
  fs::remove_all(dir);
}

TEST(NightlyKnownSignatures, ByTheTriageFileNameOrTheDescription) {
  const fs::path dir = fs::temp_directory_path() / "nightly_test_regressions";
  fs::create_directories(dir);
  const std::string by_name = "ref-opt:dma:outcome:F_ADDR_SIZE/success";
  std::ofstream(dir / (campaign::signature_file_stem(by_name) + ".textproto")) << "name: \"x\"\n";
  std::ofstream(dir / "renamed.textproto") << "name: \"y\"\ndescription: \"Regression found by fuzzing: ref-opt:dma:event:C_BAD_STE/none\"\n";
  const KnownSignatures known(dir);
  EXPECT_TRUE(known.contains(by_name));
  EXPECT_TRUE(known.contains("ref-opt:dma:event:C_BAD_STE/none"));
  EXPECT_FALSE(known.contains("ref-opt:dma:outcome:success/F_TRANSLATION"));
  fs::remove_all(dir);
}

TEST(NightlyCampaignProgress, ReadsThisNightsLinesOnly) {
  const fs::path log = fs::temp_directory_path() / "nightly_test_progress.log";
  const std::string old_night = "fuzz: t=30s execs=10 exec/s=1 cov=5 corpus=2 findings=0 signatures=0\n";
  std::ofstream(log) << old_night << "fuzz: new signature=x finding=y source=z\n"
                     << "fuzz: t=60s execs=1200 exec/s=40 cov=3300 corpus=77 findings=1 signatures=1\n";
  const json p = campaign_progress(log, old_night.size());
  ASSERT_EQ(p.size(), 1u) << p.dump();
  EXPECT_EQ(p[0]["t"], 60);
  EXPECT_EQ(p[0]["execs"], 1200);
  EXPECT_EQ(p[0]["exec_per_sec"], 40);
  EXPECT_EQ(p[0]["cov"], 3300);
  EXPECT_EQ(p[0]["findings"], 1);
  fs::remove(log);
}

TEST(NightlyPlots, LineChartHasRoundTicksAndALine) {
  const std::string svg = line_chart("exec/s", "seconds", "exec/s", {{"exec/s", {{0, 10}, {30, 57}, {60, 41}}}});
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find(">60<"), std::string::npos);  // 57 rounds up to a tick at 60
  EXPECT_EQ(svg.find("<polyline"), svg.rfind("<polyline"));
  EXPECT_NE(line_chart("empty", "x", "y", {}).find("no data"), std::string::npos);
}

TEST(NightlyReport, ShowsFindingsEscapedAndTheVerdict) {
  json s = night(vectors({{"a", "pass"}, {"b", "fail"}}), json::array(), json::array());
  s["started"] = "2026-11-25T00:00:00Z";
  s["stages"] = json::array({{{"stage", "conform-ref"}, {"status", "ok"}, {"seconds", 0.5}}});
  s["conformance"]["ref"]["counts"] = {{"pass", 1}, {"fail", 1}, {"skip", 0}, {"error", 0}};
  s["conformance"]["ref"]["vectors"][1]["problems"] =
      json::array({{{"step", 3}, {"line", 12}, {"what", "event type"}, {"expected", "C_BAD_STE"}, {"actual", "none"}}});
  s["findings"] = json::array({{{"signature", "ref-opt:dma:<odd>"}, {"new", true}, {"reproduces", true},
                                {"replay", "smmucheck diff x.textproto"}}});
  s["verdict"] = {{"exit", 1}, {"text", "a new finding or a regression"}, {"reasons", json::array({"1 new finding(s)"})}};
  s["baseline"] = nullptr;
  const std::string h = report_html(s);
  EXPECT_NE(h.find("id=\"findings-table\""), std::string::npos);
  EXPECT_NE(h.find("ref-opt:dma:&lt;odd&gt;"), std::string::npos);
  EXPECT_EQ(h.find("<odd>"), std::string::npos);
  EXPECT_NE(h.find("Exit 1"), std::string::npos);
  EXPECT_NE(h.find("step 3 (line 12): event type: expected C_BAD_STE, actual none"), std::string::npos);
  EXPECT_NE(h.find("1 pass, 1 fail"), std::string::npos);
  EXPECT_EQ(h.find("http"), h.find("http://www.w3.org/2000/svg"));  // nothing from the network
  const std::string m = report_markdown(s);
  EXPECT_NE(m.find("| `ref-opt:dma:<odd>` | NEW |"), std::string::npos);
}

TEST(NightlyReport, RendersASummaryWithPartsMissingOrOfOtherTypes) {
  EXPECT_NO_THROW(report_html(json::object()));
  EXPECT_NO_THROW(report_markdown(json::object()));
  const json odd = {{"stages", 5}, {"campaign", {{"progress", 3}}}, {"conformance", {{"ref", 1}}},
                    {"proofs", {{"plans", json::array({{{"plan", "p"}}})}}}, {"verdict", "x"}};
  std::string h;
  EXPECT_NO_THROW(h = report_html(odd));
  EXPECT_NE(h.find("id=\"summary-table\""), std::string::npos);
}

}  // namespace
}  // namespace smmu::nightly
