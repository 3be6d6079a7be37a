// File names made from signatures: only [A-Za-z0-9._-], readable, and distinct for distinct signatures.
#include <set>

#include <gtest/gtest.h>

#include "harness/campaign/safe_name.h"

namespace smmu::campaign {
namespace {

TEST(CampaignSafeName, SignatureStemIsReadableAndSafe) {
  const std::string stem = signature_file_stem("ref-opt:dma:outcome:F_TRANSLATION/success");
  EXPECT_EQ(stem.substr(0, stem.size() - 9), "ref-opt.dma.outcome.F_TRANSLATION_success");
  EXPECT_EQ(stem[stem.size() - 9], '.');
  EXPECT_TRUE(is_safe_file_name(stem + ".textproto"));
  EXPECT_EQ(stem, signature_file_stem("ref-opt:dma:outcome:F_TRANSLATION/success"));  // stable
}

TEST(CampaignSafeName, HostileSignaturesGiveSafeNames) {
  for (std::string s : {std::string(""), std::string("../../etc/passwd"), std::string("..."), std::string("-rf"),
                        std::string("a b\tc\nd"), std::string("CON"), std::string("\xc3\xa9t\xc3\xa9"),
                        std::string("x\0y", 3), std::string(300, ':'), std::string(500, 'a')}) {
    const std::string stem = signature_file_stem(s);
    EXPECT_TRUE(is_safe_file_name(stem)) << stem;
    EXPECT_LE(stem.size(), 90u) << stem;
    EXPECT_EQ(stem.find('/'), std::string::npos);
  }
}

TEST(CampaignSafeName, WindowsDeviceNamesAreAvoided) {
  EXPECT_EQ(signature_file_stem("CON").substr(0, 5), "_CON.");
  EXPECT_EQ(signature_file_stem("lpt1:x").substr(0, 7), "_lpt1.x");
  EXPECT_EQ(signature_file_stem("CONSOLE").substr(0, 8), "CONSOLE.");
}

TEST(CampaignSafeName, DistinctSignaturesGiveDistinctNamesEvenIgnoringCase) {
  // These map to the same readable part; the hash keeps them apart (also on case-insensitive filesystems).
  const std::vector<std::string> sigs = {"ref-opt:dma:outcome:F_TRANSLATION/success",
                                         "ref-opt:dma:outcome:F_TRANSLATION:success",
                                         "ref-opt:dma:outcome:F_TRANSLATION success",
                                         "ref-opt:dma:outcome:f_translation/success", "crash:SIGSEGV", "crash:sigsegv"};
  std::set<std::string> lower;
  for (const auto& s : sigs) {
    std::string stem = signature_file_stem(s);
    for (char& c : stem) c = char(std::tolower(static_cast<unsigned char>(c)));
    lower.insert(stem);
  }
  EXPECT_EQ(lower.size(), sigs.size());
}

TEST(CampaignSafeName, SafeNameRules) {
  EXPECT_TRUE(is_safe_file_name("abc.DEF_1-2"));
  EXPECT_FALSE(is_safe_file_name(""));
  EXPECT_FALSE(is_safe_file_name(".hidden"));
  EXPECT_FALSE(is_safe_file_name("-option"));
  EXPECT_FALSE(is_safe_file_name("a:b"));
  EXPECT_FALSE(is_safe_file_name("a/b"));
  EXPECT_FALSE(is_safe_file_name("a b"));
  EXPECT_FALSE(is_safe_file_name(std::string(256, 'a')));
}

TEST(CampaignSafeName, ContentIdsAreSixteenHexDigits) {
  const std::vector<uint8_t> a = {1, 2, 3}, b = {1, 2, 4};
  EXPECT_EQ(hex64(fnv1a64(a)).size(), 16u);
  EXPECT_NE(fnv1a64(a), fnv1a64(b));
  EXPECT_EQ(hex64(fnv1a64(std::string_view(""))), "cbf29ce484222325");  // FNV-1a offset basis
}

}  // namespace
}  // namespace smmu::campaign
