#include "harness/runner/runner.h"

#include <fmt/format.h>

#include "harness/runner/live_update.h"
#include "specs/lookup.h"

namespace smmu::harness {

class ScenarioRun::WatchedMemory final : public Memory {
 public:
  explicit WatchedMemory(ScenarioRun& run) : run_(run) {}
  std::optional<uint64_t> read(uint64_t pa, unsigned size) override { return run_.memory_->read(pa, size); }
  bool write(uint64_t pa, unsigned size, uint64_t value) override { return run_.write_watched(pa, size, value, false); }

 private:
  ScenarioRun& run_;
};

ScenarioRun::ScenarioRun(const LoadedScenario& s, const ModelFactory& make, WalkObserver* observer,
                         bool watch_model_writes)
    : scenario_(s), memory_(std::make_unique<SparseMemory>()), driver_(s.features), observer_(observer) {
  for (const auto& w : s.msg.memory())
    for (int i = 0; i < w.qword_size(); ++i) memory_->poke64(w.addr() + 8 * uint64_t(i), w.qword(i));
  for (const auto& r : s.msg.abort()) memory_->add_abort_range(r.base(), r.size());
  live_update_ = has_live_update(s.msg);
  if (watch_model_writes || live_update_) watched_ = std::make_unique<WatchedMemory>(*this);
  model_ = make(s.features, watched_ ? *watched_ : static_cast<Memory&>(*memory_));
  if (live_update_) {
    auto tap = std::make_unique<FootprintTap>(observer);
    tap_ = tap.get();
    tap_owner_ = std::move(tap);
    observer_ = tap_;
  }
  model_->set_observer(observer_);
  // The new kernel's driver probes the live SMMU and memory at adopt (harness/driver).
  driver_.set_live({.mmio_read = [this](uint32_t off, unsigned size) { return model_->mmio_read(off, size); },
                    .peek64 = [this](uint64_t pa) { return memory_->peek64(pa); },
                    .preserved = [this](uint64_t pa) { return containment_.ownership.preserved(pa); }});
}

bool ScenarioRun::write_watched(uint64_t pa, unsigned size, uint64_t value, bool software) {
  // The aligned words the write touches: one or two for 1 to 8 bytes (addresses wrap at 2^64 as the bus does).
  const uint64_t first = pa & ~uint64_t{7};
  const unsigned words = size == 0 ? 0 : ((pa & 7) + std::min(size, 8u) + 7) / 8;
  const uint64_t before[2] = {memory_->peek64(first), memory_->peek64(first + 8)};
  if (software) {
    memory_->poke64(pa, value);  // software's writes ignore abort ranges (they set up memory)
  } else if (!memory_->write(pa, size, value)) {
    return false;
  } else if (containment_.after_kexec) {
    containment_.smmu_write(pa, size, [&] { return write_source(pa); }, pending_);
  }
  if (on_mem_write)
    for (unsigned k = 0; k < words; ++k)
      if (const uint64_t a = first + 8 * k, after = memory_->peek64(a); after != before[k]) on_mem_write(a, before[k], after);
  return true;
}

std::optional<std::string> ScenarioRun::publish_commands(const smmucheck::Commands& c) {
  // Software's view of the command queue (§3.5): write at PROD, then publish the new PROD.
  const uint64_t base_reg = model_->mmio_read(reg::CMDQ_BASE.offset, 8);
  // §6.3.26: every use of LOG2SIZE is capped at IDR1.CMDQS.
  const uint64_t idr1 = model_->mmio_read(reg::IDR1.offset, 4);
  const unsigned log2 = std::min(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base_reg)),
                                 static_cast<unsigned>(regf::IDR1_CMDQS.get(idr1)));
  const uint64_t entries = uint64_t{1} << log2;
  const uint64_t base = regf::QUEUE_BASE_ADDR.in_place(base_reg) & ~(std::max<uint64_t>(entries * 16, 32) - 1);
  const uint32_t mask = static_cast<uint32_t>((entries << 1) - 1);
  uint32_t prod = static_cast<uint32_t>(model_->mmio_read(reg::CMDQ_PROD.offset, 4)) & mask;
  const uint32_t cons = static_cast<uint32_t>(model_->mmio_read(reg::CMDQ_CONS.offset, 4)) & mask;
  for (const auto& cmd : c.cmd()) {
    const bool full = (prod & (entries - 1)) == (cons & (entries - 1)) && prod != cons;
    if (full) return "the command queue is full";
    const auto q = encode_command(cmd);
    const uint64_t pa = base + uint64_t{prod & (entries - 1)} * 16;
    write_watched(pa, 8, q[0], true);
    write_watched(pa + 8, 8, q[1], true);
    if (containment_.after_kexec) note_repointed_sync(q);
    prod = (prod + 1) & mask;
  }
  model_->mmio_write(reg::CMDQ_PROD.offset, 4, prod);
  return std::nullopt;
}

