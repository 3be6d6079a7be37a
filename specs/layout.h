// Field layouts of the SMMUv3's in-memory structures, commands, events and registers, generated from the
// X-macro tables in specs/fields/. This header is the only place a bit position is written in code: the
// reference model, the optimized model, the harness and the Z3 encoder all read these tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace smmu {

// One field of a structure: bits [hi:lo] of 64-bit word `qword`, defined in spec section `section`.
struct Field {
  const char* name;
  uint8_t qword;
  uint8_t hi;
  uint8_t lo;
  const char* section;

  constexpr unsigned width() const { return hi - lo + 1u; }
  constexpr uint64_t mask() const { return width() >= 64 ? ~0ull : ((1ull << width()) - 1); }
  constexpr uint64_t mask_in_place() const { return mask() << lo; }
  // The field's value, shifted down to bit 0.
  constexpr uint64_t get(uint64_t word) const { return (word >> lo) & mask(); }
  // The field's bits left where they are (for address fields such as S1ContextPtr[55:6]).
  constexpr uint64_t in_place(uint64_t word) const { return word & mask_in_place(); }
  constexpr void set(uint64_t& word, uint64_t value) const {
    word = (word & ~mask_in_place()) | ((value & mask()) << lo);
  }
  constexpr uint64_t get(std::span<const uint64_t> words) const {
    return qword < words.size() ? get(words[qword]) : 0;
  }
  constexpr uint64_t in_place(std::span<const uint64_t> words) const {
    return qword < words.size() ? in_place(words[qword]) : 0;
  }
  constexpr void set(std::span<uint64_t> words, uint64_t value) const {
    if (qword < words.size()) set(words[qword], value);
  }
};


// Each structure gets a namespace with one constexpr Field per row and kFields listing them all.
#define FIELD(name, q, hi, lo, sec) inline constexpr Field name{#name, q, hi, lo, sec};

namespace ste {
inline constexpr unsigned kQwords = 8;  // §5.2: 64 bytes
#include "specs/fields/ste.def"
}  // namespace ste
namespace cd {
inline constexpr unsigned kQwords = 8;  // §5.4: 64 bytes
#include "specs/fields/cd.def"
}  // namespace cd
namespace l1std {
inline constexpr unsigned kQwords = 1;  // §5.1
#include "specs/fields/l1std.def"
}  // namespace l1std
namespace l1cd {
inline constexpr unsigned kQwords = 1;  // §5.3
#include "specs/fields/l1cd.def"
}  // namespace l1cd
namespace s1desc {
#include "specs/fields/s1_desc.def"
}  // namespace s1desc
namespace s2desc {
#include "specs/fields/s2_desc.def"
}  // namespace s2desc
namespace event {
inline constexpr unsigned kQwords = 4;  // §7.3: 32 bytes
#include "specs/fields/event.def"
}  // namespace event
namespace cmd {
inline constexpr unsigned kQwords = 2;  // §4.1: 16 bytes
#include "specs/fields/cmd.def"
}  // namespace cmd
#undef FIELD

#define REGFIELD(reg, name, hi, lo, sec) inline constexpr Field reg##_##name{#reg "." #name, 0, hi, lo, sec};
namespace regf {
#include "specs/fields/reg_fields.def"
}  // namespace regf
#undef REGFIELD
#define REGFIELD(reg, name, hi, lo, sec) reg##_##name,
namespace regf {
inline constexpr Field kFields[] = {
#include "specs/fields/reg_fields.def"
};
}  // namespace regf
#undef REGFIELD

