// The event queue, global errors and interrupts: Arm IHI 0070 §7.2 (recording and the writable queue,
// §7.2.2 external aborts), §7.4 (full queue and overflow), §7.5 (GERROR/GERRORN, the GERROR interrupt),
// §3.18.2 (the Event queue interrupt on the empty -> non-empty transition), §6.3.16 (IRQ enables),
// §6.3.19-§6.3.21, §6.3.29, §6.3.30, §6.3.95, §6.3.96, and our CONSTRAINED UNPREDICTABLE choices
// (specs/unpredictable.def): EVENTQ_WRITE_ABORT = synchronous, EVENTQ_FULL_DURING_ABT = no_overflow.
//
// Faults come from DMA through the fixture's all-zero STEs: STE.V = 0 is C_BAD_STE (§5.2, §7.3.5), whose
// record is EVENT_TYPE 0x04 and StreamID with no SubstreamID (SSV = 0), every other bit zero.
#include <vector>

#include "tests/fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

constexpr uint64_t kQueue = 0x2000'0000;    // 256-byte aligned: 8 records of 32 bytes
constexpr unsigned kLog2 = 3;               // 8 entries: index bits [2:0], wrap bit 3
constexpr uint32_t kWrap = 1u << kLog2;     // WR_WRAP / RD_WRAP for QS = 3 (§6.3.95)
constexpr uint64_t kMsi = 0x3000'0000;      // event queue MSI target
constexpr uint32_t kMsiData = 0x5EED'0001;
constexpr uint64_t kGerrMsi = 0x3000'1000;  // GERROR MSI target
constexpr uint32_t kGerrData = 0x6E44'0002;
constexpr uint64_t kOvflg = regf::EVENTQ_PROD_OVFLG.mask_in_place();
constexpr uint64_t kOvackflg = regf::EVENTQ_CONS_OVACKFLG.mask_in_place();

struct Recorder : WalkObserver {
  struct Msi {
    uint64_t pa;
    uint32_t data;
    bool ok;
  };
  std::vector<std::optional<uint64_t>> events;  // where each record went (nullopt: discarded)
  std::vector<Msi> msis;
  void event(const EventRecord&, std::optional<uint64_t> pa) override { events.push_back(pa); }
  void msi(uint64_t pa, uint32_t data, bool ok) override { msis.push_back({pa, data, ok}); }
  size_t msis_to(uint64_t pa) const {
    size_t n = 0;
    for (const Msi& m : msis) n += m.pa == pa;
    return n;
  }
};

// C_BAD_STE for `sid` as §7.3.5 lays it out.
EventRecord bad_ste(uint32_t sid) {
  EventRecord e;
  e.set(event::EVENT_TYPE, 0x04);
  e.set(event::StreamID, sid);
  return e;
}

