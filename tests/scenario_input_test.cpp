// Bad input gets a clear error naming the file, the line and column and the reason, never a crash.
#include <gtest/gtest.h>

#include "harness/scenario/load.h"

namespace smmu::test {
namespace {

using harness::InputError;

std::vector<InputError> errors_of(const std::string& text) {
  std::vector<InputError> errors;
  EXPECT_FALSE(harness::parse_scenario(text, "x.textproto", errors).has_value());
  return errors;
}

TEST(ScenarioInput, SyntaxErrorNamesLineAndColumn) {
  auto e = errors_of("name: \"a\"\nstep { dma { sid: 3 adr: 4 } }\n");
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e[0].line, 2);
  // The parser points at the unknown field "adr" (columns 21-23) or just after it.
  EXPECT_GE(e[0].column, 21);
  EXPECT_LE(e[0].column, 25);
  EXPECT_NE(e[0].message.find("adr"), std::string::npos) << e[0].message;
  EXPECT_EQ(e[0].to_string().rfind("x.textproto:2:", 0), 0u) << e[0].to_string();
}

TEST(ScenarioInput, UnknownNamesAreReportedPerStep) {
  auto e = errors_of(
      "step { mmio_write { reg: \"CRO\" value: 1 } }\n"
      "step { mmio_write { reg: \"CR0\" field { name: \"SMMUEN\" value: 2 } } }\n"
      "step { commands { cmd { opcode: \"CMD_FLUSH\" } } }\n"
      "step { dma { sid: 1 addr: 0 expect { event { type: \"F_NOPE\" } } } }\n"
      "step { commands { cmd { raw: [1] } } }\n");
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].line, 1);
  EXPECT_NE(e[0].message.find("unknown register 'CRO'"), std::string::npos) << e[0].message;
  EXPECT_EQ(e[1].line, 2);
  EXPECT_NE(e[1].message.find("does not fit CR0.SMMUEN"), std::string::npos) << e[1].message;
  EXPECT_NE(e[2].message.find("unknown opcode 'CMD_FLUSH'"), std::string::npos) << e[2].message;
  EXPECT_NE(e[3].message.find("unknown event type 'F_NOPE'"), std::string::npos) << e[3].message;
  EXPECT_NE(e[4].message.find("exactly two qwords"), std::string::npos) << e[4].message;
}

TEST(ScenarioInput, UnknownFeatureIsReported) {
  auto e = errors_of("features { set { name: \"IDR0.NOPE\" value: 1 } }\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("unknown feature 'IDR0.NOPE'"), std::string::npos) << e[0].message;
}

TEST(ScenarioInput, MissingFileIsAnError) {
  std::vector<InputError> errors;
  EXPECT_FALSE(harness::load_scenario("/nonexistent/x.textproto", errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "/nonexistent/x.textproto: cannot open the file");
}

TEST(ScenarioInput, FeaturesFromNamedFields) {  // §6.3.1: the named IDR fields of specs/
  std::vector<InputError> errors;
  auto s = harness::parse_scenario("features { set { name: \"IDR0.S2P\" value: 0 } set { name: \"version\" value: 1 } }",
                                   "x", errors);
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->features.s2p);
  EXPECT_TRUE(s->features.s1p);
  EXPECT_EQ(s->features.version, ArchVersion::V3_1);
}

}  // namespace
}  // namespace smmu::test
