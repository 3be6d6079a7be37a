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
std::string format_outcome(const Outcome& o);

}  // namespace smmu
