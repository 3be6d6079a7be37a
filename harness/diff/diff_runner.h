// The differential runner (ARCHITECTURE.md): applies a scenario step by step to several models, each with
// its own memory, and compares each model's observations with the reference's, one checker per concern.
// DMA results are compared exactly when the reference's footprint holds only covered table words; otherwise
// the permitted results are enumerated (each uncovered word with every value it may still be cached with,
// up to a bound), and past the bound the DMA counts as unchecked.
#pragma once

#include <functional>
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
  // Optional: sees each scenario before it runs (before `make`). Returns why the model cannot run it (the
  // scenario is then skipped with that reason), or nullopt. It may narrow the scenario's features to the
  // ones the model implements, when the scenario does not depend on the difference: every model of the run
  // then runs with them. The QEMU peer uses it to choose its machine (the edu devices for the StreamIDs,
  // the RAM size) and to refuse what QEMU or its DMA master cannot express.
  std::function<std::optional<std::string>(LoadedScenario&)> prepare = nullptr;
};

// Runs the `prepare` hook of each model on `s`: the first skip reason, prefixed with the model's name.
inline std::optional<std::string> prepare_models(LoadedScenario& s, const std::vector<ModelSpec>& models) {
  for (const ModelSpec& m : models)
    if (m.prepare)
      if (auto why = m.prepare(s)) return "model " + m.name + " cannot run it: " + *why;
  return std::nullopt;
}

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
