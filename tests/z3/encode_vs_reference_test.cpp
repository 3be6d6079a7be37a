// The Z3 encoding against the reference model: random valid configurations from the driver library and
// corrupted ones (random bit flips in table memory), at random inputs, with every page preserved. The symbolic
// outcome with concrete inputs must simplify to the reference's outcome: its kind, the event type, the S2 bit
// of translation-related faults, RAZ/WI, and the output address (harness/z3/versus_reference.h, the oracle
// fuzzers/z3_encoding_fuzzer.cpp shares).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "harness/z3/random_world.h"
#include "harness/z3/versus_reference.h"

namespace smmu::z3test {
namespace {

struct Stats {
  unsigned cases = 0, mismatches = 0;
  std::map<std::string, unsigned> by_outcome, by_mismatch;
};

// Runs `n` transactions on one world, counting outcomes and mismatches (printing the first few of each kind).
void run_world(z3::context& c, RandomWorld& w, const Features& requested, unsigned n, Stats& st, bool verbose,
               bool e2h = false) {
  VersusReference vs(c, w.mem, w.strtab_base, w.strtab_base_cfg, requested, e2h);
  for (unsigned i = 0; i < n; ++i) {
    Target tg = w.pick();
    Transaction t{.sid = tg.sid, .ssid = tg.ssid, .addr = tg.addr, .read = w.chance(60), .instr = false, .priv = w.chance(30)};
    t.instr = t.read && w.chance(10);
    Comparison r = vs.compare(t);
    ++st.cases;
    ++st.by_outcome[r.outcome_key()];
    if (r.ok) continue;
    ++st.mismatches;
    if (++st.by_mismatch[r.mismatch_key()] <= 2 && verbose) std::printf("MISMATCH %s", r.describe().c_str());
  }
}

// SMMUCHECK_Z3_SCALE=n runs n times as many random worlds (for longer hunts than the default test).
uint64_t scale() {
  const char* v = std::getenv("SMMUCHECK_Z3_SCALE");
  return v && std::atoi(v) > 0 ? uint64_t(std::atoi(v)) : 1;
}

void report(const char* name, const Stats& st, double secs) {
  std::printf("%s: %u cases in %.2f s, %u mismatches\n", name, st.cases, secs, st.mismatches);
  for (const auto& [k, v] : st.by_outcome) std::printf("  outcome %-28s %u\n", k.c_str(), v);
  for (const auto& [k, v] : st.by_mismatch) std::printf("  MISMATCH %-40s %u\n", k.c_str(), v);
}

TEST(Z3EncodeVsReference, RandomValidConfigurations) {
  Stats st;
  z3::context c;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t seed = 1; seed <= 200 * scale(); ++seed) {
    RandomWorld w(seed, Features{});
    run_world(c, w, Features{}, 20, st, true, seed % 4 == 0);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report("valid", st, secs);
  EXPECT_EQ(st.mismatches, 0u);
  EXPECT_GE(st.by_outcome["Success"], st.cases / 5) << "too few successful translations to compare";
}

TEST(Z3EncodeVsReference, CorruptedConfigurations) {
  Stats st;
  z3::context c;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t seed = 1001; seed <= 1000 + 250 * scale(); ++seed) {
    RandomWorld w(seed, Features{});
    w.corrupt(1 + unsigned(w.rnd(3)));
    run_world(c, w, Features{}, 10, st, true);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report("corrupted", st, secs);
  EXPECT_EQ(st.mismatches, 0u);
}

// Other feature sets the reference implements: small translation tables, smaller OAS, no HAD, no 16KB granule,
// 8-bit ASIDs/VMIDs, fewer SubstreamID bits, linear stream tables only, no 2-level CD tables.
TEST(Z3EncodeVsReference, OtherFeatureSets) {
  Stats st;
  z3::context c;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t seed = 100001; seed <= 100000 + 150 * scale(); ++seed) {
    const Features f = feature_variant(1 + seed % 6);
    RandomWorld w(seed, f);
    if (seed % 3 == 0) w.corrupt(1 + unsigned(w.rnd(2)));
    run_world(c, w, f, 15, st, true, seed % 5 == 0);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report("feature sets", st, secs);
  EXPECT_EQ(st.mismatches, 0u);
}

}  // namespace
}  // namespace smmu::z3test
