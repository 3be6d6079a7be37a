// QEMU's SMMUv3 as a peer model of smmucheck (`--model qemu`): a SmmuModel driving a QemuMachine.
//
// Memory. The harness owns memory: before every register access and every translation, the pages of the
// harness memory that changed since the last time (compared with a shadow of what QEMU's RAM holds) are
// written into QEMU's guest RAM; after each, the event records QEMU wrote at EVENTQ_BASE are copied back
// into the harness memory, so the runner observes QEMU exactly as it observes our models (EVENTQ_PROD by
// MMIO, the records from memory). QEMU 7.2 implements no MSIs (IDR0.MSI = 0): it writes nothing else.
//
// Translation. A transaction becomes one DMA of the StreamID's edu device, of at most 4 bytes (one beat,
// so one translation and at most one event record) that does not cross a 4 KB page: a write moves a
// unique tag from the edu buffer to the IOVA (the tag is then looked up at the output address and the
// RAM restored, so QEMU's RAM keeps the harness memory's contents), a read moves the IOVA into the buffer
// (read back through the machine's read_buffer and compared with memory when `verify_data`). QEMU's own
// trace events (the log trace backend, -trace/-D) say what its SMMU decided: smmuv3_translate_success
// (the output address), _bypass, _disable (SMMUEN = 0: QEMU 7.2 has no GBPA, it bypasses), _abort (a
// termination without event: STE.Config abort, STE.V = 0 with... see qemu-peer.md); no translate trace
// means a fault: its record is the event QEMU wrote, or, when nothing was written (CD.R = 0, event queue
// disabled or full), the type QEMU's guest-error log names, or failing that the one its walk trace
// implies (an invalid descriptor: F_TRANSLATION; a leaf or an IOTLB hit: F_PERMISSION).
//
// What the peer cannot observe (observability()): permissions and memory attributes (QEMU reports
// neither), a fault's record beyond what reached the event queue (`recorded`), and the footprint.
//
// Which scenarios it can run: see plan_qemu_run() (qemu_plan.cpp).
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "harness/diff/diff_runner.h"
#include "harness/qemu/machine.h"
#include "harness/sparse_memory.h"
#include "specs/model.h"

namespace smmu::qemu {

// What a QemuSmmu needs from the scenario: one edu device per StreamID its DMA steps use, and RAM that
// holds every physical address the scenario touches.
struct QemuPlan {
  std::vector<uint32_t> stream_ids{0x0008};
  uint32_t ram_mib = 128;
};

struct QemuPeerOptions {
  std::string binary = "qemu-system-aarch64";
  bool verify_data = true;   // check that the data of each successful DMA moved (reads are read back)
  bool share_cpu = false;    // QemuMachineOptions::share_cpu
};

class QemuSmmu final : public SmmuModel {
 public:
  // Starts QEMU (throws QtestError). `memory` must be the harness's SparseMemory.
  QemuSmmu(Memory& memory, const QemuPlan& plan, const QemuPeerOptions& options = {});
  ~QemuSmmu() override;

  const Features& features() const override { return features_; }
  uint64_t mmio_read(uint32_t offset, unsigned size) override;
  void mmio_write(uint32_t offset, unsigned size, uint64_t value) override;
  Outcome translate(const Transaction& t, WalkObserver* observer = nullptr) override;
  void set_observer(WalkObserver* observer) override { observer_ = observer; }
  Observability observability() const override;

  QemuMachine& machine() { return *machine_; }
  const IdRegs& id_regs() const { return idr_; }
  // Counters, for measurements.
  struct Stats {
    uint64_t translations = 0, pages_mirrored = 0, records_copied = 0, buffer_reloads = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Page {
    uint8_t bytes[harness::SparseMemory::kPageSize];
  };
  struct Device {
    uint32_t write_slot = 0, read_slot = 0;  // next tag / landing slot in the edu buffer
  };
  // One translation as QEMU's logs tell it.
  struct TraceView {
    enum class Status { None, Success, Bypass, Disabled, Abort } status = Status::None;
    uint64_t pa = 0;
    std::optional<uint8_t> failed_type;  // guest-error log: "translation failed ... (SMMU_EVT_x)"
    bool failed = false;                 // ... with any type, also SMMU_EVT_OK (not to be recorded)
    bool invalid_pte = false, leaf_pte = false, iotlb_hit = false;
  };

  bool in_ram(uint64_t pa, uint64_t len = 1) const;
  void mirror_to_qemu();   // harness memory -> QEMU RAM (pages that differ from the shadow)
  void collect_events();   // records QEMU wrote since the last call -> harness memory
  void reset_event_tracking();
  TraceView read_trace(uint32_t sid, uint64_t addr);
  std::string trace_tail() ;
  void load_tags(uint32_t sid, bool writes, bool reads);
  Page& shadow_page(uint64_t pfn);
  void shadow_write(uint64_t pa, const uint8_t* data, size_t len);

  harness::SparseMemory& memory_;
  QemuPlan plan_;
  QemuPeerOptions options_;
  std::unique_ptr<QemuMachine> machine_;
  IdRegs idr_;
  Features features_;
  WalkObserver* observer_ = nullptr;
  std::unordered_map<uint64_t, std::unique_ptr<Page>> shadow_;  // what QEMU's RAM holds, by page number
  std::unordered_map<uint32_t, Device> devices_;
  uint32_t eventq_prod_seen_ = 0;
  std::ifstream trace_;
  std::string trace_path_;
  Stats stats_;
};

// QEMU's ID registers, read once per process from a QEMU started for the purpose (throws QtestError).
const IdRegs& qemu_id_regs(const std::string& binary = "qemu-system-aarch64");

// Whether QEMU's SMMU and its edu devices can express scenario `s` (qemu_plan.cpp): the plan, or why
// not. On success, s.features is set to QEMU's feature set (the scenario then runs with it on every model;
// a scenario whose reference results depend on the difference is refused).
std::variant<QemuPlan, std::string> plan_qemu_run(harness::LoadedScenario& s, const IdRegs& qemu);

// The "qemu" model of the command line: prepare() plans the machine of each scenario, make() starts it.
harness::ModelSpec qemu_model_spec(const QemuPeerOptions& options = {});

}  // namespace smmu::qemu
