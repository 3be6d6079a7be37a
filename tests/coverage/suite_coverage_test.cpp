// The conformance suite's coverage (harness/coverage/): what three corpus vectors exercise, worked out from
// their headers, and the reports made of it.
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
  // No vector here sets STE.MEV: one value at most, not exercised.
  EXPECT_FALSE(row((*c)["fields"]["STE"], "MEV")["exercised"]);
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
  const std::string html = coverage_html(with_lines);
  for (const char* id : {"cov-summary", "cov-commands", "cov-events", "cov-ste-fields", "cov-cd-fields", "cov-sections"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
}

}  // namespace
}  // namespace smmu::coverage
