// Name lookups over the field tables, for scenario files, printers and checkers: registers, register
// fields, command fields and opcodes, event fields and types, command errors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "specs/feature_set.h"
#include "specs/layout.h"

namespace smmu {

const Register* register_by_name(std::string_view name);
const Register* register_at(uint32_t offset);
// "CR0.SMMUEN", or "SMMUEN" within register `reg` ("" when the name is qualified).
const Field* register_field(std::string_view name, std::string_view reg = "");
const Field* field_by_name(std::span<const Field> table, std::string_view name);
std::optional<uint8_t> opcode_by_name(std::string_view name);     // "CMD_SYNC" or "SYNC"
std::optional<uint8_t> event_type_by_name(std::string_view name);  // "F_TRANSLATION"
std::optional<uint8_t> cerror_by_name(std::string_view name);      // "CERROR_ILL"

// The bits of a register read whose value the architecture defines for a model with features `f`: a
// conditional mask, like event_defined_fields(), so checkers do not compare IMPLEMENTATION SPECIFIC or
// UNKNOWN bits (§6.3.14 GBPA: the override fields an SMMU without IDR1.ATTR_*_OVR fixes as Use incoming
// read as zero or as written, and MemAttr as UNKNOWN: GBPA_FIXED_FIELDS_READ).
uint64_t register_defined_bits(uint32_t offset, const Features& f);
}  // namespace smmu
