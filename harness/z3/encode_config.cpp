// Configuration lookup (SMMU §3.3.1, §5.1, §5.2, §5.4, §6.3.24-§6.3.25): the stream table walk to the STE, and
// the STE and CD validity checks (SteIllegal, §5.2; CdIllegal, §5.4.2) for a Non-secure stream.
#include <algorithm>

#include "harness/z3/encode_internal.h"

namespace smmu::z3enc::detail {

namespace {

// STE.S2T0SZ / CD.TxSZ limits (§5.2 STES2T0SZInvalid, §5.4 CDTxSZInvalid) for a granule of g bits.
unsigned txsz_max(const Features& f, unsigned g) { return f.stt ? (g == 16 ? 47 : 48) : 39; }
unsigned s1_txsz_min(const Features& f, unsigned g) { return (f.vax >= 1 && g == 16) ? 12 : 16; }
unsigned s2_txsz_min(const Features& f, unsigned g) {
  unsigned floor = g == 16 ? 12 : 16;
  unsigned ias = f.ias_bits();
  if (f.version == ArchVersion::V3_0) return 64 - ias;
  return std::max(floor, 64 - ias);
}

z3::expr in_range(Enc& e, const z3::expr& v6, unsigned lo, unsigned hi) {
  return z3::ule(e.bv(lo, 6), v6) && z3::ule(v6, e.bv(hi, 6));
}

// Whether the TxSZ value `tsz` is within the limits for the granule selected by the TG0-style encoding `tg`
// (a reserved or unsupported granule counts as out of range: it is ILLEGAL anyway).
z3::expr tsz_valid(Enc& e, const z3::expr& tg, const z3::expr& tsz, bool stage2) {
  z3::expr ok = e.ff();
  for (uint64_t enc = 0; enc < 3; ++enc) {
    unsigned g = tg0_granule(enc);
    if (!e.f.granule_supported(g)) continue;
    unsigned lo = stage2 ? s2_txsz_min(e.f, g) : s1_txsz_min(e.f, g);
    ok = ok || (eq(tg, enc) && in_range(e, tsz, lo, txsz_max(e.f, g)));
  }
  return ok;
}

z3::expr granule_ok(Enc& e, const z3::expr& tg) {
  z3::expr ok = e.ff();
  for (uint64_t enc = 0; enc < 3; ++enc)
    if (e.f.granule_supported(tg0_granule(enc))) ok = ok || eq(tg, enc);
  return ok;
}

}  // namespace

std::vector<LevelRange> s1_start_levels(const Features& f, unsigned g) {
  // startlevel = 3 - ((iasize - 1 - g) DIV stride), iasize = 64 - TxSZ (Arm ARM S1StartLevel, vmsa.md §7).
  std::vector<LevelRange> out;
  const unsigned stride = g - 3;
  for (unsigned tsz = s1_txsz_min(f, g); tsz <= txsz_max(f, g); ++tsz) {
    int level = 3 - int((64 - tsz - 1 - g) / stride);
    if (!out.empty() && out.back().level == level)
      out.back().hi = tsz;
    else
      out.push_back({level, tsz, tsz});
  }
  return out;
}

int s2_start_level(const Features& f, unsigned g, unsigned sl0) {
  // S2SL0 (§5.2, Arm ARM VTCR_EL2.SL0) with S2SL0_2 = 0 (RES0 without DS); the PA-size conditions of the Arm
  // ARM's S2InvalidSL apply against the OAS (CU S2SL0_PAMAX: ILLEGAL_below_oas).
  const unsigned oas = f.oas_bits();
  switch (g) {
    case 12:
      if (sl0 == 0) return 2;
      if (sl0 == 1) return 1;
      if (sl0 == 2) return oas < 44 ? -1 : 0;
      return f.stt ? 3 : -1;
    case 14:
      if (sl0 == 0) return 3;
      if (sl0 == 1) return 2;
      if (sl0 == 2) return oas < 42 ? -1 : 1;
      return -1;  // level 0 needs DS
    case 16:
      if (sl0 == 0) return 3;
      if (sl0 == 1) return 2;
      if (sl0 == 2) return oas < 44 ? -1 : 1;
      return -1;
    default: return -1;
  }
}

z3::expr ste_address(Enc& e, const z3::expr& sid) {
  const Features& f = e.f;
  const uint64_t cfgw = e.cfg.strtab_base_cfg;
  const unsigned log2 = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(cfgw));
  const unsigned eff = std::min<unsigned>(log2, f.sidsize);
  const bool two_level = regf::STRTAB_BASE_CFG_FMT.get(cfgw) == 1 && f.st_level >= 1;
  unsigned split = static_cast<unsigned>(regf::STRTAB_BASE_CFG_SPLIT.get(cfgw));
  if (split != 6 && split != 8 && split != 10) split = 6;  // other values behave as 6 (§6.3.25)
  uint64_t base = regf::STRTAB_BASE_ADDR.in_place(e.cfg.strtab_base);

