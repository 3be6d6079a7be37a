// One-line descriptions of scenario steps, for traces and reports.
#pragma once

#include <string>

#include "harness/scenario/scenario.pb.h"

namespace smmu::harness {

std::string describe_step(const smmucheck::Step& s);

}  // namespace smmu::harness
