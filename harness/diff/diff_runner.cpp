#include "harness/diff/diff_runner.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "harness/check/check.h"
#include "harness/diff/overlay_memory.h"
#include "harness/diff/sync_tracker.h"
#include "reference/smmu.h"

namespace smmu::harness {

const char* dma_rule_name(DmaRule r) {
  switch (r) {
    case DmaRule::Exact: return "exact";
    case DmaRule::PermittedStale: return "permitted-stale";
    case DmaRule::Unchecked: return "unchecked";
  }
  return "?";
}

std::string step_kind(const smmucheck::Step& s) {
  switch (s.op_case()) {
    case smmucheck::Step::kDma: return "dma";
    case smmucheck::Step::kCommands: return "cmd";
    case smmucheck::Step::kMmioRead: return "mmio";
    case smmucheck::Step::kMmioWrite: return "mmio_write";
    case smmucheck::Step::kMemWrite: return "mem";
    case smmucheck::Step::kMemRead: return "mem_read";
    case smmucheck::Step::kDriver: return "driver";
    case smmucheck::Step::kKexec: return "kexec";
    default: return "step";
  }
}

ModelFactory reference_factory() {
  return [](const Features& f, Memory& m) { return std::make_unique<ref::ReferenceSmmu>(f, m); };
}

namespace {

// The reference's observer in a diff: the footprint of the current step and the commands it consumed.
class FootprintRecorder final : public WalkObserver {
 public:
  FootprintRecorder(SyncTracker& tracker, WalkObserver* forward) : tracker_(tracker), forward_(forward) {}
  void table_read(const TableRead& r) override {
    reads.push_back(r);
    tracker_.on_read(r);
    if (forward_) forward_->table_read(r);
  }
  void decision(std::string_view sec, std::string_view text) override {
    if (forward_) forward_->decision(sec, text);
  }
  bool wants_decisions() const override { return forward_ && forward_->wants_decisions(); }
  void command(const CommandReport& c) override {
    tracker_.on_command(c);
    if (forward_) forward_->command(c);
  }
  void event(const EventRecord& r, std::optional<uint64_t> pa) override {
    if (forward_) forward_->event(r, pa);
  }
  void msi(uint64_t pa, uint32_t data, bool ok) override {
    if (forward_) forward_->msi(pa, data, ok);
  }
  std::vector<TableRead> reads;

