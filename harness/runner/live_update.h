// The footprint tap of live-update runs: forwards everything to the run's observer (if any) and keeps the
// table reads of the current DMA, for the checkers of the kexec invariants (continuity, footprint,
// isolation: the handover plan interpreter's).
#pragma once

#include <vector>

#include "harness/runner/runner.h"

namespace smmu::harness {

class ScenarioRun::FootprintTap final : public WalkObserver {
 public:
  explicit FootprintTap(WalkObserver* forward) : forward_(forward) {}
  void table_read(const TableRead& r) override {
    reads.push_back(r);
    if (forward_) forward_->table_read(r);
  }
  void decision(std::string_view sec, std::string_view text) override {
    if (forward_) forward_->decision(sec, text);
  }
  bool wants_decisions() const override { return forward_ && forward_->wants_decisions(); }
  void command(const CommandReport& c) override {
    if (forward_) forward_->command(c);
  }
  void event(const EventRecord& r, std::optional<uint64_t> pa) override {
    if (forward_) forward_->event(r, pa);
  }
  void msi(uint64_t pa, uint32_t data, bool ok) override {
    if (forward_) forward_->msi(pa, data, ok);
  }
  std::vector<TableRead> reads;

 private:
  WalkObserver* forward_;
};

}  // namespace smmu::harness