  // StreamID range (§3.3.1, §7.3.3).
  if (eff < 32) e.fc.add(!fits(sid, eff), EventType::C_BAD_STREAMID);
  z3::expr sid64 = z3::zext(sid, 32);
  if (!two_level) {
    // Linear: the base is aligned to the table size, by the literal LOG2SIZE (§6.3.24).
    unsigned a = std::min(log2 + 6, 63u);
    base &= ~((uint64_t{1} << a) - 1);
    z3::expr addr = e.bv(base, 64) | z3::shl(sid64, 6);
    e.fc.add(!fits(addr, e.oas), EventType::F_STE_FETCH);  // CU STE_FETCH_ADDR_OOR
    return simp(addr.extract(47, 0));
  }
  // 2-level: L1STD at StreamID[LOG2SIZE-1:SPLIT] (§3.3.1.2, §5.1); base aligned to max(64, L1 table size).
  unsigned a = std::max(6, int(log2) - int(split) + 3);
  base &= ~((uint64_t{1} << std::min(a, 63u)) - 1);
  z3::expr l1_index = split >= 32 ? e.bv(0, 64) : z3::lshr(sid64, split);
  z3::expr l1_addr = e.bv(base, 64) | z3::shl(l1_index, 3);
  e.fc.add(!fits(l1_addr, e.oas), EventType::F_STE_FETCH);
  z3::expr l1 = e.read(simp(l1_addr.extract(47, 3)), e.t(), TableRole::L1Std);
  z3::expr span = fld(l1, l1std::Span);
  z3::expr span64 = z3::zext(span, 59);
  z3::expr low = z3::zext(sid.extract(split - 1, 0), 64 - split);
  // Span 0, reserved (12-31), beyond SPLIT + 1, or a StreamID beyond the span (§5.1.1, §7.3.3).
  z3::expr bad = eq(span, 0) || z3::ugt(span, e.bv(11, 5)) || z3::ugt(span, e.bv(split + 1, 5)) ||
                 !z3::ult(low, z3::shl(e.bv(1, 64), span64 - e.bv(1, 64)));
  e.fc.add(bad, EventType::C_BAD_STREAMID);
  // L2Ptr bits [5 + Span - 1:0] are treated as zero (§5.1).
  z3::expr l2 = z3::shl(z3::zext(fld(l1, l1std::L2Ptr), 14), 6);
  l2 = l2 & z3::shl(e.bv(~uint64_t{0}, 64), span64 + e.bv(5, 64));
  z3::expr addr = l2 | z3::shl(low, 6);
  e.fc.add(!fits(addr, e.oas), EventType::F_STE_FETCH);
  return simp(addr.extract(47, 0));
}