class EventQueueTest : public RefTest {
 protected:
  void SetUp() override {
    RefTest::SetUp();  // SMMUEN = 1, CR2.RECINVSID = 1, a 256-entry linear stream table of invalid STEs
    smmu->set_observer(&rec);
    program_queue(kQueue, kLog2, 0, 0);
  }
  void rebuild(const Features& f) {
    reset(f);
    smmu->set_observer(&rec);
    program_queue(kQueue, kLog2, 0, 0);
  }
  // The driver's order (§6.3.26): disable, BASE, PROD, CONS, then enable the queue.
  void program_queue(uint64_t base, unsigned log2, uint32_t prod, uint32_t cons) {
    wr(reg::CR0, regf::CR0_SMMUEN.mask_in_place());
    uint64_t b = base;
    regf::QUEUE_BASE_LOG2SIZE.set(b, log2);
    smmu->mmio_write(reg::EVENTQ_BASE.offset, 8, b);
    wr(reg::EVENTQ_PROD, prod);
    wr(reg::EVENTQ_CONS, cons);
    enable_eventq(true);
  }
  void enable_eventq(bool on) {
    wr(reg::CR0, regf::CR0_SMMUEN.mask_in_place() | (on ? regf::CR0_EVENTQEN.mask_in_place() : 0));
  }
  void eventq_irq(uint64_t addr, uint32_t data) {
    wr(reg::IRQ_CTRL, rd(reg::IRQ_CTRL) & ~regf::IRQ_CTRL_EVENTQ_IRQEN.mask_in_place());
    smmu->mmio_write(reg::EVENTQ_IRQ_CFG0.offset, 8, addr);
    wr(reg::EVENTQ_IRQ_CFG1, data);
    wr(reg::IRQ_CTRL, rd(reg::IRQ_CTRL) | regf::IRQ_CTRL_EVENTQ_IRQEN.mask_in_place());
  }
  void gerror_irq(uint64_t addr, uint32_t data) {
    wr(reg::IRQ_CTRL, rd(reg::IRQ_CTRL) & ~regf::IRQ_CTRL_GERROR_IRQEN.mask_in_place());
    smmu->mmio_write(reg::GERROR_IRQ_CFG0.offset, 8, addr);
    wr(reg::GERROR_IRQ_CFG1, data);
    wr(reg::IRQ_CTRL, rd(reg::IRQ_CTRL) | regf::IRQ_CTRL_GERROR_IRQEN.mask_in_place());
  }
  uint64_t rd(const Register& r) { return smmu->mmio_read(r.offset, 4); }
  void wr(const Register& r, uint64_t v) { smmu->mmio_write(r.offset, 4, v); }
  uint64_t prod() { return rd(reg::EVENTQ_PROD); }
  // An error is active while GERROR[x] != GERRORN[x] (§6.3.19).
  bool active(const Field& bit) { return bit.get(rd(reg::GERROR)) != bit.get(rd(reg::GERRORN)); }
  void acknowledge_all() { wr(reg::GERRORN, rd(reg::GERROR)); }  // §6.3.20: make GERRORN equal GERROR
  EventRecord slot(unsigned i, uint64_t base = kQueue) {
    EventRecord e;
    for (unsigned q = 0; q < event::kQwords; ++q) e.q[q] = mem->peek64(base + 32 * i + 8 * q);
    return e;
  }
  Outcome fault(uint32_t sid) { return dma(sid, 0x1000); }

  Recorder rec;
};

TEST_F(EventQueueTest, RecordIsWrittenAtProdAndProdAdvances) {
  // §7.2.1, §6.3.95: written at EVENTQ_BASE + 32 * WR; the SMMU then increments PROD.
  const Outcome o = fault(6);
  expect_event(o, EventType::C_BAD_STE, {{event::StreamID, 6}, {event::SSV, 0}});
  EXPECT_EQ(slot(0), bad_ste(6));
  EXPECT_EQ(slot(0), *o.event);  // the record bytes are the outcome's event
  EXPECT_EQ(prod(), 1u);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0], std::optional<uint64_t>(kQueue));
}

TEST_F(EventQueueTest, RecordsAreAppendedAt32ByteStride) {  // §3.5.1, §7.3: 32-byte records, appended in order
  program_queue(kQueue, kLog2, 5, 5);
  fault(7);
  fault(8);
  EXPECT_EQ(slot(5), bad_ste(7));  // kQueue + 0xA0
  EXPECT_EQ(slot(6), bad_ste(8));  // kQueue + 0xC0
  EXPECT_EQ(slot(0), EventRecord{});
  EXPECT_EQ(prod(), 7u);
}

TEST_F(EventQueueTest, IndexWrapsAndTogglesWrapBit) {
  // §6.3.95: "When incremented by the SMMU, the WR index is always wrapped": 7 + 1 gives WR = 0, WR_WRAP = 1.
  program_queue(kQueue, kLog2, 7, 7);
  fault(9);
  EXPECT_EQ(slot(7), bad_ste(9));
  EXPECT_EQ(prod(), kWrap | 0);
  fault(10);
  EXPECT_EQ(slot(0), bad_ste(10));
  EXPECT_EQ(prod(), kWrap | 1);
}

TEST_F(EventQueueTest, WrapBitClearsOnTheSecondWrap) {  // §3.5.1: the wrap flag toggles on each pass
  program_queue(kQueue, kLog2, kWrap | 7, kWrap | 6);  // one entry used, at index 6
  fault(11);
  EXPECT_EQ(slot(7), bad_ste(11));
  EXPECT_EQ(prod(), 0u);
}

TEST_F(EventQueueTest, FullQueueLosesTheRecordAndTogglesOvflg) {
  // §7.4: full when WR == RD with the wrap bits different; the new record is discarded, the existing entries
  // are not overwritten, and OVFLG toggles because no overflow was present (OVFLG == OVACKFLG).
  program_queue(kQueue, kLog2, kWrap | 0, 0);
  mem->poke64(kQueue, 0xAAAA);  // an unconsumed entry
  const Outcome o = fault(12);
  expect_event(o, EventType::C_BAD_STE, {{event::StreamID, 12}});  // still a recorded fault (§7.2)
  EXPECT_EQ(mem->peek64(kQueue), 0xAAAAu);
  EXPECT_EQ(prod(), kOvflg | kWrap);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_FALSE(rec.events[0].has_value());
}

