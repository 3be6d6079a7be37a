// Updating a live STE or CD 64 bits at a time, and checking that the update is hitless (ARCHITECTURE.md,
// invariant 4): every entry the SMMU can observe between two completed invalidations equals, on the bits
// that entry's own configuration uses, the old or the new entry.
//
// What the SMMU can observe (§3.21.3): it may fetch an entry at any time, read its qwords in any order and
// cache it in part, until a CMD_CFGI_STE/CMD_CFGI_CD covering it has been followed by a completed CMD_SYNC.
// Writes of aligned 64-bit qwords are single-copy atomic (§3.21.3). So while a group of qword writes is in
// flight, each qword may hold any value it has had since the last completed invalidation: the states are
// every per-qword mix of the entry before the group and the values the group writes.
//
// The writer (§3.21.3.1, "If software modifies the structure while it is valid, it must not allow the
// structure to enter an invalid intermediate state"):
//   1. write, in every qword, the bits the old entry does not use to their new values; CFGI, CMD_SYNC.
//      Every mix agrees with the old entry on the bits it uses, so it is the old configuration.
//   2. if the new entry's used bits now differ from memory in at most one qword (the critical qword),
//      write that qword; CFGI, CMD_SYNC. The SMMU sees the step-1 entry or one that agrees with the new
//      entry on every bit the new entry uses.
//   3. write the remaining qwords (only bits the new entry does not use differ); CFGI, CMD_SYNC.
// Otherwise no sequence of single qword writes stays hitless, and the writer breaks before make with the
// §3.21.3.1 procedures: V = 0 (CFGI, SYNC), every other bit (CFGI, SYNC), V = 1 (CFGI, SYNC); or, for an
// STE, the same through an abort STE (Config = 0b000 in place of V = 0). Empty groups are skipped, so the
// writer uses 0 to 3 syncs either way.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/driver/used_bits.h"
#include "harness/scenario/scenario.pb.h"

namespace smmu::driver {

struct QwordWrite {
  unsigned qword;
  uint64_t value;
};
// The writes of one group, which the writer follows with CMD_CFGI_STE or CMD_CFGI_CD (Leaf = 1) and CMD_SYNC.
using WriteGroup = std::vector<QwordWrite>;

struct WritePlan {
  std::vector<WriteGroup> groups;  // one CFGI + CMD_SYNC after each
  bool breaking = false;           // passes through V = 0: no hitless sequence exists
  // The qwords whose used bits still differ after step 1: one is the critical qword written alone in
  // step 2; two or more make the update breaking.
  std::vector<unsigned> critical_qwords;
  unsigned syncs() const { return static_cast<unsigned>(groups.size()); }
};

// How a breaking update blocks traffic meanwhile: through V = 0 (§3.21.3.1; transactions record C_BAD_STE or
// C_BAD_CD), or, for an STE, through an abort STE (V = 1, Config = 0b000: aborted without an event, §5.2
// Config), which a handover plan may prefer so that a device's retries do not fill the event queue.
enum class BreakVia : uint8_t { Invalid, Abort };

WritePlan plan_entry_update(EntryKind kind, const Words8& old_entry, const Words8& new_entry, const UsedContext& ctx,
                            BreakVia via = BreakVia::Invalid);

// ---- The checker: every observable state of a sequence of write groups ----

enum class Verdict : uint8_t {
  Hitless,     // every observable entry is the old or the new one on the bits it uses
  Breaking,    // some observable entries block traffic (V = 0, or an abort STE), the rest are old or new
  NotHitless,  // some observable entry is neither, and lets traffic through: a translation neither meant
};
const char* verdict_name(Verdict v);  // "hitless", "breaking", "not hitless"

struct ObservedState {
  unsigned group = 0;   // the sync interval: while group `group` is written and not yet synchronized
  Words8 entry{};
  // Where each qword's value comes from: -1 the entry before the group, j >= 0 the group's write j.
  std::array<int, 8> source{};
  Words8 used{};         // used_bits(entry)
  Words8 differs_old{};  // used bits where the entry differs from the old entry
  Words8 differs_new{};  // used bits where it differs from the new entry
  Words8 differs_both() const {
    Words8 b{};
    for (unsigned q = 0; q < 8; ++q) b[q] = differs_old[q] & differs_new[q];
    return b;
  }
};

struct HitlessReport {
  Verdict verdict = Verdict::Hitless;
  unsigned syncs = 0;
  uint64_t states = 0;               // observable states enumerated
  bool reaches_new = true;           // memory holds the new entry after the last group
  std::optional<ObservedState> first_bad;       // the first state that is neither (NotHitless)
  std::optional<ObservedState> first_blocking;  // the first state that blocks traffic (Breaking)
  std::string error;                 // a sequence that could not be checked (too many states)
  bool ok() const { return verdict == Verdict::Hitless && reaches_new && error.empty(); }
};

// Enumerates every per-qword mix within each sync interval. At most `max_states` states are enumerated in
// one interval; past that the report carries an error rather than a verdict.
// `visit`, when given, sees every observable state with its verdict (Hitless: the old or the new entry on
// the bits it uses; Breaking: blocks traffic; NotHitless: neither), e.g. to replay it in a model.
using StateVisitor = std::function<void(const ObservedState&, Verdict)>;
HitlessReport check_hitless(EntryKind kind, const Words8& old_entry, const Words8& new_entry,
                            const std::vector<WriteGroup>& groups, const UsedContext& ctx,
                            uint64_t max_states = uint64_t{1} << 20, const StateVisitor& visit = nullptr);

// ---- The driver-library hook ----

// The configuration invalidation of an entry: CMD_CFGI_STE (StreamID, Leaf = 1, §4.3.1; it also invalidates
// every CD cached through that StreamID) or CMD_CFGI_CD (StreamID, SubstreamID, Leaf = 1, §4.3.3). Neither
// touches TLBs (§4.3.1 Note): a rewrite that changes a translation (new tables, VMID or ASID) still needs the
// caller's TLB invalidation before anything relies on it; the writer only keeps the configuration hitless.
std::array<uint64_t, 2> cfgi_for(EntryKind kind, uint32_t sid, uint32_t ssid);

// The writer's sequence as scenario steps: per group, one mem_write step per qword at entry_pa + 8 * q, then
// one commands step with the CFGI and CMD_SYNC.
std::vector<smmucheck::Step> rewrite_entry(EntryKind kind, uint64_t entry_pa, uint32_t sid, uint32_t ssid,
                                           const Words8& old_entry, const Words8& new_entry, const UsedContext& ctx,
                                           BreakVia via = BreakVia::Invalid);
std::vector<smmucheck::Step> plan_steps(EntryKind kind, uint64_t entry_pa, uint32_t sid, uint32_t ssid,
                                        const WritePlan& plan);

}  // namespace smmu::driver
