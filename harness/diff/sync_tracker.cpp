#include "harness/diff/sync_tracker.h"

#include <algorithm>

namespace smmu::harness {

namespace {
// The current word with the TLB-cached bits `tlb` as `cached` had them, added to `out` once.
void add_tlb_mix(std::vector<uint64_t>& out, uint64_t current, uint64_t cached, uint64_t tlb) {
  const uint64_t mixed = (current & ~tlb) | (cached & tlb);
  if (std::find(out.begin(), out.end(), mixed) == out.end()) out.push_back(mixed);
}
}  // namespace

std::vector<SyncTracker::Write> SyncTracker::history_of(uint64_t pa, uint64_t current) const {
  std::vector<Write> h{{0, 0}};
  for (size_t k = 0; k < kexec_seq_.size(); ++k)
    if (const uint64_t v = kexecs_->background(k + 1, pa); v != h.back().value) h.push_back({kexec_seq_[k], v, true});
  // A word whose background does not explain its value held it from the start (the scenario's initial memory,
  // preserved through every kexec): nothing stale.
  if (h.back().value != current) return {{0, current}};
  return h;
}

void SyncTracker::on_write(uint64_t pa, uint64_t before, uint64_t after, bool junk) {
  auto& h = writes_[pa & ~uint64_t{7}];
  if (h.empty()) h = history_of(pa & ~uint64_t{7}, before);
  h.push_back({++seq_, after, junk});
}

void SyncTracker::on_kexec(const kexec::KexecHistory& history) {
  kexecs_ = &history;
  kexec_seq_.push_back(++seq_);
}

void SyncTracker::on_command(const CommandReport& c) {
  if (c.error) return;  // a command the SMMU stopped at did nothing
  // An invalidation removes what was cached before the SMMU consumed it; the completion by a later
  // CMD_SYNC only says when that is sure. So it is stamped with the time it was consumed.
  ++seq_;
  if (c.scope.kind != InvalidationScope::Kind::None) pending_.push_back({seq_, c.scope});
  if (c.opcode == static_cast<uint8_t>(Opcode::CMD_SYNC)) {
    completed_.insert(completed_.end(), pending_.begin(), pending_.end());
    pending_.clear();
  }
}

void SyncTracker::on_read(const TableRead& r) {
  if (!r.value || (r.role != TableRole::Ste && r.role != TableRole::Cd)) return;
  // An entry's qwords are read in order within a walk, its tag's among them (STE q2, CD q0).
  if (r.index == tag_field(r).qword) tag_read_[r.pa & ~uint64_t{63}] = tag_field(r).get(*r.value);
  if (tlb_cached_bits(r.role, r.index)) {
    const uint64_t tag = tag_read_[r.pa & ~uint64_t{63}];
    translated_with_.insert({r.pa & ~uint64_t{7}, *r.value, tag});
    shared_[{r.role == TableRole::Cd, r.index, tag}][*r.value] = seq_;
  }
}

const Field& SyncTracker::tag_field(const TableRead& w) { return w.role == TableRole::Ste ? ste::S2VMID : cd::ASID; }

std::vector<uint64_t> SyncTracker::permitted_values(const TableRead& w, bool junk_counts) const {
  std::vector<uint64_t> out{w.value.value_or(0)};
  add_written_values(w, junk_counts, out);
  add_shared_tlb_values(w, out);
  return out;
}

void SyncTracker::add_written_values(const TableRead& w, bool junk_counts, std::vector<uint64_t>& out) const {
  const uint64_t current = w.value.value_or(0);
  const uint64_t word = w.pa & ~uint64_t{7};
  auto it = writes_.find(word);
  std::vector<Write> scrambled;  // a word no one wrote, but kexecs scrambled
  if (it == writes_.end()) {
    if (kexec_seq_.empty()) return;  // never written since the model started: nothing stale
    scrambled = history_of(word, current);
    if (scrambled.size() == 1) return;
  }
  const auto& h = it == writes_.end() ? scrambled : it->second;
  const uint8_t need = coverage_obligations(w);
  const bool table_entry = w.role == TableRole::S1Desc || w.role == TableRole::S2Desc;
  // A value h[j] held during [h[j].seq, h[j+1].seq) may have been fetched at any time in that interval,
  // so only invalidations consumed after h[j+1].seq, and completed, are sure to have removed it: one
  // consumed earlier may have preceded the fetch (a TLBI, a DMA that caches the entry, the write, then the
  // CMD_SYNC that completes the TLBI leaves the entry cached).
  for (size_t j = 0; j + 1 < h.size(); ++j) {
    const uint64_t v = h[j].value;
    if (h[j].junk && !junk_counts) continue;
    // A structure fetched through a stage-2 walk (a CD) can be fetched with the stale translation for as long
    // as that translation stays in the TLB, and then stays cached itself (§5.4): only a CFGI consumed after the
    // TLB invalidation that removed it is sure to have removed the structure.
    uint64_t structure_after = h[j + 1].seq;
    if (w.structure_fetch) {
      const uint8_t tlb_need = need & uint8_t(~kObligationStructure);
      uint8_t tlb_done = 0;
      for (const auto& c : completed_)
        if (c.seq > h[j + 1].seq) {
          const uint8_t d = coverage_discharged(c.scope, w, v) & tlb_need & uint8_t(~tlb_done);
          if (d) structure_after = c.seq, tlb_done |= d;
        }
    }
    uint8_t done = 0;
    for (const auto& c : completed_)
      if (c.seq > h[j + 1].seq)
        done |= coverage_discharged(c.scope, w, v) &
                (c.seq > structure_after ? uint8_t(0xFF) : uint8_t(~kObligationStructure));
    if ((done & need) != need) {
      if (table_entry && !(v & 1)) continue;  // an invalid descriptor is never cached (§3.21.1)
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
      continue;
    }
    // The structure is covered, but TLB entries made by a translation that read the old value may still
    // hold its TLB-cached fields (§5.2, §5.4.1): the current word with those bits as they were.
    const uint64_t tlb = tlb_cached_bits(w.role, w.index);
    if (!((v ^ current) & tlb)) continue;
    // Only TLB entries tagged as the entry is now can be hit (an entry whose tag never changed: any).
    auto tag_now = writes_.find(tag_word(w));
    bool hit = false;
    for (auto t = translated_with_.lower_bound({word, v, 0});
         !hit && t != translated_with_.end() && std::get<0>(*t) == word && std::get<1>(*t) == v; ++t)
      hit = tag_now == writes_.end() || std::get<2>(*t) == tag_field(w).get(tag_now->second.back().value);
    if (!hit) continue;
    const bool tlb_done = std::any_of(completed_.begin(), completed_.end(), [&](const Invalidation& c) {
      return c.seq > h[j + 1].seq && coverage_tlb_discharged(c.scope, w);
    });
    if (!tlb_done) add_tlb_mix(out, current, v, tlb);
  }
}

void SyncTracker::add_shared_tlb_values(const TableRead& w, std::vector<uint64_t>& out) const {
  // §5.2: "stage 2 configuration from STEs with the same S2VMID is considered interchangeable"; §3.3.2: streams
  // whose configuration gives the same ASID and VMID share TLB entries. Software must keep the TLB-cached
  // fields of such entries identical; where it did not, a lookup may hit a TLB entry another entry's
  // translation made, with that entry's fields, until a TLB invalidation consumed after that translation.
  const uint64_t tlb = tlb_cached_bits(w.role, w.index);
  const auto tag = tag_read_.find(w.pa & ~uint64_t{63});
  if (!tlb || tag == tag_read_.end()) return;
  const auto sharers = shared_.find({w.role == TableRole::Cd, w.index, tag->second});
  if (sharers == shared_.end()) return;
  const uint64_t current = w.value.value_or(0);
  for (const auto& [value, seq] : sharers->second) {
    const uint64_t v = value, read_seq = seq;  // copies: a lambda cannot capture a structured binding (C++20)
    if (!((v ^ current) & tlb)) continue;
    const bool removed = std::any_of(completed_.begin(), completed_.end(), [&](const Invalidation& c) {
      return c.seq > read_seq && coverage_tlb_discharged(c.scope, w);
    });
    if (!removed) add_tlb_mix(out, current, v, tlb);
  }
}

}  // namespace smmu::harness
