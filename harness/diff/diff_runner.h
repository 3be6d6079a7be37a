// The differential runner (ARCHITECTURE.md): applies a scenario step by step to several models, each with
// its own memory, and compares each model's observations with the reference's, one checker per concern.
// DMA results are compared exactly when the reference's footprint holds only covered table words; otherwise
// the permitted results are enumerated (each uncovered word with every value it may still be cached with,
// up to a bound), and past the bound the DMA counts as unchecked.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/check/compare.h"
#include "harness/runner/runner.h"

namespace smmu::harness {

struct ModelSpec {
  std::string name;     // "opt", "qemu", a plugin's name; appears in signatures
  ModelFactory make;
  bool batch = false;   // drive dma runs through translate_batch()
};

enum class DmaRule : uint8_t { Exact, PermittedStale, Unchecked };
const char* dma_rule_name(DmaRule r);

struct DmaCheck {
  DmaRule rule = DmaRule::Exact;
  std::vector<uint64_t> stale_words;  // addresses of the uncovered words
  size_t permitted = 1;               // how many distinct outcomes the enumeration permitted
};

struct Divergence {
  std::string signature;  // ref-opt:dma:outcome:F_TRANSLATION/success
  int step = 0;
  int line = 0;
  std::string model;      // the model that disagrees with the reference
  Difference difference;
};

struct DiffResult {
  std::vector<std::string> models;                 // [0] is the reference
  std::vector<std::vector<StepObservation>> obs;   // [step][model]
  std::vector<std::optional<DmaCheck>> dma;        // per step
  std::vector<Divergence> divergences;             // in order; the first is the verdict
  int exact = 0, stale = 0, unchecked = 0;
};

struct DiffOptions {
  size_t enumeration_bound = 256;  // 2^8 combinations of uncovered words
  WalkObserver* reference_trace = nullptr;
};

// Runs `s` on the reference and on `others`. A string is an input error (a driver intent that cannot be
// carried out, ...).
std::variant<DiffResult, std::string> run_diff(const LoadedScenario& s, const std::vector<ModelSpec>& others,
                                               const DiffOptions& opts = {});

// "dma", "cmd", "mmio", "mmio_write", "mem", "mem_read", "driver", "kexec".
std::string step_kind(const smmucheck::Step& s);

ModelFactory reference_factory();

}  // namespace smmu::harness
