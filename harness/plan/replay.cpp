#include "harness/plan/replay.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "harness/diff/diff_runner.h"
#include "harness/check/compare.h"
#include "harness/diff/reduce.h"
#include "harness/runner/runner.h"
#include "optimized/smmu.h"
#include "specs/lookup.h"
#include "specs/print.h"

namespace smmu::plan {

namespace {

smmucheck::Step mem_write(uint64_t pa, uint64_t value, std::string comment) {
  smmucheck::Step s;
  s.set_comment(std::move(comment));
  s.mutable_mem_write()->set_addr(pa);
  s.mutable_mem_write()->add_qword(value);
  return s;
}

smmucheck::Step dma(const Transaction& t, std::string comment) {
  smmucheck::Step s;
  s.set_comment(std::move(comment));
  auto* d = s.mutable_dma();
  d->set_sid(t.sid);
  if (t.ssid) d->set_ssid(*t.ssid);
  d->set_addr(t.addr);
  d->set_access(!t.read ? smmucheck::WRITE : t.instr ? smmucheck::INSTR : smmucheck::READ);
  d->set_priv(t.priv);
  return s;
}

// The plan's steps up to the counterexample's state with the kexec replaced by the junk, then its DMA.
smmucheck::Scenario build(const LoadedPlan& p, const Counterexample& cx, const std::string& name,
                          const std::map<uint64_t, uint64_t>& junk) {
  smmucheck::Scenario s;
  s.set_name(name);
  s.set_description(fmt::format("Counterexample of plan {}: {}", p.msg.name(), cx.violates));
  *s.mutable_features() = p.msg.features();
  for (int i = 0; i <= cx.state_step && i < p.msg.step_size(); ++i) {
    if (i != p.kexec_step) {
      *s.add_step() = p.msg.step(i);
      continue;
    }
    if (cx.before_kexec) *s.add_step() = dma(cx.txn, "the counterexample's DMA before the kexec");
    // The kexec: memory not preserved may hold anything; these are the values the walk below meets.
    for (const auto& [pa, v] : junk) *s.add_step() = mem_write(pa, v, "kexec: junk in memory not preserved");
  }
  for (const auto& [pa, v] : cx.mix) *s.add_step() = mem_write(pa, v, "the mix of old and new qwords the SMMU may see");
  *s.add_step() = dma(cx.txn, fmt::format("the counterexample's DMA {}", cx.state_label));
  return s;
}

// The outcome of the last step on the reference, and of the one before the kexec when there is one.
std::vector<Outcome> reference_dmas(const harness::LoadedScenario& ls) {
  harness::ScenarioRun run(ls, harness::reference_factory());
  std::vector<Outcome> out;
  for (int i = 0; i < ls.msg.step_size(); ++i) {
    auto r = run.run_step(i);
    if (auto* obs = std::get_if<harness::StepObservation>(&r); obs && obs->dma && ls.msg.step(i).comment().rfind("the counterexample", 0) == 0)
      out.push_back(*obs->dma);
    if (std::holds_alternative<std::string>(r)) throw std::runtime_error(std::get<std::string>(r));
  }
  return out;
}

bool matches(const Outcome& o, const Counterexample& cx) {
  if (cx.predicted_code == 0) return o.kind == OutcomeKind::Success && o.pa == cx.predicted_pa;
  if (cx.predicted_code == 0xFF) return o.kind == OutcomeKind::Terminated;
  return o.kind != OutcomeKind::Success && o.event && o.event->get(event::EVENT_TYPE) == uint64_t(cx.predicted_code);
}

std::string optimized_verdict(const harness::LoadedScenario& ls) {
  harness::ModelSpec opt{"opt", [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); },
                         false, {}};
  auto r = harness::run_diff(ls, {opt});
  if (auto* err = std::get_if<std::string>(&r)) return "could not run: " + *err;
  const auto& d = std::get<harness::DiffResult>(r);
  return d.divergences.empty() ? "agrees" : "diverges: " + d.divergences[0].signature;
}

// Writes `s` into `dir` (atomically) and loads it back, as a user replaying it would.
std::optional<harness::LoadedScenario> save(const smmucheck::Scenario& s, const std::string& dir, ReplayReport& rep) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = (std::filesystem::path(dir) / (s.name() + ".textproto")).string();
  std::string err;
  const std::string header = fmt::format("# {}\n# Replay: smmucheck replay {}\n\n", s.description(), path);
  if (!harness::write_scenario_atomically(path, s, header, err)) {
    rep.note = err;
    return std::nullopt;
  }
  rep.files.push_back(path);
  std::vector<harness::InputError> errors;
  auto ls = harness::load_scenario(path, errors);
  if (!ls) rep.note = errors.empty() ? "the scenario does not load" : errors[0].to_string();
  return ls;
}