std::optional<std::string> ScenarioRun::apply(const smmucheck::Step& s, StepObservation& obs) {
  switch (s.op_case()) {
    case smmucheck::Step::kMmioWrite: {
      const MmioAccess a = mmio_access(s.mmio_write());
      // EVENTQ_PROD at page 1, or its page-0 alias (specs/unpredictable.def PAGE0_QUEUE_ALIAS).
      if ((a.offset & 0xFFFF) == (reg::EVENTQ_PROD.offset & 0xFFFF)) software_moved_eventq_prod_ = true;
      model_->mmio_write(a.offset, a.size, a.value);
      if (containment_.after_kexec) note_repointed_register(a.offset, a.value);
      return std::nullopt;
    }
    case smmucheck::Step::kMmioRead: {
      const MmioAccess a = mmio_access(s.mmio_read());
      obs.mmio_value = model_->mmio_read(a.offset, a.size);
      return std::nullopt;
    }
    case smmucheck::Step::kMemRead:
      obs.mem_value = memory_->read(s.mem_read().addr(), s.mem_read().size() == 4 ? 4 : 8);
      return std::nullopt;
    case smmucheck::Step::kMemWrite:
      for (int i = 0; i < s.mem_write().qword_size(); ++i)
        write_watched(s.mem_write().addr() + 8 * uint64_t(i), 8, s.mem_write().qword(i), true);
      return std::nullopt;
    case smmucheck::Step::kCommands:
      return publish_commands(s.commands());
    case smmucheck::Step::kDma:
      if (tap_) tap_->reads.clear();
      obs.dma = model_->translate(transaction_of(s.dma()), observer_);
      if (tap_) obs.footprint = std::move(tap_->reads);
      return std::nullopt;
    case smmucheck::Step::kKexec:
    case smmucheck::Step::kOwner:
    case smmucheck::Step::kPreservedStream:
      return apply_live_update(s);
    default:
      return "a driver step cannot be primitive";
  }
}

void ScenarioRun::observe_after(uint32_t prod_before, StepObservation& obs) {
  model_->quiesce();
  const uint32_t prod_after = static_cast<uint32_t>(model_->mmio_read(reg::EVENTQ_PROD.offset, 4));
  const unsigned eventqs = static_cast<unsigned>(regf::IDR1_EVENTQS.get(model_->mmio_read(reg::IDR1.offset, 4)));
  // Records are what the SMMU added: none when software itself moved EVENTQ_PROD (re-initializing the queue).
  EventQueueReading q = software_moved_eventq_prod_
                            ? EventQueueReading{}
                            : read_event_records(*memory_, model_->mmio_read(reg::EVENTQ_BASE.offset, 8), eventqs,
                                                 prod_before, prod_after);
  obs.events = std::move(q.records);
  obs.event_pas = std::move(q.pas);
  obs.events_lost = q.lost;
  obs.eventq_prod = prod_after;
  obs.cmdq_cons = static_cast<uint32_t>(model_->mmio_read(reg::CMDQ_CONS.offset, 4));
  obs.gerror = static_cast<uint32_t>(model_->mmio_read(reg::GERROR.offset, 4));
  obs.gerrorn = static_cast<uint32_t>(model_->mmio_read(reg::GERRORN.offset, 4));
  if (live_update_) refresh_write_sources();
}

Transaction transaction_of(const smmucheck::Dma& d) {
  Transaction t{.sid = d.sid(), .addr = d.addr(), .read = d.access() != smmucheck::WRITE,
                .instr = d.access() == smmucheck::INSTR, .priv = d.priv()};
  if (d.has_ssid()) t.ssid = d.ssid();
  return t;
}

void ScenarioRun::run_batch(int first, StepObservation& obs) {
  std::vector<Transaction> in;
  for (int j = first; j < scenario_.msg.step_size() && scenario_.msg.step(j).has_dma(); ++j)
    in.push_back(transaction_of(scenario_.msg.step(j).dma()));
  std::vector<Outcome> out(in.size());
  if (tap_) tap_->reads.clear();
  model_->translate_batch(in, out);
  if (tap_) obs.footprint = std::move(tap_->reads);  // the whole run's reads, at its first step
  obs.dma = out[0];
  for (size_t k = 1; k < out.size(); ++k) batched_[first + int(k)] = out[k];
}

std::variant<StepObservation, std::string> ScenarioRun::run_step(int i) {
  const smmucheck::Step& s = scenario_.msg.step(i);
  StepObservation obs;
  const uint32_t prod_before = static_cast<uint32_t>(model_->mmio_read(reg::EVENTQ_PROD.offset, 4));
  software_moved_eventq_prod_ = false;
  pending_.clear();
  if (live_update_ && sources_.empty()) refresh_write_sources();
  if (batch && s.has_dma()) {
    if (auto it = batched_.find(i); it != batched_.end()) {
      obs.dma = it->second;
      batched_.erase(it);
    } else {
      run_batch(i, obs);
    }
  } else if (s.has_driver()) {
    if (auto err = driver_.expand(s.driver(), obs.expanded)) return *err;
    for (const auto& p : obs.expanded) {
      if (on_primitive) on_primitive(p);
      if (auto err = apply(p, obs)) return *err;
    }
  } else if (auto err = apply(s, obs)) {
    return *err;
  }
  if (s.has_dma() && obs.dma && obs.dma->kind == OutcomeKind::Success)
    containment_.dma_output(s.dma().sid(), obs.dma->pa, pending_);
  obs.violations = std::move(pending_);
  pending_.clear();
  observe_after(prod_before, obs);
  return obs;
}

}  // namespace smmu::harness
