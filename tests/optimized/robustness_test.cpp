// The optimized model survives any memory contents, any configuration and any command stream (run under
// ASan and UBSan in the dev preset): driver-built tables corrupted at random, random registers, random
// commands between DMAs, and the outcome invariants of specs/model.h checked on every translation.
#include <map>
#include <random>
#include <vector>

#include "tests/optimized/opt_fixture.h"

namespace smmu::test::opt_test {
namespace {

constexpr uint64_t kRegion = 0x4000'0000;
constexpr uint64_t kRegionSize = 1 << 23;

struct Garbage {
  std::mt19937_64 rng;
  uint64_t bits(unsigned n) { return n >= 64 ? rng() : rng() & ((uint64_t{1} << n) - 1); }
  bool chance(unsigned one_in) { return rng() % one_in == 0; }
  uint64_t pointer() { return (kRegion + (bits(23) & ~uint64_t{0x3f})) | bits(6); }
  uint64_t word() {
    switch (rng() % 4) {
      case 0: return rng();
      case 1: return pointer();
      case 2: return pointer() | (bits(12) << 52);
      default: return bits(8);
    }
  }
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
  f.msi = g.chance(2);
  f.ril = g.chance(2);
  f.cmdqs = static_cast<uint8_t>(g.bits(5));
  f.eventqs = static_cast<uint8_t>(g.bits(5));
  f.version = static_cast<ArchVersion>(0x30 + g.bits(2));
  return f;
}

struct Built {
  std::vector<uint32_t> sids;
  std::vector<uint64_t> addrs;
  std::vector<uint64_t> tables;  // translation table roots, where an abort range hurts
};

Built build_valid(Garbage& g, harness::SparseMemory& mem, driver::StreamTable& st, driver::Allocator& alloc) {
  using namespace driver;
  Built b;
  const unsigned granules[] = {12, 14, 16};
  for (int n = 0; n < 4; ++n) {
    const uint32_t sid = static_cast<uint32_t>(g.bits(6));
    const unsigned granule = granules[g.bits(8) % 3];
    const unsigned ia = 39 + unsigned(g.bits(3));
    const uint64_t va = (g.bits(ia - 12) << 12) & ~((uint64_t{1} << granule) - 1);
    const uint64_t ipa = g.bits(26) << 16;
    PageTable s2(mem, alloc, granule, 40, granule == 12 ? 1 : 2);
    S2Config s2c{.ttb = s2.root(), .granule = granule, .t0sz = 24, .sl0 = granule == 12 ? 1u : 2u, .ps = 2,
                 .vmid = static_cast<uint16_t>(g.bits(2))};
    PageTable s1(mem, alloc, granule, ia);
    const unsigned cdmax = unsigned(g.bits(3));
    const unsigned fmt = cdmax > 0 ? unsigned(g.bits(8) % 3) : 0;
    CdTable cds(mem, alloc, cdmax, fmt);
    const unsigned kind = unsigned(g.bits(2));
    if (kind == 3)
      for (uint64_t a = kRegion; a < kRegion + kRegionSize; a += uint64_t{1} << granule)
        s2.map(a, a, uint64_t{1} << granule, s2_leaf_bits({}));
    s1.map(va, ipa, uint64_t{1} << granule, s1_leaf_bits({.ap = unsigned(g.bits(2)), .af = !g.chance(8)}));
    s2.map(ipa, ipa | 0x1'0000'0000, uint64_t{1} << granule, s2_leaf_bits({.s2ap = unsigned(g.bits(2))}));
    for (uint32_t ssid = 0; ssid < (1u << cdmax) && ssid < 4; ++ssid)
      cds.set_cd(ssid, make_cd({.ttb0 = s1.root(), .granule0 = granule, .t0sz = 64 - ia, .ips = 2,
                                .asid = static_cast<uint16_t>(g.bits(2))}));
    S1Config s1c{.context_ptr = cds.context_ptr(), .cdmax = cdmax, .fmt = fmt, .s1dss = unsigned(g.bits(2))};
    switch (kind) {
      case 0: st.set_ste(sid, ste_stage1(s1c)); b.addrs.push_back(va); break;
      case 1: st.set_ste(sid, ste_stage2(s2c)); b.addrs.push_back(ipa); break;
      case 2: st.set_ste(sid, ste_bypass()); b.addrs.push_back(va); break;
      default: st.set_ste(sid, ste_nested(s1c, s2c)); b.addrs.push_back(va); break;
    }
    b.sids.push_back(sid);
    b.tables.push_back(s1.root());
    b.tables.push_back(s2.root());
  }
  return b;
}

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

// A random command: mostly valid opcodes with random fields, sometimes any 16 bytes.
Cmd random_command(Garbage& g) {
  static const uint8_t kOps[] = {0x01, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x20, 0x21,
                                 0x22, 0x23, 0x28, 0x2A, 0x30, 0x46, 0x40, 0x00, 0xFF};
  Cmd c{g.rng(), g.rng()};
  if (!g.chance(8)) c[0] = (c[0] & ~uint64_t{0xFF}) | kOps[g.bits(8) % sizeof kOps];
  if (g.chance(2)) c[1] &= ~uint64_t{0xFFC};  // often non-range
  return c;
}

class OptRobustness : public OptTest {};

TEST_F(OptRobustness, RandomTablesRegistersAndCommandsNeverCrashTheModel) {
  constexpr int kConfigs = 150, kSteps = 120;
  int outcomes[4] = {};
  std::map<uint8_t, int> events;
  for (int c = 0; c < kConfigs; ++c) {
    Garbage g{std::mt19937_64(0x0b7e0000 + c)};
    reset(c % 4 == 0 ? random_features(g) : Features{}, OptimizedSmmu::Sizes{.tlb_log2 = c % 2 ? 15u : 5u,
                                                                              .walk_cache_log2 = 4});
    driver::Allocator table_alloc(kRegion, kRegion + kRegionSize);
    driver::StreamTable st = g.chance(2) ? driver::StreamTable::linear(*mem, table_alloc, 6)
                                         : driver::StreamTable::two_level(*mem, table_alloc, 10, 6);
    wr(reg::CR0, 0);
    wr64(reg::STRTAB_BASE, g.chance(10) ? g.bits(64) : st.base());
    wr(reg::STRTAB_BASE_CFG, g.chance(10) ? g.bits(18) : st.base_cfg());
    wr(reg::CR2, g.bits(2));
    wr(reg::GBPA, g.bits(32) | regf::GBPA_Update.mask_in_place());
    wr(reg::IRQ_CTRL, g.bits(3));
    wr64(reg::GERROR_IRQ_CFG0, g.chance(2) ? g.pointer() : 0);
    wr64(reg::EVENTQ_IRQ_CFG0, g.chance(2) ? g.pointer() : 0);
    wr64(reg::EVENTQ_BASE, g.chance(4) ? g.word() : kEventq | 6);
    Built built = build_valid(g, *mem, st, table_alloc);
    corrupt(g, *mem, c % 3 == 0 ? 0 : int(g.bits(6)));
    if (g.chance(3)) mem->add_abort_range(built.tables[g.bits(8) % built.tables.size()] & ~uint64_t{0xFFF}, 0x1000);
    if (g.chance(4)) mem->add_abort_range(kCmdq + (g.bits(8) << 4), 16);
    wr(reg::CR0, (g.chance(20) ? 0 : 1) | regf::CR0_CMDQEN.mask_in_place() | regf::CR0_EVENTQEN.mask_in_place());
    std::vector<Transaction> batch;
    for (int i = 0; i < kSteps; ++i) {
      if (g.chance(6)) {  // commands, acknowledgements, registers, memory changes between DMAs
        switch (g.bits(2)) {
          case 0: submit({random_command(g), random_command(g)}); break;
          case 1: wr(reg::GERRORN, rd(reg::GERROR)); break;
          case 2: smmu->mmio_write(static_cast<uint32_t>(g.bits(9) & ~3u), g.chance(2) ? 8 : 4, g.word()); break;
          default: corrupt(g, *mem, 2); break;
        }
      }
      Transaction t;
      t.sid = g.chance(8) ? static_cast<uint32_t>(g.bits(32)) : built.sids[g.bits(8) % built.sids.size()];
      if (g.chance(3)) t.ssid = static_cast<uint32_t>(g.bits(g.chance(2) ? 20 : 2));
      t.addr = g.chance(8) ? g.word() : built.addrs[g.bits(8) % built.addrs.size()] + g.bits(12);
      t.read = g.chance(2);
      t.instr = g.chance(4);
      t.priv = g.chance(2);
      batch.push_back(t);
      const Outcome o = smmu->translate(t);
      outcomes[static_cast<int>(o.kind)]++;
      SCOPED_TRACE(format_outcome(o));
      switch (o.kind) {
        case OutcomeKind::Success:
          EXPECT_FALSE(o.event.has_value());
          EXPECT_EQ(o.pa >> smmu->features().oas_bits(), 0u) << "output beyond the OAS";
          break;
        case OutcomeKind::Terminated: EXPECT_FALSE(o.event.has_value()); break;
        case OutcomeKind::Fault:
        case OutcomeKind::CompletedRazWi:
          ASSERT_TRUE(o.event.has_value());
          EXPECT_NE(event_type_info(o.event->type()), nullptr) << "unknown event type";
          EXPECT_EQ(o.event->get(event::StreamID), t.sid);
          events[o.event->type()]++;
          break;
      }
      // With memory unchanged, the caches give what the tables give: the same outcome again.
      const Outcome again = smmu->translate(t);
      EXPECT_EQ(again.kind, o.kind);
      EXPECT_EQ(again.pa, o.pa);
      EXPECT_EQ(again.event, o.event);
    }
    std::vector<Outcome> out(batch.size());
    smmu->translate_batch(batch, out);  // the fast path over whatever the caches now hold
  }
  for (int k = 0; k < 3; ++k) EXPECT_GT(outcomes[k], 0) << outcome_kind_name(static_cast<OutcomeKind>(k));
  for (EventType t : {EventType::C_BAD_STE, EventType::C_BAD_CD, EventType::F_TRANSLATION, EventType::F_PERMISSION,
                      EventType::F_ACCESS, EventType::F_ADDR_SIZE, EventType::F_WALK_EABT})
    EXPECT_GT(events[static_cast<uint8_t>(t)], 0) << event_type_name(static_cast<uint8_t>(t));
}

}  // namespace
}  // namespace smmu::test::opt_test
