// The model survives any memory contents and any configuration (issue 3, ARCHITECTURE.md): garbage gives
// events, never a crash, an assertion or undefined behaviour. The test builds (under ASan and UBSan in the
// dev preset) random register values and table memory in which most words are pointers back into the
// table region, so walks go deep, and checks the outcome invariants of specs/model.h on every translation.
#include <map>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "harness/driver/tables.h"
#include "tests/fixture.h"

namespace smmu::test {
namespace {

constexpr uint64_t kRegion = 0x4000'0000;
constexpr uint64_t kRegionSize = 1 << 23;

class Garbage {
 public:
  explicit Garbage(uint64_t seed) : rng_(seed) {}
  uint64_t bits(unsigned n) { return n >= 64 ? rng_() : rng_() & ((uint64_t{1} << n) - 1); }
  bool chance(unsigned one_in) { return rng_() % one_in == 0; }
  // A pointer into the region, with random low bits (valid, type, span...).
  uint64_t pointer() { return (kRegion + (bits(23) & ~uint64_t{0x3f})) | bits(6); }
  uint64_t word() {
    switch (rng_() % 4) {
      case 0: return rng_();
      case 1: return pointer();
      case 2: return pointer() | (bits(12) << 52);  // pointers with attribute bits above
      default: return bits(8);
    }
  }

