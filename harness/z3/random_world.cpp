#include "harness/z3/random_world.h"

#include <algorithm>

namespace smmu::z3test {

using driver::Words8;

namespace {
unsigned shift_of(unsigned g, int level) { return g + (3 - level) * (g - 3); }
// The natural stage 1 start level for an input size (Arm ARM S1StartLevel).
int natural_start(unsigned g, unsigned ia_bits) { return 3 - int((ia_bits - 1 - g) / (g - 3)); }
unsigned sl0_for(unsigned g, int level) {
  if (g == 12) return level == 2 ? 0 : level == 1 ? 1 : 2;
  return level == 3 ? 0 : level == 2 ? 1 : 2;
}
const unsigned kGranules[] = {12, 14, 16};
}  // namespace

Features feature_variant(unsigned variant) {
  Features f;
  switch (variant % kFeatureVariants) {
    case 0: break;
    case 1: f.stt = true; break;
    case 2: f.oas = 2; break;  // 40 bits
    case 3: f.had = false, f.oas = 4; break;
    case 4: f.gran16k = false, f.asid16 = false, f.vmid16 = false; break;
    case 5: f.ssidsize = 4, f.cd2l = false; break;
    case 6: f.oas = 3, f.stt = true; break;  // 42 bits
  }
  return f;
}

RandomWorld::RandomWorld(uint64_t seed, const Features& f, const WorldOptions& opt) : rng(seed), f_(f), opt_(opt) {
  if (chance(50)) {
    strtab_ = std::make_unique<driver::StreamTable>(driver::StreamTable::linear(mem, alloc_, 4 + unsigned(rnd(5))));
  } else {
    unsigned split = chance(50) ? 6 : 8;
    strtab_ = std::make_unique<driver::StreamTable>(driver::StreamTable::two_level(mem, alloc_, 8 + unsigned(rnd(5)), split));
  }
  strtab_base = strtab_->base();
  strtab_base_cfg = strtab_->base_cfg();
  const uint32_t nsids = 1u << strtab_->log2size();
  for (unsigned i = 0; i < opt.streams; ++i) {
    uint32_t sid = static_cast<uint32_t>(rnd(nsids));
    if (std::find(sids.begin(), sids.end(), sid) != sids.end()) continue;
    sids.push_back(sid);
    Words8 ste{};
    switch (rnd(opt.allow_nested ? 10 : 9)) {
      case 0: ste = driver::ste_abort(); break;
      case 1: ste = driver::ste_bypass(); break;
      case 2: case 3: case 4: ste = make_stage1(sid, nullptr); break;
      case 5: case 6: case 7: case 8: {
        Stage2 s2 = make_stage2();
        for (const auto& [base, size] : s2.ranges) targets.push_back({sid, std::nullopt, base + rnd(size)});
        ste = driver::ste_stage2(s2.cfg);
        break;
      }
      default: {
        Stage2 s2 = make_stage2();
        ste = make_stage1(sid, &s2);
        break;
      }
    }
    strtab_->set_ste(sid, ste);
  }
}

uint64_t RandomWorld::leaf_size(unsigned g, unsigned ia_bits) {
  std::vector<uint64_t> sizes{uint64_t{1} << g};
  if (opt_.allow_blocks) {
    if (g == 12) {
      sizes.push_back(uint64_t{1} << 21);
      if (ia_bits > 31) sizes.push_back(uint64_t{1} << 30);
    } else if (g == 14 && ia_bits > 26) {
      sizes.push_back(uint64_t{1} << 25);
    } else if (g == 16 && ia_bits > 30) {
      sizes.push_back(uint64_t{1} << 29);
    }
  }
  return chance(70) ? sizes[0] : sizes[rnd(sizes.size())];
}

uint64_t RandomWorld::s1_leaf_bits() {
  driver::S1Leaf l;
  l.ap = chance(60) ? 0b01 : unsigned(rnd(4));
  l.af = !chance(8);
  l.uxn = chance(20);
  l.pxn = chance(20);
  l.attr_index = unsigned(rnd(3));
  return driver::s1_leaf_bits(l);
}

uint64_t RandomWorld::s2_leaf_bits() {
  driver::S2Leaf l;
  l.s2ap = chance(70) ? 0b11 : unsigned(rnd(4));
  l.af = !chance(8);
  l.xn = chance(20) ? 2 : 0;
  l.memattr = chance(85) ? 0b1111 : 0b0001;
  return driver::s2_leaf_bits(l);
}

RandomWorld::Stage2 RandomWorld::make_stage2() {
  Stage2 s;
  const unsigned g = kGranules[rnd(3)];
  unsigned ia_bits = 32 + unsigned(rnd(17));  // 32..48
  int start = natural_start(g, ia_bits);
  // Start levels without an S2SL0 encoding start one level lower with concatenated tables (Arm ARM D8.2.2);
  // sometimes concatenate on purpose.
  auto bits_at = [&](int level) { return ia_bits - shift_of(g, level); };
  bool concat_ok = start < 3 && bits_at(start + 1) <= g - 3 + 4;
  bool need = (g == 12 && start == 0 && f_.oas_bits() < 44) || (g != 12 && start == 0) || (g == 16 && start == 1 && f_.oas_bits() < 44);
  if ((need || chance(25)) && concat_ok) ++start;
  if (need && start == natural_start(g, ia_bits)) ia_bits = 40, start = natural_start(g, 40);
  s.pt = std::make_unique<driver::PageTable>(mem, alloc_, g, ia_bits, start);
  s.cfg.ttb = s.pt->root();
  s.cfg.granule = g;
  s.cfg.t0sz = 64 - ia_bits;
  s.cfg.sl0 = sl0_for(g, start);
  s.cfg.ps = chance(85) ? 5 : unsigned(rnd(6));
  s.cfg.vmid = static_cast<uint16_t>(1 + rnd(100));
  s.cfg.affd = chance(10);
  const uint64_t ia_size = uint64_t{1} << ia_bits;
  for (unsigned i = 0, n = 1 + unsigned(rnd(6)); i < n; ++i) {
    uint64_t size = leaf_size(g, ia_bits);
    if (s.pt->leaf_level(size) < 0) size = uint64_t{1} << g;
    uint64_t ipa = (0x8000'0000 + rnd(ia_size - 0x8000'0000)) & ~(size - 1);
    if (ipa < 0x8000'0000 || ipa + size > ia_size) continue;
    s.pt->map(ipa, data_.alloc(size, size), size, s2_leaf_bits());
    s.ranges.emplace_back(ipa, size);
  }
  return s;
}

Words8 RandomWorld::make_stage1(uint32_t sid, Stage2* nested) {
  // Nested: the CD and stage 1 tables live at IPAs of a window the stage 2 maps one to one.
  const uint64_t window = window_;
  window_ += 0x100'0000;
  driver::Allocator ipa_alloc(window, window + 0x100'0000);
  driver::Allocator& tables = nested ? ipa_alloc : alloc_;
  const unsigned g = kGranules[rnd(3)];
  // 16..39, or up to 48 (47 with 64KB) with small translation tables.
  const unsigned t0sz = 16 + unsigned(rnd(f_.stt ? (g == 16 ? 32 : 33) : 24));
  const unsigned ia_bits = 64 - t0sz;
  driver::PageTable pt(mem, tables, g, ia_bits);
  driver::CdConfig cc;
  cc.ttb0 = pt.root();
  cc.granule0 = g;
  cc.t0sz = t0sz;
  cc.ips = chance(70) ? 5 : unsigned(rnd(6));
  cc.asid = static_cast<uint16_t>(rnd(1000));
  cc.affd = chance(10);
  cc.abort = !chance(10);
  const uint64_t ia_size = uint64_t{1} << ia_bits;
  std::vector<std::pair<uint64_t, uint64_t>> maps;
  for (unsigned i = 0, n = 1 + unsigned(rnd(6)); i < n; ++i) {
    uint64_t size = leaf_size(g, ia_bits);
    if (nested || pt.leaf_level(size) < 0) size = uint64_t{1} << g;
    uint64_t va = rnd(ia_size) & ~(size - 1);
    uint64_t oa = 0;
    if (nested && !nested->ranges.empty()) {
      const auto& [b, sz] = nested->ranges[rnd(nested->ranges.size())];
      oa = (b + rnd(sz)) & ~(size - 1);
    } else {
      oa = data_.alloc(size, size);
    }
    pt.map(va, oa, size, s1_leaf_bits());
    maps.emplace_back(va, size);
  }
  driver::S1Config s1;
  if (!nested && f_.hyp && chance(15)) s1.strw = 0b10;  // EL2 (or EL2-E2H with CR2.E2H = 1)
  std::vector<std::optional<uint32_t>> ssids;
  if (chance(50)) {
    uint64_t cd_pa = tables.alloc(64, 64);
    Words8 cd = driver::make_cd(cc);
    for (unsigned i = 0; i < 8; ++i) mem.poke64(cd_pa + 8 * i, cd[i]);
    s1.context_ptr = cd_pa;
    ssids.push_back(std::nullopt);
  } else {
    unsigned cdmax = 1 + unsigned(rnd(std::min<unsigned>(f_.ssidsize, 12)));
    unsigned fmt = unsigned(rnd(3));
    driver::CdTable t(mem, tables, cdmax, fmt);
    s1.context_ptr = t.context_ptr();
    s1.cdmax = cdmax;
    s1.fmt = fmt;
    s1.s1dss = unsigned(rnd(3));
    for (unsigned i = 0; i < 3; ++i) {
      uint32_t ssid = static_cast<uint32_t>(rnd(uint64_t{1} << cdmax));
      t.set_cd(ssid, driver::make_cd(cc));
      ssids.push_back(ssid);
    }
    if (s1.s1dss == 2) t.set_cd(0, driver::make_cd(cc));
    ssids.push_back(std::nullopt);
  }
  for (const auto& [va, size] : maps) targets.push_back({sid, ssids[rnd(ssids.size())], va + rnd(size)});
  if (!nested) return driver::ste_stage1(s1);
  // Map the table window one to one at stage 2.
  const uint64_t end = ipa_alloc.alloc(1, 1);
  const uint64_t gsz = uint64_t{1} << nested->cfg.granule;
  for (uint64_t a = window & ~(gsz - 1); a < end; a += gsz) nested->pt->map(a, a, gsz, driver::s2_leaf_bits({}));
  return driver::ste_nested(s1, nested->cfg);
}

Target RandomWorld::pick() {
  if (!targets.empty() && chance(75)) {
    Target t = targets[rnd(targets.size())];
    if (chance(10)) t.ssid = t.ssid ? std::optional<uint32_t>() : std::optional<uint32_t>(uint32_t(rnd(16)));
    return t;
  }
  Target t;
  t.sid = !sids.empty() && chance(80) ? sids[rnd(sids.size())] : uint32_t(rnd(1u << 14));
  t.addr = chance(50) ? rnd(uint64_t{1} << 40) : rng();
  if (chance(30)) t.ssid = uint32_t(rnd(1u << 8));
  return t;
}

void RandomWorld::corrupt(unsigned n) {
  std::vector<uint64_t> pages;
  mem.for_each_page([&](uint64_t base, const uint8_t*) { pages.push_back(base); });
  std::sort(pages.begin(), pages.end());
  for (unsigned i = 0; i < n && !pages.empty(); ++i) {
    uint64_t page = pages[rnd(pages.size())];
    std::vector<uint64_t> nz;
    for (uint64_t a = page; a < page + 4096; a += 8)
      if (mem.peek64(a)) nz.push_back(a);
    if (nz.empty()) continue;
    uint64_t a = nz[rnd(nz.size())];
    if (chance(40)) a = (a & ~uint64_t{63}) + 8 * rnd(8);  // any qword of the same 64-byte structure
    mem.poke64(a, mem.peek64(a) ^ (uint64_t{1} << rnd(64)));
  }
}

std::vector<uint64_t> RandomWorld::nonzero_qwords() const {
  std::vector<uint64_t> out;
  mem.for_each_page([&](uint64_t base, const uint8_t*) {
    for (uint64_t a = base; a < base + 4096; a += 8)
      if (mem.peek64(a)) out.push_back(a);
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace smmu::z3test
