#include "harness/kexec/ownership.h"

#include <iterator>

namespace smmu::kexec {

const char* owner_name(Owner o) {
  switch (o) {
    case Owner::NotPreserved: return "not preserved";
    case Owner::Preserved: return "preserved";
    case Owner::Reclaimed: return "reclaimed";
  }
  return "?";
}

void Ownership::set(uint64_t base, uint64_t size, Owner o) {
  if (size == 0) return;
  const uint64_t first = base / kPageSize;
  const uint64_t last = (base + size - 1) / kPageSize;  // inclusive: base + size may be 2^64
  const uint64_t end = last + 1;                        // page numbers stay below 2^52
  // Cut the intervals that straddle `first` or `end`, then drop everything inside and insert the new one.
  auto cut = [&](uint64_t at) {
    auto it = intervals_.upper_bound(at);
    if (it == intervals_.begin()) return;
    --it;
    if (it->first < at && it->second.end > at) {
      intervals_[at] = {it->second.end, it->second.owner};
      it->second.end = at;
    }
  };
  cut(first);
  cut(end);
  intervals_.erase(intervals_.lower_bound(first), intervals_.lower_bound(end));
  if (o != Owner::NotPreserved) intervals_[first] = {end, o};
}

Owner Ownership::owner(uint64_t pa) const {
  const uint64_t pfn = pa / kPageSize;
  auto it = intervals_.upper_bound(pfn);
  if (it == intervals_.begin()) return Owner::NotPreserved;
  --it;
  return pfn < it->second.end ? it->second.owner : Owner::NotPreserved;
}

std::vector<Ownership::Extent> Ownership::extents() const {
  std::vector<Extent> out;
  for (const auto& [first, iv] : intervals_) {
    if (!out.empty() && out.back().owner == iv.owner && out.back().base + out.back().size == first * kPageSize)
      out.back().size += (iv.end - first) * kPageSize;
    else
      out.push_back({first * kPageSize, (iv.end - first) * kPageSize, iv.owner});
  }
  return out;
}

std::optional<uint64_t> Ownership::first_page_not(uint64_t base, uint64_t size, Owner o) const {
  if (size == 0) return std::nullopt;
  const uint64_t last = (base + size - 1) / kPageSize;
  for (uint64_t pfn = base / kPageSize;; ) {
    const Owner here = owner(pfn * kPageSize);
    if (here != o) return pfn * kPageSize;
    auto next = intervals_.upper_bound(pfn);
    if (o == Owner::NotPreserved) {
      if (next == intervals_.end()) return std::nullopt;  // no owned page after pfn
      pfn = next->first;                                  // the next owned interval
    } else {
      pfn = std::prev(next)->second.end;                  // the end of the interval holding pfn
    }
    if (pfn > last) return std::nullopt;
  }
}

}  // namespace smmu::kexec
