// What a fuzz input of the differential target is: the scenario the codec decodes it to, run on the
// reference and on the fuzz target's models (fuzzers/fuzz_models.h), and the signature of its first
// divergence. In-process, and isolated in a child for inputs that may crash or hang a model.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "harness/scenario/scenario.pb.h"

namespace smmu::campaign {

struct Judgement {
  std::string signature;          // "" when the models agree
  smmucheck::Scenario scenario;   // what was compared (see judge_input)
};

// Decodes `bytes` and runs the diff as diff_fuzzer does: when the runner stops at a step it cannot carry
// out ("step N: the command queue is full"), the steps before it are compared, and `scenario` is that prefix.
Judgement judge_input(std::span<const uint8_t> bytes);

// The signature a finding is filed under, judged in a child (run_isolated):
//   ref-<model>:...           the divergence's own signature
//   no-divergence:<kind>      the models agree here; the engine reported a <kind> (crash, timeout, oom, leak)
//                             that is not a divergence (a sanitizer report the smmucheck build does not
//                             catch, a slow input)
//   crash:<how>               the input crashes a model here too (crash:SIGSEGV, crash:exit-1 from a sanitizer)
//   hang                      the input did not finish within `timeout`
// "" when no child could be started (try again later).
std::string finding_signature(std::span<const uint8_t> bytes, std::string_view kind,
                              std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace smmu::campaign
