// What the handover checks need that no solver does, shared by `smmucheck prove` (prove.h) and the concrete
// checker (concrete.h): which pages are kept at a step, the plan's traffic per surviving stream, a reference
// translation at a recorded state, the used-bits judgement of an STE or CD rewrite, and the verdicts read off
// the concrete run (legal programming, where the SMMU may write, the caching obligation).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/driver/hitless.h"
#include "harness/plan/plan.h"

namespace smmu::plan {

// Preserved pages that the new kernel has not taken back by the time of `step`.
std::set<uint64_t> kept_at(const PlanRun& run, int step);
// Whether the plan marks `step` as one during which stream `s` may fault.
bool breaking(const smmucheck::PlanStream& s, int step);

// The surviving stream's DMAs in the plan's traffic (address and access), in order; a read at 0 if it has none.
std::vector<Transaction> stream_dmas(const LoadedPlan& p, const smmucheck::PlanStream& s);
inline Transaction plan_dma(const LoadedPlan& p, const smmucheck::PlanStream& s) { return stream_dmas(p, s).front(); }

// `t` translated by the reference at `st` (on a copy of its memory, with the words of `overrides` written
// first), and the table words it read.
struct ConcreteRun {
  Outcome outcome;
  std::vector<TableRead> reads;
};
ConcreteRun translate_at(const Features& f, const State& st, const Transaction& t,
                         const std::map<uint64_t, uint64_t>& overrides = {});

// The words that decide StreamID `sid`'s translation before any CD or table is read: its L1 descriptor (a
// 2-level table, §3.3.2, §5.1) and its STE, by address; nullopt when the StreamID is beyond the table.
std::optional<std::vector<uint64_t>> ste_words(const State& st, uint32_t sid);

// A rewrite of a surviving stream's STE or CD within one write group: the used-bits checker of the hitless
// writer (harness/driver/hitless.h) judges every per-qword mix of the entry (§3.21.3).
struct EntryRewrites {
  bool touched = false;                // the group wrote the STE or CD the stream's translation reads
  std::optional<std::string> broken;   // the first rewrite that is not hitless, and a state that shows it
  uint64_t base = 0;                   // that entry's address
  std::map<uint64_t, uint64_t> mix;    // that state: the entry's qwords (PA -> value)
  double seconds = 0;
};
EntryRewrites check_entry_rewrites(const LoadedPlan& p, const PlanRun& run, const WriteGroup& g,
                                   const smmucheck::PlanStream& s);

// Write containment, read off the states: while the event queue is enabled and still where the old kernel put
// it, or an MSI is enabled at an address the old kernel set, every page the SMMU may write must be preserved
// and not reclaimed. The first state where it is not.
// What the concrete run shows against an invariant: the plan step, in words.
struct Finding {
  int step = -1;
  std::string what;
};
std::optional<Finding> write_exposure(const PlanRun& run);
// Legal programming and the caching obligation, from what the run recorded.
std::optional<Finding> first_illegal_write(const PlanRun& run);
std::optional<Finding> first_uncovered_use(const PlanRun& run);

}  // namespace smmu::plan
