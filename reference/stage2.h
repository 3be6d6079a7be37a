// Stage-2 translation: IPA to PA through the STE's stage-2 tables (Arm IHI 0070 §3.4, §5.2; Arm ARM D8).
#pragma once

#include "reference/context.h"
#include "reference/events.h"
#include "reference/ste.h"

namespace smmu::ref {

// The access a stage-2 translation checks: the transaction's own (CLASS = IN) or a read the SMMU makes
// for a CD or a stage-1 descriptor (CLASS = CD or TT), which is a data read (§7.3.16).
struct S2Access {
  bool read = true, instr = false, priv = false;
  FaultClass cls = FaultClass::IN;
  bool nested = false;  // stage 1 translates too: the result is combined with stage 1's
};

struct S2Result {
  uint64_t pa = 0;
  Permissions perms;     // what stage 2 grants the access's privilege level
  uint8_t memattr = 0;   // the descriptor's MemAttr[3:0] (§13.4.3)
  uint8_t sh = 0;        // the descriptor's SH[1:0]
};

Result<S2Result> walk_stage2(const Ctx& ctx, const Ste& st, uint64_t ipa, const S2Access& access);

}  // namespace smmu::ref
