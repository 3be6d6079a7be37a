// The live-update containment checker (ARCHITECTURE.md invariants 6 and 7, checked concretely by the
// runner after a kexec): a step causes exactly the violations it expects, none when it expects nothing.
#include <fmt/format.h>

#include "harness/check/check.h"

namespace smmu::harness {

Mismatches check_violations(const smmucheck::Step& s, const StepObservation& obs) {
  Mismatches m;
  const auto& expected = s.expect_violations().kind();  // empty without the field
  for (size_t i = 0; i < std::max<size_t>(obs.violations.size(), size_t(expected.size())); ++i) {
    const std::string want = i < size_t(expected.size()) ? expected[int(i)] : "none";
    if (i >= obs.violations.size()) {
      m.push_back({fmt::format("violation[{}]", i), want, "none"});
      continue;
    }
    const kexec::Violation& v = obs.violations[i];
    if (want != kexec::violation_kind_name(v.kind)) m.push_back({fmt::format("violation[{}]", i), want, v.message});
  }
  return m;
}

}  // namespace smmu::harness
