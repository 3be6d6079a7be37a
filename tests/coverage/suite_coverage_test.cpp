// The conformance suite's coverage (harness/coverage/): what three corpus vectors exercise, worked out from
// their headers, and the reports made of it; the llvm-cov export's summary of reference/, and the check of a
// coverage build.
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "harness/coverage/coverage_report.h"
#include "harness/coverage/suite_coverage.h"

namespace smmu::coverage {
namespace {

using nlohmann::json;

const json& row(const json& rows, const std::string& name) {
  for (const json& r : rows)
    if (r.value("name", "") == name || r.value("section", "") == name) return r;
  static const json none;
  ADD_FAILURE() << "no row " << name;
  return none;
}

class SuiteCoverage : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string src = SMMUCHECK_SOURCE_DIR;
    std::vector<std::string> errors;
    c = new json(spec_coverage({src + "/corpus/cmdq/cmdq_error_gerror_msi.textproto",
                                src + "/corpus/ste/ste_config_reserved.textproto",
                                src + "/corpus/stage1/s1_4k_page_read.textproto"},
                               src + "/specs/conformance/sections.txt", errors));
    EXPECT_TRUE(errors.empty()) << errors.front();
  }
  static void TearDownTestSuite() { delete c; }
  static json* c;
};
json* SuiteCoverage::c = nullptr;

TEST_F(SuiteCoverage, CountsConsumedAndRejectedCommands) {
  EXPECT_EQ((*c)["vectors"], 3);
  // cmdq_error_gerror_msi: the CMD_SYNC with CS = 0b11 at entry 5 is CERROR_ILL (§4.7.3); the driver's syncs are consumed.
  EXPECT_GE(row((*c)["commands"], "CMD_SYNC")["rejected"].get<int>(), 1);
  EXPECT_GE(row((*c)["commands"], "CMD_SYNC")["consumed"].get<int>(), 1);
  EXPECT_EQ(row((*c)["commands"], "CMD_PRI_RESP")["consumed"], 0);
}

TEST_F(SuiteCoverage, FieldsAreExercisedByTheValuesRead) {
  // ste_config_reserved writes STEs with Config 0b001, 0b010 and 0b011 (and the driver's STEs have others).
  const json& config = row((*c)["fields"]["STE"], "Config");
  EXPECT_GE(config["distinct"].get<int>(), 3);
  EXPECT_TRUE(config["exercised"]);
  for (int v : {1, 2, 3}) EXPECT_NE(std::find(config["values"].begin(), config["values"].end(), v), config["values"].end());
  EXPECT_EQ(config["status"], "exercised");
  // No vector here sets STE.MEV, and the STE qword holding it is read: one value, 0, listed as constant.
  const json& mev = row((*c)["fields"]["STE"], "MEV");
  EXPECT_FALSE(mev["exercised"]);
  EXPECT_EQ(mev["status"], "constant");
  EXPECT_EQ(mev["values"], json::array({0}));
}

TEST_F(SuiteCoverage, SectionsRollUpToTheSpecsFiles) {
  // s1_4k_page_read cites 3.3.2, 5.4 and 7.3.13: 3.3.2 and 7.3.13 fall under the listed 3.3 and 7.3.
  EXPECT_GE(row((*c)["sections"], "3.3")["vectors"].get<int>(), 1);
  EXPECT_GE(row((*c)["sections"], "5.4")["vectors"].get<int>(), 1);
  EXPECT_GE(row((*c)["sections"], "7.3")["vectors"].get<int>(), 1);
  EXPECT_EQ(row((*c)["sections"], "3.9")["vectors"], 0);  // PCIe/ATS/PRI: no vector
  // The events no vector can raise carry the suite README's reason.
  EXPECT_NE(row((*c)["events"], "E_PAGE_REQUEST").value("why_not", "").find("PRI"), std::string::npos);
}

