#include "reference/events.h"

#include "specs/print.h"

namespace smmu::ref {

EventRecord event_for(EventType type, const Transaction& txn) {
  const EventTypeInfo* info = event_type_info(static_cast<uint8_t>(type));
  auto carries = [&](event::FieldBit b) { return info && (info->fields & (1u << b)); };
  EventRecord r;
  r.set(event::EVENT_TYPE, static_cast<uint8_t>(type));
  r.set(event::StreamID, txn.sid);
  if (carries(event::bit_SSV)) {
    r.set(event::SSV, txn.ssid.has_value());
    if (txn.ssid) r.set(event::SubstreamID, *txn.ssid);
  } else if (carries(event::bit_SubstreamID)) {
    r.set(event::SubstreamID, txn.ssid.value_or(0));  // C_BAD_SUBSTREAMID: always valid, no SSV (§7.3.9)
  }
  if (carries(event::bit_RnW)) r.set(event::RnW, txn.read);
  if (carries(event::bit_InD)) r.set(event::InD, txn.read && txn.instr);  // InD = 0 for writes (§7.3)
  if (carries(event::bit_PnU)) r.set(event::PnU, txn.priv);
  if (carries(event::bit_InputAddr)) r.set(event::InputAddr, txn.addr);
  return r;
}

Outcome abort_with(const Ctx& ctx, EventType type) { return abort_with(ctx, event_for(type, ctx.txn)); }

Outcome abort_with(const Ctx& ctx, const EventRecord& record, bool recorded) {
  Outcome o;
  o.kind = OutcomeKind::Fault;
  o.event = record;
  o.recorded = recorded;
  if (ctx.noting()) ctx.note("5.5", "terminate with abort: {}{}", format_event(record), recorded ? "" : " (not recorded)");
  return o;
}

EventRecord walk_fault_record(const Ctx& ctx, const WalkFault& fault) {
  EventRecord r = event_for(fault.type, ctx.txn);
  r.set(event::S2, fault.s2);
  r.set(event::CLASS, static_cast<uint8_t>(fault.cls));
  if (fault.type == EventType::F_WALK_EABT) {
    r.set(event::FetchAddr, fault.fetch_addr >> 3);
  } else if (fault.s2) {
    r.set(event::IPA, fault.ipa >> 12);  // IPA is UNKNOWN for stage-1 faults (§7.3.13): left zero
  }
  if (fault.type == EventType::F_PERMISSION && fault.cls == FaultClass::TT) r.set(event::TTRnW, fault.ttrnw);
  return r;
}

}  // namespace smmu::ref

namespace smmu::ref {

Outcome walk_fault_outcome(const Ctx& ctx, const WalkFault& fault) {
  EventRecord r = walk_fault_record(ctx, fault);
  if (fault.type == EventType::F_WALK_EABT) return abort_with(ctx, r);
  if (fault.s2) {
    ctx.note("5.5", "stage-2 fault: STE.S2R={} decides recording; stage 2 terminates with abort", int(ctx.faults.s2r));
    return abort_with(ctx, r, ctx.faults.s2r);
  }
  if (!ctx.faults.have_cd) {
    ctx.note("3.4", "stage-1 fault with stage 1 bypassed: abort and record");
    return abort_with(ctx, r);
  }
  ctx.note("5.5", "stage-1 fault: CD.R={} CD.A={}", int(ctx.faults.cd_r), int(ctx.faults.cd_a));
  Outcome o = abort_with(ctx, r, ctx.faults.cd_r);
  if (!ctx.faults.cd_a) o.kind = OutcomeKind::CompletedRazWi;
  return o;
}

}  // namespace smmu::ref
