#include "harness/cli/trace.h"

#include <fmt/format.h>

namespace smmu::harness {

void TracePrinter::table_read(const TableRead& r) {
  std::string key = fmt::format("sid={:#x}", r.sid);
  if (r.ssid) key += fmt::format(" ssid={:#x}", *r.ssid);
  if (r.role == TableRole::Ste || r.role == TableRole::Cd) key += fmt::format(" q{}", r.index);
  if (r.level >= 0) key += fmt::format(" L{}{} range={:#x}+{:#x}", r.level, r.leaf ? " leaf" : "", r.range_base, r.range_size);
  if (r.asid) key += fmt::format(" asid={}", *r.asid);
  if (r.vmid) key += fmt::format(" vmid={}", *r.vmid);
  std::string where = r.ipa ? fmt::format("ipa {:#x} pa {:#x}", *r.ipa, r.pa) : fmt::format("pa {:#x}", r.pa);
  std::string value = r.value ? fmt::format("{:#018x}", *r.value) : std::string("EXTERNAL ABORT");
  fmt::print(out_, "{}read {:<5} {} = {}  [{}]\n", indent_, table_role_name(r.role), where, value, key);
}

void TracePrinter::decision(std::string_view section, std::string_view text) {
  bool arm_arm = section.starts_with("ArmARM");
  fmt::print(out_, "{}{:<14} {}\n", indent_, arm_arm ? fmt::format("[{}]", section) : fmt::format("[§{}]", section), text);
}

std::string describe(const Transaction& t) {
  return fmt::format("sid={:#x}{} addr={:#x} {} {} {}", t.sid, t.ssid ? fmt::format(" ssid={:#x}", *t.ssid) : "",
                     t.addr, t.read ? (t.instr ? "instr-read" : "read") : "write", t.priv ? "priv" : "unpriv",
                     t.ssid ? "" : "(no SSID)");
}

}  // namespace smmu::harness