z3::expr ste_illegal(Enc& e, const Words& s) {
  const Features& f = e.f;
  z3::expr cfg = s.get(ste::Config);
  z3::expr translating = cfg.extract(2, 2) == e.bv(1, 1);
  z3::expr s1 = translating && cfg.extract(0, 0) == e.bv(1, 1);
  z3::expr s2 = translating && cfg.extract(1, 1) == e.bv(1, 1);
  z3::expr r = !s.bit(ste::V);
  if (!f.s1p) r = r || s1;
  if (!f.s2p) r = r || s2;
  // STRW is used with stage 1 only when Hyp is implemented; 0bx1 is reserved (§5.2 STRW).
  const bool strw_used_possible = f.s1p && f.hyp;
  z3::expr strw = s.get(ste::STRW);
  z3::expr strw_used = strw_used_possible ? eq(cfg, 0b101) : e.ff();
  r = r || (strw_used && eq(strw.extract(0, 0), 1));

  // Stage 1 (§5.2 S1STALLD, S1CDMax, S1Fmt, S1ContextPtr; CU S1CONTEXTPTR_OOR_*: C_BAD_STE).
  if (f.stall_model != 0) r = r || (s1 && s.bit(ste::S1STALLD));
  z3::expr cdmax = s.get(ste::S1CDMax);
  if (f.ssidsize != 0) {
    r = r || (s1 && z3::ugt(cdmax, e.bv(f.ssidsize, 5)));
    if (!f.cd2l) r = r || (s1 && !eq(cdmax, 0) && (eq(s.get(ste::S1Fmt), 1) || eq(s.get(ste::S1Fmt), 2)));
  }
  z3::expr ctx = s.get(ste::S1ContextPtr);  // address bits [55:6]
  r = r || (s1 && z3::ite(s2, !fits(ctx, e.ias - 6), !fits(ctx, e.oas - 6)));

  // Stage 2 (§5.2 S2S, S2AA64, S2HA/S2HD/S2HAFT, S2TG, S2TTB, S2T0SZ, S2SL0, S2ENDI).
  if (f.stall_model == 1) r = r || (s2 && s.bit(ste::S2S));
  if (f.stall_model == 2) r = r || (s2 && !s.bit(ste::S2S));
  if (!f.ttf_aarch64) r = r || (s2 && s.bit(ste::S2AA64));
  r = r || (s2 && !s.bit(ste::S2AA64));  // VMSAv8-32 LPAE: TTF[0] is 0 (the encoder requires it)
  z3::expr ha = s.bit(ste::S2HA), hd = s.bit(ste::S2HD);
  if (f.httu == 0) r = r || (s2 && (ha || hd));
  if (f.httu == 1) r = r || (s2 && hd);
  if (f.httu == 3) r = r || (s2 && s.bit(ste::S2HAFT) && !ha);
  z3::expr tg = s.get(ste::S2TG);
  r = r || (s2 && !granule_ok(e, tg));
  // S2TTB holds address bits [51:4] for VMSAv8-64; its bits for address [55:52] are RES0, which this
  // encoding ignores (chapter 5: a reserved field is either checked or ignored entirely).
  z3::expr ttb = bits(s.get(ste::S2TTB), 47, 0);
  z3::expr ps = s.get(ste::S2PS);
  z3::expr ttb_ok = e.ff();
  for (uint64_t p : candidates(ps, 3)) ttb_ok = ttb_ok || (eq(ps, p) && fits(ttb, e.ps_bits(p) - 4));
  r = r || (s2 && !ttb_ok);
  z3::expr t0sz = s.get(ste::S2T0SZ);
  r = r || (s2 && !tsz_valid(e, tg, t0sz, true));
  // S2SL0 consistent with S2T0SZ and S2TG (Arm ARM AArch64.S2InconsistentSL, vmsa.md §8).
  z3::expr sl0 = s.get(ste::S2SL0);
  z3::expr sl_ok = e.ff();
  for (uint64_t enc = 0; enc < 3; ++enc) {
    unsigned g = tg0_granule(enc);
    if (!f.granule_supported(g)) continue;
    const unsigned stride = g - 3;
    for (unsigned v = 0; v < 4; ++v) {
      int L = s2_start_level(f, g, v);
      if (L < 0) continue;
      unsigned min_ia = (3 - L) * stride + g + 1, max_ia = min_ia + stride - 1 + 4;
      unsigned lo = max_ia >= 64 ? 0 : 64 - max_ia, hi = 64 - min_ia;
      sl_ok = sl_ok || (eq(tg, enc) && eq(sl0, v) && in_range(e, t0sz, lo, hi));
    }
  }
  r = r || (s2 && !sl_ok);
  if (f.ttendian == 2) r = r || (s2 && s.bit(ste::S2ENDI));
  if (f.ttendian == 3) r = r || (s2 && !s.bit(ste::S2ENDI));
  // S2VMID[15:8] with 8-bit VMIDs, unless S2VMID is ignored (§5.2 IgnoreSTES2VMID).
  if (!f.vmid16 && f.s2p) {
    z3::expr ignored = !translating || eq(cfg, 0b100) || (strw_used && !eq(strw, 0));
    r = r || (!ignored && !eq(s.get(ste::S2VMID).extract(15, 8), 0));
  }
  return simp(r);
}

