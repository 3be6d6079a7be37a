// The symbolic (Z3 bit-vector) model of SMMUv3 translation (Arm IHI 0070 §3.3, §5, §7.3; Arm ARM D8): for a
// transaction whose StreamID, SubstreamID, address and access kind may be symbolic, over a SymbolicMemory that
// may hold symbolic junk, it builds terms for the outcome (success with its output address, or the fault's
// event type, or termination), and records every table read with the condition under which it is made.
//
// This is its own code, written from the spec and the field tables of specs/ (every bit position comes from
// specs/fields/*.def through specs/layout.h); it shares nothing with reference/ and is tested against it
// differentially (tests/z3/).
//
// Scope (what the encoding covers):
//  * SMMUEN = 1, Non-secure streams; the feature set may vary (granules, OAS up to 48 bits, STT, HAD, ASID16,
//    VMID16, SSIDSIZE, CD2L, ST_LEVEL, TTENDIAN, STALL_MODEL, HTTU as validity checks) but the encoder rejects
//    (std::invalid_argument) ATS, VMSAv8-32 LPAE (TTF[0]), 52-bit VAs or DS, FEAT_XNX, E0PD and SMMUv3.0.
//    No stalls (CD.S/STE.S2S are validity checks), no HTTU updates, little-endian tables.
//  * Stream table: linear or 2-level, STRTAB_BASE / STRTAB_BASE_CFG concrete; C_BAD_STREAMID, F_STE_FETCH
//    (fetch address beyond the OAS, the CU choice of specs/unpredictable.def).
//  * STE: V, Config (abort, bypass, stage 1, stage 2, nested) and the SteIllegal checks that apply to a
//    Non-secure STE (§5.2): STRW, S1STALLD, S1CDMax, S1Fmt, S1ContextPtr range (CU: C_BAD_STE), S2S, S2AA64,
//    S2HA/S2HD/S2HAFT, S2TG, S2TTB range, S2T0SZ range, S2SL0 consistency (CU S2SL0_PAMAX: against the OAS),
//    S2ENDI, S2VMID width.
//  * CD: single CD, linear and 2-level (4KB/64KB leaves) CD tables; SubstreamID present or absent with S1DSS;
//    C_BAD_SUBSTREAMID (incl. L1CD.V and L2Ptr range, CU L1CD_L2PTR_OOR), F_STREAM_DISABLED; CdIllegal checks
//    (§5.4.2) for V, S/A, ENDI, AA64, HA/HD, ASID width, T0SZ/T1SZ range, TG0/TG1, TTB0/TTB1 range, with
//    EPD0/EPD1 and the StreamWorld (NS-EL1, NS-EL2 with TTB0 only, NS-EL2-E2H).
//  * Walks: stage 1 (TTB0/TTB1, TBI, EPD), stage 2 (with concatenated start tables) and nested (every stage 1
//    descriptor, the CD and the L1CD fetched through stage 2, CLASS TT/CD), granules 4KB, 16KB and 64KB,
//    blocks, AF/AFFD, address size against CD.IPS / STE.S2PS (capped to the OAS), hierarchical
//    APTable/XNTable/PXNTable (HAD), permissions for data read/write and instruction fetch (STE INSTCFG/PRIVCFG
//    overrides, PAN, WXN, implicit PXN, S2AP, S2 XN[1], S2PTW), and CD.A = 0 (stage 1 faults as RAZ/WI).
//  * Choices where the spec permits several behaviours and specs/unpredictable.def has no row: RES0 bits of
//    TTB0/TTB1/S2TTB above address bit 51 are ignored (chapter 5 permits ignoring or rejecting reserved
//    fields); S1ContextPtr bits that S1CDMax makes RES0 (a CD or L1CD table not aligned to its size) are treated
//    as zero (§5.2 S1Fmt, the first permitted behaviour); L1CD.L2Ptr[15:12] with 64KB leaves are taken as zero.
//  * Output addresses are within 48 bits: the OAS must be at most 48 bits (no LPA/LPA2), so every table
//    address the SMMU can read and every output address is a 48-bit PA; addresses are 45-bit qword indices
//    (PA[47:3]) built with Extract/Concat, as ../shared/z3-notes.md recommends.
// Not covered: memory attributes, event record fields other than the type and the S2 bit, external aborts
// (F_*_FETCH from aborting memory, F_WALK_EABT: the symbolic memory never aborts), SMMUEN = 0 / GBPA.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <optional>
#include <string>

