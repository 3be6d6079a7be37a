#include "harness/sparse_memory.h"

#include <bit>
#include <cstring>

namespace smmu::harness {

// Accesses within one page copy bytes at once; memory is little-endian (ARCHITECTURE.md "Memory"), as the
// host is.
static_assert(std::endian::native == std::endian::little);

uint8_t* SparseMemory::page(uint64_t pa) {
  auto& p = pages_[pa / kPageSize];
  if (!p) {
    p = std::make_unique<uint8_t[]>(kPageSize);
    std::memset(p.get(), 0, kPageSize);
    if (background_) {
      const uint64_t base = pa & ~(kPageSize - 1);
      for (uint64_t off = 0; off < kPageSize; off += 8) {
        const uint64_t w = background_(base + off);
        std::memcpy(p.get() + off, &w, 8);
      }
    }
  }
  return p.get();
}

uint64_t SparseMemory::load(uint64_t pa, unsigned size) const {
  uint64_t v = 0;
  const uint64_t off = pa % kPageSize;
  if (off + size <= kPageSize) {
    auto it = pages_.find(pa / kPageSize);
    if (it != pages_.end()) {
      std::memcpy(&v, it->second.get() + off, size);
    } else if (background_) {
      if ((pa & 7) == 0 && size == 8) return background_(pa);
      for (unsigned i = 0; i < size; ++i) v |= background_byte(pa + i) << (8 * i);
    }
    return v;
  }
  for (unsigned i = 0; i < size; ++i) v |= load(pa + i, 1) << (8 * i);
  return v;
}

void SparseMemory::store(uint64_t pa, unsigned size, uint64_t value) {
  const uint64_t off = pa % kPageSize;
  if (off + size <= kPageSize) {
    std::memcpy(page(pa) + off, &value, size);
    return;
  }
  for (unsigned i = 0; i < size; ++i) store(pa + i, 1, value >> (8 * i));
}

uint64_t SparseMemory::background_byte(uint64_t pa) const {
  return background_(pa & ~uint64_t{7}) >> (8 * (pa & 7)) & 0xFF;
}

bool SparseMemory::aborts(uint64_t pa, unsigned size) const {
  for (const Range& r : aborts_)
    if (pa < r.base + r.size && pa + size > r.base) return true;
  return false;
}

void SparseMemory::add_abort_range(uint64_t base, uint64_t size) { aborts_.push_back({base, size}); }

std::optional<uint64_t> SparseMemory::read(uint64_t pa, unsigned size) {
  if ((size != 4 && size != 8) || aborts(pa, size)) return std::nullopt;
  return load(pa, size);
}

bool SparseMemory::write(uint64_t pa, unsigned size, uint64_t value) {
  if ((size != 4 && size != 8) || aborts(pa, size)) return false;
  store(pa, size, value);
  return true;
}

uint64_t SparseMemory::peek64(uint64_t pa) const { return load(pa, 8); }

void SparseMemory::poke64(uint64_t pa, uint64_t value) { store(pa, 8, value); }

}  // namespace smmu::harness
