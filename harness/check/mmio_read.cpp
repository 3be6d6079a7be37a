// The register read checker: a whole value, or named fields of the register.
#include "harness/check/check.h"
#include "harness/check/compare.h"
#include "specs/lookup.h"

namespace smmu::harness {

Mismatches check_mmio_read(const smmucheck::MmioRead& r, uint64_t value) {
  Mismatches m;
  const std::string name = r.reg().empty() ? hex(r.offset()) : r.reg();
  if (r.has_expect_value() && value != r.expect_value()) m.push_back({name, hex(r.expect_value()), hex(value)});
  for (const auto& fv : r.expect_field()) {
    const Field* f = register_field(fv.name(), r.reg());
    if (f && f->get(value) != fv.value()) m.push_back({f->name, hex(fv.value()), hex(f->get(value))});
  }
  return m;
}

// A register read compared field by field where the register has fields in specs/, else as a value.
Differences compare_mmio(uint32_t offset, uint64_t a, uint64_t b, const Features& f) {
  Differences d;
  const uint64_t defined = register_defined_bits(offset, f);
  a &= defined;
  b &= defined;
  if (a == b) return d;
  const Register* r = register_at(offset);
  const std::string name = r ? r->name : hex(offset);
  bool any = false;
  for (const Field& f : regf::kFields) {
    if (!r || !std::string_view(f.name).starts_with(std::string(r->name) + ".")) continue;
    if (f.get(a) != f.get(b)) {
      d.push_back({f.name, "value", "value", hex(f.get(a)), hex(f.get(b))});
      any = true;
    }
  }
  if (!any) d.push_back({name, "value", "value", hex(a), hex(b)});
  return d;
}

// A memory read checker: what the SMMU wrote to memory (MSIs, records).
Mismatches check_mem_read(const smmucheck::MemRead& r, std::optional<uint64_t> value) {
  Mismatches m;
  if (!r.has_expect_value()) return m;
  if (!value) m.push_back({"mem[" + hex(r.addr()) + "]", hex(r.expect_value()), "external abort"});
  else if (*value != r.expect_value()) m.push_back({"mem[" + hex(r.addr()) + "]", hex(r.expect_value()), hex(*value)});
  return m;
}

}  // namespace smmu::harness
