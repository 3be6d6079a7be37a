#include "harness/plan/plan_checks.h"

#include <chrono>

#include <fmt/format.h>

#include "harness/diff/overlay_memory.h"
#include "harness/runner/runner.h"
#include "reference/smmu.h"

namespace smmu::plan {

std::set<uint64_t> kept_at(const PlanRun& run, int step) {
  std::set<uint64_t> kept = run.preserved;
  for (const auto& [page, when] : run.reclaimed)
    if (when <= step) kept.erase(page);
  return kept;
}

bool breaking(const smmucheck::PlanStream& s, int step) {
  for (uint32_t b : s.breaking_step())
    if (int(b) == step) return true;
  return false;
}

std::vector<Transaction> stream_dmas(const LoadedPlan& p, const smmucheck::PlanStream& s) {
  std::vector<Transaction> out;
  for (const auto& step : p.msg.step())
    if (step.has_dma() && step.dma().sid() == s.sid() && step.dma().has_ssid() == s.has_ssid() &&
        (!s.has_ssid() || step.dma().ssid() == s.ssid()))
      out.push_back(harness::transaction_of(step.dma()));
  if (out.empty()) {
    Transaction t{.sid = s.sid(), .addr = 0};
    if (s.has_ssid()) t.ssid = s.ssid();
    out.push_back(t);
  }
  return out;
}

ConcreteRun translate_at(const Features& f, const State& st, const Transaction& t,
                         const std::map<uint64_t, uint64_t>& overrides) {
  struct Reads final : WalkObserver {
    std::vector<TableRead> r;
    void table_read(const TableRead& t) override { r.push_back(t); }
    bool wants_decisions() const override { return false; }
  } reads;
  // The translation's own writes (event records) and the overrides go to an overlay: the state stays as it
  // was, and no page is copied (reading a SparseMemory does not change it).
  harness::OverlayMemory mem(const_cast<harness::SparseMemory&>(st.mem));
  for (const auto& [pa, v] : overrides) mem.write(pa, 8, v);
  ref::ReferenceSmmu r(f, mem);
  r.registers() = st.regs;
  Outcome o = r.translate(t, &reads);
  return {o, std::move(reads.r)};
}

std::optional<std::vector<uint64_t>> ste_words(const State& st, uint32_t sid) {
  const uint32_t cfg = st.regs.strtab_base_cfg;
  const unsigned log2size = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(cfg));
  if (log2size < 32 && (sid >> log2size)) return std::nullopt;
  const uint64_t base = regf::STRTAB_BASE_ADDR.in_place(st.regs.strtab_base);
  uint64_t ste = base + 64 * uint64_t{sid};
  std::vector<uint64_t> words;
  if (regf::STRTAB_BASE_CFG_FMT.get(cfg) == 1) {
    const unsigned split = static_cast<unsigned>(regf::STRTAB_BASE_CFG_SPLIT.get(cfg));
    const uint64_t l1 = base + 8 * uint64_t{sid >> split};
    words.push_back(l1);
    ste = l1std::L2Ptr.in_place(st.mem.peek64(l1)) + 64 * uint64_t{sid & ((1u << split) - 1)};
  }
  for (unsigned i = 0; i < 8; ++i) words.push_back(ste + 8 * i);
  return words;
}

namespace {
// The STE and CD a surviving stream's translation reads at `st` (64-byte aligned addresses, with their kind).
std::map<uint64_t, driver::EntryKind> stream_entries(const LoadedPlan& p, const PlanRun& run,
                                                     const smmucheck::PlanStream& s, const State& st) {
  std::map<uint64_t, driver::EntryKind> e;
  for (const TableRead& t : translate_at(run.features, st, plan_dma(p, s)).reads) {
    if (t.role == TableRole::Ste) e.emplace(t.pa & ~uint64_t{63}, driver::EntryKind::Ste);
    if (t.role == TableRole::Cd) e.emplace(t.pa & ~uint64_t{63}, driver::EntryKind::Cd);
  }
  return e;
}
}  // namespace

