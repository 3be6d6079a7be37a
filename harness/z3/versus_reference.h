// The Z3 encoding against the reference model on one configuration (the shared oracle of
// tests/z3/encode_vs_reference_test.cpp and fuzzers/z3_encoding_fuzzer.cpp): the reference translates a
// concrete transaction over the concrete memory; the encoding builds the symbolic outcome of the same
// transaction with concrete inputs over that memory with every page preserved, which must simplify to the
// reference's outcome: its kind, the event type, the S2 bit and RAZ/WI of translation-related faults, and the
// output address of a success.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <optional>
#include <string>

#include "harness/sparse_memory.h"
#include "harness/z3/encode.h"
#include "reference/smmu.h"

namespace smmu::z3test {

// What the encoding models of a reference outcome.
struct Expected {
  uint8_t code = z3enc::kTerminated;  // z3enc::kSuccess, z3enc::kTerminated or the event type
  uint64_t pa = 0;
  bool stage2 = false, razwi = false, translation_related = false;
};
Expected expected_of(const Outcome& o);
// "Success", "Terminated" or the event type's name.
std::string code_name(uint8_t code);

struct Comparison {
  Transaction t;
  Expected ref;
  std::optional<z3enc::ConcreteOutcome> z3;  // nullopt: a term did not simplify to a numeral
  bool ok = false;
  std::string reads;  // the table words the reference read, one a line

  // "<reference code>[(razwi)]": what the reference did, for statistics.
  std::string outcome_key() const;
  // "<reference code> vs <z3 code>", for grouping mismatches.
  std::string mismatch_key() const;
  // The transaction and both outcomes on one line, then the reference's table reads.
  std::string describe() const;
};

// A configuration as both sides see it: SMMUEN = 1, CR2.RECINVSID = 1, CR2.E2H = e2h, the stream table at
// strtab_base / strtab_base_cfg in `mem`. `mem` must outlive this object and not change while it is used
// (the symbolic memory is a snapshot taken here): make a new one after changing it.
class VersusReference {
 public:
  VersusReference(z3::context& c, harness::SparseMemory& mem, uint64_t strtab_base, uint32_t strtab_base_cfg,
                  const Features& requested, bool e2h = false);
  Comparison compare(const Transaction& t);

 private:
  z3::context& c_;
  ref::ReferenceSmmu ref_;
  z3enc::SmmuConfig cfg_;
  z3enc::SymbolicMemory sym_;
};

}  // namespace smmu::z3test