 private:
  std::mt19937_64 rng_;
};

Features random_features(Garbage& g) {
  Features f;
  f.oas = static_cast<uint8_t>(g.bits(3));
  f.sidsize = static_cast<uint8_t>(g.bits(6) % 33);
  f.ssidsize = static_cast<uint8_t>(g.bits(5) % 21);
  f.st_level = static_cast<uint8_t>(g.bits(1));
  f.cd2l = g.chance(2);
  f.stt = g.chance(2);
  f.hyp = g.chance(2);
  f.s1p = !g.chance(8);
  f.s2p = !g.chance(8);
  f.gran16k = g.chance(2);
  f.gran64k = g.chance(2);
  f.term_model = g.chance(4);
  f.asid16 = g.chance(2);
  f.vmid16 = g.chance(2);
  f.version = static_cast<ArchVersion>(0x30 + g.bits(2));
  return f;
}

// A valid configuration from the driver library (random granules, stages and table formats) with
// addresses that it maps; the caller corrupts it afterwards.
struct Built {
  std::vector<uint32_t> sids;
  std::vector<uint64_t> addrs;
  std::vector<uint64_t> tables;  // roots of translation tables, where an abort range hurts
};

Built build_valid(Garbage& g, harness::SparseMemory& mem, ref::ReferenceSmmu& smmu) {
  using namespace driver;
  Allocator alloc(kRegion, kRegion + kRegionSize);
  StreamTable st = g.chance(2) ? StreamTable::linear(mem, alloc, 6) : StreamTable::two_level(mem, alloc, 10, 6);
  smmu.registers().strtab_base = st.base();
  smmu.registers().strtab_base_cfg = st.base_cfg();
  Built b;
  const unsigned granules[] = {12, 14, 16};
  for (int n = 0; n < 4; ++n) {
    const uint32_t sid = static_cast<uint32_t>(g.bits(6));
    const unsigned granule = granules[g.bits(8) % 3];
    const unsigned ia = 39 + unsigned(g.bits(3));
    const uint64_t va = (g.bits(ia - 12) << 12) & ~((uint64_t{1} << granule) - 1);
    const uint64_t ipa = (g.bits(26) << 16);
    PageTable s2(mem, alloc, granule, 40, granule == 12 ? 1 : 2);
    S2Config s2c{.ttb = s2.root(), .granule = granule, .t0sz = 24, .sl0 = granule == 12 ? 1u : 2u, .ps = 2};
    PageTable s1(mem, alloc, granule, ia);
    const unsigned cdmax = unsigned(g.bits(3));
    const unsigned fmt = cdmax > 0 ? unsigned(g.bits(8) % 3) : 0;
    CdTable cds(mem, alloc, cdmax, fmt);
    const unsigned kind = unsigned(g.bits(2));
    if (kind == 3) {  // nested: stage 2 maps the table region one to one, and the output page
      for (uint64_t a = kRegion; a < kRegion + kRegionSize; a += uint64_t{1} << granule)
        s2.map(a, a, uint64_t{1} << granule, s2_leaf_bits({}));
    }
    s1.map(va, ipa, uint64_t{1} << granule, s1_leaf_bits({.ap = unsigned(g.bits(2)), .af = !g.chance(8)}));
    s2.map(ipa, ipa | 0x1'0000'0000, uint64_t{1} << granule, s2_leaf_bits({.s2ap = unsigned(g.bits(2))}));
    for (uint32_t ssid = 0; ssid < (1u << cdmax) && ssid < 4; ++ssid)
      cds.set_cd(ssid, make_cd({.ttb0 = s1.root(), .granule0 = granule, .t0sz = 64 - ia, .ips = 2}));
    S1Config s1c{.context_ptr = cds.context_ptr(), .cdmax = cdmax, .fmt = fmt,
                 .s1dss = unsigned(g.bits(2))};
    switch (kind) {
      case 0: st.set_ste(sid, ste_stage1(s1c)); b.addrs.push_back(va); break;
      case 1: st.set_ste(sid, ste_stage2(s2c)); b.addrs.push_back(ipa); break;
      case 2: st.set_ste(sid, ste_bypass()); b.addrs.push_back(va); break;
      case 3: st.set_ste(sid, ste_nested(s1c, s2c)); b.addrs.push_back(va); break;
    }
    b.sids.push_back(sid);
    b.tables.push_back(s1.root());
    b.tables.push_back(s2.root());
  }
  return b;
}

// Flips bits, rewrites fields with random values, or points words elsewhere in the region.
void corrupt(Garbage& g, harness::SparseMemory& mem, int words) {
  for (int i = 0; i < words; ++i) {
    const uint64_t pa = kRegion + (g.bits(23) & ~uint64_t{7});
    uint64_t w = mem.peek64(pa);
    switch (g.bits(2)) {
      case 0: w ^= uint64_t{1} << g.bits(6); break;
      case 1: w = g.word(); break;
      case 2: w ^= g.bits(64) & g.bits(64) & g.bits(64); break;
      default: w = (w & ~uint64_t{0xFFFF'FFFF'F000}) | (g.pointer() & 0xFFFF'FFFF'F000); break;
    }
    mem.poke64(pa, w);
  }
}

TEST(Robustness, RandomTablesAndRegistersNeverCrashTheModel) {
  constexpr int kConfigs = 150, kDmasPerConfig = 100;
  int outcomes[4] = {};
  std::map<uint8_t, int> events;
  for (int c = 0; c < kConfigs; ++c) {
    Garbage g(0x5eed0000 + c);
    harness::SparseMemory mem;
    const Features f = c % 4 == 0 ? random_features(g) : Features{};
    ref::ReferenceSmmu smmu(f, mem);
    Built built = build_valid(g, mem, smmu);
    corrupt(g, mem, c % 3 == 0 ? 0 : int(g.bits(6)));
    if (c % 10 == 0)  // and sometimes pure garbage, registers included
      for (uint64_t pa = kRegion; pa < kRegion + kRegionSize; pa += 64) mem.poke64(pa + 8 * g.bits(3), g.word());
    if (g.chance(3)) mem.add_abort_range(built.tables[g.bits(8) % built.tables.size()] & ~uint64_t{0xfff}, 0x1000);
    ref::Registers& r = smmu.registers();
    r.cr0 = g.chance(20) ? 0 : 1;
    r.cr2 = static_cast<uint32_t>(g.bits(2));
    r.gbpa = static_cast<uint32_t>(g.bits(32));
    if (g.chance(10)) r.strtab_base = g.chance(2) ? g.bits(64) : g.pointer();
    if (g.chance(10)) r.strtab_base_cfg = static_cast<uint32_t>(g.bits(18));
    for (int i = 0; i < kDmasPerConfig; ++i) {
      Transaction t;
      t.sid = g.chance(8) ? static_cast<uint32_t>(g.bits(32)) : built.sids[g.bits(8) % built.sids.size()];
      if (g.chance(3)) t.ssid = static_cast<uint32_t>(g.bits(g.chance(2) ? 20 : 2));
      t.addr = g.chance(8) ? g.word() : built.addrs[g.bits(8) % built.addrs.size()] + g.bits(12);
      t.read = g.chance(2);
      t.instr = g.chance(4);
      t.priv = g.chance(2);
      const Outcome o = smmu.translate(t);
      outcomes[static_cast<int>(o.kind)]++;
      SCOPED_TRACE(format_outcome(o));
      switch (o.kind) {
        case OutcomeKind::Success:
          EXPECT_FALSE(o.event.has_value());
          EXPECT_EQ(o.pa >> smmu.features().oas_bits(), 0u) << "output beyond the OAS";
          break;
        case OutcomeKind::Terminated:
          EXPECT_FALSE(o.event.has_value());
          break;
        case OutcomeKind::Fault:
        case OutcomeKind::CompletedRazWi:
          ASSERT_TRUE(o.event.has_value());
          EXPECT_NE(event_type_info(o.event->type()), nullptr) << "unknown event type";
          EXPECT_EQ(o.event->get(event::StreamID), t.sid);
          events[o.event->type()]++;
          break;
      }
      // The reference has no state a translation changes: the same transaction gives the same outcome.
      const Outcome again = smmu.translate(t);
      EXPECT_EQ(again.kind, o.kind);
      EXPECT_EQ(again.pa, o.pa);
      EXPECT_EQ(again.event, o.event);
    }
  }
  // The garbage must reach every kind of outcome, or the test proves little.
  for (int k = 0; k < 3; ++k) EXPECT_GT(outcomes[k], 0) << outcome_kind_name(static_cast<OutcomeKind>(k));
  std::string seen;
  for (auto [type, n] : events) seen += fmt::format(" {}={}", event_type_name(type), n);
  std::printf("outcomes: success=%d fault=%d terminated=%d raz_wi=%d; events:%s\n", outcomes[0], outcomes[1],
              outcomes[2], outcomes[3], seen.c_str());
  // Walks must get deep enough to fault inside the translation tables.
  for (EventType t : {EventType::C_BAD_STE, EventType::C_BAD_CD, EventType::F_TRANSLATION, EventType::F_PERMISSION,
                      EventType::F_ACCESS, EventType::F_ADDR_SIZE, EventType::F_WALK_EABT})
    EXPECT_GT(events[static_cast<uint8_t>(t)], 0) << event_type_name(static_cast<uint8_t>(t));
}

}  // namespace
}  // namespace smmu::test
