// Memory after a kexec, symbolically (ARCHITECTURE.md "Live update", ../shared/z3-notes.md): a qword reads
// the concrete snapshot's value if its 4KB page is preserved, and junk(a) otherwise, with junk an
// uninterpreted function. Encoded as a page-grouped if-then-else chain over the non-zero preserved qwords
// (never a Z3 array), with Extract/Concat addressing: an address is a 45-bit qword index (PA[47:3]), its page
// is bits [44:9] and its qword within the page bits [8:0]. Reads are memoised per address term and recorded
// with the condition under which the walk makes them, so that a footprint obligation can be stated.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/sparse_memory.h"
#include "specs/model.h"

namespace smmu::z3enc {

inline constexpr unsigned kQaddrBits = 45;  // qword index of a 48-bit PA
inline constexpr unsigned kPfnBits = 36;    // 4KB page number of a 48-bit PA

// One table read a translation makes: performed when `guard` holds, at qword index `qaddr` (45 bits).
struct GuardedRead {
  z3::expr guard;
  z3::expr qaddr;
  TableRole role;
};

class SymbolicMemory {
 public:
  // Every page preserved: the snapshot, with memory never written reading as zero (as SparseMemory does).
  // For testing the encoding against a concrete model.
  static SymbolicMemory all_preserved(z3::context& c, const harness::SparseMemory& snapshot);

  // The snapshot's pages in `preserved_pages` (4KB page numbers, PA >> 12) keep their contents (a preserved
  // page never written reads as zero); every other qword reads as junk(qaddr). `junk_name` names the
  // uninterpreted function (distinct names give independent junk).
  SymbolicMemory(z3::context& c, const harness::SparseMemory& snapshot, const std::set<uint64_t>& preserved_pages,
                 const std::string& junk_name = "junk");
  // ... and the qwords in `defined_qwords` (45-bit qword indices: what the new kernel wrote after the kexec)
  // keep the snapshot's value too, in whatever page they are.
  SymbolicMemory(z3::context& c, const harness::SparseMemory& snapshot, const std::set<uint64_t>& preserved_pages,
                 const std::set<uint64_t>& defined_qwords, const std::string& junk_name);

  // The qword at the concrete qword index `qaddr` holds `value` (a term: an update's per-qword mix chooses
  // the old or the new value). Call before any read.
  void set_symbolic(uint64_t qaddr, const z3::expr& value) { symbolic_.emplace(qaddr, value); }

  // The qword at `qaddr` (45 bits), recorded as a read made under `guard`.
  z3::expr read(const z3::expr& qaddr, const z3::expr& guard, TableRole role);
  // The qword at `qaddr` without recording a read.
  z3::expr value(const z3::expr& qaddr);
  // Whether the page of `qaddr` is preserved.
  z3::expr preserved(const z3::expr& qaddr) const;

  const std::vector<GuardedRead>& reads() const { return reads_; }
  void clear_reads() { reads_.clear(); }
  // Whether the qword at `qaddr` holds a known value: its page is preserved or it is a defined qword.
  z3::expr known(const z3::expr& qaddr) const;
  // The footprint violation: some read made (its guard holds) returns junk. Unsatisfiable (with the
  // obligation's assumptions) means every read of the translation lies in preserved (or since written) memory.
  z3::expr footprint_violation() const;

  bool everything_preserved() const { return all_; }
  bool page_preserved(uint64_t pfn) const { return all_ || preserved_.count(pfn) != 0; }
  z3::context& ctx() const { return *ctx_; }

 private:
  SymbolicMemory(z3::context& c, bool all, const std::string& junk_name);
  void load(const harness::SparseMemory& snapshot);
  z3::expr build(const z3::expr& qaddr) const;
  uint64_t concrete(uint64_t qaddr) const;

  z3::context* ctx_;
  bool all_;
  std::set<uint64_t> preserved_;                           // page numbers (unused when all_)
  std::set<uint64_t> defined_;                              // qword indices known outside preserved pages
  std::map<uint64_t, std::vector<std::pair<uint32_t, uint32_t>>> defined_runs_;  // page -> runs of defined qwords
  z3::expr in_runs(const z3::expr& off, const std::vector<std::pair<uint32_t, uint32_t>>& runs) const;
  // page -> qword index in page -> value: the non-zero qwords of preserved pages, every defined qword of others
  std::map<uint64_t, std::map<uint32_t, uint64_t>> pages_;
  z3::func_decl junk_;
  std::map<uint64_t, z3::expr> symbolic_;                   // qword index -> its value term
  std::unordered_map<unsigned, std::pair<z3::expr, z3::expr>> memo_;  // ast id -> (address, value)
  std::vector<GuardedRead> reads_;
};

}  // namespace smmu::z3enc