TEST_F(EventQueueTest, SecondOverflowBeforeAcknowledgeIsInvisible) {
  // §7.4, §6.3.95: OVFLG "will not be updated until a prior overflow is acknowledged".
  program_queue(kQueue, kLog2, kWrap | 0, 0);
  fault(12);
  fault(13);
  fault(14);
  EXPECT_EQ(prod(), kOvflg | kWrap);
}

TEST_F(EventQueueTest, AcknowledgedOverflowCanBeReportedAgain) {
  // §6.3.96: software sets OVACKFLG = OVFLG; then a new overflow toggles OVFLG again (back to 0).
  program_queue(kQueue, kLog2, kWrap | 0, 0);
  fault(12);
  ASSERT_EQ(prod(), kOvflg | kWrap);
  wr(reg::EVENTQ_CONS, kOvackflg | 0);  // acknowledged, queue still full
  fault(13);
  EXPECT_EQ(prod(), kWrap | 0u);  // OVFLG 1 -> 0: now different from OVACKFLG = 1, an overflow is present
  fault(14);
  EXPECT_EQ(prod(), kWrap | 0u);  // not toggled again before the next acknowledgement
}

TEST_F(EventQueueTest, UnacknowledgedOverflowDoesNotStopDelivery) {
  // §7.4 note: a queue in an unacknowledged overflow state delivers normally once space exists.
  program_queue(kQueue, kLog2, kWrap | 0, 0);
  fault(12);
  wr(reg::EVENTQ_CONS, 1);  // one entry consumed, OVACKFLG left at 0
  fault(15);
  EXPECT_EQ(slot(0), bad_ste(15));
  EXPECT_EQ(prod(), kOvflg | kWrap | 1);  // OVFLG kept while PROD moves on
}

TEST_F(EventQueueTest, DisabledQueueDiscardsRecords) {
  // §6.3.29: "If SMMU_CR0.EVENTQEN == 0, no events are delivered into the queue"; PROD is unchanged.
  enable_eventq(false);
  const Outcome o = fault(6);
  expect_event(o, EventType::C_BAD_STE, {{event::StreamID, 6}});
  EXPECT_EQ(prod(), 0u);
  EXPECT_EQ(slot(0), EventRecord{});
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_FALSE(rec.events[0].has_value());
}

TEST_F(EventQueueTest, DisabledFullQueueIsNoOverflow) {  // §7.4, §6.3.95: discards with EVENTQEN == 0 are no overflow
  program_queue(kQueue, kLog2, kWrap | 0, 0);
  enable_eventq(false);
  fault(6);
  EXPECT_EQ(prod(), kWrap | 0u);
}

TEST_F(EventQueueTest, DeliveryContinuesAtProdAfterReenabling) {  // §6.3.9.4: enabling resets nothing
  fault(1);
  enable_eventq(false);
  fault(2);  // discarded
  enable_eventq(true);
  fault(3);
  EXPECT_EQ(slot(0), bad_ste(1));
  EXPECT_EQ(slot(1), bad_ste(3));
  EXPECT_EQ(prod(), 2u);
}

TEST_F(EventQueueTest, WriteAbortActivatesEventqAbtErrAndLosesTheRecord) {
  // §7.2.2, EVENTQ_WRITE_ABORT = synchronous: EVENTQ_ABT_ERR activates (GERROR toggles 0 -> 1), the PROD
  // index is not incremented for the aborting entry and the record is lost.
  mem->add_abort_range(kQueue, 32);
  const Outcome o = fault(6);
  expect_event(o, EventType::C_BAD_STE, {{event::StreamID, 6}});
  EXPECT_EQ(rd(reg::GERROR), regf::GERROR_EVENTQ_ABT_ERR.mask_in_place());
  EXPECT_TRUE(active(regf::GERROR_EVENTQ_ABT_ERR));
  EXPECT_EQ(prod(), 0u);
  EXPECT_EQ(regf::CR0_EVENTQEN.get(rd(reg::CR0)), 1u);  // §7.5: the error stops delivery; EVENTQEN stays 1
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_FALSE(rec.events[0].has_value());
}

