// The driver library: what a correct SMMUv3 driver does for an intent (set up the SMMU, create a
// translation domain, attach a stream, map, unmap, detach), expanded into primitive scenario steps
// (memory writes, register writes, commands with their invalidations and CMD_SYNC) that the runner
// applies to every model alike.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/driver/tables.h"
#include "harness/scenario/scenario.pb.h"
#include "harness/sparse_memory.h"
#include "specs/feature_set.h"

namespace smmu::driver {

// A driver error: an intent that cannot be carried out (an unknown domain, an unaligned mapping...).
struct DriverError {
  std::string message;
};

// The live machine a kexec'd kernel's driver probes when it adopts the SMMU (the runner provides it).
struct LiveView {
  std::function<uint64_t(uint32_t offset, unsigned size)> mmio_read;
  std::function<uint64_t(uint64_t pa)> peek64;      // memory as it is now
  std::function<bool(uint64_t pa)> preserved;       // the page was handed over (KHO)
};

class Driver {
 public:
  explicit Driver(const Features& f) : features_(f) {}

  void set_live(LiveView v) { live_ = std::move(v); }

  // Expands one driver operation into primitive steps, appended to `out`. Returns an error message for
  // an intent that cannot be carried out.
  std::optional<std::string> expand(const smmucheck::Driver& op, std::vector<smmucheck::Step>& out);

  // The driver's view of memory (what it has written), for tests.
  const harness::SparseMemory& shadow() const { return shadow_; }
  // Everything the driver allocated, each with its owner: "stream_table", "command_queue", "event_queue",
  // "domain N stage1" (stage-1 tables), "domain N cd", "domain N stage2", "cd_table SID" (empty before init).
  std::vector<Allocator::Allocation> allocations() const {
    return alloc_ ? alloc_->allocations() : std::vector<Allocator::Allocation>{};
  }

 private:
  struct DomainState {
    smmucheck::Domain config;
    unsigned granule = 12;
    std::unique_ptr<PageTable> s1, s2;
    uint64_t cd = 0;  // the domain's CD (stage 1 and nested)
  };
  // Writes through to the shadow memory and records each write as a mem_write step in the current output.
  class Recorder final : public harness::TableMemory {
   public:
    explicit Recorder(harness::SparseMemory& shadow) : shadow_(shadow) {}
    uint64_t peek64(uint64_t pa) const override { return shadow_.peek64(pa); }
    void poke64(uint64_t pa, uint64_t value) override;
    std::vector<smmucheck::Step>* sink = nullptr;

   private:
    harness::SparseMemory& shadow_;
  };

  std::optional<std::string> init(const smmucheck::Init& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> domain(const smmucheck::Domain& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> attach(const smmucheck::Attach& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> map(const smmucheck::Map& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> unmap(const smmucheck::Unmap& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> detach(const smmucheck::Detach& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> rewrite(const smmucheck::Rewrite& op, std::vector<smmucheck::Step>& out);
  // The STE that attaches a domain with stage-1 configuration `s1` (its CD, or a CD table).
  Words8 ste_for(const DomainState& d, const S1Config& s1) const;
  // Live update (driver_kexec.cpp).
  std::optional<std::string> preserve(const smmucheck::Preserve& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> adopt(const smmucheck::Adopt& op, std::vector<smmucheck::Step>& out);
  std::optional<std::string> repoint_queue(bool eventq, unsigned log2size, uint64_t& cr0,
                                           std::vector<smmucheck::Step>& out);

  // Writes an STE the way a correct driver replaces a live one: invalidate it first (V = 0, CFGI_STE,
  // CMD_SYNC), then the new entry with q0 last, then CFGI_STE and CMD_SYNC.
  void write_ste(uint32_t sid, const Words8& ste, std::vector<smmucheck::Step>& out);

  Features features_;
  harness::SparseMemory shadow_;
  Recorder rec_{shadow_};
  std::unique_ptr<Allocator> alloc_;
  std::unique_ptr<StreamTable> strtab_;
  uint64_t table_base_ = 0, table_size_ = 0;
  std::map<uint32_t, DomainState> domains_;
  std::map<uint32_t, std::unique_ptr<CdTable>> cd_tables_;  // per StreamID, for PASIDs
  Extent cmdq_{}, eventq_{};  // where the queues are
  LiveView live_;
};

// Primitive-step builders shared by the driver and tests.
smmucheck::Step mmio_write_step(const char* reg, uint64_t value, std::string comment = "");
smmucheck::Step command_step(std::vector<std::array<uint64_t, 2>> cmds, std::string comment = "");
std::array<uint64_t, 2> make_command(uint8_t opcode, std::initializer_list<std::pair<const Field*, uint64_t>> fields);

}  // namespace smmu::driver
