// The caching rule made operational (ARCHITECTURE.md): tracks every table word the scenario wrote and every
// invalidation the reference reported as completed by a CMD_SYNC, and says for each word of a DMA's
// footprint whether it is covered (its current value is the only one the SMMU may use) or which values
// it may still be cached with.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "harness/kexec/scramble.h"
#include "specs/coverage.h"
#include "specs/model.h"

namespace smmu::harness {

class SyncTracker {
 public:
  // A qword the scenario (or the driver) wrote: its value before and after.
  // `junk`: the kexec's scramble wrote it, not software.
  void on_write(uint64_t pa, uint64_t before, uint64_t after, bool junk = false);
  // A kexec scrambled memory (after on_write heard of each word it changed in pages that existed). Every
  // other word not preserved, never written, changed too, from its background before to the new one:
  // `history` tells those values, word by word when a walk meets them (ARCHITECTURE.md: the scramble
  // counts as uncovered writes). It must outlive the tracker's use.
  void on_kexec(const kexec::KexecHistory& history);
  // A command the reference consumed; invalidations complete at the next CMD_SYNC (§4.7.3).
  void on_command(const CommandReport& c);
  // A word the reference read for a DMA. TLB entries are made by translations: old TLB-cached fields of an
  // STE or CD matter only when a translation read them (speculative TLB fills from a configuration no
  // transaction used are not modelled).
  void on_read(const TableRead& r);

  // The values the word at `w.pa` may be used with: its current value first, then stale ones. One value
  // means the word is covered (§3.21.1: translation-table entries are cached only as valid translations,
  // so an invalid descriptor is never a stale source).
  // Without `junk_counts`, only values software wrote count as stale, not the kexec's junk (the handover's
  // caching obligation: relying on junk is the footprint invariant's concern).
  std::vector<uint64_t> permitted_values(const TableRead& w, bool junk_counts = true) const;

 private:
  struct Write {
    uint64_t seq;
    uint64_t value;
    bool junk = false;  // a kexec's scramble
  };
  // TLB entries are tagged with the VMID and ASID of the configuration that made them (§5.2 S2VMID, §5.4
  // ASID): the tag field of an STE or CD entry, and where the entry holding `w` keeps it.
  static const Field& tag_field(const TableRead& w);
  static uint64_t tag_word(const TableRead& w) { return (w.pa & ~uint64_t{63}) + 8 * tag_field(w).qword; }
  struct Invalidation {
    uint64_t seq;  // when the SMMU consumed it
    InvalidationScope scope;
  };
  // The values a word held since the model started: writes_'s entry, or for a word never written, its
  // background through the kexecs (`current`: its value now).
  std::vector<Write> history_of(uint64_t pa, uint64_t current) const;
  // Appends to `out` the stale values of `w` its own writes left (see permitted_values).
  void add_written_values(const TableRead& w, bool junk_counts, std::vector<uint64_t>& out) const;
  // Appends to `out` the values of `w` with another entry's TLB-cached fields that a TLB lookup may still return.
  void add_shared_tlb_values(const TableRead& w, std::vector<uint64_t>& out) const;
  uint64_t seq_ = 0;
  const kexec::KexecHistory* kexecs_ = nullptr;
  std::vector<uint64_t> kexec_seq_;  // when each kexec happened
  std::map<uint64_t, std::vector<Write>> writes_;  // by qword address; [0] holds the value before the first write
  std::vector<Invalidation> pending_;                // consumed, not yet completed by a CMD_SYNC
  std::vector<Invalidation> completed_;
  std::map<uint64_t, uint64_t> tag_read_;  // the tag each STE or CD entry (by address) had in the last walk
  std::set<std::tuple<uint64_t, uint64_t, uint64_t>> translated_with_;  // (qword address, value, tag) of STE/CD words read
  // The TLB-cached words translations read, across entries: by (a CD, qword index, tag), each value with the
  // time of the last translation that read it. STEs sharing an S2VMID (CDs sharing an ASID) are
  // interchangeable for TLB lookups (§5.2, §3.3.2).
  std::map<std::tuple<bool, unsigned, uint64_t>, std::map<uint64_t, uint64_t>> shared_;
};

}  // namespace smmu::harness
