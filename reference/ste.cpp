#include "reference/ste.h"

#include <algorithm>

#include "reference/vmsa.h"

namespace smmu::ref {

unsigned s2_output_bits(const Ste& st, const Features& f) {
  return std::min(pa_size_bits(static_cast<unsigned>(st[ste::S2PS])), f.oas_bits());
}

uint64_t s2ttb_address(const Ste& st, const Features& f) {
  unsigned top = f.at_least(ArchVersion::V3_1) ? 51 : 47;
  return st.in_place(ste::S2TTB) & ((uint64_t{2} << top) - 1);
}

namespace {

// IgnoreSTESTRW (§5.2.2) for a Non-secure STE.
bool strw_unused(const Ste& st, const Features& f) {
  return !f.s1p || !f.hyp || st.s2_enabled() || st.config() == 0b100;
}

// STES2T0SZInvalid (§5.2.2), VMSAv8-64 without S2DS.
bool s2t0sz_invalid(unsigned s2t0sz, unsigned granule, const Features& f) {
  unsigned max = f.stt ? (granule == 16 ? 47 : 48) : 39;
  unsigned ias = f.ias_bits();
  unsigned min;
  if (!f.at_least(ArchVersion::V3_1)) min = 64 - ias;
  else if (granule == 16) min = std::max(12u, 64 - ias);
  else min = std::max(16u, 64 - ias);
  return s2t0sz < min || s2t0sz > max;
}

}  // namespace

StreamWorld stream_world(const Ste& st, const Features& f, uint32_t cr2) {
  // §5.2 STRW: used only with Config = 0b101; otherwise the effective StreamWorld is NS-EL1.
  if (strw_unused(st, f) || st[ste::STRW] != 0b10) return StreamWorld::NsEl1;
  return regf::CR2_E2H.get(cr2) ? StreamWorld::El2E2H : StreamWorld::El2;
}

const char* stream_world_name(StreamWorld w) {
  switch (w) {
    case StreamWorld::NsEl1: return "NS-EL1";
    case StreamWorld::El2: return "NS-EL2";
    case StreamWorld::El2E2H: return "NS-EL2-E2H";
  }
  return "?";
}

std::optional<const char*> ste_illegal(const Ste& st, const Features& f) {
  if (st[ste::V] == 0) return "V == 0";
  if (!st.translates()) return std::nullopt;  // Config 0b0xx (abort) is never ILLEGAL
  if (st.s1_enabled() && !f.s1p) return "stage 1 enabled but IDR0.S1P == 0";
  if (st.s2_enabled() && !f.s2p) return "stage 2 enabled but IDR0.S2P == 0";
  // EATS is IGNORED when IDR0.ATS == 0; ATS is not implemented by this model.
  if (!strw_unused(st, f) && (st[ste::STRW] & 1)) return "STRW is a reserved value (0bx1)";

  if (st.s1_enabled()) {
    if (st[ste::S1STALLD] && f.stall_model != 0) return "S1STALLD == 1 while IDR0.STALL_MODEL != 0b00";
    if (f.ssidsize != 0 && st[ste::S1CDMax] > f.ssidsize) return "S1CDMax > IDR1.SSIDSIZE";
    if (f.ssidsize != 0 && st[ste::S1CDMax] != 0 && !f.cd2l && (st[ste::S1Fmt] == 1 || st[ste::S1Fmt] == 2))
      return "2-level S1Fmt without IDR0.CD2L";
    // §3.4.3: an out-of-range S1ContextPtr is C_BAD_STE (specs/unpredictable.def S1CONTEXTPTR_OOR_*).
    unsigned limit = st.s2_enabled() ? f.ias_bits() : f.oas_bits();
    if (st.in_place(ste::S1ContextPtr) >> limit) return "S1ContextPtr beyond the IAS/OAS";
  }

  if (st.s2_enabled()) {
    if (st[ste::S2S] && f.stall_model == 0b01) return "S2S == 1 while IDR0.STALL_MODEL == 0b01";
    if (!st[ste::S2S] && f.stall_model == 0b10) return "S2S == 0 while IDR0.STALL_MODEL == 0b10";
    const bool aa64 = st[ste::S2AA64];
    if (!aa64 && !f.ttf_aarch32) return "S2AA64 == 0 (VMSAv8-32) without IDR0.TTF[0]";
    if (aa64 && !f.ttf_aarch64) return "S2AA64 == 1 without IDR0.TTF[1]";
    if ((st[ste::S2HA] || st[ste::S2HD]) && (!aa64 || f.httu == 0)) return "S2HA/S2HD without HTTU";
    if (st[ste::S2HD] && f.httu == 1) return "S2HD with IDR0.HTTU == 0b01";
    if (st[ste::S2HAFT] && !st[ste::S2HA] && f.httu == 3) return "S2HAFT without S2HA";
    std::optional<unsigned> granule = decode_tg0(static_cast<unsigned>(st[ste::S2TG]));
    if (!granule || !f.granule_supported(*granule)) return "S2TG reserved or granule not supported";
    uint64_t ttb = s2ttb_address(st, f);
    if (ttb >> s2_output_bits(st, f)) return "S2TTB beyond the effective S2PS";
    if (*granule != 16 && (ttb >> 48)) return "S2TTB beyond 48 bits with a 4KB/16KB granule";
    unsigned s2t0sz = static_cast<unsigned>(st[ste::S2T0SZ]);
    // SMMUv3.0 leaves an out-of-range S2T0SZ CONSTRAINED UNPREDICTABLE; we choose ILLEGAL (TXSZ_OOR_V30).
    if (s2t0sz_invalid(s2t0sz, *granule, f)) return "S2T0SZ out of range";
    std::optional<int> start = s2_start_level(*granule, static_cast<unsigned>(st[ste::S2SL0]), f);
    if (!start || s2_walk_inconsistent(*granule, *start, 64 - s2t0sz))
      return "S2SL0 inconsistent with S2T0SZ and S2TG";
    if (f.ttendian == 0b10 && st[ste::S2ENDI]) return "S2ENDI == 1 (big-endian) on a little-endian-only SMMU";
    if (f.ttendian == 0b11 && !st[ste::S2ENDI]) return "S2ENDI == 0 (little-endian) on a big-endian-only SMMU";
  }

  // IgnoreSTES2VMID (§5.2.2): S2VMID is used when a stage translates and the StreamWorld is EL1.
  bool s2vmid_ignored = !f.s2p || st.config() == 0b100 || (!strw_unused(st, f) && st[ste::STRW] != 0);
  if (!s2vmid_ignored && !f.vmid16 && (st[ste::S2VMID] >> 8) != 0) return "S2VMID[15:8] != 0 without VMID16";
  return std::nullopt;
}

}  // namespace smmu::ref
