// Stage-1 translation: VA to IPA (or PA) through the CD's TTB0/TTB1 tables (Arm IHI 0070 §3.4, §5.4,
// §13.4.1; Arm ARM D8).
#pragma once

#include "reference/cd.h"
#include "reference/context.h"
#include "reference/ste.h"

namespace smmu::ref {

struct S1Result {
  uint64_t oa = 0;       // the IPA (stage 2 enabled) or PA
  Permissions perms;     // what stage 1 grants the transaction's privilege level
  uint8_t mair = 0;      // MAIR attribute of the leaf's AttrIndx (§13.4.2)
  uint8_t sh = 0;        // the leaf's SH[1:0]
};

// Walks the stage-1 tables for ctx.txn.addr. Table addresses are IPAs mapped by `to_pa` when stage 2
// is enabled (§5.4.1).
Result<S1Result> walk_stage1(const Ctx& ctx, const Ste& st, const Cd& c, uint32_t cd_index, StreamWorld world,
                             const ToPa& to_pa);

}  // namespace smmu::ref
