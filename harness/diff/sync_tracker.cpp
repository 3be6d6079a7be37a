#include "harness/diff/sync_tracker.h"

#include <algorithm>

namespace smmu::harness {

void SyncTracker::on_write(uint64_t pa, uint64_t before, uint64_t after) {
  auto& h = writes_[pa & ~uint64_t{7}];
  if (h.empty()) h.push_back({0, before});
  h.push_back({++seq_, after});
}

void SyncTracker::on_command(const CommandReport& c) {
  if (c.error) return;  // a command the SMMU stopped at did nothing
  if (c.scope.kind != InvalidationScope::Kind::None) pending_.push_back(c.scope);
  if (c.opcode == static_cast<uint8_t>(Opcode::CMD_SYNC)) {
    ++seq_;
    for (const auto& s : pending_) completed_.push_back({seq_, s});
    pending_.clear();
  }
}

std::vector<uint64_t> SyncTracker::permitted_values(const TableRead& w) const {
  const uint64_t current = w.value.value_or(0);
  std::vector<uint64_t> out{current};
  auto it = writes_.find(w.pa & ~uint64_t{7});
  if (it == writes_.end()) return out;  // never written since the model started: nothing stale
  const auto& h = it->second;
  const uint8_t need = coverage_obligations(w);
  const bool table_entry = w.role == TableRole::S1Desc || w.role == TableRole::S2Desc;
  // A value h[j] held during [h[j].seq, h[j+1].seq) may have been fetched at any time in that interval,
  // so only invalidations completed after h[j+1].seq are sure to have removed it.
  for (size_t j = 0; j + 1 < h.size(); ++j) {
    const uint64_t v = h[j].value;
    uint8_t done = 0;
    for (const auto& c : completed_)
      if (c.seq > h[j + 1].seq) done |= coverage_discharged(c.scope, w, v);
    if ((done & need) == need) continue;
    if (table_entry && !(v & 1)) continue;  // an invalid descriptor is never cached (§3.21.1)
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

}  // namespace smmu::harness
