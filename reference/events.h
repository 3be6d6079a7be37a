// Building event records and the outcomes of faults (Arm IHI 0070 §7.3, §5.5).
#pragma once

#include <cstdint>

#include "reference/context.h"

namespace smmu::ref {

// CLASS of a translation-related or walk fault (§7.3.13): what the faulting stage was doing.
enum class FaultClass : uint8_t { CD = 0, TT = 1, IN = 2 };

// A fault raised while walking tables (F_WALK_EABT, F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION).
struct WalkFault {
  EventType type = EventType::F_TRANSLATION;
  bool s2 = false;
  FaultClass cls = FaultClass::IN;
  uint64_t ipa = 0;         // S2 faults: CD address, stage-1 descriptor address or transaction IPA
  uint64_t fetch_addr = 0;  // F_WALK_EABT: the PA whose read aborted
  bool ttrnw = true;        // F_PERMISSION with CLASS = TT: a descriptor read caused it
};

// A record of `type` for the transaction, with the transaction fields the type carries (§7.3).
EventRecord event_for(EventType type, const Transaction& txn);

// Configuration errors and fetch aborts terminate the transaction with an abort and always attempt to
// record their event, whatever A, R and S say (§5.5).
Outcome abort_with(const Ctx& ctx, EventType type);
Outcome abort_with(const Ctx& ctx, const EventRecord& record, bool recorded = true);

// The record of a walk fault.
EventRecord walk_fault_record(const Ctx& ctx, const WalkFault& fault);

}  // namespace smmu::ref

namespace smmu::ref {
// The outcome of a walk fault under ctx.faults: F_WALK_EABT always aborts and records; a translation-related
// fault is recorded per CD.R or STE.S2R and, at stage 1 with CD.A = 0, completes as RAZ/WI (§5.5).
Outcome walk_fault_outcome(const Ctx& ctx, const WalkFault& fault);
}  // namespace smmu::ref
