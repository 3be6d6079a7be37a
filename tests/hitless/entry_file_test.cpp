// Entry files (harness/driver/entry.proto): names resolved through the field tables, every error naming
// the file, the line and the field, and no input crashing the reader.
#include <gtest/gtest.h>

#include <random>

#include "harness/driver/entry_file.h"

namespace smmu::driver {
namespace {

std::optional<EntryFile> parse(const std::string& text, std::vector<harness::InputError>& errors,
                               std::optional<EntryKind> kind = std::nullopt) {
  return parse_entry(text, "e.txtpb", kind, errors);
}

TEST(EntryFile, QwordsThenNamedFields) {
  std::vector<harness::InputError> errors;
  const auto e = parse("kind: \"ste\"\nqword: 0x100 qword: 0x5\nfield { name: \"V\" value: 1 }\n"
                       "field { name: \"Config\" value: 6 }\nfield { name: \"S2TTB\" value: 0x4000800 }\n", errors);
  ASSERT_TRUE(e.has_value()) << errors[0].to_string();
  EXPECT_EQ(e->kind, EntryKind::Ste);
  EXPECT_EQ(ste::V.get(e->words[0]), 1u);
  EXPECT_EQ(ste::Config.get(e->words[0]), 6u);
  EXPECT_EQ(e->words[0] & 0x100, 0x100u);  // the raw qword's other bits stay
  EXPECT_EQ(e->words[1], 5u);
  EXPECT_EQ(ste::S2TTB.in_place(std::span<const uint64_t>(e->words)), 0x4000'8000u);
  EXPECT_FALSE(e->has_features);
}

TEST(EntryFile, CdWithStreamWorldAndFeatures) {
  std::vector<harness::InputError> errors;
  const auto e = parse("kind: \"cd\" stream_world: \"NS-EL2\" field { name: \"ASID\" value: 7 }\n"
                       "features { set { name: \"IDR1.SSIDSIZE\" value: 0 } }", errors);
  ASSERT_TRUE(e.has_value()) << errors[0].to_string();
  EXPECT_EQ(e->world, StreamWorld::NsEl2);
  EXPECT_TRUE(e->has_features);
  EXPECT_EQ(e->features.ssidsize, 0u);
  EXPECT_EQ(cd::ASID.get(e->words[0]), 7u);
}

struct Bad {
  const char* text;
  const char* message;  // a piece of the error
  int line;
};

TEST(EntryFile, ErrorsNameTheFileLineAndField) {
  const Bad cases[] = {
      {"kind: \"ste\"\nfield { name: \"S2TTBR\" value: 1 }", "S2TTBR", 2},
      {"kind: \"ste\"\n\nfield { name: \"Config\" value: 8 }", "'Config': 3 bits wide", 3},
      {"kind: \"sté\"", "is not \"ste\" or \"cd\"", 1},
      {"kind: \"ste\" stream_world: \"NS-EL1\"", "only a CD", 1},
      {"kind: \"cd\" stream_world: \"EL3\"", "EL3", 1},
      {"kind: \"ste\" qword: 1 qword: 2 qword: 3 qword: 4 qword: 5 qword: 6 qword: 7 qword: 8 qword: 9", "8 qwords", 1},
      {"kind: \"ste\" features { set { name: \"IDR9.X\" value: 1 } }", "features", 1},
      {"field { name: \"V\" value: 1 }", "no --kind", 0},
      {"kind: \"ste\" field { name: \"V\" value: }", "Expected integer", 1},
  };
  for (const Bad& b : cases) {
    std::vector<harness::InputError> errors;
    EXPECT_FALSE(parse(b.text, errors).has_value()) << b.text;
    ASSERT_FALSE(errors.empty()) << b.text;
    EXPECT_EQ(errors[0].file, "e.txtpb");
    EXPECT_NE(errors[0].message.find(b.message), std::string::npos) << errors[0].to_string();
    EXPECT_EQ(errors[0].line, b.line) << errors[0].to_string();
  }
}

TEST(EntryFile, KindMustAgreeWithTheCaller) {
  std::vector<harness::InputError> errors;
  EXPECT_FALSE(parse("kind: \"cd\" field { name: \"T0SZ\" value: 1 }", errors, EntryKind::Ste).has_value());
  ASSERT_EQ(errors.size(), 1u);  // one error, not one per CD field
  EXPECT_TRUE(parse("field { name: \"T0SZ\" value: 1 }", errors = {}, EntryKind::Cd).has_value());
}

TEST(EntryFile, MissingFile) {
  std::vector<harness::InputError> errors;
  EXPECT_FALSE(load_entry("/nonexistent/e.txtpb", std::nullopt, errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "/nonexistent/e.txtpb");
}

TEST(WriteSequenceFile, WritesDefaultToTheNewEntry) {
  Words8 n{};
  for (unsigned q = 0; q < 8; ++q) n[q] = 0x100 + q;
  std::vector<harness::InputError> errors;
  const auto g = parse_sequence("group { write { qword: 3 } write { qword: 0 value: 7 } }\ngroup { }", "s.txtpb", n, errors);
  ASSERT_TRUE(g.has_value()) << errors[0].to_string();
  ASSERT_EQ(g->size(), 2u);
  ASSERT_EQ((*g)[0].size(), 2u);
  EXPECT_EQ((*g)[0][0].qword, 3u);
  EXPECT_EQ((*g)[0][0].value, 0x103u);
  EXPECT_EQ((*g)[0][1].value, 7u);
  EXPECT_TRUE((*g)[1].empty());
  EXPECT_FALSE(parse_sequence("group { write { qword: 9 } }", "s.txtpb", n, errors).has_value());
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message.find("qword 9"), std::string::npos);
  EXPECT_EQ(errors[0].line, 1);
}

// Random bytes and mangled valid files: an error or an entry, never a crash (run under ASan and UBSan in CI).
TEST(EntryFile, GarbageNeverCrashes) {
  const std::string valid = "kind: \"ste\"\nqword: 0x1\nfield { name: \"Config\" value: 6 }\n"
                            "features { set { name: \"IDR1.SSIDSIZE\" value: 0 } }\n";
  std::mt19937_64 rng(8);
  for (int i = 0; i < 2000; ++i) {
    std::string t = valid;
    if (i % 2) {
      for (int k = 0; k < 4; ++k) t[rng() % t.size()] = static_cast<char>(rng());
    } else {
      t.resize(rng() % 64);
      for (char& c : t) c = static_cast<char>(rng());
    }
    std::vector<harness::InputError> errors;
    const auto e = parse(t, errors);
    EXPECT_EQ(e.has_value(), errors.empty());
  }
}

}  // namespace
}  // namespace smmu::driver
