// libFuzzer's custom mutator hooks, backed by the structure-aware mutator. Included by exactly one source
// of each target that wants them. AFL++ never calls these; it loads afl_mutator.cpp's shared object.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fuzzers/mutator.h"

// libFuzzer's own byte-level mutator; weak, so the targets also link where it is absent.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  smmu::fuzz::Mutator m(seed);
  // Mostly structure-aware; now and then libFuzzer's byte mutations (they reach the generators' tags).
  if (LLVMFuzzerMutate && m.below(5) == 0) return LLVMFuzzerMutate(data, size, max_size);
  const size_t n = m.mutate_bytes(data, size, max_size);
  if (n) return n;
  return LLVMFuzzerMutate ? LLVMFuzzerMutate(data, size, max_size) : size;
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1, const uint8_t* data2, size_t size2,
                                            uint8_t* out, size_t max_out_size, unsigned int seed) {
  smmu::fuzz::Mutator m(seed);
  return m.crossover_bytes(data1, size1, data2, size2, out, max_out_size);
}