harness::ModelFactory optimized_factory() {
  return [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); };
}

}  // namespace

ReplayReport replay_counterexample(const LoadedPlan& p, const InvariantResult& r, const std::string& dir) {
  ReplayReport rep;
  if (!r.cex) return rep;
  const Counterexample& cx = *r.cex;
  auto save = [&](const smmucheck::Scenario& s) { return plan::save(s, dir, rep); };
  const std::string base = fmt::format("{}.{}", p.msg.name(), invariant_name(r.invariant));
  auto a = save(build(p, cx, base, cx.junk));
  if (!a) return rep;
  std::vector<Outcome> o = reference_dmas(*a);
  if (o.empty()) {
    rep.note = "the reference made no DMA";
    return rep;
  }
  const Outcome& last = o.back();
  rep.reference = format_outcome(last);
  rep.optimized = optimized_verdict(*a);
  if (!matches(last, cx)) {
    rep.note = fmt::format("ENCODING BUG? the encoding predicted {}, the reference gives {}", cx.expected, rep.reference);
    return rep;
  }
  switch (r.invariant) {
    case smmucheck::CONTINUITY:
      rep.confirmed = o.size() == 2 && !harness::same_dma(o[0], last);
      if (o.size() == 2) rep.note = fmt::format("before the kexec: {}; after: {}", format_outcome(o[0]), rep.reference);
      break;
    case smmucheck::FOOTPRINT: {
      // The pair: the words the walk read from lost memory, holding other junk (what they held before).
      if (cx.pair_junk.empty()) {
        rep.note = "no junk word to change";
        break;
      }
      auto b = save(build(p, cx, base + ".pair", cx.pair_junk));
      if (!b) break;
      std::vector<Outcome> ob = reference_dmas(*b);
      rep.confirmed = !ob.empty() && !harness::same_dma(ob.back(), last);
      rep.note = fmt::format("the pair differs only in memory not preserved (from {:#x}): {} / {}", cx.pair_junk.begin()->first,
                             rep.reference, ob.empty() ? "no DMA" : format_outcome(ob.back()));
      break;
    }
    default:
      rep.confirmed = true;  // the predicted outcome is itself the violation (isolation, DMA containment, hitless)
      break;
  }
  return rep;
}

