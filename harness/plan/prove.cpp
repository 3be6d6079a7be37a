#include "harness/plan/prove.h"

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "harness/check/compare.h"
#include "harness/plan/plan_checks.h"
#include "harness/z3/encode.h"
#include "reference/smmu.h"
#include "specs/print.h"

namespace smmu::plan {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

z3enc::SmmuConfig config_of(const Features& f, const ref::Registers& r) {
  return z3enc::SmmuConfig{f, r.strtab_base, r.strtab_base_cfg, regf::CR2_E2H.get(r.cr2) != 0};
}

// The transaction of a surviving stream: its StreamID (and SubstreamID) concrete, everything else symbolic.
z3enc::SymTransaction stream_txn(z3::context& c, const smmucheck::PlanStream& s) {
  z3enc::SymTransaction t = z3enc::SymTransaction::symbolic(c, "t");
  t.sid = c.bv_val(s.sid(), 32);
  t.ssv = c.bool_val(s.has_ssid());
  t.ssid = c.bv_val(s.ssid() & 0xFFFFF, 20);
  return t;
}

z3::expr same(const z3enc::SymOutcome& a, const z3enc::SymOutcome& b) {
  return a.code == b.code && (!a.success() || a.pa == b.pa);
}

std::string describe(const z3enc::ConcreteOutcome& o) {
  if (o.code == z3enc::kSuccess) return fmt::format("success pa={:#x}", o.pa);
  if (o.code == z3enc::kTerminated) return "terminated";
  const char* n = event_type_name(o.code);
  return n ? n : fmt::format("event {:#x}", o.code);
}

// The concrete transaction and the junk the translation read, from a model of a refuted obligation.
Counterexample extract(const z3::model& m, const z3enc::SymTransaction& t, z3enc::SymbolicMemory& after,
                       const z3enc::SymOutcome& n, const State& st) {
  Counterexample cx;
  cx.state_step = st.step;
  cx.state_label = st.label;
  auto u = [&](const z3::expr& e) { return m.eval(e, true).get_numeral_uint64(); };
  auto b = [&](const z3::expr& e) { return m.eval(e, true).is_true(); };
  cx.txn.sid = static_cast<uint32_t>(u(t.sid));
  if (b(t.ssv)) cx.txn.ssid = static_cast<uint32_t>(u(t.ssid));
  cx.txn.addr = u(t.addr);
  cx.txn.read = b(t.read);
  cx.txn.instr = cx.txn.read && b(t.instr);
  cx.txn.priv = b(t.priv);
  for (const auto& r : after.reads()) {
    if (!b(r.guard) || b(after.known(r.qaddr))) continue;
    const uint64_t q = u(r.qaddr);
    cx.junk[q << 3] = u(after.value(r.qaddr));
  }
  if (auto o = z3enc::evaluate(n, &m)) {
    cx.expected = describe(*o);
    cx.predicted_code = o->code;
    cx.predicted_pa = o->pa;
  }
  return cx;
}

struct Ctx {
  const LoadedPlan& plan;
  const PlanRun& run;
  const Progress& progress;
};

// One obligation of `res`: a fresh bit-blasting solver (../shared/z3-notes.md), timed into res.seconds. The
// tactic gives up on some terms (its ackermannization of the junk function has limits); the default solver
// then decides. Unsat leaves `res` as it was; sat refutes it and returns the model; unknown refutes it with
// the reason (`where` names the obligation) and returns nothing.
std::optional<z3::model> check(z3::context& c, const z3::expr& violation, InvariantResult& res, const std::string& where) {
  const auto t0 = Clock::now();
  z3::solver s = z3enc::make_bitblast_solver(c);
  s.add(violation);
  z3::check_result r = s.check();
  std::optional<z3::model> model;
  if (r == z3::unknown) {
    if (std::getenv("SMMUCHECK_PROVE_DEBUG")) fmt::print(stderr, "bit-blast tactic: unknown ({}); the default solver\n", s.reason_unknown());
    z3::solver d(c);
    d.add(violation);
    r = d.check();
    if (r == z3::sat) model = d.get_model();
  } else if (r == z3::sat) {
    model = s.get_model();
  }
  res.seconds += since(t0);
  if (r == z3::unsat) return std::nullopt;
  res.proved = false;
  if (r == z3::unknown) res.detail = fmt::format("unknown (Z3 gave up) for {}", where);
  return model;
}

// The configuration words of stream `s` (its L1 descriptor, STE, L1CD or CD: read at addresses that do not
// depend on the input address) that lie in lost memory at `st`, by address, each with the value zero.
std::map<uint64_t, uint64_t> lost_configuration(const Ctx& x, const smmucheck::PlanStream& s, const State& st) {
  const std::set<uint64_t> kept = kept_at(x.run, st.step);
  std::map<uint64_t, uint64_t> junk;
  for (const TableRead& tr : translate_at(x.run.features, st, plan_dma(x.plan, s)).reads) {
    const bool structure = tr.role == TableRole::Ste || tr.role == TableRole::L1Std || tr.role == TableRole::Cd ||
                           tr.role == TableRole::L1Cd;
    if (structure && !kept.count(tr.pa >> 12) && !st.written.count(tr.pa >> 3)) junk[tr.pa & ~uint64_t{7}] = 0;
  }
  return junk;
}

// When a surviving stream's configuration lies in lost memory, the symbolic encoding would have to walk from
// a symbolic configuration; the refutation is concrete instead: those words read as zero (junk the kexec may
// leave), and the reference translates the stream's first DMA of the plan from that state. Returns false when
// every such word is known.
bool refute_lost_configuration(const Ctx& x, const smmucheck::PlanStream& s, const State& st, InvariantResult& cont,
                               InvariantResult& foot, InvariantResult& dma) {
  const std::map<uint64_t, uint64_t> junk = lost_configuration(x, s, st);
  if (junk.empty()) return false;
  const Transaction t = plan_dma(x.plan, s);
  const Outcome after = translate_at(x.run.features, st, t, junk).outcome;
  Counterexample cx{.state_step = st.step, .state_label = st.label, .txn = t, .junk = junk};
  cx.expected = format_outcome(after);
  cx.predicted_code = after.kind == OutcomeKind::Success ? 0 : after.event ? int(after.event->get(event::EVENT_TYPE)) : 0xFF;
  cx.predicted_pa = after.pa;
  const std::string where = fmt::format("stream {:#x} {}: its configuration is read from memory not preserved ({:#x})",
                                        s.sid(), st.label, junk.begin()->first);
  if (foot.proved) {
    foot.proved = false;
    foot.cex = cx;
    foot.cex->violates = "a configuration structure read from memory not preserved";
    foot.detail = where;
  }
  if (cont.proved) {
    cont.proved = false;
    cont.cex = cx;
    cont.cex->before_kexec = true;
    cont.cex->violates = "a different translation (the lost structure read as zero)";
    cont.detail = where + ", so with it read as zero the DMA gives " + cx.expected;
  }
  if (dma.proved && !dma.undecided) {
    dma.proved = false;
    dma.undecided = true;
    dma.detail = where + ": junk may map anywhere; no counterexample is built for it";
  }
  return true;
}

// Continuity, footprint and DMA containment of the surviving streams at every state after the kexec.
void prove_streams(const Ctx& x, InvariantResult& cont, InvariantResult& foot, InvariantResult& dma) {
  const auto& f = x.run.features;
  for (const auto& s : x.plan.msg.stream()) {
    for (const State& st : x.run.after) {
      if (!cont.proved && !foot.proved && !dma.proved) return;
      if (refute_lost_configuration(x, s, st, cont, foot, dma)) continue;
      x.progress(fmt::format("stream {:#x}{}: {}", s.sid(), s.has_ssid() ? fmt::format(" ssid {}", s.ssid()) : "", st.label));
      z3::context c;
      z3enc::SymTransaction t = stream_txn(c, s);
      z3enc::SymbolicMemory before = z3enc::SymbolicMemory::all_preserved(c, x.run.at_kexec.mem);
      const std::set<uint64_t> kept = kept_at(x.run, st.step);
      z3enc::SymbolicMemory after(c, st.mem, kept, st.written, "junk");
      z3enc::SymOutcome o = z3enc::encode_translation(c, config_of(f, x.run.at_kexec.regs), before, t);
      z3enc::SymOutcome n = z3enc::encode_translation(c, config_of(f, st.regs), after, t);
      auto attempt = [&](InvariantResult& res, const z3::expr& violation, const char* what) {
        if (!res.proved) return;
        const std::optional<z3::model> m = check(c, violation, res, fmt::format("stream {:#x} {}", s.sid(), st.label));
        if (!m) return;
        res.cex = extract(*m, t, after, n, st);
        res.cex->before_kexec = &res == &cont;
        if (auto oo = z3enc::evaluate(o, &*m)) res.cex->violates = fmt::format("{}: before the kexec {}", what, describe(*oo));
        res.detail = fmt::format("stream {:#x} {}: {} at {:#x}: {} (now {})", s.sid(), st.label, what, res.cex->txn.addr,
                                 res.cex->violates, res.cex->expected);
      };
      const z3::expr cont_bad = breaking(s, st.step) ? n.success() && !same(o, n) : !same(o, n);
      attempt(cont, cont_bad, "a different translation");
      attempt(foot, after.footprint_violation(), "a table read of memory not preserved");
      const z3::expr out_q = n.pa.extract(47, 3);
      attempt(dma, n.success() && !after.preserved(out_q), "an output address in memory not preserved");
    }
  }
}

// Isolation: no StreamID but the surviving ones reaches memory, at any state after the kexec. One query per
// distinct configuration: StreamIDs whose L1 descriptor and STE are known (preserved, or written since) and
// equal translate alike but for the StreamID itself, so one of them stands for all; a StreamID whose words are
// lost is a query of its own.
void prove_isolation(const Ctx& x, InvariantResult& iso) {
  std::set<uint32_t> surviving;
  for (const auto& s : x.plan.msg.stream()) surviving.insert(s.sid());
  for (const State& st : x.run.after) {
    const std::set<uint64_t> kept = kept_at(x.run, st.step);
    const unsigned log2size = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(st.regs.strtab_base_cfg));
    const uint64_t count = uint64_t{1} << std::min(log2size, 20u);
    std::set<std::vector<uint64_t>> seen;
    unsigned queries = 0;
    for (uint64_t sid = 0; sid < count; ++sid) {
      if (surviving.count(uint32_t(sid))) continue;
      auto words = ste_words(st, uint32_t(sid));
      if (!words) break;
      bool known = true;
      std::vector<uint64_t> key;
      for (uint64_t a : *words) {
        known &= kept.count(a >> 12) || st.written.count(a >> 3);
        key.push_back(st.mem.peek64(a));
      }
      if (known && !seen.insert(key).second) continue;
      if (++queries % 16 == 0) x.progress(fmt::format("isolation: {}, StreamID {:#x}", st.label, sid));
      z3::context c;
      z3enc::SymTransaction t = z3enc::SymTransaction::symbolic(c, "t");
      t.sid = c.bv_val(sid, 32);
      z3enc::SymbolicMemory after(c, st.mem, kept, st.written, "junk");
      z3enc::SymOutcome n = z3enc::encode_translation(c, config_of(x.run.features, st.regs), after, t);
      const std::optional<z3::model> m = check(c, n.success(), iso, fmt::format("StreamID {:#x} {}", sid, st.label));
      if (iso.proved) continue;
      if (!m) return;
      iso.cex = extract(*m, t, after, n, st);
      iso.cex->violates = "a stream that does not survive reaches memory";
      iso.detail = fmt::format("StreamID {:#x} {}: {} ({}{})", sid, st.label, iso.cex->violates, iso.cex->expected,
                               known ? "" : "; its STE is in memory that was not preserved");
      return;
    }
  }
}

