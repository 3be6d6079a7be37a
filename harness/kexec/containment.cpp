#include "harness/kexec/containment.h"

#include <fmt/format.h>

namespace smmu::kexec {

const char* violation_kind_name(Violation::Kind k) {
  return k == Violation::Kind::WriteContainment ? "write_containment" : "dma_containment";
}

const std::string* WriteTargets::find(uint64_t pa) const {
  for (const Range& r : ranges_)
    if (pa - r.base < r.size) return &r.what;
  return nullptr;
}

void Containment::smmu_write(uint64_t pa, unsigned size, const std::function<std::string()>& what,
                             std::vector<Violation>& out) const {
  if (!after_kexec) return;
  for (uint64_t a : {pa, pa + size - 1}) {  // a write of at most 8 bytes touches one or two pages
    const Owner o = ownership.owner(a);
    if (o == Owner::Preserved || repointed.find(a)) continue;
    const std::string source = what();
    if (!out.empty() && out.back().kind == Violation::Kind::WriteContainment && out.back().source == source &&
        (out.back().pa & ~uint64_t{31}) == (a & ~uint64_t{31}))
      return;  // the rest of the same record
    out.push_back({Violation::Kind::WriteContainment, a, source,
                   fmt::format("write containment: the SMMU wrote {} at {:#x}, in a page that is {} and that the new "
                               "kernel did not point it at after the kexec",
                               source, pa, owner_name(o))});
    return;
  }
}

void Containment::dma_output(uint32_t sid, uint64_t pa, std::vector<Violation>& out) const {
  if (!after_kexec || !preserved_streams.count(sid)) return;
  const Owner o = ownership.owner(pa);
  if (o == Owner::Preserved) return;
  out.push_back({Violation::Kind::DmaContainment, pa, "",
                 fmt::format("DMA containment: preserved stream {:#x} reached {:#x}, in a page that is {}", sid, pa,
                             owner_name(o))});
}

}  // namespace smmu::kexec
