#include "specs/lookup.h"

namespace smmu {

const Register* register_by_name(std::string_view name) {
  for (const Register& r : reg::kRegisters)
    if (name == r.name) return &r;
  return nullptr;
}

const Register* register_at(uint32_t offset) {
  for (const Register& r : reg::kRegisters)
    if (r.offset == offset) return &r;
  return nullptr;
}

const Field* field_by_name(std::span<const Field> table, std::string_view name) {
  for (const Field& f : table)
    if (name == f.name) return &f;
  return nullptr;
}

const Field* register_field(std::string_view name, std::string_view reg) {
  // The acknowledge registers mirror the fields of what they acknowledge (§6.3.10, §6.3.18).
  if (reg == "CR0ACK") reg = "CR0";
  if (reg == "IRQ_CTRLACK") reg = "IRQ_CTRL";
  if (name.find('.') == std::string_view::npos && !reg.empty()) {
    for (const Field& f : regf::kFields) {
      std::string_view full = f.name;
      if (full.size() == reg.size() + 1 + name.size() && full.starts_with(reg) && full[reg.size()] == '.' &&
          full.ends_with(name))
        return &f;
    }
    // Queue registers share the QUEUE_BASE and IRQ_CFGn layouts (looked up once: no further fallback).
    if (reg.ends_with("_BASE") && reg != "STRTAB_BASE" && reg != "QUEUE_BASE") return register_field(name, "QUEUE_BASE");
    for (std::string_view cfg : {"IRQ_CFG0", "IRQ_CFG1", "IRQ_CFG2"})
      if (reg.ends_with(cfg) && reg != cfg) return register_field(name, cfg);
    return nullptr;
  }
  return field_by_name(regf::kFields, name);
}

std::optional<uint8_t> opcode_by_name(std::string_view name) {
  for (unsigned op = 0; op < 256; ++op) {
    const char* n = opcode_name(static_cast<uint8_t>(op));
    if (!n) continue;
    std::string_view full = n;
    if (full == name || full.substr(4) == name) return static_cast<uint8_t>(op);
  }
  return std::nullopt;
}

std::optional<uint8_t> event_type_by_name(std::string_view name) {
  for (const EventTypeInfo& e : kEventTypes)
    if (name == e.name) return static_cast<uint8_t>(e.type);
  return std::nullopt;
}

std::optional<uint8_t> cerror_by_name(std::string_view name) {
  for (unsigned c = 0; c < 128; ++c)
    if (name == cerror_name(static_cast<uint8_t>(c))) return static_cast<uint8_t>(c);
  return std::nullopt;
}

}  // namespace smmu

namespace smmu {

uint64_t register_defined_bits(uint32_t offset, const Features& f) {
  uint64_t bits = ~uint64_t{0};
  if (offset == reg::GBPA.offset) {
    if (!f.attr_types_ovr)
      for (const Field* x : {&regf::GBPA_MemAttr, &regf::GBPA_MTCFG, &regf::GBPA_SHCFG, &regf::GBPA_ALLOCCFG})
        bits &= ~x->mask_in_place();
    if (!f.attr_perms_ovr)
      for (const Field* x : {&regf::GBPA_PRIVCFG, &regf::GBPA_INSTCFG}) bits &= ~x->mask_in_place();
  }
  return bits;
}

}  // namespace smmu