// A state the SMMU may observe in the middle of an update that is not hitless is a state like any other
// (ARCHITECTURE.md: the invariants hold at every per-qword mix), but the hitless check does not say how it
// translates. The mix `mix` of group `g` (with `junk` at words the kexec lost), translated by the reference at
// `t`: a different translation than before the kexec (outside a breaking step) refutes continuity, a read of
// memory not preserved footprint, an output outside it DMA containment, each with a concrete counterexample
// replayed like the solver's. Returns the mix's counterexample (its outcome and what it read).
Counterexample judge_mix(const Ctx& x, const WriteGroup& g, const smmucheck::PlanStream& s,
                         const std::map<uint64_t, uint64_t>& mix, const std::map<uint64_t, uint64_t>& junk_in,
                         const Transaction& t, InvariantResult& cont, InvariantResult& foot, InvariantResult& dma) {
  State mixed{g.step, fmt::format("during step {} (a mix of the writes before its CMD_SYNC)", g.step), g.before.regs,
              g.before.mem, g.before.written};
  for (const auto& [pa, v] : mix) mixed.mem.poke64(pa, v), mixed.written.insert(pa >> 3);
  const ConcreteRun r = translate_at(x.run.features, mixed, t, junk_in);
  const Outcome before = translate_at(x.run.features, x.run.at_kexec, t).outcome;
  const std::set<uint64_t> kept = kept_at(x.run, g.step);
  std::map<uint64_t, uint64_t> junk;
  for (const TableRead& tr : r.reads)
    if (tr.value && !kept.count(tr.pa >> 12) && !mixed.written.count(tr.pa >> 3)) junk[tr.pa & ~uint64_t{7}] = *tr.value;
  Counterexample cx{.state_step = g.step, .state_label = mixed.label, .txn = t, .junk = junk, .mix = mix};
  cx.expected = format_outcome(r.outcome);
  cx.predicted_code = r.outcome.kind == OutcomeKind::Success ? 0 : r.outcome.event ? int(r.outcome.event->get(event::EVENT_TYPE)) : 0xFF;
  cx.predicted_pa = r.outcome.pa;
  const std::string where = fmt::format("stream {:#x} at {:#x} {}", s.sid(), t.addr, mixed.label);
  const bool may_fault = breaking(s, g.step) && r.outcome.kind != OutcomeKind::Success;
  auto refute = [&](InvariantResult& res, std::string detail, std::string violates) {
    if (!res.proved) return;
    res.proved = false;
    res.detail = std::move(detail);
    res.cex = cx;
    res.cex->violates = std::move(violates);
  };
  if (!harness::same_dma(before, r.outcome) && !may_fault) {
    refute(cont, fmt::format("{}: {} (before the kexec {})", where, cx.expected, format_outcome(before)),
           "a mixed state translates differently: before the kexec " + format_outcome(before));
    if (cont.cex) cont.cex->before_kexec = true;
  }
  if (!junk.empty() && foot.proved) {
    refute(foot, fmt::format("{}: reads {:#x}, memory not preserved", where, junk.begin()->first),
           "a mixed state makes the walk read memory not preserved");
    for (const auto& [pa, v] : junk) {
      const uint64_t old = x.run.at_kexec.mem.peek64(pa);
      foot.cex->pair_junk[pa] = old != v ? old : v ^ 1;
    }
  }
  if (r.outcome.kind == OutcomeKind::Success && !kept.count(r.outcome.pa >> 12))
    refute(dma, fmt::format("{}: output {:#x} is not preserved", where, r.outcome.pa),
           "a mixed state translates outside preserved memory");
  return cx;
}

