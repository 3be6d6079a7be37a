// Translation table walks (Arm ARM D8.2, D8.3; SMMU §3.4): the common walk of one (granule, start level) shape
// and the stage 2 translation of an IPA with its Access flag and permission checks (Arm ARM D8.4.2, SMMU
// §3.4, §7.3.13-§7.3.16).
#include <algorithm>

#include "harness/z3/encode_internal.h"

namespace smmu::z3enc::detail {

namespace {

// Block descriptors (Arm ARM D8.3, vmsa.md §6) with OAS <= 48 (no DS, no FEAT_LPA: the 64KB level 1 block is a
// translation fault, the BLOCK_64K_LEVEL1 choice of specs/unpredictable.def).
bool block_allowed(unsigned g, int level) {
  if (g == 12) return level == 1 || level == 2;
  return level == 2;
}

}  // namespace

WalkOut walk_shape(Enc& e, const WalkShape& sh, const z3::expr& ia48, const z3::expr& tsz, const z3::expr& ttb48,
                   const z3::expr& ps, const z3::expr& guard, bool s2, const z3::expr& rw, const Fetch& fetch) {
  z3::context& c = e.c;
  const unsigned g = sh.g, stride = g - 3;
  const int L = sh.start;
  const unsigned shift_l = level_shift(g, L);
  const unsigned n = sh.max_index_bits;

  // Start table: index IA[iasize-1:shift] (iasize = 64 - TxSZ); the base is aligned to the table size,
  // bits [x-1:0] treated as zero with x = iasize - shift + 3 (Arm ARM TTBaseAddress; SMMU CD.TTB0, STE.S2TTB).
  z3::expr ia64 = z3::zext(ia48, 16);
  z3::expr tsz64 = z3::zext(tsz, 58);
  z3::expr idx = z3::lshr(z3::shl(ia64, tsz64), tsz64 + c.bv_val(shift_l, 64)).extract(n - 1, 0);
  z3::expr x48 = c.bv_val(67 - shift_l, 48) - z3::zext(tsz, 42);
  z3::expr base = ttb48 & z3::shl(c.bv_val(~uint64_t{0} >> 16, 48), x48);
  z3::expr qaddr = simp(base.extract(47, 3) | z3::zext(idx, kQaddrBits - n));

  WalkOut out{c.bv_val(0, 48), c.bv_val(0, 64), c.bv_val(0, 2), c.bv_val(0, 1), c.bv_val(0, 1)};
  z3::expr cont = guard;
  for (int l = L; l <= 3 && !e.fc.finished(); ++l) {
    const unsigned s = level_shift(g, l);
    z3::expr d = fetch(qaddr, cont);
    z3::expr valid = is1(d, s1desc::Valid), type = is1(d, s1desc::Type);
    z3::expr is_table = l < 3 ? f_and(valid, type) : e.ff();
    z3::expr is_leaf = l < 3 ? f_and(valid, f_and(f_not(type), e.c.bool_val(block_allowed(g, l)))) : f_and(valid, type);
    e.fc.add(f_and(cont, f_and(f_not(is_table), f_not(is_leaf))), EventType::F_TRANSLATION, s2, rw);
    // Address size: the next-level table address or the output address must fit the effective PS (§3.4,
    // CD.IPS, STE.S2PS); descriptor bits [g-1:12] (tables, pages) and [s-1:12] (blocks) are not address bits.
    z3::expr next_table = z3::concat(bits(d, 47, g), c.bv_val(0, g));
    z3::expr out_base = z3::concat(bits(d, 47, s), c.bv_val(0, s));
    z3::expr out_addr = simp(l < 3 ? f_ite(type, next_table, out_base) : out_base);
    e.fc.add(f_and(f_and(cont, f_or(is_table, is_leaf)), f_not(e.fits_ps(out_addr, ps))), EventType::F_ADDR_SIZE, s2, rw);
    z3::expr here = simp(f_and(cont, is_leaf));
    if (!here.is_false()) {
      out.oa = f_ite(here, z3::concat(bits(d, 47, s), bits(ia48, s - 1, 0)), out.oa);
      out.leaf = f_ite(here, d, out.leaf);
    }
    if (l == 3) break;
    // Hierarchical attributes accumulate over the table descriptors walked (Arm ARM D8.4.1.2, vmsa.md §3).
    if (is_table.is_false()) break;
    out.ap_table = f_ite(is_table, out.ap_table | fld(d, s1desc::APTable), out.ap_table);
    out.xn_table = f_ite(is_table, out.xn_table | fld(d, s1desc::UXNTable), out.xn_table);
    out.pxn_table = f_ite(is_table, out.pxn_table | fld(d, s1desc::PXNTable), out.pxn_table);
    qaddr = simp(z3::concat(bits(d, 47, g), bits(ia48, s - 1, s - stride)));
    cont = simp(f_and(cont, is_table));
    if (cont.is_false()) break;
  }
  return out;
}

S2Result s2_translate(Enc& e, const S2Cfg& s2, const z3::expr& ipa48, const z3::expr& guard_in, S2Class cls,
                      const z3::expr& write, const z3::expr& instr, const z3::expr& priv) {
  z3::context& c = e.c;
  const z3::expr no = e.ff();
  if (e.fc.finished() || guard_in.is_false()) return S2Result{c.bv_val(0, 48), c.bv_val(0, 64)};
  // Input range: a stage 2 Translation fault for an IPA outside S2T0SZ (§3.4 stage 2 check 1).
  z3::expr oor = z3::lshr(z3::zext(ipa48, 16), c.bv_val(64, 64) - z3::zext(s2.t0sz, 58)) != c.bv_val(0, 64);
  e.fc.add(guard_in && oor, EventType::F_TRANSLATION, true);
  z3::expr guard = simp(f_and(guard_in, f_not(oor)));
  S2Result r{c.bv_val(0, 48), c.bv_val(0, 64)};
  if (guard.is_false()) return r;

  for (uint64_t tg : candidates(s2.tg, 2)) {
    const unsigned g = tg0_granule(tg);
    if (!g || !e.f.granule_supported(g)) continue;  // C_BAD_STE
    for (uint64_t sl0 : candidates(s2.sl0, 2)) {
      const int L = s2_start_level(e.f, g, static_cast<unsigned>(sl0));
      if (L < 0) continue;  // C_BAD_STE
      z3::expr cg = simp(f_and(guard, f_and(eq(s2.tg, tg), eq(s2.sl0, sl0))));
      if (cg.is_false()) continue;
      // Up to 16 concatenated start tables (Arm ARM D8.2.2), within the IAS.
      const unsigned shift_l = level_shift(g, L);
      const unsigned n = std::min(g - 3 + 4, e.ias > shift_l ? e.ias - shift_l : 1u);
      Fetch fetch = [&](const z3::expr& q, const z3::expr& gd) {
        return e.read(q, gd, TableRole::S2Desc, /*s2=*/true);
      };
      WalkOut w = walk_shape(e, WalkShape{g, L, n}, ipa48, s2.t0sz, s2.ttb, s2.ps, cg, true, no, fetch);
      r.pa = z3::ite(cg, w.oa, r.pa);
      r.leaf = z3::ite(cg, w.leaf, r.leaf);
    }
  }
  r.pa = simp(r.pa);
  if (e.fc.finished()) return r;
  // Access flag, then permissions (SMMU §3.13.1; Arm ARM D8.4.2, vmsa.md §4).
  e.fc.add(guard && !is1(r.leaf, s2desc::AF) && !s2.affd, EventType::F_ACCESS, true);
  z3::expr s2ap = fld(r.leaf, s2desc::S2AP);
  z3::expr can_read = s2ap.extract(0, 0) == c.bv_val(1, 1);
  z3::expr can_write = s2ap.extract(1, 1) == c.bv_val(1, 1);
  z3::expr allowed = e.t();
  if (cls == S2Class::In) {
    // Without FEAT_XNX only XN[1] (bit 54) counts; an instruction fetch needs no read permission.
    z3::expr xn = r.leaf.extract(s2desc::XN.hi, s2desc::XN.hi) == c.bv_val(1, 1);
    allowed = z3::ite(write, can_write, z3::ite(instr, !xn, can_read));
  } else {
    // Table walks and CD fetches are data reads; with STE.S2PTW = 1 a stage 1 walk to Device memory at
    // stage 2 is a Permission fault (Arm ARM D8.6.3, vmsa.md §10).
    allowed = can_read;
    if (cls == S2Class::Tt) allowed = allowed && !(s2.ptw && eq(fld(r.leaf, s2desc::MemAttr).extract(3, 2), 0));
  }
  (void)priv;
  e.fc.add(guard && !allowed, EventType::F_PERMISSION, true);
  return r;
}

}  // namespace smmu::z3enc::detail
