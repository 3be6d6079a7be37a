#include "harness/plan/concrete.h"

#include <random>

#include <fmt/format.h>

#include "harness/check/compare.h"
#include "harness/plan/plan_checks.h"
#include "specs/print.h"

namespace smmu::plan {

namespace {

using harness::same_dma;

// The sampled per-qword mixes of write group `g`: every one when there are few words, else all-old, all-new
// and `n` random ones.
std::vector<State> mixes_of(const WriteGroup& g, unsigned n, std::mt19937_64& rng) {
  std::vector<uint64_t> pas;
  for (const auto& [pa, v] : g.words) pas.push_back(pa);
  const bool all = pas.size() < 6;
  const uint64_t count = all ? uint64_t{1} << pas.size() : 2 + uint64_t{n};
  std::vector<State> out;
  for (uint64_t m = 0; m < count; ++m) {
    State s = g.before;
    s.step = g.step;
    s.label = fmt::format("during step {} (a mix of the writes before its CMD_SYNC)", g.step);
    for (size_t k = 0; k < pas.size(); ++k) {
      const bool take_new = all ? (m >> k & 1) != 0 : m == 1 || (m > 1 && (rng() & 1));
      const auto& [before, after] = g.words.at(pas[k]);
      s.mem.poke64(pas[k], take_new ? after : before);
      s.written.insert(pas[k] >> 3);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string where(const Transaction& t) {
  return fmt::format("StreamID {:#x}{} at {:#x}", t.sid, t.ssid ? fmt::format(" SSID {}", *t.ssid) : "", t.addr);
}

class Checker {
 public:
  Checker(const LoadedPlan& p, const PlanRun& run, const ConcreteOptions& o)
      : p_(p), run_(run), o_(o), rng_(o.seed) {
    for (int i = smmucheck::Invariant_MIN; i <= smmucheck::Invariant_MAX; ++i)
      out_.push_back({smmucheck::Invariant(i), std::nullopt});
  }

  std::vector<ConcreteVerdict> run() {
    for (const State& st : run_.after) streams_at(st, nullptr);
    for (const WriteGroup& g : run_.groups) group(g);
    for (const State& st : run_.after) isolation_at(st);
    flag(smmucheck::LEGAL_PROGRAMMING, first_illegal_write(run_));
    flag(smmucheck::CACHING, first_uncovered_use(run_));
    // Write containment: a state in which the SMMU may write where it must not (a record of any fault would
    // land there), and what it did write.
    flag(smmucheck::WRITE_CONTAINMENT, write_exposure(run_));
    for (const auto& [step, v] : run_.violations)
      flag(v.kind == kexec::Violation::Kind::WriteContainment ? smmucheck::WRITE_CONTAINMENT : smmucheck::DMA_CONTAINMENT,
           fmt::format("step {}: {}", step, v.message));
    return out_;
  }

 private:
  void flag(smmucheck::Invariant i, std::optional<std::string> why) {
    if (why && !out_[i].violation) out_[i].violation = std::move(why);
  }
  void flag(smmucheck::Invariant i, const std::optional<Finding>& f) {
    if (f) flag(i, std::optional<std::string>(f->what));
  }

  const Outcome& before_kexec(const Transaction& t) {
    const auto key = std::make_tuple(t.sid, t.ssid.value_or(~0u), t.addr, t.read, t.instr, t.priv);
    auto it = before_.find(key);
    if (it == before_.end()) it = before_.emplace(key, translate_at(run_.features, run_.at_kexec, t).outcome).first;
    return it->second;
  }

  // Continuity, footprint and DMA containment of every surviving stream at `st`. With `around` (a mix of a
  // write group: the states before and after the group), hitless too.
  void streams_at(const State& st, const std::pair<const State*, const State*>* around) {
    const std::set<uint64_t> kept = kept_at(run_, st.step);
    for (const auto& s : p_.msg.stream())
      for (const Transaction& t : stream_dmas(p_, s)) {
        const ConcreteRun r = translate_at(run_.features, st, t);
        const Outcome& old = before_kexec(t);
        const bool may_fault = breaking(s, st.step) && r.outcome.kind != OutcomeKind::Success;
        if (!same_dma(old, r.outcome) && !may_fault)
          flag(smmucheck::CONTINUITY, fmt::format("{} {}: {} (before the kexec {})", where(t), st.label,
                                                  format_outcome(r.outcome), format_outcome(old)));
        for (const TableRead& tr : r.reads)
          if (!kept.count(tr.pa >> 12) && !st.written.count(tr.pa >> 3)) {
            flag(smmucheck::FOOTPRINT, fmt::format("{} {}: reads {:#x}, memory not preserved", where(t), st.label, tr.pa));
            break;
          }
        if (r.outcome.kind == OutcomeKind::Success && !kept.count(r.outcome.pa >> 12))
          flag(smmucheck::DMA_CONTAINMENT, fmt::format("{} {}: output {:#x} is not in memory preserved and kept",
                                                       where(t), st.label, r.outcome.pa));
        if (around) {
          const Outcome a = translate_at(run_.features, *around->first, t).outcome;
          const Outcome b = translate_at(run_.features, *around->second, t).outcome;
          if (!same_dma(a, r.outcome) && !same_dma(b, r.outcome) && !may_fault)
            flag(smmucheck::HITLESS, fmt::format("{} {}: {}, neither the old {} nor the new {}", where(t), st.label,
                                                 format_outcome(r.outcome), format_outcome(a), format_outcome(b)));
        }
      }
  }

  void group(const WriteGroup& g) {
    for (const auto& s : p_.msg.stream()) flag(smmucheck::HITLESS, check_entry_rewrites(p_, run_, g, s).broken);
    State after = g.before;
    for (const auto& [pa, v] : g.words) after.mem.poke64(pa, v.second), after.written.insert(pa >> 3);
    const std::pair<const State*, const State*> around{&g.before, &after};
    for (const State& m : mixes_of(g, o_.mixes, rng_)) streams_at(m, &around);
  }

  // StreamIDs the table names at `st` other than the surviving ones, at the plan's addresses.
  void isolation_at(const State& st) {
    std::set<uint32_t> surviving;
    for (const auto& s : p_.msg.stream()) surviving.insert(s.sid());
    std::set<std::pair<uint64_t, std::optional<uint32_t>>> inputs{{0, std::nullopt}};
    for (const auto& step : p_.msg.step())
      if (step.has_dma()) inputs.insert({step.dma().addr(), step.dma().has_ssid() ? std::optional(step.dma().ssid()) : std::nullopt});
    const unsigned log2size = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(st.regs.strtab_base_cfg));
    const uint64_t count = uint64_t{1} << std::min(log2size, 24u);
    std::vector<uint64_t> sids;
    if (count <= o_.isolation_sids) {
      for (uint64_t sid = 0; sid < count; ++sid) sids.push_back(sid);
    } else {
      sids = {0, count - 1};
      for (uint32_t s : surviving) sids.insert(sids.end(), {s ^ 1u, uint64_t{s} + 1});
      while (sids.size() < o_.isolation_sids) sids.push_back(rng_() % count);
    }
    for (uint64_t sid : sids) {
      if (sid >= count || surviving.count(uint32_t(sid)) || !ste_words(st, uint32_t(sid))) continue;
      for (const auto& [addr, ssid] : inputs) {
        Transaction t{.sid = uint32_t(sid), .addr = addr};
        t.ssid = ssid;
        const Outcome o = translate_at(run_.features, st, t).outcome;
        if (o.kind == OutcomeKind::Success) {
          flag(smmucheck::ISOLATION, fmt::format("{} {}: a stream that does not survive reaches {:#x}", where(t),
                                                 st.label, o.pa));
          return;
        }
      }
    }
  }

  const LoadedPlan& p_;
  const PlanRun& run_;
  const ConcreteOptions& o_;
  std::mt19937_64 rng_;
  std::vector<ConcreteVerdict> out_;
  std::map<std::tuple<uint32_t, uint32_t, uint64_t, bool, bool, bool>, Outcome> before_;
};

}  // namespace

std::vector<ConcreteVerdict> check_concretely(const LoadedPlan& p, const PlanRun& run, const ConcreteOptions& o) {
  return Checker(p, run, o).run();
}

}  // namespace smmu::plan