ReplayReport replay_concrete(const LoadedPlan& p, const PlanRun& run, const InvariantResult& r, const std::string& dir) {
  ReplayReport rep;
  if (r.concrete_step < 0) return rep;
  harness::LoadedScenario ls = concrete_scenario(p, run, r.concrete_step);
  ls.msg.set_name(fmt::format("{}.{}", p.msg.name(), invariant_name(r.invariant)));
  ls.msg.set_description(fmt::format("Counterexample of plan {}: {}", p.msg.name(), r.detail));
  const std::vector<std::pair<const char*, harness::ModelFactory>> models{{"reference", harness::reference_factory()},
                                                                          {"optimized model", optimized_factory()}};
  switch (r.invariant) {
    case smmucheck::LEGAL_PROGRAMMING: {
      // In each model, the guard is 1 when the plan writes the register it guards.
      const IllegalWrite& w = run.illegal.at(0);
      auto saved = save(ls.msg, dir, rep);
      if (!saved) return rep;
      rep.confirmed = true;
      for (const auto& [name, make] : models) {
        harness::ScenarioRun sr(*saved, make);
        bool seen = false;
        auto check = [&](const smmucheck::Step& s) {
          if (!s.has_mmio_write() || harness::mmio_access(s.mmio_write()).offset != w.offset) return;
          const Field* guard = register_field(w.guard, "CR0");
          seen |= guard && guard->get(sr.model().mmio_read(reg::CR0ACK.offset, 4)) == 1;
        };
        sr.on_primitive = check;
        for (int i = 0; i < saved->msg.step_size(); ++i) {
          check(saved->msg.step(i));
          if (std::holds_alternative<std::string>(sr.run_step(i))) break;
        }
        rep.confirmed &= seen;
      }
      rep.note = fmt::format("CR0ACK.{} = 1 when the register at {:#x} is written, in {}", w.guard, w.offset,
                             rep.confirmed ? "both models" : "not both models");
      return rep;
    }
    case smmucheck::WRITE_CONTAINMENT: {
      // A transaction with a StreamID beyond the stream table (C_BAD_STREAMID, §7.3.2) makes the SMMU record an
      // event where the queue points: the runner's containment check must see it land where it must not.
      const unsigned log2size = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(run.at_kexec.regs.strtab_base_cfg));
      *ls.msg.add_step() = dma(Transaction{.sid = log2size < 32 ? 1u << log2size : ~0u, .addr = 0},
                               "the counterexample's DMA: a StreamID beyond the table, recorded as C_BAD_STREAMID");
      ls.step_line.push_back(0);
      auto saved = save(ls.msg, dir, rep);
      if (!saved) return rep;
      rep.confirmed = true;
      for (const auto& [name, make] : models) {
        harness::ScenarioRun sr(*saved, make);
        std::string seen;
        for (int i = 0; i < saved->msg.step_size(); ++i) {
          auto o = sr.run_step(i);
          if (auto* obs = std::get_if<harness::StepObservation>(&o))
            for (const auto& v : obs->violations)
              if (v.kind == kexec::Violation::Kind::WriteContainment && seen.empty()) seen = v.message;
        }
        rep.confirmed &= !seen.empty();
        if (rep.note.empty()) rep.note = seen.empty() ? fmt::format("the {} wrote nowhere it must not", name) : seen;
      }
      return rep;
    }
    case smmucheck::CACHING: {
      // The DMA that relies on the uncovered change: the caching rule permits more than one outcome for it.
      auto saved = save(ls.msg, dir, rep);
      if (!saved) return rep;
      auto d = harness::run_diff(*saved, {{"opt", optimized_factory(), false, {}}});
      if (auto* err = std::get_if<std::string>(&d)) {
        rep.note = "could not run: " + *err;
        return rep;
      }
      const auto& res = std::get<harness::DiffResult>(d);
      const auto& check = res.dma.back();
      rep.optimized = res.divergences.empty() ? "agrees" : "diverges: " + res.divergences[0].signature;
      // Confirmed when the runner, replaying it, also finds the word uncovered for this DMA: the SMMU may use
      // its old value (whether that changes the outcome is another matter: the count says).
      const uint64_t word = run.uncovered.at(0).word & ~uint64_t{7};
      rep.confirmed = check && check->rule == harness::DmaRule::PermittedStale &&
                      std::find(check->stale_words.begin(), check->stale_words.end(), word) != check->stale_words.end();
      rep.note = !check ? "the last step is not a DMA"
                        : fmt::format("the differential runner finds the DMA {} on {:#x} ({} distinct outcome(s) permitted)",
                                      harness::dma_rule_name(check->rule), word, check->permitted);
      return rep;
    }
    default:
      rep.note = "no concrete replay for this invariant";
      return rep;
  }
}

}  // namespace smmu::plan
