// The differential target's entry points beside LLVMFuzzerTestOneInput: one input run and its counters,
// for the smoke runner and for measuring what the fuzzer's inputs exercise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "harness/diff/diff_runner.h"

namespace smmu::fuzz {

struct DiffStats {
  uint64_t inputs = 0;
  uint64_t steps = 0;
  uint64_t input_errors = 0;  // runs the runner stopped (a full command queue); the prefix is still compared
  uint64_t dma_exact = 0, dma_stale = 0, dma_unchecked = 0;
  uint64_t divergences = 0;
};
DiffStats& diff_stats();

// Decodes one input and runs it against the reference with diff_models(); the first divergence, if any.
std::optional<harness::Divergence> run_diff_input(const uint8_t* data, size_t size);

}  // namespace smmu::fuzz
