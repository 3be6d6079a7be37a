/* A plugin built against a future ABI: loading it must fail with a clear message, not a crash. */
#include "smmucheck_model.h"

static const smmucheck_model_api api = {SMMUCHECK_MODEL_ABI_VERSION + 1, sizeof(smmucheck_model_api), "future"};

const smmucheck_model_api* smmucheck_model_entry(void) { return &api; }
