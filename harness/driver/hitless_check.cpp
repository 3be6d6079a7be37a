// The concrete hitless oracle: every entry the SMMU can observe during each sync interval (§3.21.3), judged
// on the bits that entry itself uses.
#include <fmt/format.h>

#include "harness/driver/hitless.h"

namespace smmu::driver {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Hitless: return "hitless";
    case Verdict::Breaking: return "breaking";
    case Verdict::NotHitless: return "not hitless";
  }
  return "?";
}

namespace {

struct Candidate {
  uint64_t value;
  int source;  // -1: the qword before the group; j: the group's write j
};

}  // namespace

HitlessReport check_hitless(EntryKind kind, const Words8& old_entry, const Words8& new_entry,
                            const std::vector<WriteGroup>& groups, const UsedContext& ctx, uint64_t max_states,
                            const StateVisitor& visit) {
  HitlessReport r;
  r.syncs = static_cast<unsigned>(groups.size());
  Words8 mem = old_entry;
  for (unsigned g = 0; g < groups.size(); ++g) {
    // Each qword may hold the value it had when the interval began or any value the group writes to it,
    // as each 64-bit write is single-copy atomic (§3.21.3) and qwords are read in any order.
    std::array<std::vector<Candidate>, 8> cand;
    for (unsigned q = 0; q < 8; ++q) cand[q].push_back({mem[q], -1});
    for (size_t j = 0; j < groups[g].size(); ++j) {
      const QwordWrite& w = groups[g][j];
      if (w.qword >= 8) {
        r.error = fmt::format("group {} writes qword {}: an entry has qwords 0..7", g + 1, w.qword);
        return r;
      }
      auto& c = cand[w.qword];
      bool seen = false;
      for (const Candidate& x : c) seen |= x.value == w.value;
      if (!seen) c.push_back({w.value, static_cast<int>(j)});
      mem[w.qword] = w.value;
    }
    uint64_t count = 1;
    for (const auto& c : cand) {
      count *= c.size();
      if (count > max_states) {
        r.error = fmt::format("group {} has more than {} observable states", g + 1, max_states);
        return r;
      }
    }
    std::array<size_t, 8> idx{};
    for (uint64_t n = 0; n < count; ++n) {
      uint64_t rest = n;
      ObservedState s;
      s.group = g;
      for (unsigned q = 0; q < 8; ++q) {
        idx[q] = rest % cand[q].size();
        rest /= cand[q].size();
        s.entry[q] = cand[q][idx[q]].value;
        s.source[q] = cand[q][idx[q]].source;
      }
      ++r.states;
      s.used = used_bits(kind, s.entry, ctx);
      bool same_old = true, same_new = true;
      for (unsigned q = 0; q < 8; ++q) {
        s.differs_old[q] = (s.entry[q] ^ old_entry[q]) & s.used[q];
        s.differs_new[q] = (s.entry[q] ^ new_entry[q]) & s.used[q];
        same_old &= s.differs_old[q] == 0;
        same_new &= s.differs_new[q] == 0;
      }
      if (same_old || same_new) {
        if (visit) visit(s, Verdict::Hitless);
        continue;
      }
      if (blocks_traffic(kind, s.entry)) {
        if (visit) visit(s, Verdict::Breaking);
        if (!r.first_blocking) r.first_blocking = s;
        if (r.verdict == Verdict::Hitless) r.verdict = Verdict::Breaking;
        continue;
      }
      if (visit) visit(s, Verdict::NotHitless);
      if (!r.first_bad) r.first_bad = s;
      r.verdict = Verdict::NotHitless;
    }
  }
  r.reaches_new = mem == new_entry;
  return r;
}

}  // namespace smmu::driver
