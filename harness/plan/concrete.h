// The concrete checker of a handover plan: the invariants of ARCHITECTURE.md "Live update" judged on one
// concrete run (harness/plan/plan.h run_plan: the kexec scrambled every page not preserved from its seed),
// with no solver. It is what the kexec fuzzer asks of every random plan, and what a shipped plan that `prove`
// proves must never contradict, whatever the seed: a proof about the wrong model, or a checker bug, would
// show here.
//  * continuity, footprint, DMA containment: each surviving stream's DMAs of the plan, translated by the
//    reference at every state after the kexec and at sampled per-qword mixes of each write group (§3.21.3):
//    the translation of before the kexec (or a fault in a breaking step), table reads only in preserved
//    memory or what software wrote since, and output only in preserved memory not reclaimed;
//  * isolation: StreamIDs the stream table can name (all of a small table, a sample of a large one), other
//    than the surviving ones, at the plan's addresses: never a successful translation;
//  * hitless: the used-bits checker on each STE/CD rewrite, and each sampled mix translates as the state
//    before its group or the state after it;
//  * legal programming and caching: what the run recorded; write containment: a state in which the event
//    queue or an MSI points where the SMMU must not write, and what it did write (the runner's check).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/plan/plan.h"

namespace smmu::plan {

struct ConcreteOptions {
  uint64_t seed = 1;                 // which mixes and StreamIDs are sampled
  unsigned mixes = 16;               // sampled mixes per write group beyond all-old and all-new (all, if fewer)
  unsigned isolation_sids = 256;     // StreamIDs tried per state (all of a table this small)
};

struct ConcreteVerdict {
  smmucheck::Invariant invariant;
  std::optional<std::string> violation;  // the first one seen, in words
};

// One verdict per invariant, in the order of smmucheck::Invariant.
std::vector<ConcreteVerdict> check_concretely(const LoadedPlan& p, const PlanRun& run, const ConcreteOptions& o = {});

}  // namespace smmu::plan
