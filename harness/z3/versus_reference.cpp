#include "harness/z3/versus_reference.h"

#include <cstdio>

#include "specs/print.h"

namespace smmu::z3test {

using z3enc::ConcreteOutcome;

Expected expected_of(const Outcome& o) {
  Expected e{z3enc::kTerminated};
  switch (o.kind) {
    case OutcomeKind::Success: e.code = z3enc::kSuccess, e.pa = o.pa; break;
    case OutcomeKind::Terminated: e.code = z3enc::kTerminated; break;
    case OutcomeKind::Fault:
    case OutcomeKind::CompletedRazWi:
      e.code = o.event ? o.event->type() : 0xFE;
      e.razwi = o.kind == OutcomeKind::CompletedRazWi;
      e.stage2 = o.event && o.event->get(event::S2) != 0;
      break;
  }
  e.translation_related = e.code == uint8_t(EventType::F_TRANSLATION) || e.code == uint8_t(EventType::F_ADDR_SIZE) ||
                          e.code == uint8_t(EventType::F_ACCESS) || e.code == uint8_t(EventType::F_PERMISSION);
  return e;
}

std::string code_name(uint8_t c) {
  if (c == z3enc::kSuccess) return "Success";
  if (c == z3enc::kTerminated) return "Terminated";
  return event_type_name(c);
}

namespace {
// Captures the table words a reference translation reads, to print them with a mismatch.
struct Capture final : WalkObserver {
  std::string text;
  void table_read(const TableRead& r) override {
    char buf[160];
    std::snprintf(buf, sizeof buf, "    %s[%u] L%d @%#llx = %#018llx\n", table_role_name(r.role), r.index, r.level,
                  (unsigned long long)r.pa, (unsigned long long)r.value.value_or(0));
    text += buf;
  }
};
}  // namespace

std::string Comparison::outcome_key() const { return code_name(ref.code) + (ref.razwi ? "(razwi)" : ""); }

std::string Comparison::mismatch_key() const {
  return code_name(ref.code) + " vs " + (z3 ? code_name(z3->code) : "non-constant");
}

std::string Comparison::describe() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "sid=%u ssid=%s addr=%#llx read=%d instr=%d priv=%d: ref %s pa=%#llx s2=%d razwi=%d; z3 %s pa=%#llx "
                "s2=%d razwi=%d\n",
                t.sid, t.ssid ? std::to_string(*t.ssid).c_str() : "-", (unsigned long long)t.addr, t.read, t.instr,
                t.priv, code_name(ref.code).c_str(), (unsigned long long)ref.pa, ref.stage2, ref.razwi,
                z3 ? code_name(z3->code).c_str() : "?", z3 ? (unsigned long long)z3->pa : 0ull, z3 ? z3->stage2 : 0,
                z3 ? z3->razwi : 0);
  return buf + reads;
}

VersusReference::VersusReference(z3::context& c, harness::SparseMemory& mem, uint64_t strtab_base,
                                 uint32_t strtab_base_cfg, const Features& requested, bool e2h)
    : c_(c), ref_(requested, mem), sym_(z3enc::SymbolicMemory::all_preserved(c, mem)) {
  ref_.registers().strtab_base = strtab_base;
  ref_.registers().strtab_base_cfg = strtab_base_cfg;
  uint64_t cr0 = 0, cr2 = 0;
  regf::CR0_SMMUEN.set(cr0, 1);
  regf::CR2_RECINVSID.set(cr2, 1);
  regf::CR2_E2H.set(cr2, e2h);
  ref_.registers().cr0 = ref_.registers().cr0ack = static_cast<uint32_t>(cr0);
  ref_.registers().cr2 = static_cast<uint32_t>(cr2);
  cfg_ = z3enc::SmmuConfig{ref_.features(), strtab_base, strtab_base_cfg, e2h};
}

Comparison VersusReference::compare(const Transaction& t) {
  Comparison r;
  r.t = t;
  Capture cap;
  r.ref = expected_of(ref_.translate(t, &cap));
  r.reads = std::move(cap.text);
  sym_.clear_reads();
  z3enc::SymOutcome so = z3enc::encode_translation(c_, cfg_, sym_, z3enc::SymTransaction::concrete(c_, t));
  r.z3 = z3enc::evaluate(so);
  r.ok = r.z3 && r.z3->code == r.ref.code;
  if (r.ok && r.ref.code == z3enc::kSuccess) r.ok = r.z3->pa == r.ref.pa;
  if (r.ok && r.ref.translation_related) r.ok = r.z3->stage2 == r.ref.stage2 && r.z3->razwi == r.ref.razwi;
  return r;
}

}  // namespace smmu::z3test
