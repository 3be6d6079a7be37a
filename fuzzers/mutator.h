// The structure-aware mutator: works on decoded scenarios, not bytes. Inserts state-aware steps made by
// the codec's generators, deletes, duplicates and swaps steps, moves fields toward values where the
// architecture changes behaviour (interesting.h), changes the features, and crosses two scenarios over;
// the result is encoded again. libFuzzer (LLVMFuzzerCustomMutator/CrossOver) and AFL++ (afl_mutator.cpp)
// call it through the byte-level entry points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "harness/scenario/scenario.pb.h"

namespace smmu::fuzz {

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  // One to four mutations of `s`.
  smmucheck::Scenario mutate(smmucheck::Scenario s);
  smmucheck::Scenario crossover(const smmucheck::Scenario& a, const smmucheck::Scenario& b);

  // Byte level: decode, mutate, encode into `data` (at most max_size bytes); returns the new size.
  size_t mutate_bytes(uint8_t* data, size_t size, size_t max_size);
  size_t crossover_bytes(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size, uint8_t* out, size_t max_size);

  // Encodes `s` into `out`, dropping steps from the end until it fits; returns the size (0: nothing fits).
  size_t encode_into(smmucheck::Scenario s, uint8_t* out, size_t max_size);

  uint64_t next() { return rng_(); }
  size_t below(size_t n) { return n ? static_cast<size_t>(rng_() % n) : 0; }

 private:
  void insert_generated(smmucheck::Scenario& s);
  void delete_steps(smmucheck::Scenario& s);
  void duplicate_steps(smmucheck::Scenario& s);
  void swap_steps(smmucheck::Scenario& s);
  void mutate_field(smmucheck::Scenario& s);
  void mutate_features(smmucheck::Scenario& s);

  std::mt19937_64 rng_;
};

}  // namespace smmu::fuzz