// What the mixes of an update that is not hitless leave unrefuted is checked only where they were translated:
// undecided, not proved.
void undecided_beyond(const smmucheck::PlanStream& s, const WriteGroup& g, const std::string& checked,
                      std::initializer_list<InvariantResult*> results) {
  for (InvariantResult* res : results)
    if (res->proved) {
      res->proved = false;
      res->undecided = true;
      res->detail = fmt::format("stream {:#x} during step {}: an update that is not hitless; {} keep it, which proves "
                                "nothing for the other mixes and addresses", s.sid(), g.step, checked);
    }
}

// A rewrite of the stream's STE or CD that is not hitless: every mix of the entry's written qwords at each of
// the stream's DMAs of the plan.
void at_broken_rewrite(const Ctx& x, const WriteGroup& g, const smmucheck::PlanStream& s, uint64_t base,
                       InvariantResult& hit, InvariantResult& cont, InvariantResult& foot, InvariantResult& dma) {
  State after = g.before;
  for (const auto& [pa, v] : g.words) after.mem.poke64(pa, v.second), after.written.insert(pa >> 3);
  std::vector<std::pair<uint64_t, std::pair<uint64_t, uint64_t>>> words;  // the entry's written qwords
  for (const auto& [pa, v] : g.words)
    if (pa - base < 64) words.push_back({pa, v});
  for (uint32_t m = 0; m < (1u << words.size()); ++m) {
    std::map<uint64_t, uint64_t> mix;
    for (size_t k = 0; k < words.size(); ++k) mix[words[k].first] = (m >> k & 1) ? words[k].second.second : words[k].second.first;
    for (const Transaction& t : stream_dmas(x.plan, s)) {
      const Counterexample cx = judge_mix(x, g, s, mix, {}, t, cont, foot, dma);
      // The hitless refutation's own witness: a mix that translates as neither the old nor the new entry.
      if (hit.cex) continue;
      const Outcome o = translate_at(x.run.features, g.before, t).outcome, n = translate_at(x.run.features, after, t).outcome;
      const Outcome m = translate_at(x.run.features, g.before, t, mix).outcome;
      if (harness::same_dma(m, o) || harness::same_dma(m, n) || (breaking(s, g.step) && m.kind != OutcomeKind::Success)) continue;
      hit.cex = cx;
      hit.cex->violates = fmt::format("a mixed entry translates as neither the old ({}) nor the new entry ({})",
                                      format_outcome(o), format_outcome(n));
    }
  }
  undecided_beyond(s, g, fmt::format("its {} mixes at the plan's addresses", 1u << words.size()), {&cont, &foot, &dma});
}

