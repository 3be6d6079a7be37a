// The model plugin ABI end to end (harness/abi): the reference and the optimized model built as plugins run
// the corpus with the same observations as the reference linked in; bad plugins are clear errors, never crashes.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/abi/plugin_model.h"
#include "harness/diff/diff_runner.h"

namespace smmu::test {
namespace {

using namespace harness;

// Every corpus scenario through the plugin at `path`, diffed against the reference linked in.
void corpus_agrees(const char* path, const std::string& name) {
  std::string error;
  auto plugin = Plugin::open(path, error);
  ASSERT_TRUE(plugin) << error;
  EXPECT_EQ(plugin->name(), name);
  int scenarios = 0, dmas = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SMMUCHECK_CORPUS)) {
    if (e.path().extension() != ".textproto") continue;
    std::vector<InputError> errors;
    auto s = load_scenario(e.path().string(), errors);
    ASSERT_TRUE(s) << e.path();
    auto r = run_diff(*s, {{plugin->name(), plugin->factory(), false}});
    ASSERT_TRUE(std::holds_alternative<DiffResult>(r)) << e.path();
    const auto& d = std::get<DiffResult>(r);
    EXPECT_TRUE(d.divergences.empty()) << e.path() << ": " << d.divergences[0].signature;
    ++scenarios;
    dmas += d.exact + d.stale;
  }
  EXPECT_GE(scenarios, 100);
  EXPECT_GE(dmas, 200);  // the corpus's DMAs really went through the plugin's translate
}

TEST(Plugin, ReferencePluginAgreesWithTheReferenceOnTheCorpus) { corpus_agrees(SMMUCHECK_REF_PLUGIN, "refplugin"); }

TEST(Plugin, OptimizedPluginAgreesWithTheReferenceOnTheCorpus) { corpus_agrees(SMMUCHECK_OPT_PLUGIN, "optplugin"); }

TEST(Plugin, VersionMismatchIsAClearError) {
  std::string error;
  EXPECT_FALSE(Plugin::open(SMMUCHECK_BAD_VERSION_PLUGIN, error));
  EXPECT_NE(error.find("speaks model ABI version 2, smmucheck speaks 1"), std::string::npos) << error;
}

TEST(Plugin, MissingEntryPointIsAClearError) {
  std::string error;
  EXPECT_FALSE(Plugin::open("libm.so.6", error));
  EXPECT_NE(error.find("does not export smmucheck_model_entry"), std::string::npos) << error;
}

TEST(Plugin, MissingFileIsAClearError) {
  std::string error;
  EXPECT_FALSE(Plugin::open("/nonexistent/model.so", error));
  EXPECT_NE(error.find("cannot load model plugin /nonexistent/model.so"), std::string::npos) << error;
}

}  // namespace
}  // namespace smmu::test
