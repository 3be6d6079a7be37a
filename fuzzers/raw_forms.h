// The raw forms of the codec: each step kind, the features, the initial memory and the abort ranges with
// every field carried verbatim. Names are indices into the field tables of specs/ (so every decoded name
// exists); values are masked to their field's width (so every decoded value fits). The writer is the
// inverse of the reader on everything the reader can produce.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fuzzers/wire.h"
#include "harness/scenario/scenario.pb.h"

namespace smmu::fuzz {

enum class RawKind : uint8_t { MmioWrite, MmioRead, MemWrite, MemRead, Commands, Dma, Init, Domain, Attach, Map, Unmap, Detach, kCount };

smmucheck::Step read_raw_step(RawKind kind, ByteReader& r);
// Writes the operands of `s`'s raw form and returns its kind, or nullopt with the reason.
std::optional<RawKind> write_raw_step(const smmucheck::Step& s, ByteWriter& w, std::string& why);

void read_raw_features(ByteReader& r, smmucheck::Features& f);
bool write_raw_features(const smmucheck::Features& f, ByteWriter& w, std::string& why);

// Initial memory and abort ranges.
void read_raw_memory(ByteReader& r, smmucheck::Scenario& s);
bool write_raw_memory(const smmucheck::Scenario& s, ByteWriter& w, std::string& why);

// A single command in raw form (also used by the generators).
void read_raw_command(ByteReader& r, smmucheck::Command& c);

}  // namespace smmu::fuzz
