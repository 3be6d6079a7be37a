#include "harness/kexec/scramble.h"

#include <algorithm>

#include "specs/layout.h"

namespace smmu::kexec {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// An address near `pa`: in the same 1 GiB, page-aligned, so that a junk table pointer lands in memory that
// is itself scrambled junk (or in preserved tables nearby).
uint64_t near(uint64_t pa, uint64_t h) { return (pa & ~uint64_t{0x3FFF'FFFF}) | (h & 0x3FFF'F000); }

}  // namespace

uint64_t junk_word(uint64_t seed, uint64_t pa) {
  const uint64_t h = mix(seed ^ mix(pa));
  const uint64_t r = mix(h);
  // One word in four is raw noise, one in eight zero; the rest look like a structure some walk may read
  // there (the shapes come from the field tables; the other bits are noise or zero).
  switch (h >> 60) {
    case 0: case 1: case 2: case 3: return r;
    case 4: case 5: return 0;
    case 6: case 7: {  // a stage-1 or stage-2 table or page descriptor (Arm ARM D8.3): valid, type 1, AF
      uint64_t d = r & 0x0060'0000'0000'0FFCull;
      s1desc::Valid.set(d, 1);
      s1desc::Type.set(d, 1);
      s1desc::AF.set(d, 1);
      s1desc::Address.set(d, near(pa, r) >> 12);
      return d;
    }
    case 8: {  // a block descriptor (type 0)
      uint64_t d = r & 0x0060'0000'0000'0FFCull;
      s1desc::Valid.set(d, 1);
      s1desc::AF.set(d, 1);
      s1desc::Address.set(d, (near(pa, r) & ~uint64_t{0x1F'FFFF}) >> 12);
      return d;
    }
    case 9: case 10: {  // STE word 0 (§5.2): V = 1, Config translating or bypass, context pointer nearby
      uint64_t d = 0;
      ste::V.set(d, 1);
      ste::Config.set(d, 0b100 | (r & 3));
      ste::S1ContextPtr.set(d, near(pa, r) >> 6);
      return d;
    }
    case 11: {  // an L1 stream table descriptor (§5.1): Span 1..11, L2Ptr nearby
      uint64_t d = 0;
      l1std::Span.set(d, 1 + r % 11);
      l1std::L2Ptr.set(d, near(pa, r) >> 6);
      return d;
    }
    case 12: {  // an L1 CD descriptor (§5.3)
      uint64_t d = 0;
      l1cd::V.set(d, 1);
      l1cd::L2Ptr.set(d, near(pa, r) >> 12);
      return d;
    }
    default:  // small values: sizes, indices, flags
      return r & 0xFFFF;
  }
}

uint64_t KexecHistory::background(size_t epoch, uint64_t pa) const {
  for (size_t k = epoch; k-- > 0;)
    if (!preserved_at_[k].preserved(pa)) return junk_word(seeds_[k], pa & ~uint64_t{7});
  return 0;
}

void KexecHistory::kexec(uint64_t seed, const Ownership& ownership, harness::SparseMemory& mem,
                         const std::function<void(uint64_t, uint64_t, uint64_t)>& changed) {
  std::vector<uint64_t> pages;
  mem.for_each_page([&](uint64_t base, const uint8_t*) {
    if (!ownership.preserved(base)) pages.push_back(base);
  });
  std::sort(pages.begin(), pages.end());  // a deterministic order of reports
  for (uint64_t base : pages)
    for (uint64_t pa = base; pa < base + harness::SparseMemory::kPageSize; pa += 8) {
      const uint64_t before = mem.peek64(pa), after = junk_word(seed, pa);
      if (before == after) continue;
      mem.poke64(pa, after);
      if (changed) changed(pa, before, after);
    }
  seeds_.push_back(seed);
  preserved_at_.push_back(ownership);
  // The background holds its own copy of the history: a snapshot of the memory may outlive this one.
  mem.set_background([history = *this](uint64_t pa) { return history.background(pa); });
}

}  // namespace smmu::kexec
