#include "harness/sparse_memory.h"

#include <cstring>

namespace smmu::harness {

uint8_t SparseMemory::byte(uint64_t pa) const {
  auto it = pages_.find(pa / kPageSize);
  return it == pages_.end() ? 0 : it->second[pa % kPageSize];
}

void SparseMemory::set_byte(uint64_t pa, uint8_t v) {
  auto& page = pages_[pa / kPageSize];
  if (!page) {
    page = std::make_unique<uint8_t[]>(kPageSize);
    std::memset(page.get(), 0, kPageSize);
  }
  page[pa % kPageSize] = v;
}

bool SparseMemory::aborts(uint64_t pa, unsigned size) const {
  for (const Range& r : aborts_)
    if (pa < r.base + r.size && pa + size > r.base) return true;
  return false;
}

void SparseMemory::add_abort_range(uint64_t base, uint64_t size) { aborts_.push_back({base, size}); }

std::optional<uint64_t> SparseMemory::read(uint64_t pa, unsigned size) {
  if ((size != 4 && size != 8) || aborts(pa, size)) return std::nullopt;
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= uint64_t{byte(pa + i)} << (8 * i);
  return v;
}

bool SparseMemory::write(uint64_t pa, unsigned size, uint64_t value) {
  if ((size != 4 && size != 8) || aborts(pa, size)) return false;
  for (unsigned i = 0; i < size; ++i) set_byte(pa + i, static_cast<uint8_t>(value >> (8 * i)));
  return true;
}

uint64_t SparseMemory::peek64(uint64_t pa) const {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) v |= uint64_t{byte(pa + i)} << (8 * i);
  return v;
}

void SparseMemory::poke64(uint64_t pa, uint64_t value) {
  for (unsigned i = 0; i < 8; ++i) set_byte(pa + i, static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace smmu::harness
