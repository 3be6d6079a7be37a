#include "harness/driver/used_bits.h"

#include <fmt/format.h>

namespace smmu::driver {

const char* entry_kind_name(EntryKind k) { return k == EntryKind::Ste ? "STE" : "CD"; }

const char* stream_world_name(StreamWorld w) {
  switch (w) {
    case StreamWorld::NsEl1: return "NS-EL1";
    case StreamWorld::NsEl2: return "NS-EL2";
    case StreamWorld::NsEl2E2H: return "NS-EL2-E2H";
  }
  return "?";
}

namespace {

class Collect {
 public:
  Collect(std::vector<UsedField>* fields) : fields_(fields) {}
  void add(const Field& f, const char* why) {
    mask_[f.qword] |= f.mask_in_place();
    if (fields_) fields_->push_back({&f, why});
  }
  Words8 mask() const { return mask_; }

 private:
  Words8 mask_{};
  std::vector<UsedField>* fields_;
};

}  // namespace

Words8 ste_used_bits(const Words8& e, const Features& f, std::vector<UsedField>* fields) {
  Collect c(fields);
  const std::span<const uint64_t> w(e);
  c.add(ste::V, "§5.2 V: always");
  // §5.2 V: with V = 0 the other STE fields are IGNORED.
  if (!ste::V.get(w)) return c.mask();
  c.add(ste::Config, "§5.2 Config: a valid STE");
  // §5.2 CONT: a hint that neighbouring StreamIDs may use this STE, for any valid STE.
  c.add(ste::CONT, "§5.2 CONT: which StreamIDs a cached valid STE may serve");
  const uint64_t config = ste::Config.get(w);
  const bool traffic = config & 0b100;             // §5.2 Config: 0b0xx aborts (0b000 or reserved)
  const bool s1 = traffic && (config & 0b001);     // 0b1x1: stage 1 translates
  const bool s2 = traffic && (config & 0b010);     // 0b11x: stage 2 translates
  if (!traffic) return c.mask();  // §5.2 Config 0b000: abort, no event; nothing else applies
  // §5.2 MEV: event merging for any stream whose transactions can fault with an event.
  c.add(ste::MEV, "§5.2 MEV: a stream that can record events");
  // §5.2 MTCFG/ALLOCCFG/SHCFG: RES0 when SMMU_IDR1.ATTR_TYPES_OVR == 0; MemAttr RES0 also when MTCFG == 0.
  if (f.attr_types_ovr) {
    c.add(ste::MTCFG, "§5.2 MTCFG: IDR1.ATTR_TYPES_OVR == 1");
    c.add(ste::ALLOCCFG, "§5.2 ALLOCCFG: IDR1.ATTR_TYPES_OVR == 1");
    c.add(ste::SHCFG, "§5.2 SHCFG: IDR1.ATTR_TYPES_OVR == 1");
    if (ste::MTCFG.get(w)) c.add(ste::MemAttr, "§5.2 MemAttr: MTCFG == 1 and IDR1.ATTR_TYPES_OVR == 1");
  }
  // §5.2 PRIVCFG/INSTCFG: RES0 when SMMU_IDR1.ATTR_PERMS_OVR == 0. NSCFG is IGNORED in the Non-secure
  // Stream table, the only one smmucheck models.
  if (f.attr_perms_ovr) {
    c.add(ste::PRIVCFG, "§5.2 PRIVCFG: IDR1.ATTR_PERMS_OVR == 1");
    c.add(ste::INSTCFG, "§5.2 INSTCFG: IDR1.ATTR_PERMS_OVR == 1");
  }
  // §5.2 EATS: IGNORED when IDR0.ATS == 0 or Config[1:0] == 0b00.
  if (f.ats && (config & 0b011)) c.add(ste::EATS, "§5.2 EATS: IDR0.ATS == 1 and a stage translates");
  // §5.2 PPAR: RES0 when IDR0.PRI == 0 or IDR1.SSIDSIZE == 0.
  if (f.pri && f.ssidsize) c.add(ste::PPAR, "§5.2 PPAR: IDR0.PRI == 1 and substreams supported");
  // §5.2 S2VMID: tags NS-EL1 translations of either stage when stage 2 is implemented; the StreamWorld of
  // a stage-1-only STE is NS-EL1 when STRW == 0b00 (or RES0 when IDR0.Hyp == 0).
  if (s1 && !s2 && f.hyp && f.s1p) c.add(ste::STRW, "§5.2 STRW: stage 1 only, IDR0.Hyp == 1");
  const bool ns_el1 = s2 || !(f.hyp && f.s1p) || ste::STRW.get(w) == 0;
  if (f.s2p && (s2 || s1) && ns_el1) c.add(ste::S2VMID, "§5.2 S2VMID: NS-EL1 translations are VMID-tagged");
  // §5.2 V: every S1-prefixed field is IGNORED when stage 1 bypasses (Config == 0b1x0).
  if (s1) {
    c.add(ste::S1ContextPtr, "§5.2 S1ContextPtr: stage 1 translates");
    c.add(ste::S1CIR, "§5.2 S1CIR: stage 1 translates");
    c.add(ste::S1COR, "§5.2 S1COR: stage 1 translates");
    c.add(ste::S1CSH, "§5.2 S1CSH: stage 1 translates");
    // §5.2 S1STALLD: RES0 without stage 1; otherwise ILLEGAL to set when the stall model is not configurable.
    if (f.s1p) c.add(ste::S1STALLD, "§5.2 S1STALLD: stage 1 translates (validity)");
    // §5.2 S1CDMax: IGNORED when IDR1.SSIDSIZE == 0; S1Fmt and S1DSS IGNORED when S1CDMax == 0 too.
    if (f.ssidsize) {
      c.add(ste::S1CDMax, "§5.2 S1CDMax: stage 1 translates, IDR1.SSIDSIZE > 0");
      if (ste::S1CDMax.get(w)) {
        c.add(ste::S1Fmt, "§5.2 S1Fmt: substreams enabled (S1CDMax > 0)");
        c.add(ste::S1DSS, "§5.2 S1DSS: substreams enabled (S1CDMax > 0)");
      }
    }
  }
  // §5.2 V: every S2-prefixed field except S2VMID is IGNORED when stage 2 bypasses (Config == 0b10x).
  if (s2 && f.s2p) {
    for (const Field* x : {&ste::S2T0SZ, &ste::S2SL0, &ste::S2IR0, &ste::S2OR0, &ste::S2SH0, &ste::S2TG, &ste::S2PS,
                           &ste::S2AA64, &ste::S2ENDI, &ste::S2AFFD, &ste::S2PTW, &ste::S2S, &ste::S2R, &ste::S2TTB})
      c.add(*x, "§5.2: an S2 field, stage 2 translates");
    // §5.2 S2HA/S2HD: ILLEGAL to set without IDR0.HTTU support (validity), so used whenever stage 2 is.
    c.add(ste::S2HA, "§5.2 S2HA: stage 2 translates (validity against IDR0.HTTU)");
    c.add(ste::S2HD, "§5.2 S2HD: stage 2 translates (validity against IDR0.HTTU)");
    // §5.2 S2FWB: RES0 before SMMUv3.2 and without IDR3.FWB.
    if (f.fwb) c.add(ste::S2FWB, "§5.2 S2FWB: stage 2 translates, IDR3.FWB == 1");
    // §5.2 S2DS, S2SL0_2: only with IDR5.DS == 1 (LPA2).
    if (f.ds) {
      c.add(ste::S2DS, "§5.2 S2DS: stage 2 translates, IDR5.DS == 1");
      c.add(ste::S2SL0_2, "§5.2 S2SL0_2: stage 2 translates, IDR5.DS == 1");
    }
  }
  // Never used for smmucheck's feature sets: SW_RESERVED (IGNORED), NSCFG, S2NSW, S2NSA and the S_ fields
  // (Secure state), DRE and DCP (no destructive reads or directed prefetch), S1PIE, S2PIE, S2POE, S2POI (no
  // permission indirection), S1MPAM, PARTID, PMG, MPAM_NS (no MPAM), MECID (no MEC), VMSPtr (no VMS),
  // DPT_VMATCH (no DPT), S2HWU (no PBHA), S2HAFT (no HAFT), S2SKL (no 128-bit descriptors).
  return c.mask();
}

Words8 cd_used_bits(const Words8& e, const Features& f, StreamWorld world, std::vector<UsedField>* fields) {
  Collect c(fields);
  const std::span<const uint64_t> w(e);
  c.add(cd::V, "§5.4 V: always");
  if (!cd::V.get(w)) return c.mask();  // §5.4 V: the rest of the structure is IGNORED
  const bool el2 = world == StreamWorld::NsEl2;  // any-EL2 without E2H
  const bool aa64 = cd::AA64.get(w);
  c.add(cd::AA64, "§5.4 AA64: a valid CD");
  // §5.4 EPD0/EPD1: IGNORED with effective value 0 when StreamWorld is any-EL2 (EL2 without E2H).
  bool epd0 = false, epd1 = false;
  if (!el2) {
    c.add(cd::EPD0, "§5.4 EPD0: StreamWorld is EL1 or EL2-E2H");
    c.add(cd::EPD1, "§5.4 EPD1: StreamWorld is EL1 or EL2-E2H");
    epd0 = cd::EPD0.get(w);
    epd1 = cd::EPD1.get(w);
  }
  // §5.4 ENDI: IGNORED when both effective EPD0 and EPD1 are 1.
  if (!(epd0 && epd1)) c.add(cd::ENDI, "§5.4 ENDI: a walk is enabled");
  // §5.4 IPS: IGNORED for VMSAv8-32 LPAE.
  if (aa64) c.add(cd::IPS, "§5.4 IPS: AA64 == 1");
  // §5.4 HA/HD: IGNORED for VMSAv8-32 LPAE, otherwise ILLEGAL to set without HTTU (validity).
  const bool ha = aa64 && cd::HA.get(w);
  if (aa64) {
    c.add(cd::HA, "§5.4 HA: AA64 == 1 (validity against IDR0.HTTU)");
    c.add(cd::HD, "§5.4 HD: AA64 == 1 (validity against IDR0.HTTU)");
    // §5.4 HAFT: RES0 unless IDR0.HTTU == 0b11.
    if (f.httu == 3) c.add(cd::HAFT, "§5.4 HAFT: IDR0.HTTU == 0b11");
    if (f.ds) c.add(cd::DS, "§5.4 DS: IDR5.DS == 1");
  }
  // §5.4 AFFD: IGNORED when HA == 1.
  if (!ha) c.add(cd::AFFD, "§5.4 AFFD: HA == 0");
  c.add(cd::WXN, "§5.4 WXN: a valid CD");
  // §5.4 UWXN: IGNORED for VMSAv8-64, and where every access is privileged (any-EL2).
  if (!aa64 && !el2) c.add(cd::UWXN, "§5.4 UWXN: VMSAv8-32, an EL1 StreamWorld");
  c.add(cd::TBI0, "§5.4 TBI0: a valid CD");
  // §5.4 TBI1, PAN, ASID: RES0 or IGNORED when StreamWorld is any-EL2.
  if (!el2) {
    c.add(cd::TBI1, "§5.4 TBI1: StreamWorld is not any-EL2");
    c.add(cd::PAN, "§5.4 PAN: StreamWorld is not any-EL2");
    c.add(cd::ASID, "§5.4 ASID: tags translations unless StreamWorld is any-EL2");
  }
  // §5.5: fault configuration of every stage-1 fault.
  c.add(cd::S, "§5.4 S, §5.5: stage 1 fault configuration");
  c.add(cd::R, "§5.4 R, §5.5: stage 1 fault configuration");
  c.add(cd::A, "§5.4 A, §5.5: stage 1 fault configuration");
  c.add(cd::ASET, "§5.4 ASET: tags cached translations");
  c.add(cd::MAIR0, "§5.4 MAIR0: stage 1 memory attributes");
  c.add(cd::MAIR1, "§5.4 MAIR1: stage 1 memory attributes");
  // §5.4 AMAIR: IMPLEMENTATION DEFINED attributes; counted as used, the safe side.
  c.add(cd::AMAIR0, "§5.4 AMAIR0: IMPLEMENTATION DEFINED attributes");
  c.add(cd::AMAIR1, "§5.4 AMAIR1: IMPLEMENTATION DEFINED attributes");
  // §5.4 T0SZ/TG0/IR0/OR0/SH0/TTB0: IGNORED when the effective EPD0 == 1 (TG0 also for VMSAv8-32).
  if (!epd0) {
    c.add(cd::T0SZ, "§5.4 T0SZ: effective EPD0 == 0");
    if (aa64) c.add(cd::TG0, "§5.4 TG0: effective EPD0 == 0, AA64 == 1");
    c.add(cd::IR0, "§5.4 IR0: effective EPD0 == 0");
    c.add(cd::OR0, "§5.4 OR0: effective EPD0 == 0");
    c.add(cd::SH0, "§5.4 SH0: effective EPD0 == 0");
    c.add(cd::TTB0, "§5.4 TTB0: effective EPD0 == 0");
    if (f.had) c.add(cd::HAD0, "§5.4 HAD0: IDR3.HAD == 1, TTB0 walks enabled");
    // §5.4 E0PD0: RES0 without IDR3.E0PD, for VMSAv8-32 and for any-EL2.
    if (f.e0pd && aa64 && !el2) c.add(cd::E0PD0, "§5.4 E0PD0: IDR3.E0PD == 1, AA64 == 1, not any-EL2");
  }
  // §5.4 T1SZ/TG1/IR1/OR1/SH1/TTB1: RES0 when StreamWorld is any-EL2, IGNORED when EPD1 == 1.
  if (!el2 && !epd1) {
    c.add(cd::T1SZ, "§5.4 T1SZ: EPD1 == 0");
    if (aa64) c.add(cd::TG1, "§5.4 TG1: EPD1 == 0, AA64 == 1");
    c.add(cd::IR1, "§5.4 IR1: EPD1 == 0");
    c.add(cd::OR1, "§5.4 OR1: EPD1 == 0");
    c.add(cd::SH1, "§5.4 SH1: EPD1 == 0");
    c.add(cd::TTB1, "§5.4 TTB1: EPD1 == 0");
    if (f.had) c.add(cd::HAD1, "§5.4 HAD1: IDR3.HAD == 1, TTB1 walks enabled");
    if (f.e0pd && aa64) c.add(cd::E0PD1, "§5.4 E0PD1: IDR3.E0PD == 1, AA64 == 1");
  }
  // Never used for smmucheck's feature sets: NSCFG0/NSCFG1 (Secure STEs only), PnCH (no IDR3.THE), EPAN
  // (no IDR3.EPAN), AIE (no IDR3.AIE), PIE/PIIU/PIIP (no permission indirection), PARTID/PMG (no MPAM).
  return c.mask();
}

Words8 used_bits(EntryKind kind, const Words8& entry, const UsedContext& ctx, std::vector<UsedField>* fields) {
  return kind == EntryKind::Ste ? ste_used_bits(entry, ctx.features, fields)
                                : cd_used_bits(entry, ctx.features, ctx.world, fields);
}

std::span<const Field> entry_fields(EntryKind kind) {
  return kind == EntryKind::Ste ? std::span<const Field>(ste::kFields) : std::span<const Field>(cd::kFields);
}

std::vector<std::string> fields_in(EntryKind kind, unsigned q, uint64_t mask) {
  std::vector<std::string> out;
  uint64_t named = 0;
  for (const Field& f : entry_fields(kind)) {
    if (f.qword != q || !(mask & f.mask_in_place())) continue;
    out.push_back(f.name);
    named |= f.mask_in_place();
  }
  uint64_t rest = mask & ~named;
  while (rest) {  // runs of bits no field names
    const unsigned lo = __builtin_ctzll(rest);
    unsigned hi = lo;
    while (hi < 63 && (rest >> (hi + 1) & 1)) ++hi;
    out.push_back(fmt::format("q{} bits[{}:{}]", q, hi, lo));
    rest &= hi == 63 ? 0 : ~((1ull << (hi + 1)) - 1);
  }
  return out;
}

bool blocks_traffic(EntryKind kind, const Words8& e) {
  const std::span<const uint64_t> w(e);
  if (kind == EntryKind::Cd) return !cd::V.get(w);
  return !ste::V.get(w) || !(ste::Config.get(w) & 0b100);
}

}  // namespace smmu::driver
