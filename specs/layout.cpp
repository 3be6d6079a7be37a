#include "specs/layout.h"

#include <cstdio>

#include "specs/model.h"

namespace smmu {

const EventTypeInfo* event_type_info(uint8_t code) {
  for (const auto& e : kEventTypes)
    if (static_cast<uint8_t>(e.type) == code) return &e;
  return nullptr;
}

uint32_t event_defined_fields(std::span<const uint64_t> q) {
  const uint8_t type = static_cast<uint8_t>(event::EVENT_TYPE.get(q));
  const EventTypeInfo* info = event_type_info(type);
  if (!info) return 1u << event::bit_EVENT_TYPE;
  uint32_t f = info->fields | (1u << event::bit_EVENT_TYPE);
  auto drop = [&](event::FieldBit b) { f &= ~(1u << b); };
  if ((f & (1u << event::bit_SSV)) && !event::SSV.get(q)) drop(event::bit_SubstreamID);
  if ((f & (1u << event::bit_S2)) && !event::S2.get(q)) drop(event::bit_IPA);
  if (type != static_cast<uint8_t>(EventType::F_PERMISSION) || event::CLASS.get(q) != 1) drop(event::bit_TTRnW);
  if (!event::Stall.get(q)) drop(event::bit_STAG);
  drop(event::bit_Reason);
  return f;
}

const char* event_type_name(uint8_t code) {
  if (const auto* e = event_type_info(code)) return e->name;
  static thread_local char buf[16];
  std::snprintf(buf, sizeof buf, "EVENT_0x%02x", code);
  return buf;
}

const OpcodeInfo* opcode_info(uint8_t opcode) {
  for (const auto& o : kOpcodes)
    if (static_cast<uint8_t>(o.opcode) == opcode) return &o;
  return nullptr;
}

const char* opcode_name(uint8_t opcode) {
  const OpcodeInfo* o = opcode_info(opcode);
  return o ? o->name : nullptr;
}

const char* cerror_name(uint8_t code) {
  switch (code) {
#define CERROR(name, value, sec) \
  case value: return #name;
#include "specs/fields/cerror.def"
#undef CERROR
    default: return "CERROR_RESERVED";
  }
}

const char* outcome_kind_name(OutcomeKind k) {
  switch (k) {
    case OutcomeKind::Success: return "success";
    case OutcomeKind::Fault: return "fault";
    case OutcomeKind::Terminated: return "terminated";
    case OutcomeKind::CompletedRazWi: return "raz_wi";
  }
  return "?";
}

const char* table_role_name(TableRole r) {
  switch (r) {
    case TableRole::L1Std: return "L1STD";
    case TableRole::Ste: return "STE";
    case TableRole::L1Cd: return "L1CD";
    case TableRole::Cd: return "CD";
    case TableRole::S1Desc: return "S1";
    case TableRole::S2Desc: return "S2";
  }
  return "?";
}

}  // namespace smmu