z3::expr cd_illegal(Enc& e, const Words& ste, const Words& cd, const z3::expr& el2) {
  const Features& f = e.f;
  z3::expr r = !cd.bit(cd::V);
  z3::expr s = cd.bit(cd::S);
  r = r || (ste.bit(ste::S1STALLD) && s);
  if (f.term_model) r = r || !cd.bit(cd::A);
  if (f.stall_model == 1) r = r || s;
  if (f.stall_model == 2) r = r || !s;
  // EPD0/EPD1 are IGNORED (effective 0) in any-EL2, which has only TTB0 (§5.4 EPD0, §3.3.3).
  z3::expr epd0 = cd.bit(cd::EPD0) && !el2;
  z3::expr epd1 = cd.bit(cd::EPD1) || el2;
  if (f.ttendian == 2) r = r || ((!epd0 || !epd1) && cd.bit(cd::ENDI));
  if (f.ttendian == 3) r = r || ((!epd0 || !epd1) && !cd.bit(cd::ENDI));
  z3::expr aa64 = cd.bit(cd::AA64);
  r = r || !aa64;  // VMSAv8-32 LPAE is not implemented (TTF[0] == 0)
  if (!f.ttf_aarch64) r = r || aa64;
  z3::expr ha = cd.bit(cd::HA), hd = cd.bit(cd::HD);
  if (f.httu == 0) r = r || ha || hd;
  if (f.httu == 1) r = r || hd;
  if (f.httu == 3) r = r || (cd.bit(cd::HAFT) && !ha);
  if (!f.asid16) r = r || (!el2 && !eq(cd.get(cd::ASID).extract(15, 8), 0));
  // TxSZ, TGx and TTBx of each enabled half; TTBx within the effective IPS (and 48 bits) (§5.4.2).
  z3::expr tg1 = cd.get(cd::TG1);
  z3::expr tg1_0 = z3::ite(eq(tg1, 1), e.bv(2, 2), z3::ite(eq(tg1, 2), e.bv(0, 2), z3::ite(eq(tg1, 3), e.bv(1, 2), e.bv(3, 2))));
  z3::expr ips = cd.get(cd::IPS);
  auto ttb_ok = [&](const z3::expr& ttb) {
    z3::expr ok = e.ff();
    for (uint64_t p : candidates(ips, 3)) ok = ok || (eq(ips, p) && fits(ttb, e.ps_bits(p) - 4));
    return ok;
  };
  struct Half {
    z3::expr epd, tg, tsz, ttb;
  };
  // TTBx hold address bits [51:4] for VMSAv8-64; their bits for address [55:52] are RES0 and ignored.
  Half halves[2] = {{epd0, cd.get(cd::TG0), cd.get(cd::T0SZ), bits(cd.get(cd::TTB0), 47, 0)},
                    {epd1, tg1_0, cd.get(cd::T1SZ), bits(cd.get(cd::TTB1), 47, 0)}};
  for (const Half& h : halves) {
    z3::expr bad = !tsz_valid(e, h.tg, h.tsz, false) || !granule_ok(e, h.tg) || !ttb_ok(h.ttb);
    r = r || (!h.epd && bad);
  }
  return simp(r);
}

}  // namespace smmu::z3enc::detail
