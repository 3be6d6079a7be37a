// The scenario builder behind the codec: the one place a decoded step enters a scenario. It keeps a
// shadow of the driver (harness/driver/driver.h, fed the same driver operations the runner will feed its
// own) and drops any step the runner would refuse (a driver intent that cannot be carried out, a name the
// scenario loader does not know), so a decoded scenario always loads and runs. It also tracks what the
// generators aim at: domains, mappings and their leaf descriptors, the STEs and CDs the driver wrote, a
// memory image, and the command queue's producer index.
//
// Whether a step is kept depends only on the steps kept before it, never on the bytes that produced it:
// this is what makes decode(encode(s)) == s hold for every decoded s.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/command_queue_model.h"
#include "harness/driver/driver.h"
#include "harness/scenario/scenario.pb.h"
#include "harness/sparse_memory.h"
#include "specs/feature_set.h"

namespace smmu::fuzz {

struct DomainInfo {
  uint32_t id = 0;
  smmucheck::Stage stage = smmucheck::STAGE1;
  unsigned granule = 12;           // log2 of the granule
  unsigned ia_bits = 39;           // the input size of the first stage (stage 1, or stage 2 alone)
  unsigned s2_ia_bits = 40;        // nested: the stage-2 input size
  int start = 0, s2_start = 0;     // start levels of the first-stage and stage-2 tables
  uint32_t asid = 0, vmid = 0;
  uint64_t cd = 0;                 // the domain's CD (stage 1 and nested)
  std::set<uint64_t> tabled;       // "base | level" of first-stage regions that hold a table, not a block
  uint64_t next_ipa = 0xc000'0000; // nested: stage-2 inputs are never reused
  bool has_s1() const { return stage != smmucheck::STAGE2; }
  bool has_s2() const { return stage != smmucheck::STAGE1; }
};

struct MappingInfo {
  uint32_t domain = 0;
  uint64_t iova = 0, size = 0, pa = 0;
  uint64_t leaf = 0;  // the address of the last descriptor the map wrote (the leaf)
  std::string perms;
  bool live = true;
};

struct StreamInfo {
  enum Kind { kAbort, kBypass, kDomain } kind = kAbort;
  uint32_t domain = 0;
  std::vector<std::pair<uint32_t, uint32_t>> ssids;  // (PASID, domain) when the STE points at a CD table
  uint64_t ste = 0;
};

struct WordRef {
  uint64_t pa = 0;      // the first qword
  uint32_t sid = 0;     // the StreamID it belongs to (STEs, PASID CDs)
  uint32_t domain = 0;  // the domain (domain CDs, descriptors)
  std::optional<uint32_t> ssid;
};

// What the generators know about the scenario so far.
struct Tracked {
  Features features;
  bool initialized = false;
  unsigned strtab_log2 = 8, split = 0;
  uint64_t eventq_base = 0;
  unsigned eventq_log2 = 6;
  CommandQueueModel cmdq;
  uint32_t cr0 = 0;
  std::vector<DomainInfo> domains;
  std::vector<MappingInfo> mappings;
  std::map<uint32_t, StreamInfo> streams;
  std::map<uint32_t, uint32_t> cd_table_cdmax;  // StreamID -> CDMax of the driver's CD table for it
  std::set<uint32_t> l2_spans;                  // 2-level stream table: L1 entries (StreamID >> SPLIT) made valid
  std::vector<WordRef> stes, cds, descriptors;
  harness::SparseMemory image;  // what the scenario and the driver wrote

  const DomainInfo* domain(uint32_t id) const;
};

class ScenarioBuilder {
 public:
  explicit ScenarioBuilder(size_t max_steps);

  // The features come first: they decide what the shadow driver accepts.
  void set_features(const smmucheck::Features& f);
  void add_memory(const smmucheck::MemWrite& w);
  void add_abort(const smmucheck::Range& r);

  // Appends `s` when the runner can run it; returns whether it was kept.
  bool emit(smmucheck::Step s);
  bool full() const { return scenario_.step_size() >= static_cast<int>(max_steps_); }

  const Tracked& tracked() const { return t_; }
  const smmucheck::Scenario& scenario() const { return scenario_; }
  smmucheck::Scenario take() { return std::move(scenario_); }

 private:
  bool valid_primitive(smmucheck::Step& s) const;
  bool driver_precheck(const smmucheck::Driver& op) const;
  void rebuild_driver();
  void apply_mem_write(const smmucheck::MemWrite& w);
  bool commands_fit(const std::vector<smmucheck::Step>& expanded) const;
  void apply_mmio_write(const smmucheck::MmioWrite& w);
  void track_driver(const smmucheck::Driver& op, const std::vector<smmucheck::Step>& expanded);

  size_t max_steps_;
  smmucheck::Scenario scenario_;
  Tracked t_;
  std::unique_ptr<driver::Driver> driver_;
  std::vector<smmucheck::Driver> accepted_;  // the driver operations kept so far, to rebuild the shadow
};

// A register field by name the way the scenario loader resolves it ("CR0.SMMUEN", or "SMMUEN" within
// `reg`), and whether a name and value are valid for a register.
const Field* resolve_register_field(std::string_view name, std::string_view reg);
bool register_field_ok(const std::string& reg, const std::string& name, uint64_t value);

}  // namespace smmu::fuzz
