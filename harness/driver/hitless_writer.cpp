// The hitless writer (the algorithm is described in hitless.h) and its scenario-step form.
#include <fmt/format.h>

#include "harness/driver/driver.h"
#include "harness/driver/hitless.h"

namespace smmu::driver {

namespace {

const Field& valid_field(EntryKind kind) { return kind == EntryKind::Ste ? ste::V : cd::V; }

// Appends a group writing every qword where `to` differs from `from`, and makes `from` equal `to`.
void emit_group(WritePlan& plan, Words8& from, const Words8& to) {
  WriteGroup g;
  for (unsigned q = 0; q < 8; ++q)
    if (from[q] != to[q]) g.push_back({q, to[q]});
  if (g.empty()) return;
  plan.groups.push_back(std::move(g));
  from = to;
}

}  // namespace

WritePlan plan_entry_update(EntryKind kind, const Words8& old_entry, const Words8& new_entry, const UsedContext& ctx,
                            BreakVia via) {
  WritePlan plan;
  Words8 mem = old_entry;
  const Words8 used_old = used_bits(kind, old_entry, ctx);
  const Words8 used_new = used_bits(kind, new_entry, ctx);
  // Step 1: the bits the old entry does not use take their new values (harmless: §5.2, §5.4 IGNORED/RES0).
  Words8 step1{};
  for (unsigned q = 0; q < 8; ++q) step1[q] = (old_entry[q] & used_old[q]) | (new_entry[q] & ~used_old[q]);
  // The qwords whose bits the new entry uses still differ from memory after step 1.
  std::vector<unsigned>& critical = plan.critical_qwords;
  for (unsigned q = 0; q < 8; ++q)
    if ((step1[q] ^ new_entry[q]) & used_new[q]) critical.push_back(q);
  if (critical.size() <= 1) {
    emit_group(plan, mem, step1);
    if (critical.size() == 1) {
      Words8 step2 = mem;
      step2[critical[0]] = new_entry[critical[0]];
      emit_group(plan, mem, step2);
    }
    emit_group(plan, mem, new_entry);  // step 3: only bits the new entry does not use differ
    return plan;
  }
  // Break before make (§3.21.3.1): invalidate, fill in every field with V = 0, then set V. Through an abort
  // STE instead, Config = 0b000 plays the part of V = 0: the SMMU then uses V, Config and CONT only (§5.2).
  plan.breaking = true;
  const bool abort = via == BreakVia::Abort && kind == EntryKind::Ste;
  auto blocked = [&](Words8 e) {
    if (abort) {
      ste::V.set(std::span<uint64_t>(e), 1);
      ste::Config.set(std::span<uint64_t>(e), 0b000);
    } else {
      valid_field(kind).set(std::span<uint64_t>(e), 0);
    }
    return e;
  };
  emit_group(plan, mem, blocked(mem));
  emit_group(plan, mem, blocked(new_entry));
  emit_group(plan, mem, new_entry);
  return plan;
}

std::array<uint64_t, 2> cfgi_for(EntryKind kind, uint32_t sid, uint32_t ssid) {
  if (kind == EntryKind::Ste)
    return make_command(static_cast<uint8_t>(Opcode::CMD_CFGI_STE), {{&cmd::StreamID, sid}, {&cmd::Leaf, 1}});
  return make_command(static_cast<uint8_t>(Opcode::CMD_CFGI_CD),
                      {{&cmd::StreamID, sid}, {&cmd::SubstreamID, ssid}, {&cmd::Leaf, 1}});
}

std::vector<smmucheck::Step> plan_steps(EntryKind kind, uint64_t entry_pa, uint32_t sid, uint32_t ssid,
                                        const WritePlan& plan) {
  std::vector<smmucheck::Step> out;
  const auto sync = make_command(static_cast<uint8_t>(Opcode::CMD_SYNC), {});
  for (size_t g = 0; g < plan.groups.size(); ++g) {
    for (size_t j = 0; j < plan.groups[g].size(); ++j) {
      const QwordWrite& w = plan.groups[g][j];
      smmucheck::Step s;
      if (j == 0)
        s.set_comment(fmt::format("hitless writer: {} SID {:#x}{} group {}/{}{}", entry_kind_name(kind), sid,
                                  kind == EntryKind::Cd ? fmt::format(" SSID {:#x}", ssid) : "", g + 1,
                                  plan.groups.size(), plan.breaking ? " (breaking)" : ""));
      s.mutable_mem_write()->set_addr(entry_pa + 8 * uint64_t{w.qword});
      s.mutable_mem_write()->add_qword(w.value);
      out.push_back(std::move(s));
    }
    out.push_back(command_step({cfgi_for(kind, sid, ssid), sync}));
  }
  return out;
}

std::vector<smmucheck::Step> rewrite_entry(EntryKind kind, uint64_t entry_pa, uint32_t sid, uint32_t ssid,
                                           const Words8& old_entry, const Words8& new_entry, const UsedContext& ctx,
                                           BreakVia via) {
  return plan_steps(kind, entry_pa, sid, ssid, plan_entry_update(kind, old_entry, new_entry, ctx, via));
}

}  // namespace smmu::driver
