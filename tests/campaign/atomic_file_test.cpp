// harness/atomic_file.h: whole files or nothing, and a no-clobber mode that never replaces a file.
#include <gtest/gtest.h>

#include "harness/atomic_file.h"
#include "tests/campaign/campaign_test_util.h"

namespace smmu::harness {
namespace {

using campaign::testing::read_file;
using campaign::testing::TempDir;
using campaign::testing::write_file;

bool has_temporaries(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (is_atomic_write_temporary(e.path().filename().string())) return true;
  return false;
}

TEST(CampaignAtomicFile, WritesAndReplaces) {
  TempDir t;
  const auto p = t.path() / "f.txt";
  std::string error;
  EXPECT_EQ(write_file_atomically(p.string(), "one", error), WriteResult::Written);
  EXPECT_EQ(read_file(p), "one");
  EXPECT_EQ(write_file_atomically(p.string(), std::string("two\0bytes", 9), error), WriteResult::Written);
  EXPECT_EQ(read_file(p), std::string("two\0bytes", 9));
  EXPECT_FALSE(has_temporaries(t.path()));
}

TEST(CampaignAtomicFile, NoClobberKeepsAnExistingFile) {
  TempDir t;
  const auto p = t.path() / "kept.textproto";
  write_file(p, "hand-written expectations");
  std::string error;
  EXPECT_EQ(write_file_atomically(p.string(), "generated", error, /*replace=*/false), WriteResult::Exists);
  EXPECT_EQ(read_file(p), "hand-written expectations");
  EXPECT_FALSE(has_temporaries(t.path()));
  const auto q = t.path() / "new.textproto";
  EXPECT_EQ(write_file_atomically(q.string(), "generated", error, /*replace=*/false), WriteResult::Written);
  EXPECT_EQ(read_file(q), "generated");
}

TEST(CampaignAtomicFile, FailureSaysWhereAndLeavesNothing) {
  TempDir t;
  std::string error;
  const auto p = t.path() / "missing-dir" / "f";
  EXPECT_EQ(write_file_atomically(p.string(), "x", error), WriteResult::Failed);
  EXPECT_NE(error.find("missing-dir"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(p));
}

TEST(CampaignAtomicFile, TemporariesAreRecognised) {
  EXPECT_TRUE(is_atomic_write_temporary("0123456789abcdef.json.tmp.4242"));
  EXPECT_FALSE(is_atomic_write_temporary("crash-0123456789abcdef"));
}

}  // namespace
}  // namespace smmu::harness
