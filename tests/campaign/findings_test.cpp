// Finding bookkeeping (harness/campaign/findings.h, collect.h): recording the engines' crash files once,
// surviving a restart at any point, and grouping by signature.
#include <gtest/gtest.h>

#include "harness/campaign/collect.h"
#include "harness/campaign/findings.h"
#include "tests/campaign/campaign_test_util.h"

namespace smmu::campaign {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

// A judge that files inputs by their first byte, and counts its calls.
struct FakeJudge {
  int calls = 0;
  Judge judge() {
    return [this](std::span<const uint8_t> b, const std::string& kind) {
      ++calls;
      return b.empty() ? "no-divergence:" + kind : "ref-opt:dma:sig" + std::string(1, char(b[0]));
    };
  }
};

void age(const fs::path& p) { fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::minutes(5)); }

TEST(CampaignFindings, CrashFilesAreRecognisedByEngine) {
  auto c = classify_crash_file("/d/libfuzzer/artifacts/crash-da39a3ee");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->engine, "libfuzzer");
  EXPECT_EQ(c->kind, "crash");
  EXPECT_EQ(classify_crash_file("/d/x/timeout-1")->kind, "timeout");
  EXPECT_EQ(classify_crash_file("/d/x/oom-1")->kind, "oom");
  EXPECT_EQ(classify_crash_file("/d/x/leak-1")->kind, "leak");
  c = classify_crash_file("/d/afl/main/crashes/id:000000,sig:06,src:000001,time:10,execs:20,op:havoc,rep:2");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->engine, "afl");
  EXPECT_EQ(c->kind, "crash");
  EXPECT_EQ(classify_crash_file("/d/afl/s1/crashes.2024-05-01-10:00:00/id:000003,sig:06")->kind, "crash");
  EXPECT_EQ(classify_crash_file("/d/afl/s1/hangs/id:000000,src:000001")->kind, "timeout");
  EXPECT_FALSE(classify_crash_file("/d/afl/main/crashes/README.txt"));
  EXPECT_FALSE(classify_crash_file("/d/afl/main/queue/id:000000,orig:seed"));
  EXPECT_FALSE(classify_crash_file("/d/libfuzzer/artifacts/crash-1.tmp.77"));
}

