// Page ownership for the live-update model (ARCHITECTURE.md, "Live update: the kexec model"): every 4 KiB
// page is NOT_PRESERVED unless a scenario step says otherwise; PRESERVED pages are handed over through
// KHO and survive a kexec; after a kexec the new kernel may take a preserved page back (RECLAIMED), from
// which point the SMMU may no longer write it and no preserved stream may reach it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smmu::kexec {

enum class Owner : uint8_t { NotPreserved, Preserved, Reclaimed };
const char* owner_name(Owner o);

class Ownership {
 public:
  static constexpr uint64_t kPageSize = 4096;

  // Sets the owner of the pages of [base, base + size), rounded out to whole pages.
  void set(uint64_t base, uint64_t size, Owner o);
  Owner owner(uint64_t pa) const;
  bool preserved(uint64_t pa) const { return owner(pa) == Owner::Preserved; }

  struct Extent {
    uint64_t base, size;
    Owner owner;
  };
  // The ranges not NOT_PRESERVED, in address order, adjacent ones of one owner merged.
  std::vector<Extent> extents() const;
  // The first page of [base, base + size) whose owner is not `o`, if any.
  std::optional<uint64_t> first_page_not(uint64_t base, uint64_t size, Owner o) const;

 private:
  // Non-overlapping page-number intervals [first, end) of pages with an owner other than NotPreserved.
  struct Interval {
    uint64_t end;
    Owner owner;
  };
  std::map<uint64_t, Interval> intervals_;  // by first page number
};

}  // namespace smmu::kexec