// Hitless updates: every per-qword mix of each write group, for each surviving stream. A group that rewrites the
// stream's STE or CD is judged by the used-bits checker; any other group (translation tables) by one symbolic
// query: the mixed state translates as the state before the group or the state after it.
void prove_hitless(const Ctx& x, InvariantResult& hit, InvariantResult& cont, InvariantResult& foot, InvariantResult& dma) {
  for (const WriteGroup& g : x.run.groups) {
    for (const auto& s : x.plan.msg.stream()) {
      // A stream whose configuration is already lost has no translation to keep (continuity says so).
      if (!lost_configuration(x, s, g.before).empty()) continue;
      if (const EntryRewrites e = check_entry_rewrites(x.plan, x.run, g, s); e.touched) {
        hit.seconds += e.seconds;
        if (e.broken) {
          hit.proved = false;
          hit.detail = *e.broken;
          at_broken_rewrite(x, g, s, e.base, hit, cont, foot, dma);
          return;
        }
        continue;
      }
      x.progress(fmt::format("hitless: stream {:#x}, the {} qwords written up to step {}", s.sid(), g.words.size(), g.step));
      z3::context c;
      z3enc::SymTransaction t = stream_txn(c, s);
      const std::set<uint64_t> kept = kept_at(x.run, g.step);
      harness::SparseMemory after_mem = g.before.mem;
      std::set<uint64_t> written = g.before.written;
      for (const auto& [pa, v] : g.words) after_mem.poke64(pa, v.second), written.insert(pa >> 3);
      z3enc::SymbolicMemory old_m(c, g.before.mem, kept, g.before.written, "junk");
      z3enc::SymbolicMemory new_m(c, after_mem, kept, written, "junk");
      z3enc::SymbolicMemory mix_m(c, after_mem, kept, written, "junk");
      std::map<uint64_t, z3::expr> choice;
      for (const auto& [pa, v] : g.words) {
        z3::expr b = c.bool_const(fmt::format("new_{:x}", pa).c_str());
        choice.emplace(pa, b);
        mix_m.set_symbolic(pa >> 3, z3::ite(b, c.bv_val(v.second, 64), c.bv_val(v.first, 64)));
      }
      // The registers do not change within a group of memory writes.
      const z3enc::SmmuConfig cfg = config_of(x.run.features, g.before.regs);
      z3enc::SymOutcome o = z3enc::encode_translation(c, cfg, old_m, t);
      z3enc::SymOutcome n = z3enc::encode_translation(c, cfg, new_m, t);
      z3enc::SymOutcome mx = z3enc::encode_translation(c, cfg, mix_m, t);
      z3::expr bad = !same(mx, o) && !same(mx, n);
      if (breaking(s, g.step)) bad = bad && mx.success();
      const std::optional<z3::model> m = check(c, bad, hit, fmt::format("stream {:#x} up to step {}", s.sid(), g.step));
      if (hit.proved) continue;
      if (!m) return;
      State mixed{g.step, fmt::format("during step {} (a mix of the writes before its CMD_SYNC)", g.step), g.before.regs,
                  after_mem, written};
      hit.cex = extract(*m, t, mix_m, mx, mixed);
      std::map<uint64_t, uint64_t> mix;  // the whole group as the solver mixed it
      for (const auto& [pa, b] : choice) {
        const auto& v = g.words.at(pa);
        mix[pa] = hit.cex->mix[pa] = m->eval(b, true).is_true() ? v.second : v.first;
      }
      judge_mix(x, g, s, mix, hit.cex->junk, hit.cex->txn, cont, foot, dma);
      undecided_beyond(s, g, "the solver's mix at its address", {&cont, &foot, &dma});
      std::string took;
      for (const auto& [pa, b] : choice) took += fmt::format(" {:#x}:{}", pa, m->eval(b, true).is_true() ? "new" : "old");
      auto oo = z3enc::evaluate(o, &*m), nn = z3enc::evaluate(n, &*m);
      hit.cex->violates = fmt::format("the mixed state translates differently from both the old ({}) and the new ({})",
                                      oo ? describe(*oo) : "?", nn ? describe(*nn) : "?");
      hit.detail = fmt::format("stream {:#x} at {:#x} during step {}: {} gives {}; qwords{}", s.sid(), hit.cex->txn.addr, g.step,
                               hit.cex->violates, hit.cex->expected, took);
      return;
    }
  }
}

}  // namespace

