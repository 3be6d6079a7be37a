// Random handover plans, for the kexec fuzzer (fuzzers/kexec_fuzzer.cpp) and its test: an old kernel with
// stage-1, stage-2 and nested domains on a linear or 2-level stream table, some streams with PASIDs, traffic;
// a random set of surviving streams; a correct shutdown (the rest reset to abort) and preservation set (the
// stream table, the queues, each surviving domain's tables and CD table, its DMA targets); the kexec with a
// random seed; DMA during the window; the new kernel's adopt (keeping or re-pointing the queues), sometimes
// moving a surviving stream to a domain of its own with the same mapping (the hitless writer, the step marked
// breaking); traffic of survivors, of a stream reset to abort and of one never configured.
// Such a plan keeps every invariant. With a fault injected it breaks one, concretely and whatever the junk:
// that invariant is named.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>

#include "harness/scenario/scenario.pb.h"

namespace smmu::plan {

// Where the generator's choices come from: a fuzzer's bytes, or a pseudo-random generator.
class Choices {
 public:
  virtual ~Choices() = default;
  virtual uint32_t below(uint32_t n) = 0;  // in [0, n), for n > 0
  bool chance(unsigned percent) { return below(100) < percent; }
};

class RandomChoices final : public Choices {
 public:
  explicit RandomChoices(uint64_t seed) : rng_(seed) {}
  uint32_t below(uint32_t n) override { return uint32_t(rng_() % n); }

 private:
  std::mt19937_64 rng_;
};

// Two bytes per choice; zeros once the bytes run out (the smallest plan).
class ByteChoices final : public Choices {
 public:
  explicit ByteChoices(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint32_t below(uint32_t n) override {
    uint32_t v = 0;
    for (int k = 0; k < 2 && pos_ < bytes_.size(); ++k) v = v << 8 | bytes_[pos_++];
    return v % n;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

enum class Fault {
  None,
  StreamNotReset,        // a stream that does not survive keeps its STE, sharing a survivor's domain: isolation
  TablesNotPreserved,    // a surviving domain's tables are left out: footprint
  TargetsNotPreserved,   // a surviving domain's DMA targets are left out: DMA containment
  StrtabBaseWritten,     // the new kernel writes STRTAB_BASE with SMMUEN = 1: legal programming
  EventqReclaimed,       // the new kernel keeps the event queue, reclaims its pages, then a fault is recorded: write containment
  RewriteWithoutSync,    // a surviving stream's STE rewritten with no CMD_SYNC before its next DMA: caching
};
const char* fault_name(Fault f);

struct RandomPlan {
  smmucheck::Plan plan;
  Fault fault = Fault::None;
  std::optional<smmucheck::Invariant> breaks;  // the invariant the fault breaks
};

// `allow_faults`: whether a fault may be injected (one in two plans).
RandomPlan random_plan(Choices& c, bool allow_faults = true);

// Runs a random plan in the concrete simulator and checks it (harness/plan/concrete.h, no solver): a correct
// plan keeps every invariant, a faulty one breaks the invariant its fault names, and the optimized model agrees
// with the reference across the kexec under the caching rule. The first problem, in words, with the plan in
// text format; nullopt when all is well. `seed` picks the sampled mixes and StreamIDs.
std::optional<std::string> check_random_plan(const RandomPlan& rp, uint64_t seed);

}  // namespace smmu::plan