 private:
  SyncTracker& tracker_;
  WalkObserver* forward_;
};

class ReadCollector final : public WalkObserver {
 public:
  void table_read(const TableRead& r) override { reads.push_back(r); }
  bool wants_decisions() const override { return false; }
  std::vector<TableRead> reads;
};

// The outcomes a caching SMMU may give for DMA `t`: reference walks in which each read of an uncovered word
// takes each value the word may be cached with (OverlayMemory: per read, since one word can serve several
// cached translations). Reads met on alternative paths join the enumeration.
struct Enumeration {
  std::vector<Outcome> permitted;
  std::vector<uint64_t> stale_words;
  bool bounded_out = false;
};

Enumeration enumerate(ref::ReferenceSmmu& ref, Memory& mem, const Transaction& t,
                      const std::vector<TableRead>& footprint, const SyncTracker& tracker, size_t bound) {
  Enumeration e;
  using ReadKey = std::pair<uint64_t, unsigned>;  // (word address, its n-th read in the walk)
  std::map<ReadKey, std::vector<uint64_t>> choices;
  auto add_reads = [&](const std::vector<TableRead>& reads) {
    bool added = false;
    std::map<uint64_t, unsigned> seen;
    for (const TableRead& r : reads) {
      const ReadKey key{r.pa, seen[r.pa]++};
      if (!r.value || choices.count(key)) continue;
      std::vector<uint64_t> v = tracker.permitted_values(r);
      if (v.size() > 1) {
        choices[key] = std::move(v);
        added = true;
      }
    }
    return added;
  };
  add_reads(footprint);
  // Each round that meets new choices at least doubles the combinations, so the bound ends the loop: a nested
  // walk can meet the same stale stage-2 descriptor five times over, one more read per round.
  for (;;) {
    size_t combos = 1;
    for (const auto& [key, v] : choices) {
      combos *= v.size();
      if (combos > bound) {
        e.bounded_out = true;
        break;
      }
    }
    if (e.bounded_out) break;
    e.permitted.clear();
    bool grew = false;
    for (size_t c = 0; c < combos; ++c) {
      OverlayMemory overlay(mem);
      size_t k = c;
      for (const auto& [key, v] : choices) {
        overlay.present(key.first, key.second, v[k % v.size()]);
        k /= v.size();
      }
      ref::ReferenceSmmu clone(ref.features(), overlay);
      clone.registers() = ref.registers();
      ReadCollector reads;
      Outcome o = clone.translate(t, &reads);
      grew |= add_reads(reads.reads);
      if (std::none_of(e.permitted.begin(), e.permitted.end(), [&](const Outcome& p) { return same_dma(p, o); }))
        e.permitted.push_back(o);
    }
    if (!grew) break;
  }
  for (const auto& [key, v] : choices)
    if (e.stale_words.empty() || e.stale_words.back() != key.first) e.stale_words.push_back(key.first);
  return e;
}

}  // namespace

std::variant<DiffResult, std::string> run_diff(const LoadedScenario& s, const std::vector<ModelSpec>& others,
                                               const DiffOptions& opts) {
  SyncTracker tracker;
  FootprintRecorder footprint(tracker, opts.reference_trace);
  std::vector<std::unique_ptr<ScenarioRun>> runs;
  runs.push_back(std::make_unique<ScenarioRun>(s, reference_factory(), &footprint, /*watch_model_writes=*/true));
  runs[0]->on_mem_write = [&](uint64_t pa, uint64_t before, uint64_t after) { tracker.on_write(pa, before, after); };
  ScenarioRun* reference_run = runs[0].get();
  runs[0]->on_kexec = [&tracker, reference_run] { tracker.on_kexec(reference_run->kexec_history()); };
  DiffResult result;
  result.models.push_back("ref");
  for (const ModelSpec& m : others) {
    runs.push_back(std::make_unique<ScenarioRun>(s, m.make));
    runs.back()->batch = m.batch;
    result.models.push_back(m.name);
  }
  auto* ref = dynamic_cast<ref::ReferenceSmmu*>(&runs[0]->model());
  // Event records are compared over windows that end at a step that is not followed by another dma
  // (a batch model writes a whole run's records at its first step); windows with a permitted-stale dma
  // are not compared record by record, the DMA outcomes are. A stale window may leave a model with more
  // or fewer records than the reference, so its event queue fills at another time: records are compared
  // only over windows that start with the model's EVENTQ_PROD equal to the reference's (the queues in
  // step), and so are reads of EVENTQ_PROD. Software that re-initializes the queue brings them back.
  // The records of a window that is not compared may differ, and so may the memory they are in: reads of
  // those words (`unsettled`, per model) are not compared until software writes them.
  // A window that is not compared may also have aborted an event record write in one model and not in the
  // other: the queues are in step only when EVENTQ_ABT_ERR is active in both or in neither (§7.5: delivery
  // stops while it is active). From such a window on, the GERROR errors event delivery raises (`loose`) are
  // not compared for that model, nor the words its MSIs write (§6.3.21, §6.3.30).
  std::vector<std::vector<EventRecord>> window(runs.size());
  std::vector<std::vector<uint64_t>> window_pas(runs.size());
  std::vector<std::set<uint64_t>> unsettled(runs.size());  // qword addresses
  std::vector<uint32_t> window_lost(runs.size(), 0);
  std::vector<uint32_t> prod(runs.size(), 0);             // EVENTQ_PROD after the previous step
  std::vector<bool> eventq_abort(runs.size(), false);     // EVENTQ_ABT_ERR active after the previous step
  std::vector<uint32_t> loose(runs.size(), 0);            // GERROR bits not compared
  const uint32_t event_delivery_errors = uint32_t(regf::GERROR_EVENTQ_ABT_ERR.mask_in_place() |
                                                  regf::GERROR_MSI_EVENTQ_ABT_ERR.mask_in_place() |
                                                  regf::GERROR_MSI_GERROR_ABT_ERR.mask_in_place());
  std::vector<bool> in_step_at_window_start(runs.size(), true);
  bool window_exact = true;
  bool window_open = false;
  auto diverge = [&](int step, size_t m, const std::string& kind, const Difference& d) {
    Divergence v;
    v.step = step;
    v.line = s.step_line[size_t(step)];
    v.model = result.models[m];
    v.difference = d;
    v.signature = fmt::format("ref-{}:{}:{}:{}/{}", result.models[m], kind, d.what, d.a_kind, d.b_kind);
    result.divergences.push_back(std::move(v));
  };
  for (int i = 0; i < s.msg.step_size(); ++i) {
    const smmucheck::Step& step = s.msg.step(i);
    const std::string kind = step_kind(step);
    std::vector<StepObservation> obs;
    footprint.reads.clear();
    for (auto& r : runs) {
      auto o = r->run_step(i);
      if (auto* err = std::get_if<std::string>(&o)) return fmt::format("step {}: {}", i, *err);
      obs.push_back(std::move(std::get<StepObservation>(o)));
    }
    if (!window_open)
      for (size_t m = 0; m < runs.size(); ++m)
        in_step_at_window_start[m] = prod[m] == prod[0] && eventq_abort[m] == eventq_abort[0];
    window_open = true;
    const bool window_ends = !(step.has_dma() && i + 1 < s.msg.step_size() && s.msg.step(i + 1).has_dma());
    std::optional<DmaCheck> check;
    if (step.has_dma() && obs[0].dma) {
      check = DmaCheck{};
      const Transaction t = transaction_of(step.dma());
      std::vector<Outcome> permitted{*obs[0].dma};
      bool any_stale = false;
      for (const TableRead& r : footprint.reads)
        if (r.value && tracker.permitted_values(r).size() > 1) any_stale = true;
      if (any_stale) {
        Enumeration e = enumerate(*ref, runs[0]->memory(), t, footprint.reads, tracker, opts.enumeration_bound);
        check->stale_words = e.stale_words;
        if (e.bounded_out) {
          check->rule = DmaRule::Unchecked;
        } else {
          check->rule = DmaRule::PermittedStale;
          permitted = e.permitted;
          check->permitted = permitted.size();
        }
      }
      (check->rule == DmaRule::Exact ? result.exact : check->rule == DmaRule::PermittedStale ? result.stale : result.unchecked)++;
      if (check->rule != DmaRule::Exact) window_exact = false;
      for (size_t m = 1; m < runs.size() && check->rule != DmaRule::Unchecked; ++m) {
        if (!obs[m].dma) continue;
        const Observability sees = runs[m]->model().observability();
        const bool allowed = std::any_of(permitted.begin(), permitted.end(),
                                         [&](const Outcome& p) { return same_dma(p, *obs[m].dma, sees); });
        if (!allowed)
          for (const Difference& d : compare_dma(*obs[0].dma, *obs[m].dma, sees)) diverge(i, m, kind, d);
      }
    }
    for (size_t m = 1; m < runs.size(); ++m) {
      if (!window_exact || !in_step_at_window_start[m]) loose[m] = event_delivery_errors;
      const bool reads_prod = step.has_mmio_read() && (mmio_access(step.mmio_read()).offset & 0xFFFF) ==
                                                          (reg::EVENTQ_PROD.offset & 0xFFFF);
      const uint32_t offset = obs[0].mmio_value ? mmio_access(step.mmio_read()).offset : 0;
      const uint64_t unread = (offset & 0xFFFF) == (reg::GERROR.offset & 0xFFFF) ? loose[m] : 0;
      if (obs[0].mmio_value && obs[m].mmio_value && !(reads_prod && prod[m] != prod[0]))
        for (const Difference& d : compare_mmio(offset, *obs[0].mmio_value & ~unread, *obs[m].mmio_value & ~unread,
                                                runs[0]->model().features()))
          diverge(i, m, kind, d);
      const uint64_t read_at = step.mem_read().addr();
      const bool read_unsettled = unsettled[m].count(read_at & ~uint64_t{7}) ||
                                  unsettled[m].count((read_at + (step.mem_read().size() == 4 ? 3 : 7)) & ~uint64_t{7});
      if (step.has_mem_read() && obs[0].mem_value != obs[m].mem_value && !read_unsettled)
        diverge(i, m, kind, {"value", "value", "value", obs[0].mem_value ? hex(*obs[0].mem_value) : "abort",
                             obs[m].mem_value ? hex(*obs[m].mem_value) : "abort"});
      // A batch model ran the whole dma run at its first step: its queue state is comparable at the end.
      if (!runs[m]->batch || window_ends) {
        const uint32_t cmdq_err = uint32_t(regf::GERROR_CMDQ_ERR.mask_in_place());
        const bool err_active = ((obs[0].gerror ^ obs[0].gerrorn) & (obs[m].gerror ^ obs[m].gerrorn) & cmdq_err) != 0;
        for (const Difference& d : compare_cmdq(obs[0].cmdq_cons, obs[m].cmdq_cons, err_active)) diverge(i, m, kind, d);
        for (const Difference& d : compare_gerror(obs[0].gerror & ~loose[m], obs[0].gerrorn & ~loose[m],
                                                  obs[m].gerror & ~loose[m], obs[m].gerrorn & ~loose[m]))
          diverge(i, m, kind, d);
      }
    }
    if (step.has_mem_write())  // a partly written qword stays unsettled
      for (int q = 0; q < step.mem_write().qword_size(); ++q)
        if (const uint64_t a = step.mem_write().addr() + 8 * uint64_t(q); a % 8 == 0)
          for (auto& u : unsettled) u.erase(a);
    for (size_t m = 0; m < runs.size(); ++m) {
      window[m].insert(window[m].end(), obs[m].events.begin(), obs[m].events.end());
      window_pas[m].insert(window_pas[m].end(), obs[m].event_pas.begin(), obs[m].event_pas.end());
      window_lost[m] += obs[m].events_lost;
    }
    if (window_ends) {
      const bool all_readable = std::all_of(window_lost.begin(), window_lost.end(), [](uint32_t n) { return n == 0; });
      for (size_t m = 1; m < runs.size(); ++m) {
        if (!window_exact || !in_step_at_window_start[m]) {
          for (size_t k : {size_t{0}, m})
            for (uint64_t pa : window_pas[k])
              for (uint64_t q = 0; q < 4; ++q) unsettled[m].insert(pa + 8 * q);
          for (uint64_t cfg0 : {ref->registers().eventq_irq_cfg0, ref->registers().gerror_irq_cfg0})
            unsettled[m].insert(regf::IRQ_CFG0_ADDR.in_place(cfg0) & ~uint64_t{7});
          continue;
        }
        if (all_readable) {
          for (const Difference& d : compare_events(window[0], window[m])) diverge(i, m, "events", d);
        } else if (window[0].size() + window_lost[0] != window[m].size() + window_lost[m]) {
          // More records than the queue holds were written: only how many can be compared.
          diverge(i, m, "events", event_count_difference(window[0].size() + window_lost[0],
                                                         window[m].size() + window_lost[m]));
        }
      }
      for (auto& w : window) w.clear();
      for (auto& w : window_pas) w.clear();
      std::fill(window_lost.begin(), window_lost.end(), 0);
      window_exact = true;
      window_open = false;
    }
    for (size_t m = 0; m < runs.size(); ++m) {
      prod[m] = obs[m].eventq_prod;
      eventq_abort[m] = regf::GERROR_EVENTQ_ABT_ERR.get(obs[m].gerror ^ obs[m].gerrorn);
    }
    result.dma.push_back(check);
    result.obs.push_back(std::move(obs));
  }
  return result;
}

}  // namespace smmu::harness
