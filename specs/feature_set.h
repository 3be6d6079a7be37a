// The feature set a model implements, decoded from the ID registers (Arm IHI 0070 §6.3.1-§6.3.8).
// A scenario asks for features by IDR values; each model reports what it actually implements by
// clamping the request to what it supports (clamp_to), and the IDR registers read back the result.
#pragma once

#include <cstdint>
#include <string>

namespace smmu {

struct IdRegs {
  uint32_t idr0 = 0, idr1 = 0, idr2 = 0, idr3 = 0, idr4 = 0, idr5 = 0, iidr = 0, aidr = 0;
  bool operator==(const IdRegs&) const = default;
};

// Architecture version from SMMU_AIDR (§6.3.8); encoded as 0x30 + minor.
enum class ArchVersion : uint8_t { V3_0 = 0x30, V3_1 = 0x31, V3_2 = 0x32, V3_3 = 0x33 };

struct Features {
  // IDR0
  bool s2p = true, s1p = true;
  bool ttf_aarch32 = false, ttf_aarch64 = true;  // TTF[0], TTF[1]
  bool cohacc = true, btm = false;
  uint8_t httu = 0;
  bool hyp = true, ats = false, ns1ats = false, asid16 = true, msi = true, sev = false, atos = false;
  bool pri = false, vmw = false, vmid16 = true, cd2l = true, vatos = false;
  uint8_t ttendian = 2;     // 0 mixed, 2 little-endian only, 3 big-endian only
  uint8_t stall_model = 1;  // 0 stall and terminate, 1 terminate only, 2 stall forced
  bool term_model = false;  // 1: terminated transactions always abort (CD.A must be 1)
  uint8_t st_level = 1;     // 0 linear only, 1 two-level supported
  // IDR1
  uint8_t sidsize = 16, ssidsize = 8, priqs = 0, eventqs = 8, cmdqs = 8;
  bool attr_perms_ovr = true, attr_types_ovr = true;
  // IDR3
  bool had = true, xnx = false, fwb = false, stt = false, ril = true, e0pd = false;
  uint8_t bbml = 0;
  // IDR5
  uint8_t oas = 5;  // encoding: 0:32 1:36 2:40 3:42 4:44 5:48 6:52 7:56
  bool gran4k = true, gran16k = true, gran64k = true, ds = false;
  uint8_t vax = 0;
  // IIDR, AIDR
  uint32_t iidr = 0;
  ArchVersion version = ArchVersion::V3_2;

  static Features from_idr(const IdRegs& r);
  IdRegs to_idr() const;
  // The features in both this request and `supported`: booleans are ANDed, sizes take the minimum,
  // and model choices (TTENDIAN, STALL_MODEL, TERM_MODEL) take the supported value where the request
  // asks for what the model cannot do.
  Features clamp_to(const Features& supported) const;

  unsigned oas_bits() const;  // OAS in bits (§6.3.6)
  unsigned ias_bits() const;  // IAS (§3.4)
  bool granule_supported(unsigned granule_shift) const;
  bool at_least(ArchVersion v) const { return version >= v; }

  bool operator==(const Features&) const = default;
};

// Address-size encodings shared by IDR5.OAS, CD.IPS and STE.S2PS (§5.2, §5.4, §6.3.6).
unsigned pa_size_bits(unsigned encoding);

std::string describe(const Features& f);  // one line for traces and reports
// The ID register fields (IDR0/1/3/5, IIDR, AIDR) where `have` differs from `asked`, as
// "IDR5.VAX asked 1, has 0; ...": why a model cannot run a scenario.
std::string describe_difference(const Features& asked, const Features& have);

}  // namespace smmu
