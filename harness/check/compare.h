// Model-against-model comparison, one function per concern (the differential runner's checkers). Each
// difference names what differs in stable words, from which the runner builds a signature
// `<a>-<b>:<step kind>:<what>:<a kind>/<b kind>` (ARCHITECTURE.md, signatures).
#pragma once

#include <string>
#include <vector>

#include "specs/model.h"

namespace smmu::harness {

struct Difference {
  std::string what;    // "outcome", "pa", "event.IPA", "events.count", "CMDQ_CONS.ERR", "GERROR.CMDQ_ERR"
  std::string a_kind;  // the kinds that go into the signature ("F_TRANSLATION", "success", "CERROR_ILL")
  std::string b_kind;
  std::string a_value; // the values, for the report
  std::string b_value;
};
using Differences = std::vector<Difference>;

// "success", "terminated", an event type name for a fault, "raz_wi:<event>" for RAZ/WI.
std::string outcome_kind(const Outcome& o);

// Fields model `b` declares it cannot observe are not compared.
Differences compare_dma(const Outcome& a, const Outcome& b, const Observability& b_sees = {});  // check/dma_result.cpp
bool same_dma(const Outcome& a, const Outcome& b, const Observability& b_sees = {});              // check/dma_result.cpp
Differences compare_events(const std::vector<EventRecord>& a, const std::vector<EventRecord>& b);  // event_record.cpp
Difference event_count_difference(size_t expected, size_t actual);                                  // event_record.cpp
// Only the bits the architecture defines for features `f` (specs/lookup.h register_defined_bits).
Differences compare_mmio(uint32_t offset, uint64_t a, uint64_t b, const Features& f);  // check/mmio_read.cpp
// `err_active`: GERROR.CMDQ_ERR is active in both models; ERR is UNKNOWN while it is not (§6.3.28).
Differences compare_cmdq(uint32_t a_cons, uint32_t b_cons, bool err_active);  // check/queue_state.cpp
Differences compare_gerror(uint32_t a_gerror, uint32_t a_gerrorn, uint32_t b_gerror, uint32_t b_gerrorn);  // check/gerror.cpp

}  // namespace smmu::harness
