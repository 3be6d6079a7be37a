// The optimized model as a plugin: the corpus runs through it in tests/plugin_test.cpp, so the ABI is
// proven end to end on a model with caches of its own.
#include "harness/abi/plugin_export.h"
#include "optimized/smmu.h"

extern "C" const smmucheck_model_api* smmucheck_model_entry(void) {
  return smmu::plugin::export_model<smmu::opt::OptimizedSmmu>("optplugin");
}
