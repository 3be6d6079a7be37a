#include "harness/cli/models.h"

#include "reference/smmu.h"

namespace smmu::harness {

std::vector<std::string> model_names() { return {"ref", "ref:batch"}; }

std::optional<ModelSpec> model_by_name(const std::string& name, std::string& error) {
  if (name == "ref") return ModelSpec{"ref", reference_factory(), false};
  if (name == "ref:batch") return ModelSpec{"refbatch", reference_factory(), true};
  error = "unknown model '" + name + "' (known: ref, ref:batch)";
  return std::nullopt;
}

}  // namespace smmu::harness
