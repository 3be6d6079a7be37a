// The builder's prediction of the command queue (§3.5, §7.1), as far as the scenario alone tells it:
// PROD and CONS with their wrap bits, CR0.CMDQEN, GERROR.CMDQ_ERR and GERRORN, and the legality rules of
// §4.1.3 for the commands in the queue's memory. The runner stops a run when a command batch does not fit
// the free entries; the builder uses this model to keep such batches out, and the generators use it to
// recover a stopped queue the way a driver does.
#pragma once

#include <array>
#include <cstdint>

#include "harness/scenario/scenario.pb.h"
#include "harness/table_memory.h"
#include "specs/feature_set.h"

namespace smmu::fuzz {

// Whether the SMMU rejects a command with CERROR_ILL (§4.1.3 and each command's section), as far as the
// requested features tell.
bool command_illegal(const std::array<uint64_t, 2>& c, const Features& f);

struct CommandQueueModel {
  uint64_t base = 0;
  unsigned log2 = 0;  // CMDQ_BASE.LOG2SIZE, capped at IDR1.CMDQS
  uint32_t prod = 0, cons = 0;
  bool enabled = false;  // CR0.CMDQEN
  uint32_t gerrorn = 0, gerror = 0;  // bit 0: CMDQ_ERR

  uint32_t entries() const { return 1u << (log2 < 20 ? log2 : 20); }
  uint32_t mask() const { return 2 * entries() - 1; }
  uint32_t pending() const { return (prod - cons) & mask(); }
  uint32_t room() const { return entries() - pending(); }
  bool stalled() const { return ((gerrorn ^ gerror) & 1) != 0; }
  uint64_t slot(uint32_t index) const { return base + uint64_t{index & (entries() - 1)} * 16; }

  // Commands written at PROD and published (harness/runner: publish_commands); false, with nothing
  // changed, when they do not fit.
  bool publish(const smmucheck::Commands& c, harness::TableMemory& mem, const Features& f);
  // A register write; returns whether it concerned the queue.
  void register_write(uint32_t offset, uint64_t value, const harness::TableMemory& mem, const Features& f);
  // Consumes commands while the queue runs, stopping at an illegal one.
  void process(const harness::TableMemory& mem, const Features& f);
};

}  // namespace smmu::fuzz
