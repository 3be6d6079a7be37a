// The models the differential fuzz target compares with the reference: the one place to change them.
#pragma once

#include <vector>

#include "harness/diff/diff_runner.h"

namespace smmu::fuzz {

std::vector<harness::ModelSpec> diff_models();

}  // namespace smmu::fuzz
