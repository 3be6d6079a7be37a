// The models smmucheck can run, by name: "ref", "opt" (and "opt:batch" for its batch path).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/diff/diff_runner.h"

namespace smmu::harness {

std::optional<ModelSpec> model_by_name(const std::string& name, std::string& error);
std::vector<std::string> model_names();

}  // namespace smmu::harness
