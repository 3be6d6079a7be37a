// Stage 1 translation through the CD (SMMU §3.4, §5.4; Arm ARM D8.2, D8.4): TTB0/TTB1 selection, the input
// range check with TBI and EPD, the walk (through stage 2 when nested), the Access flag and the stage 1
// permission checks for data reads, writes and instruction fetches.
#include "harness/z3/encode_internal.h"

namespace smmu::z3enc::detail {

namespace {

// The TG1 encoding translated to TG0 terms (00 4KB, 01 64KB, 10 16KB, 11 reserved).
z3::expr tg1_as_tg0(Enc& e, const z3::expr& tg1) {
  return z3::ite(eq(tg1, 1), e.bv(2, 2), z3::ite(eq(tg1, 2), e.bv(0, 2), z3::ite(eq(tg1, 3), e.bv(1, 2), e.bv(3, 2))));
}

// Stage 1 Direct permissions (Arm ARM D8.4.1, vmsa.md §1-§3): whether the access is permitted.
z3::expr s1_permitted(Enc& e, const S1Ctx& s1, const WalkOut& w, const z3::expr& had, const z3::expr& write,
                      const z3::expr& instr, const z3::expr& priv) {
  z3::context& c = e.c;
  const Words& cd = s1.cd;
  auto bit = [&](const z3::expr& v, unsigned i) { return v.extract(i, i) == c.bv_val(1, 1); };
  z3::expr ap = fld(w.leaf, s1desc::AP);  // AP[2:1]: bit 1 is AP[2], bit 0 is AP[1]
  z3::expr apt = z3::ite(had, c.bv_val(0, 2), w.ap_table);
  z3::expr xnt = bit(w.xn_table, 0) && !had;
  z3::expr pxnt = bit(w.pxn_table, 0) && !had;
  z3::expr uxn = is1(w.leaf, s1desc::UXN) || xnt;
  z3::expr pxn = is1(w.leaf, s1desc::PXN) || pxnt;
  z3::expr wxn = cd.bit(cd::WXN);

  // Two privilege levels (EL1&0, EL2&0).
  z3::expr pw = !bit(ap, 1) && !bit(apt, 1);
  z3::expr ur = bit(ap, 0) && !bit(apt, 0);
  z3::expr uw = eq(ap, 1) && !bit(apt, 0) && !bit(apt, 1);
  z3::expr px = !pxn && !uw && !(wxn && pw);
  z3::expr ux = !uxn && !(wxn && uw);
  z3::expr pan = cd.bit(cd::PAN) && (ur || uw);
  z3::expr el1_ok = z3::ite(write, z3::ite(priv, pw && !pan, uw),
                            z3::ite(instr, z3::ite(priv, px, ux), z3::ite(priv, !pan, ur)));
  // One privilege level (EL2): AP[1] is RES1, APTable[0] and PXNTable RES0, XN is bit 54, PRIV is ignored.
  z3::expr pw2 = !bit(ap, 1) && !bit(apt, 1);
  z3::expr x2 = !(is1(w.leaf, s1desc::UXN) || xnt) && !(wxn && pw2);
  z3::expr el2_ok = z3::ite(write, pw2, z3::ite(instr, x2, e.t()));
  return z3::ite(s1.el2, el2_ok, el1_ok);
}

}  // namespace

z3::expr s1_translate(Enc& e, const S1Ctx& s1, const z3::expr& va64, const z3::expr& guard, const z3::expr& write,
                      const z3::expr& instr, const z3::expr& priv) {
  z3::context& c = e.c;
  const Words& cd = s1.cd;
  const z3::expr rw = !cd.bit(cd::A);  // CD.A == 0: stage 1 faults complete as RAZ/WI (§5.5)
  const z3::expr va48 = va64.extract(47, 0);
  const z3::expr upper = va64.extract(55, 55) == c.bv_val(1, 1);
  const bool have_had = e.f.had;

  z3::expr ipa = c.bv_val(0, 48);
  if (e.fc.finished() || guard.is_false()) return ipa;
  z3::expr leaf_guard = guard;
  std::vector<std::pair<z3::expr, WalkOut>> walks;
  std::vector<z3::expr> hads;
  for (int half = 0; half < 2; ++half) {
    z3::expr hg = simp(f_and(guard, half ? upper : f_not(upper)));
    if (hg.is_false()) continue;
    z3::expr tsz = half ? cd.get(cd::T1SZ) : cd.get(cd::T0SZ);
    z3::expr tg = half ? tg1_as_tg0(e, cd.get(cd::TG1)) : cd.get(cd::TG0);
    z3::expr epd = half ? (cd.bit(cd::EPD1) || s1.el2) : (cd.bit(cd::EPD0) && !s1.el2);
    z3::expr tbi = half ? cd.bit(cd::TBI1) : cd.bit(cd::TBI0);
    const Field& ttbf = half ? cd::TTB1 : cd::TTB0;
    z3::expr ttb = z3::concat(cd.get(ttbf).extract(43, 0), c.bv_val(0, 4));  // address bits [47:4]
    z3::expr had = have_had ? (half ? cd.bit(cd::HAD1) : cd.bit(cd::HAD0)) : e.ff();
    // VA[AddrTop:iasize] must all equal VA[55]'s half: AddrTop is 55 with TBI, 63 without (§3.4.1).
    z3::expr v = f_ite(tbi, z3::zext(va64.extract(55, 0), 8), va64);
    if (half) v = f_ite(tbi, z3::zext(~va64.extract(55, 0), 8), ~va64);
    z3::expr oor = z3::lshr(v, c.bv_val(64, 64) - z3::zext(tsz, 58)) != c.bv_val(0, 64);
    e.fc.add(hg && (epd || oor), EventType::F_TRANSLATION, false, rw);
    z3::expr wg = simp(f_and(hg, f_not(f_or(epd, oor))));
    if (wg.is_false()) continue;

    Fetch fetch = [&](const z3::expr& q, const z3::expr& gd) -> z3::expr {
      auto nested = as_const(s1.nested);
      z3::expr direct = c.bv_val(0, 64), via = c.bv_val(0, 64);
      if (!nested || !*nested) direct = e.read(q, gd && !s1.nested, TableRole::S1Desc);
      if (!nested || *nested) {
        z3::expr ng = simp(f_and(gd, s1.nested));
        S2Result r = s2_translate(e, s1.s2, z3::concat(q, c.bv_val(0, 3)), ng, S2Class::Tt, e.ff(), e.ff(), e.ff());
        via = e.read(r.pa.extract(47, 3), ng, TableRole::S1Desc);
      }
      if (nested) return *nested ? via : direct;
      return z3::ite(s1.nested, via, direct);
    };
    for (uint64_t tgv : candidates(tg, 2)) {
      const unsigned g = tg0_granule(tgv);
      if (!g || !e.f.granule_supported(g)) continue;  // C_BAD_CD
      for (const LevelRange& lr : s1_start_levels(e.f, g)) {
        z3::expr cg = simp(f_and(wg, f_and(eq(tg, tgv), z3::ule(c.bv_val(lr.lo, 6), tsz) && z3::ule(tsz, c.bv_val(lr.hi, 6)))));
        if (cg.is_false()) continue;
        const unsigned shift = level_shift(g, lr.level);
        const unsigned n = std::min(g - 3, 64 - lr.lo - shift);
        WalkOut w = walk_shape(e, WalkShape{g, lr.level, n}, va48, tsz, ttb, cd.get(cd::IPS), cg, false, rw, fetch);
        walks.emplace_back(cg, w);
        hads.push_back(had);
      }
    }
  }
  if (walks.empty() || e.fc.finished()) return ipa;
  // Merge the shapes (mutually exclusive guards) into one leaf.
  WalkOut m = walks.back().second;
  z3::expr had = hads.back();
  for (size_t i = walks.size() - 1; i-- > 0;) {
    const auto& [cg, w] = walks[i];
    m.oa = z3::ite(cg, w.oa, m.oa);
    m.leaf = z3::ite(cg, w.leaf, m.leaf);
    m.ap_table = z3::ite(cg, w.ap_table, m.ap_table);
    m.xn_table = z3::ite(cg, w.xn_table, m.xn_table);
    m.pxn_table = z3::ite(cg, w.pxn_table, m.pxn_table);
    had = z3::ite(cg, hads[i], had);
  }
  m.oa = simp(m.oa);
  m.leaf = simp(m.leaf);
  // Access flag (CD.AFFD; HA is 0 without HTTU), then permissions (SMMU §3.13.1).
  e.fc.add(leaf_guard && !is1(m.leaf, s1desc::AF) && !cd.bit(cd::AFFD), EventType::F_ACCESS, false, rw);
  e.fc.add(leaf_guard && !s1_permitted(e, s1, m, had, write, instr, priv), EventType::F_PERMISSION, false, rw);
  return m.oa;
}

}  // namespace smmu::z3enc::detail
