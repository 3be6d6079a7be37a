#include "harness/cli/models.h"

#include "harness/abi/plugin_model.h"
#include "harness/qemu/qemu_model.h"
#include "optimized/smmu.h"
#include "reference/smmu.h"

namespace smmu::harness {

std::vector<std::string> model_names() { return {"ref", "ref:batch", "opt", "opt:batch", "qemu"}; }

namespace {
ModelFactory optimized_factory() {
  return [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); };
}
}  // namespace

std::optional<ModelSpec> model_by_name(const std::string& name, std::string& error) {
  if (name == "ref") return ModelSpec{"ref", reference_factory(), false, {}};
  if (name == "ref:batch") return ModelSpec{"refbatch", reference_factory(), true, {}};
  if (name == "opt") return ModelSpec{"opt", optimized_factory(), false, {}};
  if (name == "opt:batch") return ModelSpec{"optbatch", optimized_factory(), true, {}};
  if (name == "qemu") {
    // QEMU's SMMUv3 through qtest (harness/qemu/qemu_model.h): needs qemu-system-aarch64 at run time.
    if (auto why = qemu::QemuMachine::unavailable_reason()) {
      error = "model qemu: " + *why;
      return std::nullopt;
    }
    return qemu::qemu_model_spec();
  }
  if (name.find('/') != std::string::npos || name.ends_with(".so")) {
    auto plugin = Plugin::open(name, error);
    if (!plugin) return std::nullopt;
    return ModelSpec{plugin->name(), plugin->factory(), false, {}};
  }
  error = "unknown model '" + name + "' (known: ref, ref:batch, opt, opt:batch, qemu, or a plugin PATH.so)";
  return std::nullopt;
}

}  // namespace smmu::harness