TEST_F(EventQueueTest, AbortOnAnyPartOfTheRecordLosesIt) {  // §7.2.2: an abort on the record's write
  mem->add_abort_range(kQueue + 24, 8);  // only the last qword of slot 0 aborts
  fault(6);
  EXPECT_TRUE(active(regf::GERROR_EVENTQ_ABT_ERR));
  EXPECT_EQ(prod(), 0u);
}

TEST_F(EventQueueTest, RecordsAreDiscardedWhileEventqAbtErrIsActive) {
  // §7.2.1: the queue is not writable while an unacknowledged EVENTQ_ABT_ERR exists; §7.5: delivery stops.
  mem->add_abort_range(kQueue, 32);
  fault(6);
  program_queue(kQueue, kLog2, 1, 1);  // a writable slot; EVENTQEN does not clear the error
  ASSERT_TRUE(active(regf::GERROR_EVENTQ_ABT_ERR));
  fault(7);
  EXPECT_EQ(prod(), 1u);
  EXPECT_EQ(slot(1), EventRecord{});
}

TEST_F(EventQueueTest, AcknowledgingEventqAbtErrResumesDelivery) {  // §6.3.19: acknowledging deactivates the error
  mem->add_abort_range(kQueue, 32);
  fault(6);
  program_queue(kQueue, kLog2, 1, 1);
  acknowledge_all();
  EXPECT_FALSE(active(regf::GERROR_EVENTQ_ABT_ERR));
  fault(7);
  EXPECT_EQ(slot(1), bad_ste(7));
  EXPECT_EQ(prod(), 2u);
}

TEST_F(EventQueueTest, FullQueueWithEventqAbtErrActiveIsNoOverflow) {
  // §7.4 defines overflow for a discard "because the queue is full"; EVENTQ_FULL_DURING_ABT = no_overflow.
  mem->add_abort_range(kQueue, 32);
  fault(6);
  program_queue(kQueue, kLog2, kWrap | 2, 2);  // full
  fault(7);
  EXPECT_EQ(prod(), kWrap | 2u);
}

TEST_F(EventQueueTest, GerrorToggleSemantics) {
  // §6.3.19, §7.5: the SMMU toggles GERROR[x] to activate; software toggles GERRORN[x] to match. A later
  // occurrence toggles GERROR[x] again, back to 0, and is active because GERRORN[x] is now 1.
  mem->add_abort_range(kQueue, 32);
  fault(6);
  EXPECT_EQ(regf::GERROR_EVENTQ_ABT_ERR.get(rd(reg::GERROR)), 1u);
  acknowledge_all();
  EXPECT_EQ(rd(reg::GERRORN), regf::GERROR_EVENTQ_ABT_ERR.mask_in_place());
  EXPECT_FALSE(active(regf::GERROR_EVENTQ_ABT_ERR));
  fault(7);  // slot 0 again: aborts again
  EXPECT_EQ(regf::GERROR_EVENTQ_ABT_ERR.get(rd(reg::GERROR)), 0u);
  EXPECT_TRUE(active(regf::GERROR_EVENTQ_ABT_ERR));
}

TEST_F(EventQueueTest, Log2SizeAboveEventqsIsCapped) {
  // §6.3.29: any use of LOG2SIZE is capped at IDR1.EVENTQS, except readback. With EVENTQS = 3, LOG2SIZE = 5
  // gives 8 entries: index 7 wraps to index 0 (kQueue + 0), not to index 8 (kQueue + 0x100).
  Features f;
  f.eventqs = 3;
  rebuild(f);
  program_queue(kQueue, 5, 7, 7);
  EXPECT_EQ(regf::QUEUE_BASE_LOG2SIZE.get(smmu->mmio_read(reg::EVENTQ_BASE.offset, 8)), 5u);
  fault(1);
  fault(2);
  EXPECT_EQ(slot(7), bad_ste(1));
  EXPECT_EQ(slot(0), bad_ste(2));
  EXPECT_EQ(slot(8), EventRecord{});
  EXPECT_EQ(prod(), kWrap | 1u);  // the wrap bit is bit 3, the capped QS
}

