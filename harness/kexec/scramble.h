// The kexec scramble (ARCHITECTURE.md, "Live update: the kexec model"): at a kexec every page that is not
// preserved may hold anything afterwards. The concrete simulator fills it with junk that depends only on
// (seed, address), pages never written included, and mixes in words shaped like valid descriptors (STEs,
// L1 stream and CD descriptors, CDs, translation-table and block descriptors pointing near themselves), so
// that walks through scrambled memory go somewhere rather than stop at the first word.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "harness/kexec/ownership.h"
#include "harness/sparse_memory.h"

namespace smmu::kexec {

// The junk qword at `pa` (pa % 8 == 0) after a kexec with `seed`.
uint64_t junk_word(uint64_t seed, uint64_t pa);

// The kexecs a memory went through: what a word never written holds after each of them.
class KexecHistory {
 public:
  size_t epochs() const { return seeds_.size(); }
  // The background of `pa` after the first `epoch` kexecs: zero before any; then, at each kexec whose
  // preservation set left the page out, that kexec's junk.
  uint64_t background(size_t epoch, uint64_t pa) const;
  uint64_t background(uint64_t pa) const { return background(epochs(), pa); }

  // Performs a kexec on `mem` with the current `ownership`: every page not preserved that exists is
  // rewritten with the junk (`changed` hears of each aligned qword that changes, with its value before and
  // after), and every page never written reads as the new background. Ownership is not changed.
  void kexec(uint64_t seed, const Ownership& ownership, harness::SparseMemory& mem,
             const std::function<void(uint64_t pa, uint64_t before, uint64_t after)>& changed);

 private:
  std::vector<uint64_t> seeds_;
  std::vector<Ownership> preserved_at_;  // the ownership at each kexec
};

}  // namespace smmu::kexec