#include "harness/z3/symbolic_memory.h"
#include "specs/model.h"

namespace smmu::z3enc {

// The concrete register state the encoding assumes (SMMUEN = 1).
struct SmmuConfig {
  Features features;
  uint64_t strtab_base = 0;      // SMMU_STRTAB_BASE
  uint32_t strtab_base_cfg = 0;  // SMMU_STRTAB_BASE_CFG
  bool e2h = false;              // SMMU_CR2.E2H
};

// A transaction with possibly symbolic fields (§3.2, specs/model.h Transaction).
struct SymTransaction {
  z3::expr sid;    // 32 bits
  z3::expr ssv;    // bool: a SubstreamID is supplied
  z3::expr ssid;   // 20 bits, meaningful when ssv
  z3::expr addr;   // 64 bits
  z3::expr read;   // bool: RnW
  z3::expr instr;  // bool: InD (ignored for writes)
  z3::expr priv;   // bool: PnU

  static SymTransaction concrete(z3::context& c, const Transaction& t);
  // Every field a fresh constant named prefix.sid, prefix.addr, ...
  static SymTransaction symbolic(z3::context& c, const std::string& prefix);
};

// Outcome codes: 0 is success, kTerminated an abort without an event (STE.Config = 0b0xx); any other value
// is the EventType code of the fault (C_BAD_STREAMID, C_BAD_STE, C_BAD_CD, F_TRANSLATION, ...).
inline constexpr uint8_t kSuccess = 0x00;
inline constexpr uint8_t kTerminated = 0xFF;

struct SymOutcome {
  z3::expr code;    // 8 bits
  z3::expr pa;      // 48 bits, the output address when code == kSuccess
  z3::expr stage2;  // bool: a translation-related fault raised by stage 2 (the event's S2 field)
  z3::expr razwi;   // bool: the fault completes as RAZ/WI (a stage 1 fault with CD.A == 0)
  z3::expr success() const { return code == code.ctx().bv_val(kSuccess, 8); }
  z3::expr has_code(uint8_t c) const { return code == code.ctx().bv_val(c, 8); }
};

struct EncodeOptions {
  // Stage 2 walks (of the CD, of stage 1 descriptors and of the final IPA) read this memory instead of the
  // main one: the compositional split of ../shared/z3-notes.md (prove the stage 2 lemma separately, then
  // take stage 2 from the old memory). nullptr: the main memory.
  SymbolicMemory* s2_memory = nullptr;
};

// Builds the symbolic outcome of translating `t`. Table reads go to `mem` (and `opt.s2_memory`) with their
// guards. Throws std::invalid_argument for a feature set outside the scope above.
SymOutcome encode_translation(z3::context& c, const SmmuConfig& cfg, SymbolicMemory& mem, const SymTransaction& t,
                              const EncodeOptions& opt = {});

// The outcome with every term evaluated in `m` (model completion on), or simplified when m is null (all
// inputs concrete). Returns nullopt if a term does not reduce to a numeral.
struct ConcreteOutcome {
  uint8_t code = kTerminated;
  uint64_t pa = 0;
  bool stage2 = false;
  bool razwi = false;
};
std::optional<ConcreteOutcome> evaluate(const SymOutcome& o, const z3::model* m = nullptr);

// A solver for one obligation: simplify, propagate-values, solve-eqs, elim-uncnstr, ackermannize_bv, simplify,
// bit-blast, sat (../shared/z3-notes.md: 5-9x faster than the default solver on nested walks). Not
// incremental: use a fresh one per obligation.
z3::solver make_bitblast_solver(z3::context& c);

}  // namespace smmu::z3enc
