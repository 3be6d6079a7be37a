// Random valid SMMU configurations built with the driver library, for testing the Z3 encoding against the
// reference model (tests/z3/encode_vs_reference_test.cpp, fuzzers/z3_encoding_fuzzer.cpp): a stream table
// (linear or 2-level) with abort, bypass, stage 1 (single CD or a CD table), stage 2 and nested STEs, random
// granules, mappings (pages and blocks) and permissions, plus the input addresses worth translating.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "harness/driver/tables.h"
#include "harness/sparse_memory.h"
#include "specs/feature_set.h"

namespace smmu::z3test {

struct Target {
  uint32_t sid = 0;
  std::optional<uint32_t> ssid;
  uint64_t addr = 0;  // an input address that is mapped (or at least reaches a walk)
};

struct WorldOptions {
  bool allow_nested = true;
  bool allow_blocks = true;
  unsigned streams = 4;
};

// Feature sets the reference implements besides the default (variant 0): small translation tables, smaller
// OAS, no HAD, no 16KB granule, 8-bit ASIDs/VMIDs, fewer SubstreamID bits, no 2-level CD tables. `variant`
// is taken modulo kFeatureVariants.
inline constexpr unsigned kFeatureVariants = 7;
Features feature_variant(unsigned variant);

class RandomWorld {
 public:
  RandomWorld(uint64_t seed, const Features& f, const WorldOptions& opt = {});

  harness::SparseMemory mem;
  uint64_t strtab_base = 0;
  uint32_t strtab_base_cfg = 0;
  std::vector<uint32_t> sids;     // configured StreamIDs
  std::vector<Target> targets;    // mapped inputs
  std::mt19937_64 rng;

  uint64_t rnd(uint64_t n) { return n ? rng() % n : 0; }
  bool chance(unsigned percent) { return rnd(100) < percent; }
  // A random transaction input address for `sid`: mostly a mapped one, sometimes a random one.
  Target pick();
  // Flips `n` random bits in random non-zero qwords of the table memory.
  void corrupt(unsigned n);
  // The addresses of the non-zero qwords of the table memory, ascending (what corrupt() chooses from).
  std::vector<uint64_t> nonzero_qwords() const;

 private:
  struct Stage2 {
    std::unique_ptr<driver::PageTable> pt;
    driver::S2Config cfg;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;  // mapped IPA ranges [base, size)
  };
  driver::Words8 make_stage1(uint32_t sid, Stage2* nested);
  Stage2 make_stage2();
  uint64_t leaf_size(unsigned g, unsigned ia_bits);
  uint64_t s1_leaf_bits();
  uint64_t s2_leaf_bits();

  Features f_;
  WorldOptions opt_;
  driver::Allocator alloc_{0x4000'0000, 0x4800'0000};
  driver::Allocator data_{0x1'0000'0000, 0x8'0000'0000};  // output addresses (pages and blocks)
  std::unique_ptr<driver::StreamTable> strtab_;
  uint64_t window_ = 0x5000'0000;  // next IPA window for a nested stream's CD and stage 1 tables
};

}  // namespace smmu::z3test