TEST_F(SuiteCoverage, ReportsShowTheTables) {
  json with_lines = *c;
  with_lines["line_coverage"] = {{"status", "not measured"}, {"note", "no coverage build"}};
  const std::string md = coverage_markdown(with_lines);
  EXPECT_NE(md.find("| CMD_SYNC | §4.7.3 |"), std::string::npos);
  EXPECT_NE(md.find("not measured (no coverage build)"), std::string::npos);
  EXPECT_EQ(md.find("also cited"), std::string::npos);  // the three vectors cite only listed chapters
  with_lines["unlisted_sections"] = {"6.2"};
  EXPECT_NE(coverage_markdown(with_lines).find("chapters 3, 4, 5, 6.3, 7 and 13; also cited: §6.2"), std::string::npos);
  const std::string html = coverage_html(with_lines);
  for (const char* id : {"cov-summary", "cov-commands", "cov-events", "cov-ste-fields", "cov-cd-fields", "cov-sections"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
}

// An `llvm-cov export -summary-only` document: two files under reference/, one elsewhere.
json exported() {
  auto file = [](const std::string& name, int lines, int covered) {
    return json{{"filename", name},
                {"summary", {{"lines", {{"count", lines}, {"covered", covered}, {"percent", 100.0 * covered / lines}}},
                             {"functions", {{"count", 4}, {"covered", 1}}},
                             {"regions", {{"count", 10}, {"covered", 5}}}}}};
  };
  return {{"data", json::array({{{"files", json::array({file("/src/reference/walk.cpp", 10, 5),
                                                          file("/src/harness/runner.cpp", 100, 100),
                                                          file("/src/reference/cmdq/queue.h", 30, 30)})}}})}};
}

TEST(ReferenceSummary, KeepsTheFilesUnderReferenceAndTotalsThem) {
  const json s = reference_summary(exported());
  ASSERT_EQ(s["status"], "measured");
  ASSERT_EQ(s["files"].size(), 2u);
  EXPECT_EQ(s["files"][0]["file"], "reference/walk.cpp");
  EXPECT_EQ(s["files"][1]["file"], "reference/cmdq/queue.h");
  EXPECT_EQ(s["total"]["lines"]["count"], 40);
  EXPECT_EQ(s["total"]["lines"]["covered"], 35);
  EXPECT_DOUBLE_EQ(s["total"]["lines"]["percent"].get<double>(), 87.5);
  EXPECT_DOUBLE_EQ(s["total"]["functions"]["percent"].get<double>(), 25.0);
}

TEST(ReferenceSummary, NoNumberWithoutData) {
  json none = exported();
  none["data"][0]["files"].erase(0);
  none["data"][0]["files"].erase(1);  // only harness/runner.cpp is left
  EXPECT_EQ(reference_summary(none)["status"], "not measured");
  EXPECT_EQ(reference_summary(json::object())["status"], "not measured");
  EXPECT_EQ(reference_summary(json::parse("[1]"))["status"], "not measured");
  EXPECT_FALSE(reference_summary(none).contains("total"));
}

TEST(CoverageBuild, RefusedWithThePathAndTheReason) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("cov-build-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  EXPECT_NE(coverage_build_problem(dir).find("is not a directory"), std::string::npos);
  fs::create_directories(dir / "harness");
  EXPECT_NE(coverage_build_problem(dir).find(dir.string() + " is not a coverage build (it has no CMakeCache.txt)"),
            std::string::npos);
  std::ofstream(dir / "CMakeCache.txt") << "CMAKE_BUILD_TYPE:STRING=Release\nSMMUCHECK_COVERAGE:BOOL=OFF\n";
  EXPECT_NE(coverage_build_problem(dir).find("lacks SMMUCHECK_COVERAGE:BOOL=ON"), std::string::npos);
  std::ofstream(dir / "CMakeCache.txt") << "SMMUCHECK_COVERAGE:BOOL=ON\n";
  EXPECT_NE(coverage_build_problem(dir).find("harness/smmucheck is missing"), std::string::npos);
  // line_coverage runs nothing then: it says why, with no number.
  const json lc = line_coverage(dir, dir / "work");
  EXPECT_EQ(lc["status"], "not measured");
  EXPECT_NE(lc.value("note", "").find("missing"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "work"));
  std::ofstream(dir / "harness" / "smmucheck") << "";
  EXPECT_EQ(coverage_build_problem(dir), "");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace smmu::coverage
