// The codec's generators: each reads a few bytes and emits steps through the builder. Driver-level
// generators (generators.cpp) build valid configurations and aim DMA at what is mapped; noise generators
// (noise.cpp) break synchronization and table contents in controlled ways, the way real driver bugs do.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "fuzzers/builder.h"
#include "fuzzers/wire.h"
#include "specs/layout.h"

namespace smmu::fuzz {

enum class Generator : uint8_t {
  DmaMapped, DmaBurst, DmaStray, Map, Unmap, Domain, Attach, Detach,                // generators.cpp
  Flip, Stale, Invalidate, OddCommand, OddRegister, RegisterRead, MemoryRead,      // noise.cpp
  kCount
};

void run_generator(Generator g, ByteReader& r, ScenarioBuilder& b);
void run_noise(Generator g, ByteReader& r, ScenarioBuilder& b);  // the noise generators (noise.cpp)

// --- shared by the generators ---

using FieldSet = std::initializer_list<std::pair<const Field*, uint64_t>>;
// A named command (readable in a reproducer); values are masked to their fields.
smmucheck::Command make_command(Opcode op, FieldSet fields = {});
// Emits commands (in steps no larger than the queue), first re-enabling and recovering the command
// queue the way a driver would when the builder believes it stopped. `sync` appends a CMD_SYNC.
void emit_commands(ScenarioBuilder& b, std::vector<smmucheck::Command> cmds, bool sync = true);
// A driver's recovery from a stopped command queue (§7.1): overwrite the command at CONS with a
// CMD_SYNC and acknowledge CMDQ_ERR through GERRORN.
void emit_recovery(ScenarioBuilder& b);
// Before a driver operation that issues commands: CMDQEN set, and a stopped queue recovered.
void ready_command_queue(ScenarioBuilder& b);
void emit_mem_write(ScenarioBuilder& b, uint64_t pa, uint64_t value);
void emit_register_write(ScenarioBuilder& b, const char* reg, uint64_t value);
void emit_dma(ScenarioBuilder& b, uint32_t sid, std::optional<uint32_t> ssid, uint64_t addr, uint8_t access_bits);

// Makes progress toward a stream attached to a domain with a live mapping (init, domain, map, attach:
// one step of that chain). Returns true when there is one already.
bool ensure_mapped_stream(ByteReader& r, ScenarioBuilder& b);

// A (StreamID, SubstreamID, domain) whose domain has live mappings.
struct Target {
  uint32_t sid = 0;
  std::optional<uint32_t> ssid;
  uint32_t domain = 0;
};
std::vector<Target> mapped_targets(const Tracked& t);
std::vector<const MappingInfo*> live_mappings(const Tracked& t, std::optional<uint32_t> domain = std::nullopt);

// The invalidation a correct driver issues after changing `what` (an STE, a CD or a descriptor).
enum class Changed { Ste, Cd, Descriptor };
std::vector<smmucheck::Command> precise_invalidation(const Tracked& t, Changed what, const WordRef& ref);
std::vector<smmucheck::Command> big_hammer(const Tracked& t);

}  // namespace smmu::fuzz
