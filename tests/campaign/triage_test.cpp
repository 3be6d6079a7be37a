// Triage (harness/campaign/triage.h): one reproducer per signature in DIR/regressions/, a scenario `smmucheck
// diff` runs with no expectations; promotion never replaces a file.
#include <gtest/gtest.h>

#include "fuzzers/codec.h"
#include "harness/campaign/judge.h"
#include "harness/campaign/safe_name.h"
#include "harness/campaign/triage.h"
#include "harness/scenario/load.h"
#include "tests/campaign/campaign_test_util.h"

namespace smmu::campaign {
namespace {

namespace fs = std::filesystem;

// The bytes of a corpus scenario on which the models agree.
std::vector<uint8_t> agreeing_input() {
  std::vector<harness::InputError> errors;
  auto s = harness::load_scenario(std::string(SMMUCHECK_CORPUS) + "/stage1/s1_4k_page_read.textproto", errors);
  EXPECT_TRUE(s);
  auto bytes = fuzz::encode(s->msg);
  EXPECT_TRUE(bytes);
  return bytes.value_or(std::vector<uint8_t>{});
}

Finding add(FindingStore& store, const std::vector<uint8_t>& bytes, const std::string& signature, int64_t when) {
  Finding f;
  f.id = hex64(fnv1a64(bytes));
  f.signature = signature;
  f.kind = "crash";
  f.engine = "libfuzzer";
  f.source = "libfuzzer/artifacts/crash-" + f.id;
  f.first_seen = when;
  f.bytes = bytes.size();
  std::string error;
  EXPECT_TRUE(store.add(f, bytes, error)) << error;
  return f;
}

TEST(CampaignTriage, JudgingAnAgreeingInput) {
  const auto bytes = agreeing_input();
  const Judgement j = judge_input(bytes);
  EXPECT_EQ(j.signature, "");
  EXPECT_GT(j.scenario.step_size(), 0);
  EXPECT_EQ(finding_signature(bytes, "timeout"), "no-divergence:timeout");
}

TEST(CampaignTriage, OneReproducerPerSignatureThatLoadsWithoutExpectations) {
  testing::TempDir t;
  FindingStore store(t.path());
  std::string error;
  ASSERT_TRUE(store.open(error));
  const auto bytes = agreeing_input();
  add(store, bytes, "no-divergence:crash", 100);
  auto longer = bytes;
  longer.push_back(0);
  add(store, longer, "no-divergence:crash", 50);
  // Filed as a divergence by an older build: the models agree on it now, and triage says so.
  auto other = bytes;
  other.push_back(1);
  add(store, other, "ref-opt:dma:outcome:F_TRANSLATION/success", 200);

  const auto rows = triage_findings(store, t.path());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].signature, "no-divergence:crash");
  EXPECT_EQ(rows[0].count, 2u);
  EXPECT_EQ(rows[0].first_seen, 50);
  EXPECT_EQ(rows[0].finding, hex64(fnv1a64(bytes)));  // the smallest input of the group
  EXPECT_FALSE(rows[0].reproduces);
  EXPECT_EQ(rows[1].signature, "ref-opt:dma:outcome:F_TRANSLATION/success");
  EXPECT_FALSE(rows[1].reproduces);
  EXPECT_FALSE(rows[1].reduced);
  EXPECT_NE(rows[1].note.find("agree"), std::string::npos) << rows[1].note;
  for (const auto& r : rows) {
    EXPECT_TRUE(r.written) << r.note;
    EXPECT_EQ(r.file.parent_path(), t.path() / "regressions");
    EXPECT_TRUE(is_safe_file_name(r.file.filename().string()));
    std::vector<harness::InputError> errors;
    const auto s = harness::load_scenario(r.file.string(), errors);
    ASSERT_TRUE(s) << (errors.empty() ? "" : errors.front().to_string());
    for (const auto& step : s->msg.step()) {
      EXPECT_FALSE(step.has_expect_events() || step.has_expect_queue());
      EXPECT_FALSE(step.has_dma() && step.dma().has_expect());
    }
    const std::string text = testing::read_file(r.file);
    EXPECT_NE(text.find("Signature: " + r.signature), std::string::npos);
    EXPECT_NE(text.find("# Replay: smmucheck diff " + r.file.string()), std::string::npos);
  }
}

TEST(CampaignTriage, PromoteNeverOverwrites) {
  testing::TempDir t;
  TriageRow row;
  row.signature = "ref-opt:dma:outcome:F_TRANSLATION/success";
  row.reproduces = true;
  row.file = t.path() / "campaign/regressions" / (signature_file_stem(row.signature) + ".textproto");
  testing::write_file(row.file, "# Replay: smmucheck diff " + row.file.string() + "\nstep { dma { sid: 1 } }\n");
  const fs::path corpus = t.path() / "repo/corpus/regressions";

  Promoted p = promote(row, corpus);
  EXPECT_EQ(p.what, Promotion::Added);
  EXPECT_EQ(p.path, corpus / row.file.filename());
  const std::string promoted = testing::read_file(p.path);
  EXPECT_NE(promoted.find("# Replay: smmucheck diff corpus/regressions/" + row.file.filename().string()), std::string::npos)
      << promoted;

  testing::write_file(p.path, "# someone added expect blocks from the spec\n");
  p = promote(row, corpus);
  EXPECT_EQ(p.what, Promotion::Kept);
  EXPECT_EQ(testing::read_file(p.path), "# someone added expect blocks from the spec\n");

  row.signature = "no-divergence:crash";
  EXPECT_EQ(promote(row, corpus).what, Promotion::Skipped);
  row.signature = "ref-opt:cmd:cons_err";
  row.reproduces = false;
  EXPECT_EQ(promote(row, corpus).what, Promotion::Skipped);
}

}  // namespace
}  // namespace smmu::campaign