EntryRewrites check_entry_rewrites(const LoadedPlan& p, const PlanRun& run, const WriteGroup& g,
                                   const smmucheck::PlanStream& s) {
  EntryRewrites out;
  for (const auto& [base, kind] : stream_entries(p, run, s, g.before)) {
    driver::Words8 old_e{}, new_e{};
    driver::WriteGroup writes;
    for (unsigned q = 0; q < 8; ++q) {
      old_e[q] = new_e[q] = g.before.mem.peek64(base + 8 * q);
      if (auto w = g.words.find(base + 8 * q); w != g.words.end()) {
        new_e[q] = w->second.second;
        writes.push_back({q, w->second.second});
      }
    }
    if (writes.empty()) continue;
    out.touched = true;
    const auto t0 = std::chrono::steady_clock::now();
    const driver::HitlessReport rep = driver::check_hitless(kind, old_e, new_e, {writes}, driver::UsedContext{run.features});
    out.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool bad = rep.verdict == driver::Verdict::NotHitless ||
                     (rep.verdict == driver::Verdict::Breaking && !breaking(s, g.step)) || !rep.error.empty();
    if (!bad || out.broken) continue;
    out.base = base;
    const driver::ObservedState* st = rep.first_bad ? &*rep.first_bad : rep.first_blocking ? &*rep.first_blocking : nullptr;
    std::string qwords;
    if (st)
      for (unsigned q = 0; q < 8; ++q) {
        qwords += fmt::format(" q{}={:#x}{}", q, st->entry[q], st->source[q] < 0 ? "(old)" : "(new)");
        out.mix[base + 8 * q] = st->entry[q];
      }
    out.broken = fmt::format("stream {:#x}, the {} at {:#x} rewritten during step {}: {} ({}); a state the SMMU may see:{}",
                             s.sid(), kind == driver::EntryKind::Ste ? "STE" : "CD", base, g.step,
                             driver::verdict_name(rep.verdict), rep.error.empty() ? "used bits neither old nor new" : rep.error,
                             qwords);
  }
  return out;
}

std::optional<Finding> write_exposure(const PlanRun& run) {
  const ref::Registers& old = run.at_kexec.regs;
  for (const State& st : run.after) {
    const std::set<uint64_t> kept = kept_at(run, st.step);
    const uint32_t en = st.regs.cr0ack;
    std::optional<std::string> bad;
    auto need = [&](uint64_t base, uint64_t size, const char* what) {
      for (uint64_t a = base & ~uint64_t{0xFFF}; !bad && a < base + size; a += 0x1000)
        if (!kept.count(a >> 12))
          bad = fmt::format("{}: {} at {:#x} may be written by the SMMU, and page {:#x} is {}", st.label, what, base, a,
                            run.preserved.count(a >> 12) ? "reclaimed" : "not preserved");
    };
    if (regf::CR0_EVENTQEN.get(en) && st.regs.eventq_base == old.eventq_base)
      need(regf::QUEUE_BASE_ADDR.in_place(st.regs.eventq_base), uint64_t{32} << regf::QUEUE_BASE_LOG2SIZE.get(st.regs.eventq_base),
           "the event queue (§7.2: records are written at EVENTQ_PROD while EVENTQEN = 1)");
    if (regf::IRQ_CTRL_EVENTQ_IRQEN.get(st.regs.irq_ctrlack) && st.regs.eventq_irq_cfg0 == old.eventq_irq_cfg0 && run.features.msi)
      need(regf::IRQ_CFG0_ADDR.in_place(st.regs.eventq_irq_cfg0), 4, "the event queue MSI (§6.3.30)");
    if (regf::IRQ_CTRL_GERROR_IRQEN.get(st.regs.irq_ctrlack) && st.regs.gerror_irq_cfg0 == old.gerror_irq_cfg0 && run.features.msi)
      need(regf::IRQ_CFG0_ADDR.in_place(st.regs.gerror_irq_cfg0), 4, "the GERROR MSI (§6.3.21)");
    if (bad) return Finding{st.step, *bad};
  }
  return std::nullopt;
}

std::optional<Finding> first_illegal_write(const PlanRun& run) {
  if (run.illegal.empty()) return std::nullopt;
  return Finding{run.illegal[0].step, fmt::format("step {}: {}", run.illegal[0].step, run.illegal[0].what)};
}

std::optional<Finding> first_uncovered_use(const PlanRun& run) {
  if (run.uncovered.empty()) return std::nullopt;
  const auto& u = run.uncovered[0];
  return Finding{u.step, fmt::format("step {}: the DMA of StreamID {:#x} at {:#x} relies on the word at {:#x}, changed with no "
                     "completed invalidation covering it since (specs/coverage)", u.step, u.sid, u.addr, u.word)};
}

}  // namespace smmu::plan