TEST(CampaignFindings, SweepRecordsEachInputOnceAndResumeKeepsThem) {
  TempDir t;
  write_file(t.path() / "libfuzzer/artifacts/crash-aaa", "A1");
  write_file(t.path() / "afl/main/crashes/id:000000,sig:06", "B1");
  write_file(t.path() / "afl/main/crashes/README.txt", "not a crash");
  write_file(t.path() / "afl/s1/crashes.2024-01-01-00:00:00/id:000000,sig:06", "A1");  // the same input again
  write_file(t.path() / "afl/s1/queue/id:000001", "queue entry");
  for (const auto& c : campaign_crash_files(t.path())) age(c.path);
  FakeJudge judge;
  {
    FindingStore store(t.path());
    std::string error;
    ASSERT_TRUE(store.open(error)) << error;
    Collector collector(store, t.path(), judge.judge());
    std::vector<std::string> errors;
    const auto added = collector.sweep(campaign_crash_files(t.path()), std::chrono::seconds(2), errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(added.size(), 2u);
    EXPECT_EQ(store.findings().size(), 2u);
    EXPECT_EQ(store.signatures(), 2u);
    EXPECT_EQ(judge.calls, 2);  // the copy of A1 is the same finding: not judged again
    EXPECT_TRUE(collector.sweep(campaign_crash_files(t.path()), std::chrono::seconds(2), errors).empty());
    EXPECT_EQ(judge.calls, 2);
  }
  // A restart: the same directory, a new store and collector.
  FindingStore store(t.path());
  std::string error;
  ASSERT_TRUE(store.open(error)) << error;
  ASSERT_EQ(store.findings().size(), 2u);
  Collector collector(store, t.path(), judge.judge());
  std::vector<std::string> errors;
  EXPECT_TRUE(collector.sweep(campaign_crash_files(t.path()), std::chrono::seconds(0), errors).empty());
  EXPECT_EQ(judge.calls, 2);
  const Finding& f = store.findings().front();
  EXPECT_EQ(read_file(store.input_path(f.id)), f.signature == "ref-opt:dma:sigA" ? "A1" : "B1");
  EXPECT_FALSE(f.source.empty());
  EXPECT_NE(f.source[0], '/') << "sources inside the campaign are relative: " << f.source;
}

TEST(CampaignFindings, AFileStillBeingWrittenWaitsForTheNextSweep) {
  TempDir t;
  write_file(t.path() / "libfuzzer/artifacts/crash-new", "N");
  FindingStore store(t.path());
  std::string error;
  ASSERT_TRUE(store.open(error));
  FakeJudge judge;
  Collector collector(store, t.path(), judge.judge());
  std::vector<std::string> errors;
  EXPECT_TRUE(collector.sweep(campaign_crash_files(t.path()), std::chrono::seconds(2), errors).empty());
  EXPECT_EQ(collector.sweep(campaign_crash_files(t.path()), std::chrono::seconds(0), errors).size(), 1u);
}

TEST(CampaignFindings, AKillBetweenInputAndRecordLosesNothing) {
  TempDir t;
  write_file(t.path() / "libfuzzer/artifacts/crash-x", "X");
  age(t.path() / "libfuzzer/artifacts/crash-x");
  FakeJudge judge;
  std::string id;
  {
    FindingStore store(t.path());
    std::string error;
    ASSERT_TRUE(store.open(error));
    Collector collector(store, t.path(), judge.judge());
    std::vector<std::string> errors;
    ASSERT_EQ(collector.sweep(campaign_crash_files(t.path()), std::chrono::seconds(0), errors).size(), 1u);
    id = store.findings().front().id;
  }
  // As if killed after the input was written and before the record was: no record, a stray temporary.
  fs::remove(t.path() / "findings" / (id + ".json"));
  write_file(t.path() / "findings" / (id + ".json.tmp.999"), "{\"id\": \"trunc");
  FindingStore store(t.path());
  std::string error;
  ASSERT_TRUE(store.open(error));
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_TRUE(store.findings().empty());
  Collector collector(store, t.path(), judge.judge());
  std::vector<std::string> errors;
  EXPECT_EQ(collector.sweep(campaign_crash_files(t.path()), std::chrono::seconds(0), errors).size(), 1u);
  EXPECT_EQ(store.findings().size(), 1u);
}

TEST(CampaignFindings, UnreadableRecordsAreSkippedWithTheirNames) {
  TempDir t;
  write_file(t.path() / "findings/0000000000000001.json", "{not json");
  write_file(t.path() / "findings/0000000000000001.input", "x");
  FindingStore store(t.path());
  std::string error;
  ASSERT_TRUE(store.open(error));
  EXPECT_TRUE(store.findings().empty());
  EXPECT_NE(error.find("0000000000000001.json"), std::string::npos) << error;
}

TEST(CampaignFindings, GroupedBySignatureInOrderOfFirstSeen) {
  TempDir t;
  FindingStore store(t.path());
  std::string error;
  ASSERT_TRUE(store.open(error));
  auto add = [&](std::string id, std::string sig, int64_t when) {
    Finding f;
    f.id = id, f.signature = sig, f.first_seen = when, f.kind = "crash", f.engine = "afl";
    ASSERT_TRUE(store.add(f, std::vector<uint8_t>{1}, error)) << error;
  };
  add("0000000000000003", "ref-opt:cmd:cons_err", 300);
  add("0000000000000001", "ref-opt:dma:event_type", 100);
  add("0000000000000002", "ref-opt:cmd:cons_err", 200);
  add("0000000000000004", "ref-opt:dma:event_type", 400);
  add("0000000000000004", "ref-opt:dma:event_type", 400);  // again: no change
  EXPECT_EQ(store.findings().size(), 4u);
  const auto groups = store.by_signature();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].first, "ref-opt:dma:event_type");
  EXPECT_EQ(groups[0].second.size(), 2u);
  EXPECT_EQ(groups[0].second.front()->first_seen, 100);
  EXPECT_EQ(groups[1].first, "ref-opt:cmd:cons_err");
  EXPECT_EQ(groups[1].second.front()->id, "0000000000000002");
}

TEST(CampaignFindings, AnyEngineOutputIsSearched) {
  TempDir t;
  write_file(t.path() / "out/main/crashes/id:000000,sig:06", "A");
  write_file(t.path() / "out/main/queue/id:000000", "Q");
  write_file(t.path() / "artifacts/crash-1", "B");
  write_file(t.path() / "corpus/crash-looking-but-a-corpus-file", "C");
  write_file(t.path() / "findings/0000000000000001.input", "F");
  const auto files = any_crash_files(t.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path.filename(), "crash-1");
  EXPECT_EQ(files[1].engine, "afl");
}

TEST(CampaignFindings, UtcTimes) { EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z"); }

}  // namespace
}  // namespace smmu::campaign
