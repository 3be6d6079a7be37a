/* smmucheck model ABI, version 1: any SMMUv3 model behind plain C function pointers.
 *
 * A third party wraps its model (an emulator, an RTL simulation) in a shared object that exports one
 * function, smmucheck_model_entry(), returning a table of the functions below; `smmucheck --model PATH.so`
 * loads it. The harness owns memory: the model reads its tables and writes its queues through the
 * memory callbacks it is given. Everything mirrors the model interface of specs/model.h; docs/plugins.md
 * explains each call. All integers are little-endian host values; event records and commands are the
 * architecture's qwords (Arm IHI 0070 §7.3, §4).
 */
#ifndef SMMUCHECK_MODEL_H
#define SMMUCHECK_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SMMUCHECK_MODEL_ABI_VERSION 1u

/* Memory owned by the harness. read/write return 0 on success, non-zero for an external abort. */
typedef struct smmucheck_memory {
  void* ctx;
  int (*read)(void* ctx, uint64_t pa, unsigned size, uint64_t* value); /* size 4 or 8 */
  int (*write)(void* ctx, uint64_t pa, unsigned size, uint64_t value);
} smmucheck_memory;

/* ID register values: what the scenario asks for (create's input) and what the model implements. */
typedef struct smmucheck_idregs {
  uint32_t idr0, idr1, idr2, idr3, idr4, idr5, iidr, aidr;
} smmucheck_idregs;

typedef struct smmucheck_transaction {
  uint32_t sid;
  uint32_t ssid;
  uint8_t ssv;   /* 1: ssid is valid */
  uint8_t read;  /* 1: read, 0: write */
  uint8_t instr; /* 1: instruction fetch (reads only) */
  uint8_t priv;  /* 1: privileged */
  uint64_t addr;
} smmucheck_transaction;

enum smmucheck_outcome_kind {
  SMMUCHECK_SUCCESS = 0,
  SMMUCHECK_FAULT = 1,       /* aborted; event[] holds the record (recorded or not) */
  SMMUCHECK_TERMINATED = 2,  /* aborted without any event */
  SMMUCHECK_RAZ_WI = 3       /* a stage-1 fault with CD.A = 0 */
};

typedef struct smmucheck_outcome {
  uint8_t kind;       /* enum smmucheck_outcome_kind */
  uint8_t has_event;
  uint8_t recorded;   /* the record goes to the event queue */
  uint8_t perms;      /* bit 0 read, bit 1 write, bit 2 execute: what the translation grants */
  uint8_t mair;       /* output memory type, MAIR encoding */
  uint8_t sh;         /* output shareability: 0 NSH, 2 OSH, 3 ISH */
  uint8_t instr, priv;/* output INST and PRIV attributes */
  uint64_t pa;
  uint64_t event[4];
} smmucheck_outcome;

/* Optional: what the model reports while it works (footprint reads, decisions, commands). Any pointer may
 * be NULL. */
typedef struct smmucheck_table_read {
  uint8_t role;       /* 0 L1STD, 1 STE, 2 L1CD, 3 CD, 4 stage-1 descriptor, 5 stage-2 descriptor */
  uint8_t aborted;
  uint8_t has_ssid, leaf;
  int32_t level;
  uint32_t sid, ssid, index;
  uint64_t pa, value, range_base, range_size;
} smmucheck_table_read;

typedef struct smmucheck_observer {
  void* ctx;
  void (*table_read)(void* ctx, const smmucheck_table_read* read);
  void (*decision)(void* ctx, const char* section, const char* text);
} smmucheck_observer;

typedef struct smmucheck_model_api {
  uint32_t abi_version; /* SMMUCHECK_MODEL_ABI_VERSION */
  uint32_t struct_size; /* sizeof(smmucheck_model_api) of the plugin's header */
  const char* name;     /* short, used in signatures: ref-<name>:... */
  /* Creates a model implementing at most `requested`; fills `implemented`. NULL on failure. The memory
   * description stays valid until destroy. */
  void* (*create)(const smmucheck_idregs* requested, const smmucheck_memory* memory, smmucheck_idregs* implemented);
  void (*destroy)(void* model);
  uint64_t (*mmio_read)(void* model, uint32_t offset, unsigned size);
  void (*mmio_write)(void* model, uint32_t offset, unsigned size, uint64_t value);
  void (*translate)(void* model, const smmucheck_transaction* t, smmucheck_outcome* out);
  void (*quiesce)(void* model);                                         /* optional (NULL) */
  void (*set_observer)(void* model, const smmucheck_observer* observer); /* optional (NULL) */
} smmucheck_model_api;

/* The one symbol a plugin exports. */
const smmucheck_model_api* smmucheck_model_entry(void);
typedef const smmucheck_model_api* (*smmucheck_model_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SMMUCHECK_MODEL_H */