TEST_F(EventQueueTest, BaseLowBitsBelowTheQueueSizeAreIgnored) {
  // §6.3.29: the effective base is aligned to the larger of the queue size (8 * 32 = 256 bytes) and 32 bytes.
  program_queue(kQueue + 0xE0, kLog2, 0, 0);
  fault(4);
  EXPECT_EQ(slot(0), bad_ste(4));
  EXPECT_EQ(slot(7), EventRecord{});
}

TEST_F(EventQueueTest, OneEntryQueueUses32ByteAlignment) {
  // §6.3.29, §6.3.95: LOG2SIZE = 0 is one entry, 32-byte aligned, with WR_WRAP at bit 0 and no index bits.
  program_queue(kQueue + 0x20, 0, 0, 0);
  fault(4);
  EXPECT_EQ(slot(1), bad_ste(4));  // kQueue + 0x20
  EXPECT_EQ(prod(), 1u);
  fault(5);  // full: PROD = 1, CONS = 0
  EXPECT_EQ(prod(), kOvflg | 1);
  EXPECT_EQ(slot(0), EventRecord{});
}

TEST_F(EventQueueTest, UnrecordedBadStreamIdWritesNothing) {
  // §6.3.12, §7.3.3: with CR2.RECINVSID = 0, C_BAD_STREAMID is not recorded. (CR2 is read-only while SMMUEN
  // is 1, so the fixture sets it directly.)
  set_cr2(/*recinvsid=*/false, false);
  expect_event(fault(256), EventType::C_BAD_STREAMID, {{event::StreamID, 256}}, /*recorded=*/false);
  EXPECT_EQ(prod(), 0u);
  EXPECT_EQ(slot(0), EventRecord{});
  EXPECT_TRUE(rec.events.empty());
  set_cr2(/*recinvsid=*/true, false);
  expect_event(fault(256), EventType::C_BAD_STREAMID, {{event::StreamID, 256}});
  EXPECT_EQ(prod(), 1u);
  EXPECT_EQ(event::EVENT_TYPE.get(mem->peek64(kQueue)), 0x02u);  // C_BAD_STREAMID (§7.3.3)
}

TEST_F(EventQueueTest, CdRecordZeroSuppressesTranslationFaultRecords) {
  // §5.4 CD.R, §5.5: a stage-1 translation fault with CD.R = 0 is not recorded. An empty TTB0 table gives an
  // F_TRANSLATION; SID 3 has R = 0, SID 4 (the control) R = 1.
  PageTable pt(*mem, *alloc, 12, 39, 1);
  strtab->set_ste(3, ste_stage1(S1Config{.context_ptr = place_cd(make_cd(CdConfig{.ttb0 = pt.root(), .record = false}))}));
  strtab->set_ste(4, ste_stage1(S1Config{.context_ptr = place_cd(make_cd(CdConfig{.ttb0 = pt.root()}))}));
  expect_event(fault(3), EventType::F_TRANSLATION, {{event::StreamID, 3}}, /*recorded=*/false);
  EXPECT_EQ(prod(), 0u);
  EXPECT_EQ(slot(0), EventRecord{});
  expect_event(fault(4), EventType::F_TRANSLATION, {{event::StreamID, 4}});
  EXPECT_EQ(prod(), 1u);
  EXPECT_EQ(event::EVENT_TYPE.get(mem->peek64(kQueue)), 0x10u);  // F_TRANSLATION (§7.3.13)
}

TEST_F(EventQueueTest, EventqMsiOnEmptyToNonEmptyOnly) {
  // §3.18.2: the Event queue interrupt is triggered when the queue transitions from empty to non-empty; the
  // MSI is a 32-bit write of EVENTQ_IRQ_CFG1.DATA to EVENTQ_IRQ_CFG0.ADDR (§6.3.30, §6.3.31).
  eventq_irq(kMsi, kMsiData);
  fault(1);
  ASSERT_EQ(rec.msis.size(), 1u);
  EXPECT_EQ(rec.msis[0].pa, kMsi);
  EXPECT_EQ(rec.msis[0].data, kMsiData);
  EXPECT_TRUE(rec.msis[0].ok);
  EXPECT_EQ(mem->read(kMsi, 4), std::optional<uint64_t>(kMsiData));
  fault(2);  // the queue was already non-empty
  EXPECT_EQ(rec.msis.size(), 1u);
}

