// The configuration cache (§3.21.1, §5.2.1, §5.4.1): decoded STEs by StreamID and decoded CDs by
// (StreamID, CD table index). An entry may hold an ILLEGAL configuration (structures are cacheable in any
// state); a fetch that aborts is never cached. CFGI_STE drops the CDs cached through the StreamID too.
#pragma once

#include <cstdint>

#include "optimized/config.h"
#include "optimized/hash_table.h"

namespace smmu::opt {

class ConfigCache {
 public:
  ConfigCache(unsigned ste_log2, unsigned cd_log2) : stes_(ste_log2), cds_(cd_log2) {}

  const SteConfig* find_ste(uint32_t sid) { return stes_.find(kTag, sid); }
  void insert_ste(uint32_t sid, const SteConfig& s) { stes_.insert(kTag, sid, s); }
  const CdConfig* find_cd(uint32_t sid, uint32_t index) { return cds_.find(kTag | sid, index); }
  void insert_cd(uint32_t sid, uint32_t index, const CdConfig& c) { cds_.insert(kTag | sid, index, c); }

  // StreamIDs [first, first + count): their STEs and every CD cached through them.
  size_t invalidate_stes(uint64_t first, uint64_t count) {
    auto in = [&](uint64_t sid) { return sid - first < count; };
    size_t n = stes_.erase_if([&](uint64_t, uint64_t sid, const SteConfig&) { return in(sid); });
    n += cds_.erase_if([&](uint64_t t, uint64_t, const CdConfig&) { return in(t & 0xFFFF'FFFF); });
    return n;
  }
  size_t invalidate_cd(uint32_t sid, uint32_t index) {
    return cds_.erase_if([&](uint64_t t, uint64_t i, const CdConfig&) { return (t & 0xFFFF'FFFF) == sid && i == index; });
  }
  size_t invalidate_cds(uint32_t sid) {
    return cds_.erase_if([&](uint64_t t, uint64_t, const CdConfig&) { return (t & 0xFFFF'FFFF) == sid; });
  }
  void clear() {
    stes_.clear();
    cds_.clear();
  }
  size_t ste_count() const { return stes_.size(); }
  size_t cd_count() const { return cds_.size(); }
  static constexpr size_t ste_bytes_per_entry() { return OpenTable<SteConfig>::bytes_per_slot(); }
  static constexpr size_t cd_bytes_per_entry() { return OpenTable<CdConfig>::bytes_per_slot(); }

 private:
  static constexpr uint64_t kTag = OpenTable<SteConfig>::kValid;
  OpenTable<SteConfig> stes_;
  OpenTable<CdConfig> cds_;
};

}  // namespace smmu::opt
