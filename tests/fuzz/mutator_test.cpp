// The structure-aware mutator (fuzzers/mutator.h): its outputs always decode to scenarios that load, fit
// the size it is given, and change the scenario.
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include "fuzzers/codec.h"
#include "fuzzers/mutator.h"
#include "harness/scenario/load.h"

namespace smmu::fuzz {
namespace {

bool loads(const smmucheck::Scenario& s) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(s, &text);
  std::vector<harness::InputError> errors;
  return harness::parse_scenario(text, "<mutated>", errors).has_value();
}

std::vector<uint8_t> seed_input(std::mt19937_64& rng) {
  std::vector<uint8_t> b(rng() % 300);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

TEST(FuzzMutator, OutputsAlwaysDecodeAndFit) {
  std::mt19937_64 rng(21);
  std::vector<uint8_t> buf = seed_input(rng);
  int changed = 0;
  for (int i = 0; i < 600; ++i) {
    if (i % 50 == 0) buf = seed_input(rng);
    const size_t max_size = 64 + rng() % 4000;
    const smmucheck::Scenario before = decode(buf);
    const size_t size = buf.size();
    buf.resize(std::max(max_size, size));
    Mutator m(rng());
    const size_t n = m.mutate_bytes(buf.data(), size, max_size);
    ASSERT_LE(n, max_size);
    buf.resize(n);
    const smmucheck::Scenario after = decode(buf);
    ASSERT_TRUE(loads(after)) << "iteration " << i;
    changed += !same_scenario(before, after);
  }
  EXPECT_GT(changed, 400) << "most mutations should change the scenario";
}

TEST(FuzzMutator, CrossoverOutputsDecode) {
  std::mt19937_64 rng(22);
  for (int i = 0; i < 200; ++i) {
    const auto a = seed_input(rng), b = seed_input(rng);
    std::vector<uint8_t> out(2048);
    Mutator m(rng());
    const size_t n = m.crossover_bytes(a.data(), a.size(), b.data(), b.size(), out.data(), out.size());
    ASSERT_LE(n, out.size());
    out.resize(n);
    ASSERT_TRUE(loads(decode(out)));
  }
}

TEST(FuzzMutator, MutatedScenariosRoundTrip) {
  std::mt19937_64 rng(23);
  for (int i = 0; i < 300; ++i) {
    Mutator m(rng());
    const smmucheck::Scenario mutated = m.mutate(decode(seed_input(rng)));
    // What the mutator hands back is encoded, then decoded by the target: that decoding is canonical.
    std::string reason;
    const auto bytes = encode(mutated, &reason, /*checked=*/false);
    ASSERT_TRUE(bytes) << reason;
    const smmucheck::Scenario decoded = decode(*bytes);
    std::string why, difference;
    const auto again = encode(decoded, &why);
    ASSERT_TRUE(again) << why;
    EXPECT_TRUE(same_scenario(decode(*again), decoded, &difference)) << difference;
  }
}

}  // namespace
}  // namespace smmu::fuzz
