// The scenario codec: every byte string decodes to a scenario that loads and runs, and every scenario the
// codec can express encodes to bytes that decode back to it.
//
// A byte string is a header (the features, initial memory and abort ranges) and a sequence of operations,
// each a tag byte and its operands. Most tags name *generators* that build valid steps from the state so
// far: driver operations that make well-formed tables and issue a correct driver's invalidations, DMA at
// mapped addresses, and controlled noise (missing or partial invalidations, bit flips and field changes in
// the STEs, CDs and descriptors the driver wrote, illegal commands with a driver's recovery, odd register
// writes). A few tags name the *raw form* of each step kind, which carries every field verbatim; the
// encoder writes only raw forms, so what it can express is what the raw forms can carry.
//
// The codec carries what runs: features, memory, aborts and step operations. Names, descriptions,
// comments and expectations are not part of a fuzz input (executable_part drops them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/scenario/load.h"
#include "harness/scenario/scenario.pb.h"

namespace smmu::fuzz {

// At most this many steps come out of one input (a driver step counts as one).
inline constexpr size_t kMaxSteps = 256;

smmucheck::Scenario decode(std::span<const uint8_t> bytes);

// Bytes that decode to executable_part(s). `checked` decodes them again and fails, with the reason in
// `why`, when the result differs (a step the decoder would drop: a driver intent the driver refuses...).
std::optional<std::vector<uint8_t>> encode(const smmucheck::Scenario& s, std::string* why = nullptr,
                                           bool checked = true);

// The part of a scenario the codec carries.
smmucheck::Scenario executable_part(const smmucheck::Scenario& s);

// Steps generated from `bytes` as if they followed the steps of `context` (same features): the
// mutator's way to insert valid, state-aware steps in the middle of a scenario.
std::vector<smmucheck::Step> generate_steps(const smmucheck::Scenario& context, std::span<const uint8_t> bytes);

// A scenario ready for the runner: features resolved, one line number per step.
harness::LoadedScenario loaded(smmucheck::Scenario s, std::string path = "<fuzz input>");

// Equality of scenarios as the codec sees them, and the first difference for messages.
bool same_scenario(const smmucheck::Scenario& a, const smmucheck::Scenario& b, std::string* difference = nullptr);

}  // namespace smmu::fuzz
