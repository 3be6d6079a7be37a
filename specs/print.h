// Printers driven by the field tables: a structure's fields by name, an event record with the fields
// its type carries.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "specs/layout.h"
#include "specs/model.h"

namespace smmu {

// "Name=0x.. Name=0x.." for every field (or only the non-zero ones) of a structure.
std::string format_fields(std::span<const Field> fields, std::span<const uint64_t> words,
                          bool nonzero_only = true);
std::string format_event(const EventRecord& e);
// "CMD_CFGI_STE StreamID=0x5 Leaf=1": the opcode and the non-zero fields that command carries.
std::string format_command(const std::array<uint64_t, 2>& c);
std::string format_outcome(const Outcome& o);

}  // namespace smmu
