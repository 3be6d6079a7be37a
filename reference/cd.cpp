#include "reference/cd.h"

#include <algorithm>

#include "reference/events.h"
#include "reference/vmsa.h"

namespace smmu::ref {

bool effective_epd0(const Cd& c, StreamWorld w) { return w == StreamWorld::El2 ? false : c[cd::EPD0]; }
bool effective_epd1(const Cd& c, StreamWorld w) { return w == StreamWorld::El2 ? true : c[cd::EPD1]; }

unsigned cd_output_bits(const Cd& c, const Features& f) {
  return std::min(pa_size_bits(static_cast<unsigned>(c[cd::IPS])), f.oas_bits());
}

uint64_t ttb_address(const Cd& c, const Field& ttb, const Features& f) {
  unsigned top = f.at_least(ArchVersion::V3_1) ? 51 : 47;
  return c.in_place(ttb) & ((uint64_t{2} << top) - 1);
}

namespace {

Outcome cd_fetch_abort(const Ctx& ctx, uint64_t pa) {
  EventRecord r = event_for(EventType::F_CD_FETCH, ctx.txn);
  r.set(event::FetchAddr, pa >> 3);
  return abort_with(ctx, r);
}

Outcome bad_substreamid(const Ctx& ctx, uint32_t ssid) {
  EventRecord r = event_for(EventType::C_BAD_SUBSTREAMID, ctx.txn);
  r.set(event::SubstreamID, ssid);
  return abort_with(ctx, r);
}

// CDTxSZInvalid (§5.4.2) for VMSAv8-64 with IDR5.VAX = 0 and no DS.
bool txsz_invalid(unsigned txsz, unsigned granule, const Features& f) {
  unsigned max = f.stt ? (granule == 16 ? 47 : 48) : 39;
  unsigned min = (f.vax != 0 && granule == 16) ? 12 : 16;
  return txsz < min || txsz > max;
}

// The checks on one enabled translation table (§5.4.2: TxSZ, TGx, TTBx).
std::optional<const char*> ttbx_illegal(const Cd& c, const Field& tsz, std::optional<unsigned> granule,
                                        const Field& ttb, const Features& f) {
  if (!granule || !f.granule_supported(*granule)) return "TGx reserved or granule not supported";
  // SMMUv3.0 leaves an out-of-range TxSZ CONSTRAINED UNPREDICTABLE; we choose ILLEGAL (TXSZ_OOR_V30).
  if (txsz_invalid(static_cast<unsigned>(c[tsz]), *granule, f)) return "TxSZ out of range";
  uint64_t addr = ttb_address(c, ttb, f);
  if (addr >> cd_output_bits(c, f)) return "TTBx beyond the effective IPS";
  if (*granule != 16 && (addr >> 48)) return "TTBx beyond 48 bits with a 4KB/16KB granule";
  return std::nullopt;
}

}  // namespace

std::optional<const char*> cd_illegal(const Cd& c, const Ste& st, StreamWorld world, const Features& f) {
  if (c[cd::V] == 0) return "V == 0";
  if (st[ste::S1STALLD] && c[cd::S]) return "CD.S == 1 with STE.S1STALLD == 1";
  if (f.term_model && !c[cd::A]) return "A == 0 while IDR0.TERM_MODEL == 1";
  if (f.stall_model == 0b01 && c[cd::S]) return "S == 1 while IDR0.STALL_MODEL == 0b01";
  if (f.stall_model == 0b10 && !c[cd::S]) return "S == 0 while IDR0.STALL_MODEL == 0b10";
  const bool epd0 = effective_epd0(c, world), epd1 = effective_epd1(c, world);
  if (!epd0 || !epd1) {
    if (f.ttendian == 0b10 && c[cd::ENDI]) return "ENDI == 1 (big-endian) on a little-endian-only SMMU";
    if (f.ttendian == 0b11 && !c[cd::ENDI]) return "ENDI == 0 (little-endian) on a big-endian-only SMMU";
  }
  const bool aa64 = c[cd::AA64];
  if (!aa64 && (!f.ttf_aarch32 || world == StreamWorld::El2E2H)) return "AA64 == 0 (VMSAv8-32) not permitted";
  if (aa64 && (!f.ttf_aarch64 || (st.s2_enabled() && !st[ste::S2AA64])))
    return "AA64 == 1 without IDR0.TTF[1] or under a VMSAv8-32 stage 2";
  if ((c[cd::HA] || c[cd::HD]) && f.httu == 0) return "HA/HD without HTTU";
  if (c[cd::HD] && f.httu == 1) return "HD with IDR0.HTTU == 0b01";
  if (c[cd::HAFT] && !c[cd::HA] && f.httu == 3) return "HAFT without HA";
  if (world != StreamWorld::El2 && !f.asid16 && (c[cd::ASID] >> 8) != 0) return "ASID[15:8] != 0 without ASID16";
  if (!epd0)
    if (auto why = ttbx_illegal(c, cd::T0SZ, decode_tg0(static_cast<unsigned>(c[cd::TG0])), cd::TTB0, f)) return why;
  if (!epd1)
    if (auto why = ttbx_illegal(c, cd::T1SZ, decode_tg1(static_cast<unsigned>(c[cd::TG1])), cd::TTB1, f)) return why;
  return std::nullopt;
}

Result<Cd> fetch_cd(const Ctx& ctx, const Ste& st, uint32_t index, const ToPa& to_pa) {
  const uint32_t sid = ctx.txn.sid;
  const unsigned cdmax = static_cast<unsigned>(st[ste::S1CDMax]);
  uint64_t cd_addr = st.in_place(ste::S1ContextPtr);
  // §5.2 S1Fmt: IGNORED when S1CDMax = 0 or IDR1.SSIDSIZE = 0 (S1ContextPtr names one CD); 0b11 is
  // reserved and behaves as 0b00 (linear).
  const unsigned fmt = (cdmax == 0 || ctx.f.ssidsize == 0) ? 0 : static_cast<unsigned>(st[ste::S1Fmt]);
  const unsigned limit = st.s2_enabled() ? ctx.f.ias_bits() : ctx.f.oas_bits();
  // §5.2 S1Fmt: a CD table (linear) or L1 table is aligned to its size; the RES0 pointer bits below that
  // are taken as zero (specs/unpredictable.def S1CONTEXTPTR_RES0_BITS).
  if (cdmax != 0 && ctx.f.ssidsize != 0) {
    const unsigned align = fmt == 1 ? (cdmax > 9 ? cdmax - 3 : 0) : fmt == 2 ? (cdmax > 13 ? cdmax - 7 : 0) : cdmax + 6;
    if (align > 6) cd_addr &= ~((uint64_t{1} << align) - 1);
  }
  if (fmt == 1 || fmt == 2) {
    const unsigned leaf_bits = fmt == 1 ? 6 : 10;  // 4KB leaves of 64 CDs or 64KB leaves of 1024 CDs
    const uint64_t l1_addr = cd_addr + uint64_t{index >> leaf_bits} * 8;
    ctx.note("5.2", "2-level CD table (S1Fmt={}): L1CD[{}] at {:#x}", fmt, index >> leaf_bits, l1_addr);
    Result<uint64_t> l1_pa = to_pa(l1_addr, true);
    if (!l1_pa.ok()) return l1_pa.outcome();
    TableRead meta{.role = TableRole::L1Cd, .sid = sid, .ssid = index};
    if (st.s2_enabled()) meta.ipa = l1_addr;
    std::optional<uint64_t> l1 = ctx.read_word(l1_pa.value(), meta);
    if (!l1) {
      ctx.note("7.3.10", "external abort reading the L1CD at {:#x}", l1_pa.value());
      return cd_fetch_abort(ctx, l1_pa.value());
    }
    if (!l1cd::V.get(*l1)) {
      ctx.note("5.3", "L1CD.V == 0");
      return bad_substreamid(ctx, index);
    }
    uint64_t l2 = l1cd::L2Ptr.in_place(*l1);
    if (fmt == 2) l2 &= ~uint64_t{0xFFFF};  // §5.2: L2Ptr[15:12] RES0 with 64KB leaves: taken as zero (L2PTR_64K_RES0)
    if (l2 >> limit) {
      // §3.4.3: C_BAD_SUBSTREAMID (specs/unpredictable.def L1CD_L2PTR_OOR_*).
      ctx.note("3.4.3", "L1CD.L2Ptr {:#x} is beyond the {}", l2, st.s2_enabled() ? "IAS" : "OAS");
      return bad_substreamid(ctx, index);
    }
    cd_addr = l2 + uint64_t{index & ((1u << leaf_bits) - 1)} * 64;
  } else {
    cd_addr += uint64_t{index} * 64;
  }
  ctx.note("3.3.2", "CD {} of StreamID {:#x} at {:#x}{}", index, sid, cd_addr, st.s2_enabled() ? " (IPA)" : "");
  Result<uint64_t> pa = to_pa(cd_addr, true);
  if (!pa.ok()) return pa.outcome();
  Cd c;
  std::optional<uint64_t> aborted, w[cd::kQwords];
  for (unsigned i = 0; i < cd::kQwords; ++i) {
    w[i] = ctx.mem.read(pa.value() + 8 * i, 8);
    if (!w[i] && !aborted) aborted = pa.value() + 8 * i;
    c.q[i] = w[i].value_or(0);
  }
  // Each qword is reported with the CD's ASID, the tag of the TLB entries its fields go into.
  for (unsigned i = 0; i < cd::kQwords; ++i) {
    TableRead meta{.role = TableRole::Cd, .sid = sid, .ssid = index, .index = i,
                   .asid = static_cast<uint16_t>(cd::ASID.get(c.q))};
    if (st.s2_enabled()) meta.ipa = cd_addr + 8 * i;
    ctx.report(pa.value() + 8 * i, w[i], meta);
  }
  if (aborted) {
    ctx.note("7.3.10", "external abort reading the CD at {:#x}", *aborted);
    return cd_fetch_abort(ctx, *aborted);
  }
  return c;
}

}  // namespace smmu::ref
