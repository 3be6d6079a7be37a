#include "harness/z3/symbolic_memory.h"
#include "harness/z3/encode_internal.h"

#include <cstring>

namespace smmu::z3enc {

namespace {
constexpr unsigned kQwordsPerPage = 512;
}  // namespace

SymbolicMemory::SymbolicMemory(z3::context& c, bool all, const std::string& junk_name)
    : ctx_(&c), all_(all), junk_(c.function(junk_name.c_str(), c.bv_sort(kQaddrBits), c.bv_sort(64))) {}

SymbolicMemory SymbolicMemory::all_preserved(z3::context& c, const harness::SparseMemory& snapshot) {
  SymbolicMemory m(c, true, "junk");
  m.load(snapshot);
  return m;
}

SymbolicMemory::SymbolicMemory(z3::context& c, const harness::SparseMemory& snapshot,
                               const std::set<uint64_t>& preserved_pages, const std::string& junk_name)
    : SymbolicMemory(c, false, junk_name) {
  preserved_ = preserved_pages;
  load(snapshot);
}

SymbolicMemory::SymbolicMemory(z3::context& c, const harness::SparseMemory& snapshot,
                               const std::set<uint64_t>& preserved_pages, const std::set<uint64_t>& defined_qwords,
                               const std::string& junk_name)
    : SymbolicMemory(c, false, junk_name) {
  preserved_ = preserved_pages;
  for (uint64_t q : defined_qwords)
    if (!page_preserved(q >> 9) && (q >> kQaddrBits) == 0) defined_.insert(q);
  load(snapshot);
}

void SymbolicMemory::load(const harness::SparseMemory& snapshot) {
  snapshot.for_each_page([&](uint64_t base, const uint8_t* bytes) {
    const uint64_t pfn = base >> 12;
    if (!page_preserved(pfn) || (base >> 48) != 0) return;  // beyond 48 bits: never addressed by a walk
    for (uint32_t i = 0; i < kQwordsPerPage; ++i) {
      uint64_t v = 0;
      std::memcpy(&v, bytes + 8 * i, 8);  // little-endian host, as SparseMemory's qwords
      if (v != 0) pages_[pfn][i] = v;
    }
  });
  // Defined qwords outside preserved pages: non-zero values in pages_ (zero is the default inside a defined
  // run), and each page's runs of consecutive defined qwords, so that a zeroed page costs one range test, not
  // an if-then-else per qword.
  for (auto it = defined_.begin(); it != defined_.end();) {
    uint64_t lo = *it, hi = lo;
    auto next = std::next(it);
    while (next != defined_.end() && *next == hi + 1 && (*next >> 9) == (lo >> 9)) hi = *next++;
    defined_runs_[lo >> 9].push_back({uint32_t(lo & (kQwordsPerPage - 1)), uint32_t(hi & (kQwordsPerPage - 1))});
    it = next;
  }
  for (uint64_t q : defined_)
    if (const uint64_t v = snapshot.peek64(q << 3); v != 0) pages_[q >> 9][static_cast<uint32_t>(q & (kQwordsPerPage - 1))] = v;
}

z3::expr SymbolicMemory::in_runs(const z3::expr& off, const std::vector<std::pair<uint32_t, uint32_t>>& runs) const {
  z3::context& c = *ctx_;
  z3::expr_vector any(c);
  for (const auto& [lo, hi] : runs)
    any.push_back(lo == hi ? off == c.bv_val(lo, 9) : z3::ule(c.bv_val(lo, 9), off) && z3::ule(off, c.bv_val(hi, 9)));
  return any.empty() ? c.bool_val(false) : z3::mk_or(any);
}

z3::expr SymbolicMemory::known(const z3::expr& qaddr) const {
  z3::context& c = *ctx_;
  z3::expr k = preserved(qaddr);
  const z3::expr pfn = qaddr.extract(kQaddrBits - 1, 9), off = qaddr.extract(8, 0);
  for (const auto& [page, runs] : defined_runs_) k = k || (pfn == c.bv_val(page, kPfnBits) && in_runs(off, runs));
  return k;
}

uint64_t SymbolicMemory::concrete(uint64_t qaddr) const {
  auto p = pages_.find(qaddr >> 9);
  if (p == pages_.end()) return 0;
  auto q = p->second.find(static_cast<uint32_t>(qaddr & (kQwordsPerPage - 1)));
  return q == p->second.end() ? 0 : q->second;
}

z3::expr SymbolicMemory::preserved(const z3::expr& qaddr) const {
  z3::context& c = *ctx_;
  if (all_) return c.bool_val(true);
  z3::expr pfn = qaddr.extract(kQaddrBits - 1, 9);
  z3::expr_vector any(c);
  // Runs of consecutive preserved pages become one range test.
  for (auto it = preserved_.begin(); it != preserved_.end();) {
    uint64_t lo = *it, hi = lo;
    auto next = std::next(it);
    while (next != preserved_.end() && *next == hi + 1) hi = *next++;
    if (lo == hi)
      any.push_back(pfn == c.bv_val(lo, kPfnBits));
    else
      any.push_back(z3::ule(c.bv_val(lo, kPfnBits), pfn) && z3::ule(pfn, c.bv_val(hi, kPfnBits)));
    it = next;
  }
  return any.empty() ? c.bool_val(false) : z3::mk_or(any);
}

z3::expr SymbolicMemory::build(const z3::expr& qaddr) const {
  z3::context& c = *ctx_;
  uint64_t a = 0;
  if (qaddr.is_numeral_u64(a)) {
    if (auto it = symbolic_.find(a); it != symbolic_.end()) return it->second;
    if (page_preserved(a >> 9) || defined_.count(a)) return c.bv_val(concrete(a), 64);
    return junk_(qaddr);
  }
  z3::expr pfn = qaddr.extract(kQaddrBits - 1, 9);
  z3::expr off = qaddr.extract(8, 0);
  // Outside the pages holding non-zero qwords: zero if preserved, junk otherwise.
  z3::expr result = all_ ? c.bv_val(0, 64) : z3::ite(preserved(qaddr), c.bv_val(0, 64), junk_(qaddr));
  std::set<uint64_t> pages;  // pages with non-zero qwords or defined runs
  for (const auto& [page, q] : pages_) pages.insert(page);
  for (const auto& [page, r] : defined_runs_) pages.insert(page);
  for (uint64_t page : pages) {
    // A page that is not preserved holds junk except in its defined qwords (zero unless listed).
    z3::expr inner = c.bv_val(0, 64);
    if (!page_preserved(page)) {
      auto runs = defined_runs_.find(page);
      inner = runs == defined_runs_.end() ? junk_(qaddr) : z3::ite(in_runs(off, runs->second), inner, junk_(qaddr));
    }
    if (auto q = pages_.find(page); q != pages_.end())
      for (const auto& [i, v] : q->second) inner = z3::ite(off == c.bv_val(i, 9), c.bv_val(v, 64), inner);
    result = z3::ite(pfn == c.bv_val(page, kPfnBits), inner, result);
  }
  for (const auto& [q, v] : symbolic_) result = z3::ite(qaddr == c.bv_val(q, kQaddrBits), v, result);
  return result;
}

z3::expr SymbolicMemory::value(const z3::expr& qaddr_in) {
  z3::expr qaddr = detail::simp(qaddr_in);
  auto it = memo_.find(qaddr.id());
  if (it != memo_.end()) return it->second.second;
  z3::expr v = build(qaddr);
  memo_.emplace(qaddr.id(), std::make_pair(qaddr, v));
  return v;
}

z3::expr SymbolicMemory::read(const z3::expr& qaddr, const z3::expr& guard, TableRole role) {
  z3::expr v = value(qaddr);
  reads_.push_back(GuardedRead{guard, qaddr, role});
  return v;
}

z3::expr SymbolicMemory::footprint_violation() const {
  z3::context& c = *ctx_;
  z3::expr_vector bad(c);
  for (const GuardedRead& r : reads_) bad.push_back(r.guard && !known(r.qaddr));
  return bad.empty() ? c.bool_val(false) : z3::mk_or(bad);
}

}  // namespace smmu::z3enc
