// Runs a scenario on one model: applies each step (expanding driver operations through the driver
// library), and observes what the model did: the DMA outcome, register reads, the event records it wrote,
// CMDQ_CONS and GERROR (ARCHITECTURE.md, observations).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/driver/driver.h"
#include "harness/kexec/containment.h"
#include "harness/kexec/scramble.h"
#include "harness/scenario/load.h"
#include "harness/sparse_memory.h"
#include "specs/model.h"

namespace smmu::harness {

using ModelFactory = std::function<std::unique_ptr<SmmuModel>(const Features&, Memory&)>;

struct StepObservation {
  std::vector<smmucheck::Step> expanded;  // the primitive steps a driver step became
  std::optional<Outcome> dma;
  std::optional<uint64_t> mmio_value;
  std::optional<uint64_t> mem_value;      // a mem_read step: nullopt also when the read aborts
  std::vector<EventRecord> events;        // records written to the event queue during the step
  std::vector<uint64_t> event_pas;        // where each of them is in memory
  uint32_t events_lost = 0;               // records written but overwritten again before the step ended
  uint32_t eventq_prod = 0;               // EVENTQ_PROD after the step
  uint32_t cmdq_cons = 0;
  uint32_t gerror = 0, gerrorn = 0;
  // Live-update scenarios (a kexec, owner or preserve step) only:
  std::vector<TableRead> footprint;           // the table reads of the step's DMA, as the model reported them
  std::vector<kexec::Violation> violations;   // containment violations the step caused after a kexec
};

// Whether a scenario uses the live-update model (kexec, owner, preserved_stream, preserve or adopt steps).
bool has_live_update(const smmucheck::Scenario& s);

class ScenarioRun {
 public:
  // With `watch_model_writes`, on_mem_write also hears of what the model writes to memory (event records,
  // MSIs): the differential runner's caching rule must know of every change to a table word, whoever made
  // it. The model then sees the memory through a forwarding Memory, not the SparseMemory itself.
  ScenarioRun(const LoadedScenario& scenario, const ModelFactory& make, WalkObserver* observer = nullptr,
              bool watch_model_writes = false);

  SmmuModel& model() { return *model_; }
  SparseMemory& memory() { return *memory_; }
  const driver::Driver& driver() const { return driver_; }
  // The live-update state: page ownership, the preserved streams, what the new kernel re-pointed, the kexecs.
  const kexec::Containment& containment() const { return containment_; }
  const kexec::Ownership& ownership() const { return containment_.ownership; }
  const kexec::KexecHistory& kexec_history() const { return history_; }
  // Called after each kexec step scrambled memory (after on_mem_write heard of every word it changed).
  std::function<void()> on_kexec;
  // Called before each primitive step a driver step expands to is applied (for traces).
  std::function<void(const smmucheck::Step&)> on_primitive;
  // Called for each aligned qword the scenario, the driver or software's command publication writes (and
  // the model, with watch_model_writes), with its value before and after.
  std::function<void(uint64_t pa, uint64_t before, uint64_t after)> on_mem_write;
  // Batch mode: a run of consecutive dma steps is translated in one translate_batch() call at its first
  // step, whose observation then holds every event record of the run.
  bool batch = false;

  // Applies one primitive step (no observation), for benchmarks that drive a model directly.
  std::optional<std::string> apply_primitive(const smmucheck::Step& s) {
    StepObservation ignored;
    return apply(s, ignored);
  }

  // Executes step `i`; an input error (a driver intent that cannot be carried out, a full command queue,
  // an unsupported step) comes back as its message.
  std::variant<StepObservation, std::string> run_step(int i);

 private:
  std::optional<std::string> apply(const smmucheck::Step& primitive, StepObservation& obs);
  std::optional<std::string> publish_commands(const smmucheck::Commands& c);
  void observe_after(uint32_t eventq_prod_before, StepObservation& obs);

  void run_batch(int first, StepObservation& obs);
  std::optional<std::string> apply_live_update(const smmucheck::Step& s);
  void note_repointed_register(uint32_t offset, uint64_t written);  // after the kexec
  void note_repointed_sync(const std::array<uint64_t, 2>& cmd);
  void refresh_write_sources();
  std::string write_source(uint64_t pa) const;
  // A write of `size` bytes, reported to on_mem_write per aligned qword it changed.
  bool write_watched(uint64_t pa, unsigned size, uint64_t value, bool software);
  class WatchedMemory;
  class FootprintTap;

  const LoadedScenario& scenario_;
  std::map<int, Outcome> batched_;  // outcomes of later steps of the current batch
  std::unique_ptr<SparseMemory> memory_;
  std::unique_ptr<Memory> watched_;  // with watch_model_writes: what the model is given
  bool software_moved_eventq_prod_ = false;  // the current step wrote EVENTQ_PROD
  std::unique_ptr<SmmuModel> model_;
  driver::Driver driver_;
  WalkObserver* observer_;
  // Live update (harness/kexec): with a kexec in the scenario the model's writes are watched for write
  // containment and its DMA footprints recorded.
  bool live_update_ = false;
  std::unique_ptr<WalkObserver> tap_owner_;
  FootprintTap* tap_ = nullptr;
  kexec::Containment containment_;
  kexec::KexecHistory history_;
  std::vector<kexec::Violation> pending_;  // violations of the current step
  struct Source {
    uint64_t base, size;
    std::string what;
  };
  std::vector<Source> sources_;  // what the SMMU writes where, from its registers after the last step
};

// The register access a mmio step names: offset, size and (for writes) the value composed of its fields.
struct MmioAccess {
  uint32_t offset = 0;
  unsigned size = 4;
  uint64_t value = 0;
};
MmioAccess mmio_access(const smmucheck::MmioWrite& w);
MmioAccess mmio_access(const smmucheck::MmioRead& r);
std::array<uint64_t, 2> encode_command(const smmucheck::Command& c);
Transaction transaction_of(const smmucheck::Dma& d);

// The event records between two EVENTQ_PROD values of the queue EVENTQ_BASE names, read from memory. When
// PROD moved by more than the queue holds, only the newest records are still there: `lost` counts the rest.
struct EventQueueReading {
  std::vector<EventRecord> records;
  std::vector<uint64_t> pas;  // where each record is
  uint32_t lost = 0;
};
EventQueueReading read_event_records(Memory& mem, uint64_t eventq_base, unsigned max_log2, uint32_t prod_before,
                                     uint32_t prod_after);

}  // namespace smmu::harness
