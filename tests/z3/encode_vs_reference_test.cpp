// The Z3 encoding against the reference model: random valid configurations from the driver library and
// corrupted ones (random bit flips in table memory), at random inputs, with every page preserved. The symbolic
// outcome with concrete inputs must simplify to the reference's outcome: its kind, the event type, the S2 bit
// of translation-related faults, RAZ/WI, and the output address.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "harness/z3/encode.h"
#include "reference/smmu.h"
#include "specs/print.h"
#include "tests/z3/random_world.h"

namespace smmu::z3test {
namespace {

using z3enc::ConcreteOutcome;

struct Expected {
  uint8_t code;
  uint64_t pa = 0;
  bool stage2 = false, razwi = false, translation_related = false;
};

Expected expected_of(const Outcome& o) {
  Expected e{z3enc::kTerminated};
  switch (o.kind) {
    case OutcomeKind::Success: e.code = z3enc::kSuccess, e.pa = o.pa; break;
    case OutcomeKind::Terminated: e.code = z3enc::kTerminated; break;
    case OutcomeKind::Fault:
    case OutcomeKind::CompletedRazWi:
      e.code = o.event ? o.event->type() : 0xFE;
      e.razwi = o.kind == OutcomeKind::CompletedRazWi;
      e.stage2 = o.event && o.event->get(event::S2) != 0;
      break;
  }
  e.translation_related = e.code == uint8_t(EventType::F_TRANSLATION) || e.code == uint8_t(EventType::F_ADDR_SIZE) ||
                          e.code == uint8_t(EventType::F_ACCESS) || e.code == uint8_t(EventType::F_PERMISSION);
  return e;
}

std::string code_name(uint8_t c) {
  if (c == z3enc::kSuccess) return "Success";
  if (c == z3enc::kTerminated) return "Terminated";
  return event_type_name(c);
}

// Captures the table words a reference translation reads, to print them with a mismatch.
struct Capture final : WalkObserver {
  std::string text;
  void table_read(const TableRead& r) override {
    char buf[160];
    std::snprintf(buf, sizeof buf, "    %s[%u] L%d @%#llx = %#018llx\n", table_role_name(r.role), r.index, r.level,
                  (unsigned long long)r.pa, (unsigned long long)r.value.value_or(0));
    text += buf;
  }
};

struct Stats {
  unsigned cases = 0, mismatches = 0;
  std::map<std::string, unsigned> by_outcome, by_mismatch;
};

// Runs `n` transactions on one world; returns the mismatches (printing the first few).
void run_world(z3::context& c, RandomWorld& w, const Features& requested, unsigned n, Stats& st, bool verbose,
               bool e2h = false) {
  ref::ReferenceSmmu ref(requested, w.mem);
  ref.registers().strtab_base = w.strtab_base;
  ref.registers().strtab_base_cfg = w.strtab_base_cfg;
  uint64_t cr0 = 0, cr2 = 0;
  regf::CR0_SMMUEN.set(cr0, 1);
  regf::CR2_RECINVSID.set(cr2, 1);
  regf::CR2_E2H.set(cr2, e2h);
  ref.registers().cr0 = ref.registers().cr0ack = static_cast<uint32_t>(cr0);
  ref.registers().cr2 = static_cast<uint32_t>(cr2);

  z3enc::SmmuConfig cfg{ref.features(), w.strtab_base, w.strtab_base_cfg, e2h};
  z3enc::SymbolicMemory mem = z3enc::SymbolicMemory::all_preserved(c, w.mem);
  for (unsigned i = 0; i < n; ++i) {
    Target tg = w.pick();
    Transaction t{.sid = tg.sid, .ssid = tg.ssid, .addr = tg.addr, .read = w.chance(60), .instr = false, .priv = w.chance(30)};
    t.instr = t.read && w.chance(10);
    Capture cap;
    Expected ex = expected_of(ref.translate(t, &cap));
    mem.clear_reads();
    z3enc::SymOutcome so = z3enc::encode_translation(c, cfg, mem, z3enc::SymTransaction::concrete(c, t));
    std::optional<ConcreteOutcome> got = z3enc::evaluate(so);
    ++st.cases;
    ++st.by_outcome[code_name(ex.code) + (ex.razwi ? "(razwi)" : "")];
    bool ok = got && got->code == ex.code;
    if (ok && ex.code == z3enc::kSuccess) ok = got->pa == ex.pa;
    if (ok && ex.translation_related) ok = got->stage2 == ex.stage2 && got->razwi == ex.razwi;
    if (ok) continue;
    ++st.mismatches;
    std::string key = code_name(ex.code) + " vs " + (got ? code_name(got->code) : "non-constant");
    if (++st.by_mismatch[key] <= 2 && verbose) {
      std::printf("MISMATCH sid=%u ssid=%s addr=%#llx read=%d instr=%d priv=%d: ref %s pa=%#llx s2=%d razwi=%d; z3 %s pa=%#llx s2=%d razwi=%d\n",
                  t.sid, t.ssid ? std::to_string(*t.ssid).c_str() : "-", (unsigned long long)t.addr, t.read, t.instr,
                  t.priv, code_name(ex.code).c_str(), (unsigned long long)ex.pa, ex.stage2, ex.razwi,
                  got ? code_name(got->code).c_str() : "?", got ? (unsigned long long)got->pa : 0ull,
                  got ? got->stage2 : 0, got ? got->razwi : 0);
      std::printf("%s", cap.text.c_str());
    }
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
    Features f;
    switch (seed % 6) {
      case 0: f.stt = true; break;
      case 1: f.oas = 2; break;  // 40 bits
      case 2: f.had = false, f.oas = 4; break;
      case 3: f.gran16k = false, f.asid16 = false, f.vmid16 = false; break;
      case 4: f.ssidsize = 4, f.cd2l = false; break;
      case 5: f.oas = 3, f.stt = true; break;  // 42 bits
    }
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