// Tables of every field, for printers, checkers and the Z3 encoder.
#define FIELD(name, q, hi, lo, sec) name,
namespace ste { inline constexpr Field kFields[] = {
#include "specs/fields/ste.def"
}; }
namespace cd { inline constexpr Field kFields[] = {
#include "specs/fields/cd.def"
}; }
namespace l1std { inline constexpr Field kFields[] = {
#include "specs/fields/l1std.def"
}; }
namespace l1cd { inline constexpr Field kFields[] = {
#include "specs/fields/l1cd.def"
}; }
namespace s1desc { inline constexpr Field kFields[] = {
#include "specs/fields/s1_desc.def"
}; }
namespace s2desc { inline constexpr Field kFields[] = {
#include "specs/fields/s2_desc.def"
}; }
namespace event { inline constexpr Field kFields[] = {
#include "specs/fields/event.def"
}; }
namespace cmd { inline constexpr Field kFields[] = {
#include "specs/fields/cmd.def"
}; }
#undef FIELD

// Register offsets (§6.2).
struct Register {
  const char* name;
  uint32_t offset;
  uint8_t bits;
  const char* section;
};
namespace reg {
#define REG(name, off, bits, sec) inline constexpr Register name{#name, off, bits, sec};
#include "specs/fields/registers.def"
#undef REG
#define REG(name, off, bits, sec) name,
inline constexpr Register kRegisters[] = {
#include "specs/fields/registers.def"
};
#undef REG
inline constexpr uint32_t kPage1 = 0x10000;  // §6.1: page 1 follows page 0
}  // namespace reg

// Event types (§7.3) with the fields each record carries.
namespace event {
enum FieldBit : uint32_t {
#define FIELD(name, q, hi, lo, sec) bit_##name,
#include "specs/fields/event.def"
#undef FIELD
};
}  // namespace event
enum class EventType : uint8_t {
#define EVENT(name, code, sec, fields) name = code,
#include "specs/fields/event_types.def"
#undef EVENT
};
struct EventTypeInfo {
  EventType type;
  const char* name;
  const char* section;
  uint32_t fields;  // bit event::bit_X set when the record carries field X
};
#define E(x) (1u << event::bit_##x)
inline constexpr EventTypeInfo kEventTypes[] = {
#define EVENT(name, code, sec, fields) {EventType::name, #name, sec, fields},
#include "specs/fields/event_types.def"
#undef EVENT
};
#undef E
const EventTypeInfo* event_type_info(uint8_t code);  // nullptr for a reserved code
// The fields of a record (bits event::bit_X) whose values the architecture defines, given the record's
// own fields (§7.3): SubstreamID only with SSV = 1, IPA only for stage-2 faults (S2 = 1), TTRnW only for
// F_PERMISSION with CLASS = TT, STAG only with Stall = 1; Reason is IMPLEMENTATION DEFINED and never is.
uint32_t event_defined_fields(std::span<const uint64_t> record);
const char* event_type_name(uint8_t code);           // "EVENT_0xNN" for a reserved code

// Command opcodes (§4.1.1) and command errors (§7.1).
enum class Opcode : uint8_t {
#define OPCODE(name, value, sec, fields) name = value,
#include "specs/fields/cmd_opcodes.def"
#undef OPCODE
};
namespace cmd {
enum FieldBit : uint32_t {
#define FIELD(name, q, hi, lo, sec) bit_##name,
#include "specs/fields/cmd.def"
#undef FIELD
};
}  // namespace cmd
struct OpcodeInfo {
  Opcode opcode;
  const char* name;
  const char* section;
  uint32_t fields;  // bit cmd::bit_X set when the command carries field X
};
#define C(x) (1u << cmd::bit_##x)
inline constexpr OpcodeInfo kOpcodes[] = {
#define OPCODE(name, value, sec, fields) {Opcode::name, #name, sec, fields},
#include "specs/fields/cmd_opcodes.def"
#undef OPCODE
};
#undef C
const OpcodeInfo* opcode_info(uint8_t opcode);  // nullptr for a reserved opcode
const char* opcode_name(uint8_t opcode);        // nullptr for a reserved opcode
enum class CError : uint8_t {
#define CERROR(name, code, sec) name = code,
#include "specs/fields/cerror.def"
#undef CERROR
};
const char* cerror_name(uint8_t code);

}  // namespace smmu
