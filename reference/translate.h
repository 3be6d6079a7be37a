// The translation procedure for one transaction (Arm IHI 0070 §3.3, §3.4, §13.4): configuration lookup,
// stage 1, stage 2, attributes.
#pragma once

#include "reference/context.h"

namespace smmu::ref {

Outcome translate_transaction(Ctx& ctx);

}  // namespace smmu::ref