std::vector<InvariantResult> prove(const LoadedPlan& plan, const PlanRun& run, const Progress& progress) {
  Ctx x{plan, run, progress};
  std::vector<InvariantResult> out;
  for (int i = smmucheck::Invariant_MIN; i <= smmucheck::Invariant_MAX; ++i) out.push_back({.invariant = smmucheck::Invariant(i)});
  auto r = [&](smmucheck::Invariant i) -> InvariantResult& { return out[i]; };
  prove_streams(x, r(smmucheck::CONTINUITY), r(smmucheck::FOOTPRINT), r(smmucheck::DMA_CONTAINMENT));
  if (auto& f = r(smmucheck::FOOTPRINT); f.cex) {
    // The pair: the same lost words holding what they held before the kexec (junk may be anything, that too).
    for (const auto& [pa, v] : f.cex->junk) {
      const uint64_t old = run.at_kexec.mem.peek64(pa);
      f.cex->pair_junk[pa] = old != v ? old : v ^ 1;
    }
  }
  prove_isolation(x, r(smmucheck::ISOLATION));
  prove_hitless(x, r(smmucheck::HITLESS), r(smmucheck::CONTINUITY), r(smmucheck::FOOTPRINT), r(smmucheck::DMA_CONTAINMENT));

  auto verdict = [&](smmucheck::Invariant i, std::optional<Finding> violation) {
    if (!violation) return;
    r(i).proved = false;
    r(i).detail = std::move(violation->what);
    r(i).concrete_step = violation->step;
  };
  verdict(smmucheck::LEGAL_PROGRAMMING, first_illegal_write(run));
  verdict(smmucheck::WRITE_CONTAINMENT, write_exposure(run));
  verdict(smmucheck::CACHING, first_uncovered_use(run));
  return out;
}

}  // namespace smmu::plan
