// Memory attributes and permissions (Arm IHI 0070 chapter 13; Arm ARM D8.4, D8.6): the input defaults of
// §13.1.3, the STE/GBPA Replace of §13.1.4, stage-1 MAIR decoding (§5.4 MAIR), stage-2 MemAttr decoding,
// the Combine of §13.1.5 and the consistency rules of §13.1.7, and the stage-1/stage-2 Direct permissions.
#pragma once

#include <cstdint>

#include "specs/layout.h"
#include "specs/model.h"

namespace smmu::opt {

// One cacheability level of a Normal type: cache type and its allocation/transient hints.
enum class Cache : uint8_t { NC = 0, WT = 1, WB = 2 };
struct Level {
  Cache type = Cache::WB;
  bool ra = true, wa = true, tr = false;
};
// A memory type with its hints and shareability (§13.1.1). SH: 0 NSH, 2 OSH, 3 ISH.
struct Attrs {
  bool device = false;
  uint8_t dev = 0;  // Device type: 0 nGnRnE, 1 nGnRE, 2 nGRE, 3 GRE
  Level inner, outer;
  uint8_t sh = 0;
};

// §13.1.3: Normal iWB-oWB, RA, WA, nTR, NSH.
inline Attrs default_input_attrs() { return Attrs{}; }

// STE.MemAttr / stage-2 MemAttr[3:0] (Arm ARM D8.6 Table D8-96); 0b0100, 0b1000, 0b1100 behave as
// Device-nGnRnE (§5.2 MemAttr). The hints are left to the caller.
Attrs decode_s2_memattr(unsigned memattr, bool ste_override = false);
// A MAIR attribute byte, with the §5.4 MAIR table's Reserved encodings.
Attrs decode_mair(unsigned attr);

// §13.1.4 Replace, for the STE or GBPA fields (already gated by IDR1.ATTR_TYPES_OVR).
Attrs replace_attrs(Attrs in, bool mtcfg, unsigned memattr, unsigned alloccfg, unsigned shcfg);
// §13.4.2: the stage-1 attributes replace the input's, keeping the input's hints where it was cacheable.
Attrs stage1_attrs(const Attrs& input, const Attrs& s1);
// §13.1.5, §13.4.3: combine with stage-2 attributes (stage 2 carries RA = WA = 1, TR = 0).
Attrs combine_s2(const Attrs& in, const Attrs& s2);
// §13.1.7 and the output encoding of specs/model.h MemAttrs (MAIR encoding and SH).
void encode_attrs(const Attrs& a, MemAttrs& out);

// STE.PRIVCFG / INSTCFG (§5.2, §13.1.2): 0b0x incoming, 0b10 override to 0, 0b11 override to 1.
inline bool apply_cfg(bool incoming, unsigned cfg) { return cfg >= 2 ? (cfg & 1) : incoming; }

// Stage-1 Direct permissions (Arm ARM D8.4; SMMU §13.4.1). `table` holds the OR of the hierarchical bits
// seen on the walk: bit 0 APTable[0], bit 1 APTable[1], bit 2 UXNTable/XNTable, bit 3 PXNTable.
struct S1Perms {
  bool r, w, x;  // for the transaction's privilege level
  bool pan_fault;  // a privileged data access to an EL0-accessible page with PAN
};
inline S1Perms stage1_perms(uint64_t desc, unsigned table, bool single_el, bool wxn, bool pan, bool priv);
// Stage-2 Direct permissions (Arm ARM D8.4 Tables D8-76..78).
struct S2Perms {
  bool r, w, x;
};
inline S2Perms stage2_perms(uint64_t desc, bool xnx, bool priv);

inline S1Perms stage1_perms(uint64_t d, unsigned table, bool single_el, bool wxn, bool pan, bool priv) {
  bool ap2 = s1desc::AP.get(d) & 2, ap1 = s1desc::AP.get(d) & 1;
  const bool pxn = s1desc::PXN.get(d), uxn = s1desc::UXN.get(d);
  ap2 = ap2 || (table & 2);
  if (single_el) {
    // §13.4.1, Arm ARM R_MGGZM: AP[1] RES1; XN is bit 54 with XNTable; PXN and APTable[0] are RES0.
    const bool w = !ap2;
    bool x = !(uxn || (table & 4));
    if (wxn && w) x = false;
    return S1Perms{true, w, x, false};
  }
  ap1 = ap1 && !(table & 1);
  const bool pw = !ap2, ur = ap1, uw = ap1 && !ap2;
  bool ux = !(uxn || (table & 4));
  bool px = !(pxn || (table & 8) || uw);  // R_VWLLR: EL0-writable is privileged execute-never
  if (wxn) {
    if (pw && px) px = false;
    if (uw && ux) ux = false;
  }
  if (priv) {
    const bool pan_fault = pan && (ur || uw);
    return S1Perms{!pan_fault, pw && !pan_fault, px, pan_fault};
  }
  return S1Perms{ur, uw, ux, false};
}

inline S2Perms stage2_perms(uint64_t d, bool xnx, bool priv) {
  const unsigned s2ap = static_cast<unsigned>(s2desc::S2AP.get(d));
  const unsigned xn = static_cast<unsigned>(s2desc::XN.get(d));
  bool x;
  if (!xnx) {
    x = (xn & 2) == 0;
  } else {
    switch (xn) {
      case 0: x = true; break;
      case 1: x = !priv; break;  // EL1 forbidden
      case 2: x = false; break;
      default: x = priv; break;  // EL0 forbidden
    }
  }
  return S2Perms{(s2ap & 1) != 0, (s2ap & 2) != 0, x};
}



}  // namespace smmu::opt
