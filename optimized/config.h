// Decoded configuration structures: the STE (Arm IHI 0070 §5.2) and the CD (§5.4), each decoded once
// into the form the translation flow uses, with the validity checks of §5.2.2 SteIllegal() and §5.4.2
// CdIllegal(). Decoding is independent of the transaction, so a decoded entry can be cached (§3.21.1).
#pragma once

#include <array>
#include <cstdint>

#include "specs/feature_set.h"

namespace smmu::opt {

using Words8 = std::array<uint64_t, 8>;

// The translation regime of a stream (§3.17, §5.2 STRW): tags TLB entries.
enum class World : uint8_t { NsEl1 = 0, El2 = 1, El2E2H = 2 };

// One translation table (a stage, or one TTBx of stage 1), ready to walk (Arm ARM D8.1, D8.2).
struct TableConfig {
  uint64_t ttb = 0;         // start-level table address, aligned as the VMSA requires
  uint8_t granule = 12;     // log2 of the granule: 12, 14 or 16
  int8_t start_level = 0;   // 0..3
  uint8_t ia_bits = 0;      // input address size (64 - TxSZ)
  uint8_t oa_bits = 0;      // effective output size: IPS or S2PS capped to the OAS
  bool lpa = false;         // 64KB granule with a 52-bit OAS: descriptor bits [15:12] are OA[51:48]
};

// Stage 1 attribute/permission decoding needs the descriptor, never the raw CD: these CD fields are all
// the permission and attribute rules read (§5.4, §13.4).
struct SteConfig {
  enum class Kind : uint8_t { Illegal, Abort, Bypass, Translate };
  Kind kind = Kind::Illegal;
  bool s1 = false, s2 = false;  // stage enabled (Config[0], Config[1])
  World world = World::NsEl1;
  // Stage 1 (§5.2 S1*)
  uint64_t context_ptr = 0;
  uint8_t s1fmt = 0, cdmax = 0, s1dss = 0;  // cdmax: effective S1CDMax (0 when SSIDSIZE = 0)
  bool s1stalld = false;
  // Attribute overrides (§13.1.4), already gated by IDR1.ATTR_TYPES_OVR / ATTR_PERMS_OVR
  bool mtcfg = false;
  uint8_t memattr = 0, alloccfg = 0, shcfg = 1, privcfg = 0, instcfg = 0;
  // Stage 2 (§5.2 S2*)
  uint16_t vmid = 0;
  TableConfig s2tt;  // the stage-2 table
  bool s2affd = false, s2r = false, s2ptw = false;
  bool mev = false;
};

struct CdConfig {
  bool illegal = true;
  // Per TTBx: whether a walk is allowed (effective EPDx == 0) and the table.
  bool tt_enabled[2] = {false, false};
  TableConfig tt[2];
  bool tbi[2] = {false, false};
  bool had[2] = {false, false};   // effective HADx (IDR3.HAD)
  bool e0pd[2] = {false, false};  // effective E0PDx (IDR3.E0PD, EL1/E2H worlds)
  bool affd = false, wxn = false, pan = false;
  bool r = false, a = false;
  uint16_t asid = 0;
  uint64_t mair = 0;
};

// §5.2.2: decodes an STE and checks it. An ILLEGAL or V = 0 STE decodes to Kind::Illegal (C_BAD_STE).
SteConfig decode_ste(const Words8& ste, const Features& f, bool cr2_e2h);

// §5.4.2: decodes a CD reached through `ste` and checks it; `illegal` set means C_BAD_CD.
CdConfig decode_cd(const Words8& cd, const SteConfig& ste, const Features& f);

// Effective output size of an IPS / S2PS encoding (§5.4 IPS, §5.2 S2PS): reserved values per version,
// capped to the OAS.
unsigned effective_ps_bits(unsigned encoding, const Features& f);

// Start level of a stage-1 table with `ia_bits` of input (Arm ARM S1StartLevel).
int s1_start_level(unsigned ia_bits, unsigned granule);

// log2 of the size in bytes of the start-level table (incl. stage-2 concatenation), the TTB alignment.
unsigned start_table_log2_bytes(const TableConfig& t);

}  // namespace smmu::opt