TEST_F(EventQueueTest, EventqMsiAgainAfterTheQueueIsDrained) {  // §3.18.2: a new empty -> non-empty transition
  eventq_irq(kMsi, kMsiData);
  fault(1);
  fault(2);
  wr(reg::EVENTQ_CONS, 2);  // software consumed both: empty
  fault(3);
  EXPECT_EQ(rec.msis_to(kMsi), 2u);
}

TEST_F(EventQueueTest, NoEventqMsiWhileTheInterruptIsDisabled) {  // §6.3.16: EVENTQ_IRQEN gates MSIs
  smmu->mmio_write(reg::EVENTQ_IRQ_CFG0.offset, 8, kMsi);
  wr(reg::EVENTQ_IRQ_CFG1, kMsiData);
  fault(1);
  EXPECT_TRUE(rec.msis.empty());
  EXPECT_EQ(mem->read(kMsi, 4), std::optional<uint64_t>(0));
}

TEST_F(EventQueueTest, EnablingTheInterruptOnANonEmptyQueueSendsNothing) {
  // §6.3.16: no interrupt for an occurrence before the source was enabled; later records find the queue
  // non-empty, so there is no new transition either.
  fault(1);
  eventq_irq(kMsi, kMsiData);
  EXPECT_TRUE(rec.msis.empty());
  fault(2);
  EXPECT_TRUE(rec.msis.empty());
}

TEST_F(EventQueueTest, MsiAddressZeroSendsNone) {  // §6.3.30, §6.3.21: if ADDR == 0, no MSI is sent
  eventq_irq(0, kMsiData);
  fault(1);
  EXPECT_TRUE(rec.msis.empty());
  EXPECT_EQ(rd(reg::GERROR), 0u);
  EXPECT_EQ(prod(), 1u);
}

TEST_F(EventQueueTest, MsiAddressBitsOneAndZeroAreZero) {  // §6.3.21: bits [1:0] of the effective address are zero
  eventq_irq(kMsi | 0b11, kMsiData);
  fault(1);
  ASSERT_EQ(rec.msis.size(), 1u);
  EXPECT_EQ(rec.msis[0].pa, kMsi);
}

TEST_F(EventQueueTest, AbortedEventqMsiActivatesMsiEventqAbtErr) {
  // §6.3.19 MSI_EVENTQ_ABT_ERR: "an Event queue MSI was terminated with abort"; the record itself stays.
  mem->add_abort_range(kMsi, 4);
  eventq_irq(kMsi, kMsiData);
  fault(1);
  EXPECT_EQ(rd(reg::GERROR), regf::GERROR_MSI_EVENTQ_ABT_ERR.mask_in_place());
  EXPECT_EQ(slot(0), bad_ste(1));
  EXPECT_EQ(prod(), 1u);
}

TEST_F(EventQueueTest, AbortedEventqMsiDoesNotAffectFutureMsis) {  // §6.3.19: "does not affect future MSIs"
  mem->add_abort_range(kMsi, 4);
  eventq_irq(kMsi, kMsiData);
  fault(1);
  wr(reg::EVENTQ_CONS, 1);
  fault(2);  // a new transition while MSI_EVENTQ_ABT_ERR is still active: the MSI is attempted again
  EXPECT_EQ(rec.msis_to(kMsi), 2u);
  EXPECT_TRUE(active(regf::GERROR_MSI_EVENTQ_ABT_ERR));
}

TEST_F(EventQueueTest, AbortedWriteToAnEmptyQueueSendsNoEventqMsi) {
  // §7.2.2: a synchronous abort writing to an empty queue leaves it empty, so the non-empty IRQ is not triggered.
  mem->add_abort_range(kQueue, 32);
  eventq_irq(kMsi, kMsiData);
  fault(1);
  EXPECT_TRUE(rec.msis.empty());
}

TEST_F(EventQueueTest, GerrorMsiWhenAnErrorActivates) {
  // §7.5.1: a GERROR interrupt when the SMMU activates an error, with GERROR_IRQEN == 1; the MSI writes
  // GERROR_IRQ_CFG1.DATA to GERROR_IRQ_CFG0.ADDR (§6.3.21, §6.3.22).
  gerror_irq(kGerrMsi, kGerrData);
  mem->add_abort_range(kQueue, 32);
  fault(1);
  ASSERT_EQ(rec.msis.size(), 1u);
  EXPECT_EQ(rec.msis[0].pa, kGerrMsi);
  EXPECT_EQ(rec.msis[0].data, kGerrData);
  EXPECT_EQ(mem->read(kGerrMsi, 4), std::optional<uint64_t>(kGerrData));
}

