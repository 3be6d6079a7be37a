// The DMA result checker: outcome kind, output address, permissions, attributes, and the fault's record.
#include <fmt/format.h>

#include "harness/check/check.h"
#include "harness/check/compare.h"
#include "specs/print.h"

namespace smmu::harness {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

namespace {
const char* kind_name(smmucheck::ResultKind k) {
  switch (k) {
    case smmucheck::SUCCESS: return "success";
    case smmucheck::FAULT: return "fault";
    case smmucheck::TERMINATED: return "terminated";
    case smmucheck::RAZ_WI: return "raz_wi";
    default: return "?";
  }
}
smmucheck::ResultKind kind_of(OutcomeKind k) {
  switch (k) {
    case OutcomeKind::Success: return smmucheck::SUCCESS;
    case OutcomeKind::Fault: return smmucheck::FAULT;
    case OutcomeKind::Terminated: return smmucheck::TERMINATED;
    case OutcomeKind::CompletedRazWi: return smmucheck::RAZ_WI;
  }
  return smmucheck::FAULT;
}
std::string perms_string(const Permissions& p) {
  return {p.read ? 'r' : '-', p.write ? 'w' : '-', p.exec ? 'x' : '-'};
}
}  // namespace

Mismatches check_dma(const smmucheck::DmaExpect& e, const Outcome& o) {
  Mismatches m;
  if (kind_of(o.kind) != e.result()) m.push_back({"dma.result", kind_name(e.result()), outcome_kind_name(o.kind)});
  if (e.has_pa() && (o.kind != OutcomeKind::Success || o.pa != e.pa())) m.push_back({"dma.pa", hex(e.pa()), hex(o.pa)});
  if (e.has_perms() && perms_string(o.perms) != e.perms()) m.push_back({"dma.perms", e.perms(), perms_string(o.perms)});
  if (e.has_mair() && o.attrs.mair != e.mair()) m.push_back({"dma.mair", hex(e.mair()), hex(o.attrs.mair)});
  if (e.has_sh() && o.attrs.sh != e.sh()) m.push_back({"dma.sh", std::to_string(e.sh()), std::to_string(o.attrs.sh)});
  if (e.has_recorded() && o.recorded != e.recorded())
    m.push_back({"dma.recorded", e.recorded() ? "true" : "false", o.recorded ? "true" : "false"});
  if (e.has_event()) {
    if (!o.event) m.push_back({"dma.event", e.event().type(), "none"});
    else for (auto& x : check_event(e.event(), *o.event, "dma.event")) m.push_back(std::move(x));
  }
  return m;
}

std::string outcome_kind(const Outcome& o) {
  switch (o.kind) {
    case OutcomeKind::Success: return "success";
    case OutcomeKind::Terminated: return "terminated";
    case OutcomeKind::Fault: return o.event ? event_type_name(o.event->type()) : "fault";
    case OutcomeKind::CompletedRazWi: return std::string("raz_wi:") + (o.event ? event_type_name(o.event->type()) : "");
  }
  return "?";
}

namespace {

// The differences of two DMA results; `values` false leaves the report's value strings out (a yes/no
// question asked for every permitted outcome of every DMA).
Differences dma_differences(const Outcome& a, const Outcome& b, const Observability& sees, bool values) {
  Differences d;
  const std::string ka = outcome_kind(a), kb = outcome_kind(b);
  auto outcomes = [&](const char* what) {
    d.push_back({what, ka, kb, values ? format_outcome(a) : "", values ? format_outcome(b) : ""});
  };
  if (ka != kb) {
    outcomes("outcome");
    return d;  // the other fields mean different things
  }
  if (a.kind == OutcomeKind::Success) {
    if (sees.pa && a.pa != b.pa) d.push_back({"pa", ka, kb, hex(a.pa), hex(b.pa)});
    if (sees.perms && !(a.perms == b.perms)) outcomes("perms");
    if (sees.attrs && a.attrs.mair != b.attrs.mair) d.push_back({"mair", ka, kb, hex(a.attrs.mair), hex(b.attrs.mair)});
    if (sees.attrs && a.attrs.sh != b.attrs.sh) d.push_back({"sh", ka, kb, hex(a.attrs.sh), hex(b.attrs.sh)});
    if (sees.attrs && (a.attrs.priv != b.attrs.priv || a.attrs.instr != b.attrs.instr)) outcomes("priv_inst");
  }
  if (a.event && b.event && sees.recorded) {
    for (auto& x : compare_events({*a.event}, {*b.event})) {
      x.what = "event." + x.what.substr(x.what.find('.') + 1);
      d.push_back(std::move(x));
    }
  }
  if (sees.recorded && a.recorded != b.recorded)
    d.push_back({"recorded", ka, kb, a.recorded ? "true" : "false", b.recorded ? "true" : "false"});
  return d;
}

}  // namespace

Differences compare_dma(const Outcome& a, const Outcome& b, const Observability& sees) {
  return dma_differences(a, b, sees, true);
}

bool same_dma(const Outcome& a, const Outcome& b, const Observability& sees) {
  return dma_differences(a, b, sees, false).empty();
}

}  // namespace smmu::harness
