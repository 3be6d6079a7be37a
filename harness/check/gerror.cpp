// The global error checker: which GERROR errors are active (GERROR != GERRORN, §6.3.19, §6.3.20).
#include "harness/check/check.h"
#include "harness/check/compare.h"
#include "specs/lookup.h"

namespace smmu::harness {

Differences compare_gerror(uint32_t a_gerror, uint32_t a_gerrorn, uint32_t b_gerror, uint32_t b_gerrorn) {
  Differences d;
  const uint32_t a = a_gerror ^ a_gerrorn, b = b_gerror ^ b_gerrorn;
  for (const Field& f : regf::kFields) {
    if (!std::string_view(f.name).starts_with("GERROR.")) continue;
    if (f.get(a) != f.get(b))
      d.push_back({f.name, f.get(a) ? "active" : "inactive", f.get(b) ? "active" : "inactive", hex(a), hex(b)});
  }
  return d;
}

}  // namespace smmu::harness
