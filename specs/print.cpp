#include "specs/print.h"

#include <fmt/format.h>

namespace smmu {

std::string format_fields(std::span<const Field> fields, std::span<const uint64_t> words, bool nonzero_only) {
  std::string out;
  for (const Field& f : fields) {
    uint64_t v = f.get(words);
    if (nonzero_only && v == 0) continue;
    if (!out.empty()) out += ' ';
    out += v < 10 ? fmt::format("{}={}", f.name, v) : fmt::format("{}={:#x}", f.name, v);
  }
  return out.empty() ? "(all zero)" : out;
}

std::string format_event(const EventRecord& e) {
  const uint32_t defined = event_defined_fields(e.q);
  std::string out = event_type_name(e.type());
  for (unsigned i = 0; i < std::size(event::kFields); ++i) {
    const Field& f = event::kFields[i];
    if (i == event::bit_EVENT_TYPE || !(defined & (1u << i))) continue;
    uint64_t v = e.get(f);
    static constexpr const char* kClass[] = {"CD", "TT", "IN", "reserved"};
    if (i == event::bit_CLASS) out += fmt::format(" CLASS={}", kClass[v & 3]);
    else out += v < 10 ? fmt::format(" {}={}", f.name, v) : fmt::format(" {}={:#x}", f.name, v);
  }
  return out;
}

std::string format_command(const std::array<uint64_t, 2>& c) {
  const uint8_t opcode = static_cast<uint8_t>(cmd::Opcode.get(c[0]));
  const OpcodeInfo* info = opcode_info(opcode);
  if (!info) return fmt::format("reserved opcode {:#04x} [{:#018x} {:#018x}]", opcode, c[0], c[1]);
  std::string out = info->name;
  for (unsigned i = 0; i < std::size(cmd::kFields); ++i) {
    if (!(info->fields & (1u << i))) continue;
    const uint64_t v = cmd::kFields[i].get(std::span<const uint64_t>(c));
    if (v == 0) continue;
    out += v < 10 ? fmt::format(" {}={}", cmd::kFields[i].name, v) : fmt::format(" {}={:#x}", cmd::kFields[i].name, v);
  }
  return out;
}

std::string format_outcome(const Outcome& o) {
  switch (o.kind) {
    case OutcomeKind::Success:
      return fmt::format("success pa={:#x} perms={}{}{} mair={:#04x} sh={} {} {}", o.pa, o.perms.read ? 'r' : '-',
                         o.perms.write ? 'w' : '-', o.perms.exec ? 'x' : '-', o.attrs.mair, o.attrs.sh,
                         o.attrs.priv ? "priv" : "unpriv", o.attrs.instr ? "instr" : "data");
    case OutcomeKind::Terminated:
      return "terminated (abort, no event)";
    case OutcomeKind::Fault:
    case OutcomeKind::CompletedRazWi:
      return fmt::format("{} {}{}", o.kind == OutcomeKind::Fault ? "abort" : "raz/wi",
                         o.event ? format_event(*o.event) : "(no record)",
                         o.recorded ? "" : " [not recorded]");
  }
  return "?";
}

}  // namespace smmu
