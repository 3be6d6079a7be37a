// Shared set-up for the reference model's tests: memory, a table allocator, a stream table and the model,
// plus helpers to run a DMA and to check an event record field by field.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <optional>

#include "harness/driver/tables.h"
#include "harness/sparse_memory.h"
#include "reference/smmu.h"
#include "specs/print.h"

namespace smmu::test {

using driver::Words8;

class RefTest : public ::testing::Test {
 protected:
  // Table memory is allocated from 0x40000000; tests map their data pages elsewhere.
  explicit RefTest(Features f = Features{}) : features_(f) {}

  void SetUp() override { reset(features_); }

  // Rebuilds the model with `f`, a linear stream table of 2^8 StreamIDs, SMMUEN = 1 and RECINVSID = 1.
  void reset(const Features& f) {
    mem = std::make_unique<harness::SparseMemory>();
    alloc = std::make_unique<driver::Allocator>(0x4000'0000, 0x6000'0000);
    smmu = std::make_unique<ref::ReferenceSmmu>(f, *mem);
    use_stream_table(driver::StreamTable::linear(*mem, *alloc, 8));
    set_cr0_smmuen(true);
    set_cr2(/*recinvsid=*/true, /*e2h=*/false);
  }

  void use_stream_table(const driver::StreamTable& t) {
    strtab = std::make_unique<driver::StreamTable>(t);
    smmu->registers().strtab_base = t.base();
    smmu->registers().strtab_base_cfg = t.base_cfg();
  }
  void set_cr0_smmuen(bool on) {
    uint64_t v = 0;
    regf::CR0_SMMUEN.set(v, on);
    smmu->registers().cr0 = static_cast<uint32_t>(v);
    smmu->registers().cr0ack = static_cast<uint32_t>(v);  // the handshake completes at once
  }
  void set_cr2(bool recinvsid, bool e2h) {
    uint64_t v = 0;
    regf::CR2_RECINVSID.set(v, recinvsid);
    regf::CR2_E2H.set(v, e2h);
    smmu->registers().cr2 = static_cast<uint32_t>(v);
  }

  // Writes a CD somewhere in table memory and returns its address.
  uint64_t place_cd(const Words8& cd) {
    uint64_t pa = alloc->alloc(64, 64);
    write8(pa, cd);
    return pa;
  }
  void write8(uint64_t pa, const Words8& w) {
    for (unsigned i = 0; i < 8; ++i) mem->poke64(pa + 8 * i, w[i]);
  }

  Outcome dma(uint32_t sid, uint64_t addr, bool read = true, std::optional<uint32_t> ssid = std::nullopt,
              bool priv = false, bool instr = false) {
    Transaction t{.sid = sid, .ssid = ssid, .addr = addr, .read = read, .instr = instr, .priv = priv};
    return smmu->translate(t);
  }

  Features features_;
  std::unique_ptr<harness::SparseMemory> mem;
  std::unique_ptr<driver::Allocator> alloc;
  std::unique_ptr<ref::ReferenceSmmu> smmu;
  std::unique_ptr<driver::StreamTable> strtab;
};

// Expected value of one event-record field.
struct Expect {
  const Field& field;
  uint64_t value;
};

// Checks the outcome is a fault (or RAZ/WI) with an event of `type` whose listed fields have the listed
// values, and whether it is recorded.
inline void expect_event(const Outcome& o, EventType type, std::initializer_list<Expect> fields,
                         bool recorded = true, OutcomeKind kind = OutcomeKind::Fault) {
  ASSERT_EQ(o.kind, kind) << format_outcome(o);
  ASSERT_TRUE(o.event.has_value()) << format_outcome(o);
  EXPECT_EQ(o.event->type(), static_cast<uint8_t>(type)) << format_outcome(o);
  for (const Expect& e : fields) EXPECT_EQ(o.event->get(e.field), e.value) << e.field.name << " in " << format_outcome(o);
  EXPECT_EQ(o.recorded, recorded) << format_outcome(o);
}

inline void expect_success(const Outcome& o, uint64_t pa) {
  ASSERT_EQ(o.kind, OutcomeKind::Success) << format_outcome(o);
  EXPECT_EQ(o.pa, pa) << format_outcome(o);
}

}  // namespace smmu::test
