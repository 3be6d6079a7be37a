// A sparse physical memory for the models (ARCHITECTURE.md "Memory"): 4 KiB pages created on first
// write, untouched memory reads as its background (zero, or after a kexec the scramble of harness/kexec),
// and ranges the scenario marks answer with an external abort.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "harness/table_memory.h"
#include "specs/physical_memory.h"  // specs/: the Memory interface

namespace smmu::harness {

class SparseMemory final : public Memory, public TableMemory {
 public:
  static constexpr uint64_t kPageSize = 4096;

  SparseMemory() = default;
  // A copy is a snapshot: its own pages and the same background (the handover checker keeps the memory of
  // each state it checks).
  SparseMemory(const SparseMemory& other) : aborts_(other.aborts_), background_(other.background_) {
    for (const auto& [pfn, bytes] : other.pages_) {
      auto copy = std::make_unique<uint8_t[]>(kPageSize);
      std::copy(bytes.get(), bytes.get() + kPageSize, copy.get());
      pages_.emplace(pfn, std::move(copy));
    }
  }
  SparseMemory& operator=(const SparseMemory& other) {
    if (this != &other) *this = SparseMemory(other);
    return *this;
  }
  SparseMemory(SparseMemory&&) = default;
  SparseMemory& operator=(SparseMemory&&) = default;

  std::optional<uint64_t> read(uint64_t pa, unsigned size) override;
  bool write(uint64_t pa, unsigned size, uint64_t value) override;

  // Accesses to [base, base + size) abort.
  void add_abort_range(uint64_t base, uint64_t size);
  bool aborts(uint64_t pa, unsigned size) const;

  // Convenience for builders and tests: plain 64-bit access, ignoring abort ranges.
  uint64_t peek64(uint64_t pa) const override;
  void poke64(uint64_t pa, uint64_t value) override;

  // What memory never written holds: `word(pa)` gives the aligned qword at pa (pa % 8 == 0). Without a
  // background it reads as zero. A page made by a later write starts as its background.
  void set_background(std::function<uint64_t(uint64_t)> word) { background_ = std::move(word); }
  bool has_page(uint64_t pa) const { return pages_.count(pa / kPageSize) != 0; }

  size_t page_count() const { return pages_.size(); }
  // Calls f(base address, the page's kPageSize bytes) for every page written so far, in no particular order
  // (for snapshots such as the Z3 symbolic memory).
  template <class F>
  void for_each_page(F&& f) const {
    for (const auto& [pfn, bytes] : pages_) f(pfn * kPageSize, static_cast<const uint8_t*>(bytes.get()));
  }

 private:
  struct Range {
    uint64_t base, size;
  };
  uint8_t* page(uint64_t pa);  // the page holding pa, made on first use
  uint64_t load(uint64_t pa, unsigned size) const;  // size 1..8, little-endian
  uint64_t background_byte(uint64_t pa) const;
  void store(uint64_t pa, unsigned size, uint64_t value);

  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
  std::vector<Range> aborts_;
  std::function<uint64_t(uint64_t)> background_;
};

}  // namespace smmu::harness
