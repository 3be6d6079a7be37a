#include "specs/feature_set.h"

#include <algorithm>

#include <fmt/format.h>

#include "specs/layout.h"

namespace smmu {

unsigned pa_size_bits(unsigned encoding) {
  static constexpr unsigned kBits[] = {32, 36, 40, 42, 44, 48, 52, 56};
  return kBits[encoding & 7];
}

Features Features::from_idr(const IdRegs& r) {
  using namespace regf;
  Features f;
  f.s2p = IDR0_S2P.get(r.idr0);
  f.s1p = IDR0_S1P.get(r.idr0);
  f.ttf_aarch32 = IDR0_TTF.get(r.idr0) & 1;
  f.ttf_aarch64 = IDR0_TTF.get(r.idr0) & 2;
  f.cohacc = IDR0_COHACC.get(r.idr0);
  f.btm = IDR0_BTM.get(r.idr0);
  f.httu = IDR0_HTTU.get(r.idr0);
  f.hyp = IDR0_HYP.get(r.idr0);
  f.ats = IDR0_ATS.get(r.idr0);
  f.ns1ats = IDR0_NS1ATS.get(r.idr0);
  f.asid16 = IDR0_ASID16.get(r.idr0);
  f.msi = IDR0_MSI.get(r.idr0);
  f.sev = IDR0_SEV.get(r.idr0);
  f.atos = IDR0_ATOS.get(r.idr0);
  f.pri = IDR0_PRI.get(r.idr0);
  f.vmw = IDR0_VMW.get(r.idr0);
  f.vmid16 = IDR0_VMID16.get(r.idr0);
  f.cd2l = IDR0_CD2L.get(r.idr0);
  f.vatos = IDR0_VATOS.get(r.idr0);
  f.ttendian = IDR0_TTENDIAN.get(r.idr0);
  f.stall_model = IDR0_STALL_MODEL.get(r.idr0);
  f.term_model = IDR0_TERM_MODEL.get(r.idr0);
  f.st_level = IDR0_ST_LEVEL.get(r.idr0);
  f.sidsize = IDR1_SIDSIZE.get(r.idr1);
  f.ssidsize = IDR1_SSIDSIZE.get(r.idr1);
  f.priqs = IDR1_PRIQS.get(r.idr1);
  f.eventqs = IDR1_EVENTQS.get(r.idr1);
  f.cmdqs = IDR1_CMDQS.get(r.idr1);
  f.attr_perms_ovr = IDR1_ATTR_PERMS_OVR.get(r.idr1);
  f.attr_types_ovr = IDR1_ATTR_TYPES_OVR.get(r.idr1);
  f.had = IDR3_HAD.get(r.idr3);
  f.xnx = IDR3_XNX.get(r.idr3);
  f.fwb = IDR3_FWB.get(r.idr3);
  f.stt = IDR3_STT.get(r.idr3);
  f.ril = IDR3_RIL.get(r.idr3);
  f.bbml = IDR3_BBML.get(r.idr3);
  f.e0pd = IDR3_E0PD.get(r.idr3);
  f.oas = IDR5_OAS.get(r.idr5);
  f.gran4k = IDR5_GRAN4K.get(r.idr5);
  f.gran16k = IDR5_GRAN16K.get(r.idr5);
  f.gran64k = IDR5_GRAN64K.get(r.idr5);
  f.ds = IDR5_DS.get(r.idr5);
  f.vax = IDR5_VAX.get(r.idr5);
  f.iidr = r.iidr;
  unsigned major = AIDR_ArchMajorRev.get(r.aidr), minor = AIDR_ArchMinorRev.get(r.aidr);
  // §6.3.8: ArchMajorRev 0 means SMMUv3; minor revisions beyond those modelled are read as the newest.
  f.version = major != 0 ? ArchVersion::V3_3
                         : static_cast<ArchVersion>(0x30 + std::min(minor, 3u));
  return f;
}

IdRegs Features::to_idr() const {
  using namespace regf;
  IdRegs r;
  uint64_t v = 0;
  IDR0_S2P.set(v, s2p);
  IDR0_S1P.set(v, s1p);
  IDR0_TTF.set(v, (ttf_aarch32 ? 1 : 0) | (ttf_aarch64 ? 2 : 0));
  IDR0_COHACC.set(v, cohacc);
  IDR0_BTM.set(v, btm);
  IDR0_HTTU.set(v, httu);
  IDR0_HYP.set(v, hyp);
  IDR0_ATS.set(v, ats);
  IDR0_NS1ATS.set(v, ns1ats);
  IDR0_ASID16.set(v, asid16);
  IDR0_MSI.set(v, msi);
  IDR0_SEV.set(v, sev);
  IDR0_ATOS.set(v, atos);
  IDR0_PRI.set(v, pri);
  IDR0_VMW.set(v, vmw);
  IDR0_VMID16.set(v, vmid16);
  IDR0_CD2L.set(v, cd2l);
  IDR0_VATOS.set(v, vatos);
  IDR0_TTENDIAN.set(v, ttendian);
  IDR0_STALL_MODEL.set(v, stall_model);
  IDR0_TERM_MODEL.set(v, term_model);
  IDR0_ST_LEVEL.set(v, st_level);
  r.idr0 = static_cast<uint32_t>(v);
  v = 0;
  IDR1_SIDSIZE.set(v, sidsize);
  IDR1_SSIDSIZE.set(v, ssidsize);
  IDR1_PRIQS.set(v, priqs);
  IDR1_EVENTQS.set(v, eventqs);
  IDR1_CMDQS.set(v, cmdqs);
  IDR1_ATTR_PERMS_OVR.set(v, attr_perms_ovr);
  IDR1_ATTR_TYPES_OVR.set(v, attr_types_ovr);
  r.idr1 = static_cast<uint32_t>(v);
  v = 0;
  IDR3_HAD.set(v, had);
  IDR3_XNX.set(v, xnx);
  IDR3_FWB.set(v, fwb);
  IDR3_STT.set(v, stt);
  IDR3_RIL.set(v, ril);
  IDR3_BBML.set(v, bbml);
  IDR3_E0PD.set(v, e0pd);
  r.idr3 = static_cast<uint32_t>(v);
  v = 0;
  IDR5_OAS.set(v, oas);
  IDR5_GRAN4K.set(v, gran4k);
  IDR5_GRAN16K.set(v, gran16k);
  IDR5_GRAN64K.set(v, gran64k);
  IDR5_DS.set(v, ds);
  IDR5_VAX.set(v, vax);
  r.idr5 = static_cast<uint32_t>(v);
  r.iidr = iidr;
  v = 0;
  AIDR_ArchMinorRev.set(v, static_cast<unsigned>(version) - 0x30);
  r.aidr = static_cast<uint32_t>(v);
  return r;
}

Features Features::clamp_to(const Features& s) const {
  Features f = *this;
  auto both = [](bool& a, bool b) { a = a && b; };
  both(f.s2p, s.s2p);
  both(f.s1p, s.s1p);
  both(f.ttf_aarch32, s.ttf_aarch32);
  both(f.ttf_aarch64, s.ttf_aarch64);
  both(f.cohacc, s.cohacc);
  both(f.btm, s.btm);
  f.httu = std::min(f.httu, s.httu);
  both(f.hyp, s.hyp);
  both(f.ats, s.ats);
  f.ns1ats = f.ns1ats || s.ns1ats;  // NS1ATS = 1 means split-stage ATS is *not* supported
  both(f.asid16, s.asid16);
  both(f.msi, s.msi);
  both(f.sev, s.sev);
  both(f.atos, s.atos);
  both(f.pri, s.pri);
  both(f.vmw, s.vmw);
  both(f.vmid16, s.vmid16);
  both(f.cd2l, s.cd2l);
  both(f.vatos, s.vatos);
  if (f.ttendian != s.ttendian && s.ttendian != 0) f.ttendian = s.ttendian;
  if (f.stall_model != s.stall_model && s.stall_model != 0) f.stall_model = s.stall_model;
  f.term_model = f.term_model || s.term_model;
  f.st_level = std::min(f.st_level, s.st_level);
  f.sidsize = std::min(f.sidsize, s.sidsize);
  f.ssidsize = std::min(f.ssidsize, s.ssidsize);
  f.priqs = std::min(f.priqs, s.priqs);
  f.eventqs = std::min(f.eventqs, s.eventqs);
  f.cmdqs = std::min(f.cmdqs, s.cmdqs);
  both(f.attr_perms_ovr, s.attr_perms_ovr);
  both(f.attr_types_ovr, s.attr_types_ovr);
  both(f.had, s.had);
  both(f.xnx, s.xnx);
  both(f.fwb, s.fwb);
  both(f.stt, s.stt);
  both(f.ril, s.ril);
  f.bbml = std::min(f.bbml, s.bbml);
  both(f.e0pd, s.e0pd);
  f.oas = std::min(f.oas, s.oas);
  both(f.gran4k, s.gran4k);
  both(f.gran16k, s.gran16k);
  both(f.gran64k, s.gran64k);
  both(f.ds, s.ds);
  f.vax = std::min(f.vax, s.vax);
  f.version = std::min(f.version, s.version);
  f.hyp = f.hyp && f.s1p && f.s2p;  // §6.3.1: Hyp is RES0 unless both stages are implemented
  f.vmw = f.vmw && f.s2p;           // §6.3.1: VMW is RES0 without stage 2
  return f;
}

unsigned Features::oas_bits() const { return pa_size_bits(oas); }

unsigned Features::ias_bits() const {
  // §3.4: IAS = MAX(TTF[0] ? 40 : 0, TTF[1] ? OAS : 0)
  return std::max(ttf_aarch32 ? 40u : 0u, ttf_aarch64 ? oas_bits() : 0u);
}

bool Features::granule_supported(unsigned granule_shift) const {
  switch (granule_shift) {
    case 12: return gran4k;
    case 14: return gran16k;
    case 16: return gran64k;
    default: return false;
  }
}

std::string describe(const Features& f) {
  return fmt::format(
      "SMMUv3.{} S1P={} S2P={} SIDSIZE={} SSIDSIZE={} ST_LEVEL={} CD2L={} OAS={} gran={}{}{} HYP={} "
      "ASID16={} VMID16={} STALL_MODEL={} TERM_MODEL={} STT={} RIL={}",
      static_cast<unsigned>(f.version) - 0x30, int(f.s1p), int(f.s2p), f.sidsize, f.ssidsize, f.st_level,
      int(f.cd2l), f.oas_bits(), f.gran4k ? "4K" : "", f.gran16k ? ",16K" : "", f.gran64k ? ",64K" : "",
      int(f.hyp), int(f.asid16), int(f.vmid16), f.stall_model, int(f.term_model), int(f.stt), int(f.ril));
}

std::string describe_difference(const Features& asked, const Features& have) {
  const IdRegs a = asked.to_idr(), h = have.to_idr();
  const std::pair<std::string_view, std::pair<uint32_t, uint32_t>> regs[] = {
      {"IDR0", {a.idr0, h.idr0}}, {"IDR1", {a.idr1, h.idr1}}, {"IDR3", {a.idr3, h.idr3}},
      {"IDR5", {a.idr5, h.idr5}}, {"IIDR", {a.iidr, h.iidr}}, {"AIDR", {a.aidr, h.aidr}}};
  std::string out;
  for (const auto& [reg, words] : regs) {
    if (words.first == words.second) continue;
    for (const Field& f : regf::kFields) {
      const std::string_view name = f.name;
      if (!name.starts_with(reg) || name.size() <= reg.size() || name[reg.size()] != '.') continue;
      if (f.get(words.first) == f.get(words.second)) continue;
      out += fmt::format("{}{} asked {}, has {}", out.empty() ? "" : "; ", name, f.get(words.first), f.get(words.second));
    }
  }
  return out;
}

}  // namespace smmu
