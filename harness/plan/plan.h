// Handover plans (ARCHITECTURE.md "Live update"): reading a plan file and running it, as one interpreter
// that the concrete simulation and the Z3 checker (`smmucheck prove`) share. A plan is data
// (harness/scenario/scenario.proto, message Plan; specs/plans/*.textproto): no plan is hand-coded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/kexec/containment.h"
#include "harness/scenario/load.h"
#include "harness/sparse_memory.h"
#include "reference/registers.h"
#include "specs/model.h"

namespace smmu::plan {

struct LoadedPlan {
  smmucheck::Plan msg;
  harness::LoadedScenario scenario;  // the plan's features and steps, as a scenario the runner can run
  int kexec_step = -1;               // index of the one kexec step
};

// Reads and checks a plan: text format, every step as a scenario's, exactly one kexec step, step indices in
// range, each invariant expected at most once. Errors name the file, the line and the field.
std::optional<LoadedPlan> load_plan(const std::string& path, std::vector<harness::InputError>& errors);
std::optional<LoadedPlan> parse_plan(std::string_view text, const std::string& path,
                                     std::vector<harness::InputError>& errors);
// The seed the kexec step scrambles memory with.
void set_kexec_seed(LoadedPlan& p, uint64_t seed);

// What the SMMU can observe at one point of the plan: its registers and all of memory.
struct State {
  int step = -1;          // the plan step after which (or, for a write group, during which) this holds
  std::string label;      // "before the kexec", "after step 12 (commands)", ...
  ref::Registers regs;
  harness::SparseMemory mem;
  std::set<uint64_t> written;  // qword indices (PA >> 3) software wrote since the kexec: known, not junk
};

// The qwords software wrote between two completed CMD_SYNCs: any mix of their old and new values is a state
// the SMMU may observe (§3.21.3: it may read a structure's qwords in any order and cache it in part).
struct WriteGroup {
  int step = -1;  // the plan step whose CMD_SYNC ends the group (or the last step)
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> words;  // qword address -> (value before, value after)
  State before;                                              // the state when the group began
};

// A register write and whether the architecture allows it in the state it met (legal programming).
struct IllegalWrite {
  int step;
  std::string what;   // "STRTAB_BASE written while CR0.SMMUEN = 1 (§6.3.24: ...)"
  uint32_t offset;    // the register written
  std::string guard;  // the CR0ACK field that was 1 ("SMMUEN", "CMDQEN", "EVENTQEN")
};

// A DMA the plan's traffic made after the kexec whose footprint holds a word not covered by a completed
// invalidation (the caching obligation).
struct UncoveredUse {
  int step;
  uint32_t sid;
  uint64_t addr;
  uint64_t word;  // the address of the uncovered word
};

// The plan run on the reference model, with what the checker needs.
struct PlanRun {
  Features features;
  std::set<uint64_t> preserved;                 // 4KB page numbers handed over at the kexec
  std::map<uint64_t, int> reclaimed;            // page -> the step after which the new kernel owns it
  State at_kexec;                               // the state the kexec found (the old kernel's last)
  std::vector<State> after;                     // the states after the kexec: the kexec's own, then one per step
                                                // that changed registers or memory and ended with no write pending
  std::vector<WriteGroup> groups;               // the new kernel's write groups
  std::vector<IllegalWrite> illegal;
  std::vector<UncoveredUse> uncovered;
  std::vector<std::pair<int, kexec::Violation>> violations;  // what the runner's containment checks saw, by step
  std::vector<std::string> sim_problems;        // what the concrete simulation itself saw go wrong
};

// Runs the plan on the reference model. The kexec step scrambles every page not preserved (from its seed)
// so the concrete run meets junk as a real kexec would; the states record the memory as the simulation saw
// it, and the checker replaces the pages not preserved by symbolic junk. Throws std::runtime_error for a
// plan step that cannot be carried out.
PlanRun run_plan(const LoadedPlan& p);

// The plan as the scenario the simulator ran: its steps, with the preservation (owner steps for the pages
// preserved, preserved_stream steps) just before the kexec and each reclaim after its step. Any model, and the
// differential runner, can run it.
// With `last_step`, only the plan's steps up to it.
harness::LoadedScenario concrete_scenario(const LoadedPlan& p, const PlanRun& run, int last_step = -1);

const char* invariant_name(smmucheck::Invariant i);

}  // namespace smmu::plan
