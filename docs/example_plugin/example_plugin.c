/* A minimal smmucheck model plugin in plain C: an SMMUv3 that is never enabled. It implements the global
 * bypass of Arm IHI 0070 §6.3.14 and §13.2 (with SMMU_CR0.SMMUEN = 0, transactions follow SMMU_GBPA: abort,
 * or pass through untranslated) and nothing else. It shows the shape of a plugin; see docs/plugins.md.
 *
 * Build: cc -shared -fPIC -I<smmucheck>/harness/abi example_plugin.c -o example_plugin.so
 * Run:   smmucheck run --model ./example_plugin.so tests/data/example_plugin_bypass.textproto
 */
#include <stdlib.h>

#include "smmucheck_model.h"

#define CR0 0x20u
#define CR0ACK 0x24u
#define GBPA 0x44u
#define GBPA_ABORT (1u << 20)  /* §6.3.14 */
#define GBPA_UPDATE (1u << 31)

typedef struct example {
  smmucheck_idregs id;
  uint32_t cr0, gbpa;
} example;

static void* create(const smmucheck_idregs* requested, const smmucheck_memory* memory, smmucheck_idregs* implemented) {
  (void)memory; /* a bypass-only SMMU reads no tables */
  example* e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->id = *requested; /* it claims what it is asked for, and translates nothing */
  *implemented = e->id;
  return e;
}

static void destroy(void* m) { free(m); }

static uint64_t mmio_read(void* m, uint32_t offset, unsigned size) {
  example* e = m;
  (void)size;
  switch (offset) {
    case 0x00: return e->id.idr0;
    case 0x04: return e->id.idr1;
    case 0x0C: return e->id.idr3;
    case 0x14: return e->id.idr5;
    case 0x1C: return e->id.aidr;
    case CR0:
    case CR0ACK: return e->cr0;
    case GBPA: return e->gbpa;
    default: return 0;
  }
}

static void mmio_write(void* m, uint32_t offset, unsigned size, uint64_t value) {
  example* e = m;
  (void)size;
  if (offset == CR0) e->cr0 = (uint32_t)value & 0xD;
  if (offset == GBPA && (value & GBPA_UPDATE)) e->gbpa = (uint32_t)value & GBPA_ABORT; /* Update completes at once */
}

static void translate(void* m, const smmucheck_transaction* t, smmucheck_outcome* out) {
  example* e = m;
  out->kind = (e->gbpa & GBPA_ABORT) ? SMMUCHECK_TERMINATED : SMMUCHECK_SUCCESS;
  out->pa = t->addr;
  out->perms = 7;
  out->mair = 0xFF; /* §13.1.3: Normal write-back, the default input attributes */
  out->sh = 0;
  out->instr = t->read && t->instr;
  out->priv = t->priv;
}

static const smmucheck_model_api api = {
    SMMUCHECK_MODEL_ABI_VERSION, sizeof(smmucheck_model_api), "example", create, destroy, mmio_read, mmio_write,
    translate, NULL, NULL,
};

const smmucheck_model_api* smmucheck_model_entry(void) { return &api; }