TEST_F(EventQueueTest, NoGerrorMsiWhileTheInterruptIsDisabled) {  // §7.5.1: only when GERROR_IRQEN == 1
  smmu->mmio_write(reg::GERROR_IRQ_CFG0.offset, 8, kGerrMsi);
  wr(reg::GERROR_IRQ_CFG1, kGerrData);
  mem->add_abort_range(kQueue, 32);
  fault(1);
  EXPECT_TRUE(active(regf::GERROR_EVENTQ_ABT_ERR));
  EXPECT_TRUE(rec.msis.empty());
}

TEST_F(EventQueueTest, GerrorMsiNotRepeatedForAnAlreadyActiveError) {
  // §7.5: a new occurrence while the error is active is not logged, so no new activation and no interrupt.
  // Two aborted Event queue MSIs: only the first activates MSI_EVENTQ_ABT_ERR and sends a GERROR MSI.
  mem->add_abort_range(kMsi, 4);
  eventq_irq(kMsi, kMsiData);
  gerror_irq(kGerrMsi, kGerrData);
  fault(1);
  wr(reg::EVENTQ_CONS, 1);
  fault(2);
  EXPECT_EQ(rec.msis_to(kMsi), 2u);
  EXPECT_EQ(rec.msis_to(kGerrMsi), 1u);
  acknowledge_all();  // after acknowledgement a new occurrence activates and interrupts again
  wr(reg::EVENTQ_CONS, 2);
  fault(3);
  EXPECT_EQ(rec.msis_to(kGerrMsi), 2u);
  EXPECT_TRUE(active(regf::GERROR_MSI_EVENTQ_ABT_ERR));
  EXPECT_EQ(regf::GERROR_MSI_EVENTQ_ABT_ERR.get(rd(reg::GERROR)), 0u);  // toggled back
}

TEST_F(EventQueueTest, EnablingGerrorIrqWithAnActiveErrorSendsNothing) {
  // §6.3.16: no interrupt may be triggered for an occurrence before the source was enabled.
  mem->add_abort_range(kQueue, 32);
  fault(1);
  ASSERT_TRUE(active(regf::GERROR_EVENTQ_ABT_ERR));
  gerror_irq(kGerrMsi, kGerrData);
  fault(2);  // discarded while the error is active: no new activation
  EXPECT_TRUE(rec.msis.empty());
}

TEST_F(EventQueueTest, AbortedGerrorMsiActivatesMsiGerrorAbtErrWithoutAnotherMsi) {
  // §6.3.19 MSI_GERROR_ABT_ERR; §7.5.1: its activation does not trigger a GERROR interrupt.
  mem->add_abort_range(kGerrMsi, 4);
  gerror_irq(kGerrMsi, kGerrData);
  mem->add_abort_range(kQueue, 32);
  fault(1);
  EXPECT_EQ(rd(reg::GERROR),
            regf::GERROR_EVENTQ_ABT_ERR.mask_in_place() | regf::GERROR_MSI_GERROR_ABT_ERR.mask_in_place());
  ASSERT_EQ(rec.msis.size(), 1u);
  EXPECT_FALSE(rec.msis[0].ok);
}

TEST_F(EventQueueTest, GerrorMsiAddressZeroSendsNone) {  // §6.3.21: ADDR == 0, no MSI
  gerror_irq(0, kGerrData);
  mem->add_abort_range(kQueue, 32);
  fault(1);
  EXPECT_TRUE(rec.msis.empty());
  EXPECT_EQ(rd(reg::GERROR), regf::GERROR_EVENTQ_ABT_ERR.mask_in_place());
}

TEST_F(EventQueueTest, AbortedEventqMsiRaisesAGerrorMsi) {  // §7.5.1: MSI_EVENTQ_ABT_ERR does interrupt
  mem->add_abort_range(kMsi, 4);
  eventq_irq(kMsi, kMsiData);
  gerror_irq(kGerrMsi, kGerrData);
  fault(1);
  ASSERT_EQ(rec.msis.size(), 2u);
  EXPECT_EQ(rec.msis[0].pa, kMsi);
  EXPECT_FALSE(rec.msis[0].ok);
  EXPECT_EQ(rec.msis[1].pa, kGerrMsi);
  EXPECT_TRUE(rec.msis[1].ok);
}

}  // namespace
}  // namespace smmu::test
