// The reference model as a plugin: proves the ABI end to end and lets other tools load it.
#include "harness/abi/plugin_export.h"
#include "reference/smmu.h"

extern "C" const smmucheck_model_api* smmucheck_model_entry(void) {
  return smmu::plugin::export_model<smmu::ref::ReferenceSmmu>("refplugin");
}
