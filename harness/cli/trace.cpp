#include "harness/cli/trace.h"

#include <fmt/format.h>

#include "specs/print.h"

namespace smmu::harness {

namespace {

std::string key_of(const TableRead& r) {
  std::string key = fmt::format("sid={:#x}", r.sid);
  if (r.ssid) key += fmt::format(" ssid={:#x}", *r.ssid);
  if (r.level >= 0)
    key += fmt::format(" L{}{} range={:#x}+{:#x}", r.level, r.leaf ? " leaf" : "", r.range_base, r.range_size);
  if (r.asid) key += fmt::format(" asid={}", *r.asid);
  if (r.vmid) key += fmt::format(" vmid={}", *r.vmid);
  return key;
}

std::string where(const TableRead& r) {
  return r.ipa ? fmt::format("ipa {:#x} pa {:#x}", *r.ipa, r.pa) : fmt::format("pa {:#x}", r.pa);
}

std::string value_of(const std::optional<uint64_t>& v) {
  return v ? fmt::format("{:#018x}", *v) : std::string("EXTERNAL-ABORT");
}

}  // namespace

void TracePrinter::flush() {
  if (!first_) return;
  std::string values;
  for (const auto& w : words_) values += " " + value_of(w);
  fmt::print(out_, "{}read {:<5} {} ={}  [{}]\n", indent_, table_role_name(first_->role), where(*first_), values,
             key_of(*first_));
  first_.reset();
  words_.clear();
}

void TracePrinter::table_read(const TableRead& r) {
  const bool multi = r.role == TableRole::Ste || r.role == TableRole::Cd;
  if (multi && first_ && r.index == words_.size() && r.role == first_->role) {
    words_.push_back(r.value);
    return;
  }
  flush();
  if (multi && r.index == 0) {
    first_ = r;
    words_.push_back(r.value);
    return;
  }
  fmt::print(out_, "{}read {:<5} {} = {}  [{}]\n", indent_, table_role_name(r.role), where(r), value_of(r.value),
             key_of(r));
}

void TracePrinter::decision(std::string_view section, std::string_view text) {
  flush();
  const bool arm_arm = section.starts_with("ArmARM");
  fmt::print(out_, "{}{:<14} {}\n", indent_, arm_arm ? fmt::format("[{}]", section) : fmt::format("[§{}]", section),
             text);
}

void TracePrinter::command(const CommandReport& c) {
  flush();
  fmt::print(out_, "{}cmd   [{:#x}] {}{}\n", indent_, c.index, format_command(c.raw),
             c.error ? fmt::format("  -> {}", cerror_name(c.error)) : "");
}

void TracePrinter::event(const EventRecord& record, std::optional<uint64_t> pa) {
  flush();
  fmt::print(out_, "{}event {}{}\n", indent_, format_event(record),
             pa ? fmt::format("  -> event queue @ {:#x}", *pa) : "  -> discarded");
}

void TracePrinter::msi(uint64_t pa, uint32_t data, bool ok) {
  flush();
  fmt::print(out_, "{}msi   write {:#x} to {:#x}{}\n", indent_, data, pa, ok ? "" : ": EXTERNAL ABORT");
}

std::string describe(const Transaction& t) {
  return fmt::format("sid={:#x}{} addr={:#x} {} {}", t.sid, t.ssid ? fmt::format(" ssid={:#x}", *t.ssid) : "", t.addr,
                     t.read ? (t.instr ? "instruction-read" : "read") : "write", t.priv ? "privileged" : "unprivileged");
}

}  // namespace smmu::harness
