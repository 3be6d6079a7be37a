#include "optimized/config.h"

#include <algorithm>

#include "specs/layout.h"

namespace smmu::opt {
namespace {

bool v30(const Features& f) { return f.version == ArchVersion::V3_0; }

uint64_t bit_mask(unsigned bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

// CD.TG0 / STE.S2TG: 0 = 4KB, 1 = 64KB, 2 = 16KB, 3 reserved. Returns 0 for reserved.
unsigned tg0_granule(unsigned tg) {
  switch (tg) {
    case 0: return 12;
    case 1: return 16;
    case 2: return 14;
    default: return 0;
  }
}
// CD.TG1: 0 reserved, 1 = 16KB, 2 = 4KB, 3 = 64KB.
unsigned tg1_granule(unsigned tg) {
  switch (tg) {
    case 1: return 14;
    case 2: return 12;
    case 3: return 16;
    default: return 0;
  }
}

// Table base address bits of a TTBx / S2TTB field (§5.4 TTB0, §5.2 S2TTB): [51:4] from SMMUv3.1,
// [47:4] in SMMUv3.0; address bits above the field range are zero.
uint64_t table_base(uint64_t field_in_place, const Features& f) {
  return field_in_place & (v30(f) ? 0x0000'FFFF'FFFF'FFF0ull : 0x000F'FFFF'FFFF'FFF0ull);
}

// TxSZ range of §5.4 CDTxSZInvalid() (VMSAv8-64) and §5.2 STES2T0SZInvalid().
bool s1_txsz_invalid(unsigned txsz, unsigned granule, const Features& f) {
  // A reserved TGx (granule 0) is neither 4KB/16KB nor 64KB in CDTxSZInvalid().
  const unsigned max = f.stt ? ((granule == 12 || granule == 14) ? 48 : 47) : 39;
  const unsigned min = (f.vax != 0 && granule == 16) ? 12 : 16;
  return txsz < min || txsz > max;
}
bool s2_t0sz_invalid(unsigned t0sz, unsigned granule, const Features& f) {
  const unsigned max = f.stt ? (granule == 16 ? 47 : 48) : 39;
  const unsigned ias = f.ias_bits();
  unsigned min;
  if (v30(f)) min = 64 - ias;
  else if (granule == 16) min = std::max(12u, 64 - ias);
  else min = std::max(16u, 64 - ias);
  return t0sz < min || t0sz > max;
}

// Stage-2 start level from S2SL0 and S2TG (VTCR_EL2.SL0 encoding, Arm ARM D8.2), or -1 when reserved or
// not valid for the implemented PA size (S2InvalidSL; specs/unpredictable.def S2SL0_PAMAX).
int s2_start_level(unsigned sl0, unsigned granule, const Features& f) {
  const unsigned pa = f.oas_bits();
  switch (granule) {
    case 12:
      if (sl0 == 3) return f.stt ? 3 : -1;
      if (sl0 == 2 && pa < 44) return -1;
      return 2 - static_cast<int>(sl0);
    case 14:
      if (sl0 == 3) return -1;  // level 0 needs DS
      if (sl0 == 2 && pa < 42) return -1;
      return 3 - static_cast<int>(sl0);
    case 16:
      if (sl0 == 3) return -1;
      if (sl0 == 2 && pa < 44) return -1;
      return 3 - static_cast<int>(sl0);
  }
  return -1;
}

// AArch64.S2InconsistentSL: the start level resolves between 1 and stride + 4 bits of the IPA.
bool s2_inconsistent(unsigned ia, int start, unsigned granule) {
  const unsigned stride = granule - 3;
  const unsigned levels = static_cast<unsigned>(3 - start);
  const unsigned min_ia = levels * stride + granule + 1;
  const unsigned max_ia = min_ia + (stride - 1) + 4;
  return ia < min_ia || ia > max_ia;
}

}  // namespace

unsigned effective_ps_bits(unsigned enc, const Features& f) {
  enc &= 7;
  if (v30(f) && enc >= 6) enc = 5;
  else if (!f.at_least(ArchVersion::V3_3) && enc == 7) enc = 6;
  else if (enc == 7) enc = 6;  // 56 bits needs SMMUv3.4 (VMSAv9-128); v3.3 treats it as 52
  return std::min(pa_size_bits(enc), f.oas_bits());
}

int s1_start_level(unsigned ia_bits, unsigned granule) {
  const int stride = static_cast<int>(granule) - 3;
  return 3 - ((static_cast<int>(ia_bits) - 1 - static_cast<int>(granule)) / stride);
}

unsigned start_table_log2_bytes(const TableConfig& t) {
  const unsigned stride = t.granule - 3u;
  const unsigned below = t.granule + static_cast<unsigned>(3 - t.start_level) * stride;
  const unsigned bits = t.ia_bits > below ? t.ia_bits - below : 0;
  return bits + 3;
}

namespace {

// Aligns a start-level table address (§5.4 TTB0, §5.2 S2TTB: bits below the table size are zero; a
// 64-byte minimum with a 52-bit output size).
uint64_t align_ttb(uint64_t ttb, const TableConfig& t) {
  unsigned x = start_table_log2_bytes(t);
  if (t.oa_bits >= 52) x = std::max(x, 6u);
  return ttb & ~bit_mask(x);
}

}  // namespace

SteConfig decode_ste(const Words8& w, const Features& f, bool cr2_e2h) {
  using namespace ste;
  SteConfig s;
  s.kind = SteConfig::Kind::Illegal;
  if (!V.get(w[0])) return s;
  const unsigned config = static_cast<unsigned>(Config.get(w[0]));
  if ((config & 4) == 0) {  // 0b0xx: abort, never ILLEGAL (§5.2 Config)
    s.kind = SteConfig::Kind::Abort;
    return s;
  }
  const bool s1 = config & 1, s2 = config & 2;
  if (s1 && !f.s1p) return s;
  if (s2 && !f.s2p) return s;

  // Overrides are decoded for every translating or bypass STE (§13.3, §13.1.4).
  if (f.attr_types_ovr) {
    s.mtcfg = MTCFG.get(w[1]);
    s.memattr = static_cast<uint8_t>(MemAttr.get(w[1]));
    s.alloccfg = static_cast<uint8_t>(ALLOCCFG.get(w[1]));
    s.shcfg = static_cast<uint8_t>(SHCFG.get(w[1]));
  }
  if (f.attr_perms_ovr) {
    s.privcfg = static_cast<uint8_t>(PRIVCFG.get(w[1]));
    s.instcfg = static_cast<uint8_t>(INSTCFG.get(w[1]));
  }
  s.mev = MEV.get(w[1]);
  if (config == 0b100) {
    s.kind = SteConfig::Kind::Bypass;
    return s;
  }
  s.s1 = s1;
  s.s2 = s2;

  // StreamWorld (§5.2 STRW): used only with stage 1 alone, and only when S1P and HYP are implemented.
  const bool strw_used = f.s1p && f.hyp && config == 0b101;
  const unsigned strw = static_cast<unsigned>(STRW.get(w[1]));
  if (strw_used) {
    if (strw & 1) return s;  // 0bx1: reserved, ILLEGAL
    if (strw == 0b10) s.world = cr2_e2h ? World::El2E2H : World::El2;
  }
  // ATS, stalls: ATS is not implemented; STALL_MODEL is 0b01 or 0b10 here.
  const unsigned stall_model = f.stall_model;

  if (s1) {
    s.s1stalld = S1STALLD.get(w[1]);
    if (s.s1stalld && stall_model != 0) return s;
    const unsigned cdmax = static_cast<unsigned>(S1CDMax.get(w[0]));
    if (f.ssidsize != 0 && cdmax > f.ssidsize) return s;
    s.cdmax = f.ssidsize == 0 ? 0 : static_cast<uint8_t>(cdmax);
    s.s1fmt = static_cast<uint8_t>(S1Fmt.get(w[0]));
    if (s.cdmax != 0 && !f.cd2l && (s.s1fmt == 1 || s.s1fmt == 2)) return s;
    if (s.s1fmt == 3) s.s1fmt = 0;
    s.s1dss = static_cast<uint8_t>(S1DSS.get(w[1]));
    if (s.s1dss == 3) s.s1dss = 0;
    s.context_ptr = S1ContextPtr.in_place(w[0]);
    // §3.4.3 and specs/unpredictable.def S1CONTEXTPTR_OOR_*: beyond the IAS (stage 2) or OAS: ILLEGAL.
    const unsigned range = s2 ? f.ias_bits() : f.oas_bits();
    if (s.context_ptr >> range) return s;
  }

  if (s2) {
    const unsigned s2s = static_cast<unsigned>(S2S.get(w[2]));
    if (s2s && stall_model == 1) return s;
    if (!s2s && stall_model == 2) return s;
    if (!S2AA64.get(w[2])) return s;  // VMSAv8-32 LPAE is not implemented (IDR0.TTF[0] = 0)
    if (!f.ttf_aarch64) return s;
    const bool s2ha = S2HA.get(w[2]), s2hd = S2HD.get(w[2]);
    if ((s2ha || s2hd) && f.httu == 0) return s;
    if (s2hd && f.httu == 1) return s;
    if (f.httu == 3 && S2HAFT.get(w[2]) && !s2ha) return s;
    const unsigned granule = tg0_granule(static_cast<unsigned>(S2TG.get(w[2])));
    if (granule == 0 || !f.granule_supported(granule)) return s;
    TableConfig& t = s.s2tt;
    t.granule = static_cast<uint8_t>(granule);
    t.oa_bits = static_cast<uint8_t>(effective_ps_bits(static_cast<unsigned>(S2PS.get(w[2])), f));
    t.lpa = granule == 16 && f.oas_bits() >= 52;
    const uint64_t ttb = table_base(S2TTB.in_place(w[3]), f);
    if (ttb >> t.oa_bits) return s;
    if (granule != 16 && (ttb >> 48)) return s;
    const unsigned t0sz = static_cast<unsigned>(S2T0SZ.get(w[2]));
    if (s2_t0sz_invalid(t0sz, granule, f)) return s;
    t.ia_bits = static_cast<uint8_t>(64 - t0sz);
    const int start = s2_start_level(static_cast<unsigned>(S2SL0.get(w[2])), granule, f);
    if (start < 0 || s2_inconsistent(t.ia_bits, start, granule)) return s;
    t.start_level = static_cast<int8_t>(start);
    if (f.ttendian == 0b10 && S2ENDI.get(w[2])) return s;
    if (f.ttendian == 0b11 && !S2ENDI.get(w[2])) return s;
    t.ttb = align_ttb(ttb, t);
    s.s2affd = S2AFFD.get(w[2]);
    s.s2r = S2R.get(w[2]);
    s.s2ptw = S2PTW.get(w[2]);
  }

  // S2VMID is used by NS-EL1 streams whenever stage 2 is implemented (§5.2.2 IgnoreSTES2VMID).
  const bool vmid_ignored = !f.s2p || (strw_used && strw != 0);
  if (!vmid_ignored) {
    const uint64_t vmid = S2VMID.get(w[2]);
    if (!f.vmid16 && (vmid >> 8)) return s;
    s.vmid = static_cast<uint16_t>(vmid);
  }
  s.kind = SteConfig::Kind::Translate;
  return s;
}

CdConfig decode_cd(const Words8& w, const SteConfig& ste, const Features& f) {
  using namespace cd;
  CdConfig c;
  c.illegal = true;
  if (!V.get(w[0])) return c;
  const bool s = S.get(w[0]);
  if (ste.s1stalld && s) return c;
  c.a = A.get(w[0]);
  if (f.term_model && !c.a) return c;
  if (f.stall_model == 1 && s) return c;
  if (f.stall_model == 2 && !s) return c;
  const bool el2 = ste.world == World::El2;
  // §5.4 EPD0: IGNORED (effective 0) for any-EL2; TTB1 is then unreachable (§5.4.1).
  const bool epd0 = el2 ? false : EPD0.get(w[0]);
  const bool epd1 = el2 ? true : EPD1.get(w[0]);
  if (!(epd0 && epd1)) {
    if (f.ttendian == 0b10 && ENDI.get(w[0])) return c;
    if (f.ttendian == 0b11 && !ENDI.get(w[0])) return c;
  }
  const bool aa64 = AA64.get(w[0]);
  if (!aa64) return c;  // VMSAv8-32 LPAE is not implemented (IDR0.TTF[0] = 0)
  if (!f.ttf_aarch64) return c;
  const bool ha = HA.get(w[0]), hd = HD.get(w[0]);
  if ((ha || hd) && f.httu == 0) return c;
  if (hd && f.httu == 1) return c;
  if (f.httu == 3 && HAFT.get(w[1]) && !ha) return c;
  const uint64_t asid = ASID.get(w[0]);
  if (ste.world != World::El2 && !f.asid16 && (asid >> 8)) return c;
  c.asid = ste.world == World::El2 ? 0 : static_cast<uint16_t>(asid);

  const unsigned ips = effective_ps_bits(static_cast<unsigned>(IPS.get(w[0])), f);
  const unsigned txsz[2] = {static_cast<unsigned>(T0SZ.get(w[0])), static_cast<unsigned>(T1SZ.get(w[0]))};
  const unsigned granule[2] = {tg0_granule(static_cast<unsigned>(TG0.get(w[0]))),
                               tg1_granule(static_cast<unsigned>(TG1.get(w[0])))};
  const uint64_t ttb[2] = {table_base(TTB0.in_place(w[1]), f), table_base(TTB1.in_place(w[2]), f)};
  const bool enabled[2] = {!epd0, !epd1};
  for (int i = 0; i < 2; ++i) {
    if (!enabled[i]) continue;
    if (s1_txsz_invalid(txsz[i], granule[i], f)) return c;
    if (granule[i] == 0 || !f.granule_supported(granule[i])) return c;
    if (ttb[i] >> ips) return c;
    if (granule[i] != 16 && (ttb[i] >> 48)) return c;
    TableConfig& t = c.tt[i];
    t.granule = static_cast<uint8_t>(granule[i]);
    t.ia_bits = static_cast<uint8_t>(64 - txsz[i]);
    t.oa_bits = static_cast<uint8_t>(ips);
    t.start_level = static_cast<int8_t>(s1_start_level(t.ia_bits, t.granule));
    t.lpa = granule[i] == 16 && f.oas_bits() >= 52;
    t.ttb = align_ttb(ttb[i], t);
    c.tt_enabled[i] = true;
  }
  c.tbi[0] = TBI0.get(w[0]);
  c.tbi[1] = el2 ? false : TBI1.get(w[0]);
  c.had[0] = f.had && HAD0.get(w[1]);
  c.had[1] = f.had && !el2 && HAD1.get(w[2]);
  c.e0pd[0] = f.e0pd && !el2 && E0PD0.get(w[1]);
  c.e0pd[1] = f.e0pd && !el2 && E0PD1.get(w[2]);
  c.affd = !ha && AFFD.get(w[0]);
  c.wxn = WXN.get(w[0]);
  c.pan = !el2 && PAN.get(w[0]);
  c.r = R.get(w[0]);
  c.mair = MAIR0.get(w[3]) | (MAIR1.get(w[3]) << 32);
  c.illegal = false;
  return c;
}

}  // namespace smmu::opt
