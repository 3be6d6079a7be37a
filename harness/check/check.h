// Expectation checkers, one per concern (STYLE.md): each compares what a scenario expects with what a
// model did and lists the differences field by field. The differential runner extends these.
#pragma once

#include <string>
#include <vector>

#include "harness/runner/runner.h"
#include "harness/scenario/scenario.pb.h"

namespace smmu::harness {

struct Mismatch {
  std::string what;      // "dma.result", "event[0].IPA", "CR0ACK.SMMUEN", ...
  std::string expected;
  std::string actual;
};
using Mismatches = std::vector<Mismatch>;

Mismatches check_dma(const smmucheck::DmaExpect& e, const Outcome& o);
Mismatches check_event(const smmucheck::EventExpect& e, const EventRecord& r, const std::string& prefix);
Mismatches check_events(const smmucheck::EventsExpect& e, const std::vector<EventRecord>& records);
Mismatches check_mmio_read(const smmucheck::MmioRead& r, uint64_t value);
Mismatches check_mem_read(const smmucheck::MemRead& r, std::optional<uint64_t> value);
Mismatches check_queue(const smmucheck::QueueExpect& e, const StepObservation& obs);
// Live update: the containment violations the step caused against those it expects (none by default).
Mismatches check_violations(const smmucheck::Step& s, const StepObservation& obs);

// All the checks a scenario step asks for.
Mismatches check_step(const smmucheck::Step& step, const StepObservation& obs);

std::string hex(uint64_t v);

}  // namespace smmu::harness
