// Symbolic use of the Z3 encoding: with a symbolic input address, prove (UNSAT) that the encoded translation is
// exactly the function the reference model computes for a small stage 1, stage 2 and nested configuration;
// then drop a translation table page from the preserved set and get a counterexample (SAT) whose address the
// reference confirms walks through the dropped page.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "harness/driver/tables.h"
#include "harness/z3/encode.h"
#include "reference/smmu.h"

namespace smmu::z3test {
namespace {

using driver::Words8;

struct Mapping {
  uint64_t va, size;
};

// A small configuration: one stream (sid 3) in a linear stream table, with its mappings.
struct Config {
  harness::SparseMemory mem;
  driver::Allocator alloc{0x4000'0000, 0x4800'0000};
  std::unique_ptr<driver::StreamTable> st;
  std::vector<Mapping> maps;
  uint64_t drop_page = 0;  // a table page a mapping's walk reads (last level)
  static constexpr uint32_t kSid = 3;

  Config() { st = std::make_unique<driver::StreamTable>(driver::StreamTable::linear(mem, alloc, 4)); }

  // A stage 1 table with 4KB pages and a 2MB block; tables allocated by `tables` (an IPA window when nested).
  uint64_t stage1(driver::Allocator& tables, uint64_t oa_base) {
    driver::PageTable pt(mem, tables, 12, 39);
    uint64_t leaf = driver::s1_leaf_bits({});
    const uint64_t vas[] = {0x12'3456'7000, 0x12'3456'8000, 0x40'0000'0000, 0x7F'FFFF'F000};
    uint64_t oa = oa_base;
    for (uint64_t va : vas) pt.map(va, oa, 0x1000, leaf), maps.push_back({va, 0x1000}), oa += 0x3000;
    pt.map(0x55'5540'0000, 0x1'8000'0000, 0x20'0000, leaf);  // a 2MB block (stage 1 only: the OA is a PA)
    maps.push_back({0x55'5540'0000, 0x20'0000});
    drop_page = pt.existing_descriptor_address(vas[0], 3) & ~uint64_t{0xFFF};
    driver::CdConfig cc;
    cc.ttb0 = pt.root();
    cc.t0sz = 25;
    cc.ips = 5;
    Words8 cd = driver::make_cd(cc);
    uint64_t cd_pa = tables.alloc(64, 64);
    for (unsigned i = 0; i < 8; ++i) mem.poke64(cd_pa + 8 * i, cd[i]);
    return cd_pa;
  }
  void make_stage1() {
    driver::S1Config s1;
    s1.context_ptr = stage1(alloc, 0x1'0000'0000);
    st->set_ste(kSid, driver::ste_stage1(s1));
  }
  // A stage 2 table (4KB granule, 40-bit IPA, start level 1) mapping `ipas` pages (and the IPA window
  // [win, win_end) one to one).
  driver::S2Config stage2(const std::vector<uint64_t>& ipas, uint64_t win, uint64_t win_end, bool record_maps) {
    driver::PageTable pt(mem, alloc, 12, 40, 1);
    uint64_t leaf = driver::s2_leaf_bits({});
    uint64_t pa = 0x2'0000'0000;
    for (uint64_t ipa : ipas) {
      pt.map(ipa, pa, 0x1000, leaf), pa += 0x5000;
      if (record_maps) maps.push_back({ipa, 0x1000});
    }
    pt.map(0xC000'0000, 0x3'4000'0000, 0x4000'0000, leaf);  // a 1GB block
    if (record_maps) maps.push_back({0xC000'0000, 0x4000'0000});
    for (uint64_t a = win; a < win_end; a += 0x1000) pt.map(a, a, 0x1000, leaf);
    if (record_maps) drop_page = pt.existing_descriptor_address(ipas[0], 3) & ~uint64_t{0xFFF};
    driver::S2Config s2;
    s2.ttb = pt.root();
    s2.t0sz = 24;
    s2.sl0 = 1;
    s2.ps = 5;
    return s2;
  }
  void make_stage2() {
    st->set_ste(kSid, driver::ste_stage2(stage2({0x8000'0000, 0x8000'1000, 0x9876'5000, 0xFF'FFFF'F000}, 0, 0, true)));
  }
  void make_nested() {
    driver::Allocator win(0x5000'0000, 0x5010'0000);
    driver::S1Config s1;
    s1.context_ptr = stage1(win, 0x8000'0000);  // stage 1 outputs IPAs 0x8000_0000 + 0x3000 * i
    maps.pop_back();                             // the 2MB stage 1 block outputs an IPA stage 2 does not map
    const uint64_t win_end = win.alloc(1, 1);
    driver::S2Config s2 = stage2({0x8000'0000, 0x8000'3000, 0x8000'6000, 0x8000'9000}, 0x5000'0000, win_end, false);
    st->set_ste(kSid, driver::ste_nested(s1, s2));
  }

  std::set<uint64_t> all_pages() const {
    std::set<uint64_t> s;
    mem.for_each_page([&](uint64_t base, const uint8_t*) { s.insert(base >> 12); });
    return s;
  }
  std::unique_ptr<ref::ReferenceSmmu> reference() {
    auto r = std::make_unique<ref::ReferenceSmmu>(Features{}, mem);
    r->registers().strtab_base = st->base();
    r->registers().strtab_base_cfg = st->base_cfg();
    uint64_t cr0 = 0;
    regf::CR0_SMMUEN.set(cr0, 1);
    r->registers().cr0 = r->registers().cr0ack = static_cast<uint32_t>(cr0);
    return r;
  }
  z3enc::SmmuConfig smmu_config(const ref::ReferenceSmmu& r) const {
    return z3enc::SmmuConfig{r.features(), st->base(), st->base_cfg(), false};
  }
};

z3enc::SymTransaction symbolic_read(z3::context& c, const z3::expr& va) {
  return z3enc::SymTransaction{c.bv_val(Config::kSid, 32), c.bool_val(false), c.bv_val(0, 20), va,
                               c.bool_val(true),          c.bool_val(false), c.bool_val(false)};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Proves that for every 64-bit input address the encoding succeeds exactly on the mapped ranges, with the
// output address the reference gives for the range's base plus the offset.
void prove_equals_reference(Config& cfg, const char* name) {
  auto ref = cfg.reference();
  z3::context c;
  z3::expr va = c.bv_const("va", 64);
  z3::expr in_maps = c.bool_val(false), want_pa = c.bv_val(0, 48);
  for (const Mapping& m : cfg.maps) {
    Outcome o = ref->translate(Transaction{.sid = Config::kSid, .addr = m.va});
    ASSERT_EQ(o.kind, OutcomeKind::Success) << name << " reference at " << std::hex << m.va;
    z3::expr in = z3::ule(c.bv_val(m.va, 64), va) && z3::ult(va, c.bv_val(m.va + m.size, 64));
    in_maps = in_maps || in;
    want_pa = z3::ite(in, (c.bv_val(o.pa, 64) + (va - c.bv_val(m.va, 64))).extract(47, 0), want_pa);
  }
  auto t0 = std::chrono::steady_clock::now();
  z3enc::SymbolicMemory mem(c, cfg.mem, cfg.all_pages());
  z3enc::SymOutcome o = z3enc::encode_translation(c, cfg.smmu_config(*ref), mem, symbolic_read(c, va));
  double build = seconds_since(t0);
  z3::solver s = z3enc::make_bitblast_solver(c);
  s.add(o.success() != in_maps || (o.success() && o.pa != want_pa) || mem.footprint_violation());
  auto t1 = std::chrono::steady_clock::now();
  z3::check_result r = s.check();
  std::printf("%s: translation == reference function for all VAs (and footprint): %s, build %.3f s, check %.3f s\n",
              name, r == z3::unsat ? "proved (unsat)" : "REFUTED", build, seconds_since(t1));
  if (r == z3::sat) {
    uint64_t v = s.get_model().eval(va, true).get_numeral_uint64();
    Outcome ro = ref->translate(Transaction{.sid = Config::kSid, .addr = v});
    ADD_FAILURE() << name << ": counterexample va=" << std::hex << v << " reference " << outcome_kind_name(ro.kind)
                  << " pa=" << ro.pa;
  }
  EXPECT_EQ(r, z3::unsat);
}

// Drops the table page `cfg.drop_page` from the preserved set: continuity (same outcome and output before and
// after the kexec) must be refuted, with an address whose walk, in the reference, reads the dropped page.
void refute_without_page(Config& cfg, const char* name) {
  auto ref = cfg.reference();
  z3::context c;
  z3::expr va = c.bv_const("va", 64);
  std::set<uint64_t> kept = cfg.all_pages();
  ASSERT_EQ(kept.erase(cfg.drop_page >> 12), 1u);
  const z3enc::SmmuConfig sc = cfg.smmu_config(*ref);
  auto t0 = std::chrono::steady_clock::now();
  z3enc::SymbolicMemory before = z3enc::SymbolicMemory::all_preserved(c, cfg.mem);
  z3enc::SymbolicMemory after(c, cfg.mem, kept);
  z3enc::SymOutcome o = z3enc::encode_translation(c, sc, before, symbolic_read(c, va));
  z3enc::SymOutcome n = z3enc::encode_translation(c, sc, after, symbolic_read(c, va));
  z3::solver s = z3enc::make_bitblast_solver(c);
  s.add(o.code != n.code || (o.success() && o.pa != n.pa));
  z3::check_result r = s.check();
  std::printf("%s: continuity without table page %#llx: %s in %.3f s", name, (unsigned long long)cfg.drop_page,
              r == z3::sat ? "refuted (sat)" : "NOT refuted", seconds_since(t0));
  ASSERT_EQ(r, z3::sat);
  uint64_t v = s.get_model().eval(va, true).get_numeral_uint64();
  struct Pages final : WalkObserver {
    std::set<uint64_t> pages;
    void table_read(const TableRead& t) override { pages.insert(t.pa >> 12); }
  } seen;
  ref->translate(Transaction{.sid = Config::kSid, .addr = v}, &seen);
  std::printf(", counterexample va=%#llx %s the dropped page\n", (unsigned long long)v,
              seen.pages.count(cfg.drop_page >> 12) ? "walks through" : "DOES NOT walk through");
  EXPECT_TRUE(seen.pages.count(cfg.drop_page >> 12)) << name << " va " << std::hex << v;
  // The footprint obligation fails too.
  z3::solver f = z3enc::make_bitblast_solver(c);
  f.add(after.footprint_violation());
  EXPECT_EQ(f.check(), z3::sat);
}

TEST(Z3SymbolicProof, Stage1EqualsReference) {
  Config cfg;
  cfg.make_stage1();
  prove_equals_reference(cfg, "stage 1");
}
TEST(Z3SymbolicProof, Stage2EqualsReference) {
  Config cfg;
  cfg.make_stage2();
  prove_equals_reference(cfg, "stage 2");
}
TEST(Z3SymbolicProof, NestedEqualsReference) {
  Config cfg;
  cfg.make_nested();
  prove_equals_reference(cfg, "nested");
}
TEST(Z3SymbolicProof, Stage1RefutedWithoutTablePage) {
  Config cfg;
  cfg.make_stage1();
  refute_without_page(cfg, "stage 1");
}
TEST(Z3SymbolicProof, Stage2RefutedWithoutTablePage) {
  Config cfg;
  cfg.make_stage2();
  refute_without_page(cfg, "stage 2");
}

TEST(Z3SymbolicProof, NestedRefutedWithoutStage1TablePage) {
  Config cfg;
  cfg.make_nested();  // drop_page: the stage 1 last-level table (its IPA window is mapped one to one)
  refute_without_page(cfg, "nested");
}

}  // namespace
}  // namespace smmu::z3test
