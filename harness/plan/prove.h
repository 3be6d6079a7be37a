// `smmucheck prove`: the invariants of a handover plan (ARCHITECTURE.md "Live update"), proved or refuted at
// every state the SMMU can observe after the kexec, with the Z3 encoding of harness/z3 for what depends on
// memory the kexec lost, and by inspection of the concrete run for what does not:
//  * continuity, footprint, DMA containment: for each surviving stream, a symbolic input address and access
//    (read/write, data/instruction, privileged or not), at each state after the kexec: the translation is the
//    one it had before the kexec (or, during a step the plan marks breaking, a fault), every table read it
//    makes lies in preserved memory or in what the new kernel has written since, and a successful output
//    lies in preserved memory that has not been reclaimed;
//  * isolation: a symbolic StreamID the stream table can name, other than the surviving ones, with a
//    symbolic SubstreamID and address: never a successful translation;
//  * hitless: within each group of writes between two completed CMD_SYNCs, every per-qword mix of the old
//    and new values (§3.21.3) gives each surviving stream the translation of the state before the group or
//    of the state after it (or a fault, in a step marked breaking);
//  * legal programming, write containment, caching: from the concrete run (guarded register writes, where the
//    event queue and the MSIs point while enabled, DMA footprints not covered by a completed invalidation).
// Scope: what harness/z3/encode.h covers (output addresses within 48 bits, no SMMUEN = 0, no stalls).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/plan/plan.h"

namespace smmu::plan {

// A concrete counterexample: the state, the transaction, and the junk the walk read where memory was lost.
struct Counterexample {
  int state_step = -1;        // the plan step after which the transaction is made
  std::string state_label;
  Transaction txn;
  std::map<uint64_t, uint64_t> junk;      // PA -> qword value read from memory that was not preserved
  std::map<uint64_t, uint64_t> mix;       // hitless: PA -> the qword value of the mixed state
  std::map<uint64_t, uint64_t> pair_junk; // footprint: other junk at the same words (their values before the kexec)
  std::string expected;                   // what the encoding says the reference gives
  int predicted_code = -1;                // ... as harness/z3 codes: 0 success, 0xFF terminated, else the event type
  uint64_t predicted_pa = 0;
  bool before_kexec = false;              // continuity: also translate before the kexec, which must differ
  std::string violates;                   // what goes wrong, in words
};

struct InvariantResult {
  smmucheck::Invariant invariant;
  bool proved = true;
  bool undecided = false;                 // neither proved nor refuted with a counterexample (see detail)
  double seconds = 0;
  std::string detail;                     // for a refutation: where and why
  std::optional<Counterexample> cex;      // for the Z3 invariants
  int concrete_step = -1;                 // for those read off the concrete run: the plan step that shows it
};

using Progress = std::function<void(const std::string&)>;

std::vector<InvariantResult> prove(const LoadedPlan& plan, const PlanRun& run, const Progress& progress);

}  // namespace smmu::plan
