// The Non-secure command queue protocol of the reference model: circular queue indexes and wrap bits
// (Arm IHI 0070 §3.5.1, §6.3.26-§6.3.28), when commands are processed (§4.1.2, §6.3.9.3), command errors and
// their recovery (§4.1.3, §7.1, §7.5), and CMD_SYNC completion with its MSI (§4.7.3).
// Command decoding and invalidation scopes are in command_queue_commands_test.cpp.
#include <vector>

#include "harness/driver/driver.h"
#include "tests/fixture.h"

namespace smmu::test {
namespace {

using Cmd = std::array<uint64_t, 2>;
using FieldList = std::initializer_list<std::pair<const Field*, uint64_t>>;

constexpr uint8_t kIll = static_cast<uint8_t>(CError::CERROR_ILL);
constexpr uint8_t kAbt = static_cast<uint8_t>(CError::CERROR_ABT);
constexpr uint32_t kRdMask = 0xFFFFF;  // §6.3.28: CMDQ_CONS.RD with its wrap bit, bits [19:0]
constexpr uint8_t kReservedOpcode = 0x09;  // §4.1.1: 0x08-0x0A are Reserved

Cmd command(Opcode op, FieldList fields = {}) { return driver::make_command(static_cast<uint8_t>(op), fields); }
Cmd nsnh_all() { return command(Opcode::CMD_TLBI_NSNH_ALL); }
Cmd reserved() { return driver::make_command(kReservedOpcode, {}); }
// §4.7.3: CS = 0b01 SIG_IRQ, MSIAddress[55:2], MSIData.
Cmd sync_irq(uint64_t msi_pa, uint32_t data) {
  return command(Opcode::CMD_SYNC, {{&cmd::CS, 0b01}, {&cmd::MSIAddress, msi_pa >> 2}, {&cmd::MSIData, data}});
}

struct Recorder : WalkObserver {
  struct Msi {
    uint64_t pa;
    uint32_t data;
    bool ok;
    uint32_t cons;  // CMDQ_CONS as software would read it when the MSI is observed
  };
  ref::ReferenceSmmu* smmu = nullptr;
  std::vector<CommandReport> commands;
  std::vector<Msi> msis;
  void command(const CommandReport& c) override { commands.push_back(c); }
  void msi(uint64_t pa, uint32_t data, bool ok) override {
    msis.push_back({pa, data, ok, static_cast<uint32_t>(smmu->mmio_read(reg::CMDQ_CONS.offset, 4))});
  }
  std::vector<uint32_t> indexes() const {
    std::vector<uint32_t> v;
    for (const CommandReport& c : commands) v.push_back(c.index);
    return v;
  }
};

class CommandQueueTest : public RefTest {
 protected:
  void SetUp() override {
    RefTest::SetUp();
    start_queue(4);
  }
  // §6.3.26: CMDQ_BASE, then PROD and CONS while CMDQEN = 0, then CR0.CMDQEN = 1 (SMMUEN kept as it is).
  void start_queue(unsigned log2size) {
    set_cmdqen(false);
    rec = Recorder{};
    rec.smmu = smmu.get();
    smmu->set_observer(&rec);
    log2_ = log2size;
    const uint64_t bytes = std::max<uint64_t>(uint64_t{16} << log2size, 32);
    base_ = alloc->alloc(bytes, bytes);
    write_base(base_, log2size);
    write(reg::CMDQ_PROD, 0);
    write(reg::CMDQ_CONS, 0);
    prod_ = 0;
    set_cmdqen(true);
  }
  void write_base(uint64_t base, unsigned log2size) {
    uint64_t b = 0;
    regf::QUEUE_BASE_ADDR.set(b, base >> 5);
    regf::QUEUE_BASE_LOG2SIZE.set(b, log2size);
    write(reg::CMDQ_BASE, b);
  }
  void write(const Register& r, uint64_t v) { smmu->mmio_write(r.offset, r.bits / 8, v); }
  uint64_t read(const Register& r) { return smmu->mmio_read(r.offset, r.bits / 8); }
  void set_cmdqen(bool on) {
    uint64_t cr0 = read(reg::CR0);
    regf::CR0_CMDQEN.set(cr0, on);
    write(reg::CR0, cr0);
  }

  uint32_t wrap_mask() const { return (2u << log2_) - 1; }
  uint64_t slot(uint32_t index) const { return base_ + 16 * (index & ((1u << log2_) - 1)); }
  void put(uint32_t index, const Cmd& c) {
    mem->poke64(slot(index), c[0]);
    mem->poke64(slot(index) + 8, c[1]);
  }
  // Writes the commands from software's PROD on, without publishing them.
  void produce(std::initializer_list<Cmd> cmds) {
    for (const Cmd& c : cmds) {
      put(prod_, c);
      prod_ = (prod_ + 1) & wrap_mask();
    }
  }
  void publish() { write(reg::CMDQ_PROD, prod_); }
  void submit(std::initializer_list<Cmd> cmds) {
    produce(cmds);
    publish();
  }

  uint32_t cons() { return static_cast<uint32_t>(read(reg::CMDQ_CONS)) & kRdMask; }
  uint8_t cons_err() { return static_cast<uint8_t>(regf::CMDQ_CONS_ERR.get(read(reg::CMDQ_CONS))); }
  bool active(const Field& bit) { return bit.get(read(reg::GERROR)) != bit.get(read(reg::GERRORN)); }
  // §6.3.20, §7.1: toggle GERRORN.<bit> so that it equals GERROR.<bit>.
  void acknowledge(const Field& bit) {
    uint64_t n = read(reg::GERRORN);
    bit.set(n, bit.get(read(reg::GERROR)));
    write(reg::GERRORN, n);
  }

  Recorder rec;
  unsigned log2_ = 4;
  uint64_t base_ = 0;
  uint32_t prod_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// Circular queue indexes (§3.5.1, §6.3.26-§6.3.28)

TEST_F(CommandQueueTest, ConsumesUpToProd) {  // §4.1.2: nothing beyond PROD.WR; §6.3.28: CONS after the last
  produce({nsnh_all(), nsnh_all(), nsnh_all()});
  write(reg::CMDQ_PROD, 2);
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(cons(), 2u);
  write(reg::CMDQ_PROD, 3);
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(cons(), 3u);
}

// §3.5.1, §6.3.28: RD wraps to 0 past the top entry and RD_WRAP (bit [QS]) toggles. Four entries: the
// second batch occupies slots 3, 0, 1 and ends with CONS = wrap | 2 = 0b110.
TEST_F(CommandQueueTest, WrapBitTogglesAcrossTheEnd) {
  start_queue(2);
  submit({nsnh_all(), nsnh_all(), nsnh_all()});
  EXPECT_EQ(cons(), 3u);
  submit({command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 10}}), command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 11}}),
          command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 12}})});
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1, 2, 3, 0b100, 0b101}));
  EXPECT_EQ(cons(), 0b110u);
  // The commands were read from slots 3, 0, 1 of the queue.
  ASSERT_EQ(rec.commands.size(), 6u);
  EXPECT_EQ(rec.commands[3].scope.sid, 10u);
  EXPECT_EQ(rec.commands[4].scope.sid, 11u);
  EXPECT_EQ(rec.commands[5].scope.sid, 12u);
}

TEST_F(CommandQueueTest, FullQueueIsConsumedEntirely) {  // §3.5.1: equal indexes, different wraps: full
  start_queue(2);
  submit({nsnh_all(), nsnh_all(), nsnh_all(), nsnh_all()});
  EXPECT_EQ(prod_, 0b100u);
  EXPECT_EQ(rec.commands.size(), 4u);
  EXPECT_EQ(cons(), 0b100u);
}

// §6.3.27: QS == 0 is a one-entry queue; there are no index bits and the wrap flag is bit 0.
TEST_F(CommandQueueTest, OneEntryQueue) {
  start_queue(0);
  submit({command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 1}})});
  EXPECT_EQ(cons(), 1u);
  submit({command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 2}})});
  EXPECT_EQ(cons(), 0u);
  ASSERT_EQ(rec.commands.size(), 2u);
  EXPECT_EQ(rec.commands[1].scope.sid, 2u);  // read again from the single slot
}

// §6.3.27: PROD bits [19:QS+1] are RES0 and have no effect. QS = 4: bit 19 set besides WR = 2.
TEST_F(CommandQueueTest, ProdBitsAboveWrapAreIgnored) {
  produce({nsnh_all(), nsnh_all()});
  write(reg::CMDQ_PROD, (1u << 19) | 2);
  EXPECT_EQ(rec.commands.size(), 2u);
  EXPECT_EQ(cons(), 2u);
}

// §6.3.26: LOG2SIZE above IDR1.CMDQS is capped at CMDQS for every use but readback. CMDQS = 2: LOG2SIZE = 7
// acts as 4 entries (wrap bit [2]), and the base is aligned to 64 bytes, not 2 KB.
TEST_F(CommandQueueTest, Log2SizeIsCappedAtCmdqs) {
  Features f;
  f.cmdqs = 2;
  reset(f);
  start_queue(2);
  set_cmdqen(false);
  base_ = alloc->alloc(4096, 4096) + 0x40;  // 64-byte aligned only
  write_base(base_, 7);
  write(reg::CMDQ_PROD, 0);
  write(reg::CMDQ_CONS, 0);
  set_cmdqen(true);
  EXPECT_EQ(regf::QUEUE_BASE_LOG2SIZE.get(read(reg::CMDQ_BASE)), 7u);
  submit({command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 1}}), command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 2}}),
          command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 3}}), command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 4}})});
  EXPECT_EQ(cons(), 0b100u);  // four entries fill the queue: PROD = wrap | 0
  submit({command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 5}})});
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1, 2, 3, 0b100}));
  EXPECT_EQ(cons(), 0b101u);
  ASSERT_EQ(rec.commands.size(), 5u);
  EXPECT_EQ(rec.commands[0].scope.sid, 1u);
  EXPECT_EQ(rec.commands[4].scope.sid, 5u);  // slot 0 again: base + 0x40
}

// §6.3.28: CONS is RW while CMDQEN == 0: processing starts from the written index.
TEST_F(CommandQueueTest, ConsIsWritableWhileDisabled) {
  set_cmdqen(false);
  write(reg::CMDQ_CONS, 5);
  write(reg::CMDQ_PROD, 5);
  prod_ = 5;
  set_cmdqen(true);
  submit({nsnh_all(), nsnh_all()});
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(cons(), 7u);
}

// §6.3.28: with QS < 19, CONS bits [19:QS+1] are RAZ. QS = 4: a write of 0x105 reads back as 5.
TEST_F(CommandQueueTest, ConsBitsAboveWrapReadAsZero) {
  set_cmdqen(false);
  write(reg::CMDQ_CONS, 0x105);
  EXPECT_EQ(cons(), 5u);
}

// ---------------------------------------------------------------------------------------------------------
// When commands are processed (§4.1.2, §6.3.9.3, §6.3.26, §6.3.28)

TEST_F(CommandQueueTest, NothingIsFetchedWhileDisabled) {  // §6.3.9.3: not fetched when CMDQEN == 0
  set_cmdqen(false);
  submit({nsnh_all(), nsnh_all()});
  EXPECT_TRUE(rec.commands.empty());
  EXPECT_EQ(cons(), 0u);
  set_cmdqen(true);  // §6.3.9.3: Update to 1 with a non-empty queue begins processing
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(cons(), 2u);
}

// §6.3.9.3: after CMDQEN 1 -> 0 CONS shows the first unprocessed command, which stays queued until the
// queue is enabled again.
TEST_F(CommandQueueTest, DisablingLeavesLaterCommandsQueued) {
  submit({nsnh_all()});
  set_cmdqen(false);
  submit({nsnh_all(), nsnh_all()});
  EXPECT_EQ(rec.commands.size(), 1u);
  EXPECT_EQ(cons(), 1u);
  set_cmdqen(true);
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(cons(), 3u);
}

// §6.3.26 (SMMUv3.2 and later): a CMDQ_BASE write while CMDQEN == 1 is IGNORED; commands still come from
// the old queue.
TEST_F(CommandQueueTest, BaseWriteIgnoredWhileEnabled) {
  const uint64_t before = read(reg::CMDQ_BASE);
  write_base(alloc->alloc(4096, 4096), 4);
  EXPECT_EQ(read(reg::CMDQ_BASE), before);
  submit({command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 77}})});
  ASSERT_EQ(rec.commands.size(), 1u);
  EXPECT_EQ(rec.commands[0].scope.sid, 77u);
}

TEST_F(CommandQueueTest, ConsWriteIgnoredWhileEnabled) {  // §6.3.28: RO unless CMDQEN == 0 and CR0ACK.CMDQEN == 0
  submit({nsnh_all(), nsnh_all()});
  write(reg::CMDQ_CONS, 0);
  EXPECT_EQ(cons(), 2u);
  submit({nsnh_all()});
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1, 2}));
}

// ---------------------------------------------------------------------------------------------------------
// Command errors (§4.1.3, §7.1, §7.5)

// §7.1: consumption stops at the first error, older commands are consumed, CONS.RD stays on the erroneous
// command, CONS.ERR holds the code, GERROR.CMDQ_ERR is activated; newer commands have no effect.
TEST_F(CommandQueueTest, IllegalCommandStopsConsumption) {
  submit({nsnh_all(), reserved(), nsnh_all()});
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1}));
  ASSERT_EQ(rec.commands.size(), 2u);
  EXPECT_EQ(rec.commands[0].error, 0);
  EXPECT_EQ(rec.commands[1].error, kIll);
  EXPECT_EQ(rec.commands[1].opcode, kReservedOpcode);
  EXPECT_EQ(cons(), 1u);
  EXPECT_EQ(cons_err(), kIll);
  EXPECT_TRUE(active(regf::GERROR_CMDQ_ERR));
  EXPECT_EQ(read(reg::GERRORN), 0u);  // §6.3.20: the SMMU never alters GERRORN
}

// §7.1, §6.3.27: while CMDQ_ERR is active nothing is consumed, even when software produces more.
TEST_F(CommandQueueTest, NothingConsumedWhileErrorActive) {
  submit({reserved()});
  submit({nsnh_all(), nsnh_all()});
  EXPECT_EQ(rec.commands.size(), 1u);
  EXPECT_EQ(cons(), 0u);
  EXPECT_TRUE(active(regf::GERROR_CMDQ_ERR));
}

// §7.1: software may replace the erroneous command while the error is active; acknowledging through GERRORN
// restarts processing from CONS.RD without a PROD write.
TEST_F(CommandQueueTest, AcknowledgeResumesFromConsWithoutProdWrite) {
  submit({nsnh_all(), reserved(), command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 2}})});
  put(1, command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 1}}));
  acknowledge(regf::GERROR_CMDQ_ERR);
  EXPECT_FALSE(active(regf::GERROR_CMDQ_ERR));
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1, 1, 2}));
  ASSERT_EQ(rec.commands.size(), 4u);
  EXPECT_EQ(rec.commands[2].error, 0);
  EXPECT_EQ(rec.commands[2].scope.sid, 1u);  // the replacement, re-fetched
  EXPECT_EQ(rec.commands[3].scope.sid, 2u);
  EXPECT_EQ(cons(), 3u);
}

// §7.1: commands at CONS.RD are re-fetched after the acknowledgement; the same illegal command fails again
// and GERROR.CMDQ_ERR toggles back (active again, GERROR bit 0 against GERRORN bit 1).
TEST_F(CommandQueueTest, UnfixedCommandFailsAgainAfterAcknowledge) {
  submit({reserved(), nsnh_all()});
  acknowledge(regf::GERROR_CMDQ_ERR);
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(cons(), 0u);
  EXPECT_TRUE(active(regf::GERROR_CMDQ_ERR));
  EXPECT_EQ(regf::GERROR_CMDQ_ERR.get(read(reg::GERROR)), 0u);
  EXPECT_EQ(regf::GERROR_CMDQ_ERR.get(read(reg::GERRORN)), 1u);
}

// §7.1: while the error is active PROD may move back as far as CONS, removing the unconsumed commands.
TEST_F(CommandQueueTest, ProdMovedBackToConsRemovesCommands) {
  submit({nsnh_all(), reserved(), nsnh_all()});
  prod_ = 1;
  publish();
  acknowledge(regf::GERROR_CMDQ_ERR);
  EXPECT_EQ(rec.commands.size(), 2u);
  EXPECT_EQ(cons(), 1u);
  submit({command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 9}})});
  ASSERT_EQ(rec.commands.size(), 3u);
  EXPECT_EQ(rec.commands[2].index, 1u);
  EXPECT_EQ(rec.commands[2].scope.sid, 9u);
  EXPECT_EQ(cons(), 2u);
}

// §6.3.28: CMDQEN changes neither clear nor acknowledge CMDQ_ERR; after an acknowledgement made while the
// queue is disabled, processing resumes when it is enabled.
TEST_F(CommandQueueTest, CmdqenDoesNotAcknowledgeTheError) {
  submit({reserved(), nsnh_all()});
  set_cmdqen(false);
  set_cmdqen(true);
  EXPECT_TRUE(active(regf::GERROR_CMDQ_ERR));
  EXPECT_EQ(rec.commands.size(), 1u);
  set_cmdqen(false);
  put(0, nsnh_all());
  acknowledge(regf::GERROR_CMDQ_ERR);
  EXPECT_EQ(rec.commands.size(), 1u);  // disabled: not fetched
  set_cmdqen(true);
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 0, 1}));
  EXPECT_EQ(cons(), 2u);
}

// §4.1.3, §7.1: an external abort reading a command is CERROR_ABT, and CONS must not move past it.
TEST_F(CommandQueueTest, AbortedCommandFetchIsCerrorAbt) {
  produce({nsnh_all(), nsnh_all(), nsnh_all()});
  mem->add_abort_range(slot(1), 16);
  publish();
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1}));
  ASSERT_EQ(rec.commands.size(), 2u);
  EXPECT_EQ(rec.commands[1].error, kAbt);
  EXPECT_EQ(cons(), 1u);
  EXPECT_EQ(cons_err(), kAbt);
  EXPECT_TRUE(active(regf::GERROR_CMDQ_ERR));
  // Re-fetched after the acknowledgement: the location still aborts.
  acknowledge(regf::GERROR_CMDQ_ERR);
  EXPECT_EQ(rec.indexes(), (std::vector<uint32_t>{0, 1, 1}));
  EXPECT_TRUE(active(regf::GERROR_CMDQ_ERR));
  EXPECT_EQ(cons(), 1u);
}

TEST_F(CommandQueueTest, AbortOnTheSecondHalfIsCerrorAbt) {  // §4.1.3: any external abort on the command
  produce({nsnh_all()});
  mem->add_abort_range(slot(0) + 8, 8);
  publish();
  ASSERT_EQ(rec.commands.size(), 1u);
  EXPECT_EQ(rec.commands[0].error, kAbt);
  EXPECT_EQ(cons(), 0u);
  EXPECT_EQ(cons_err(), kAbt);
}

// §7.5.1: activating CMDQ_ERR triggers the GERROR interrupt when GERROR_IRQEN == 1: an MSI of
// GERROR_IRQ_CFG1 to GERROR_IRQ_CFG0.ADDR (§6.3.21, §6.3.22).
TEST_F(CommandQueueTest, CommandErrorRaisesGerrorInterrupt) {
  uint64_t cfg0 = 0;
  regf::IRQ_CFG0_ADDR.set(cfg0, 0x7000'0100 >> 2);
  write(reg::GERROR_IRQ_CFG0, cfg0);
  write(reg::GERROR_IRQ_CFG1, 0x5A5A);
  uint64_t irq = 0;
  regf::IRQ_CTRL_GERROR_IRQEN.set(irq, 1);
  write(reg::IRQ_CTRL, irq);
  submit({reserved()});
  ASSERT_EQ(rec.msis.size(), 1u);
  EXPECT_EQ(rec.msis[0].pa, 0x7000'0100u);
  EXPECT_EQ(rec.msis[0].data, 0x5A5Au);
  EXPECT_EQ(mem->peek64(0x7000'0100) & 0xFFFF'FFFF, 0x5A5Au);
}

// ---------------------------------------------------------------------------------------------------------
// CMD_SYNC completion (§4.7.3)

// SIG_IRQ: a 32-bit write of MSIData to MSIAddress; the other half of the doubleword is untouched. Seeing
// the MSI implies the consumption of the CMD_SYNC is observable: CONS is already past it.
TEST_F(CommandQueueTest, SyncSigIrqWritesMsiData) {
  mem->poke64(0x7000'0040, 0x1111'1111'2222'2222);
  submit({nsnh_all(), sync_irq(0x7000'0040, 0xCAFE'F00D)});
  EXPECT_EQ(mem->peek64(0x7000'0040), 0x1111'1111'CAFE'F00Dull);
  ASSERT_EQ(rec.msis.size(), 1u);
  EXPECT_EQ(rec.msis[0].pa, 0x7000'0040u);
  EXPECT_EQ(rec.msis[0].data, 0xCAFE'F00Du);
  EXPECT_TRUE(rec.msis[0].ok);
  EXPECT_EQ(rec.msis[0].cons & kRdMask, 2u);
  EXPECT_EQ(cons(), 2u);
}

TEST_F(CommandQueueTest, SyncSigNoneSendsNothing) {  // §4.7.3 SIG_NONE: MSIAddress and MSIData IGNORED
  mem->poke64(0x7000'0040, 0);
  submit({command(Opcode::CMD_SYNC, {{&cmd::CS, 0b00}, {&cmd::MSIAddress, 0x7000'0040 >> 2}, {&cmd::MSIData, 1}})});
  EXPECT_TRUE(rec.msis.empty());
  EXPECT_EQ(mem->peek64(0x7000'0040), 0u);
  EXPECT_EQ(cons(), 1u);
}

// §4.7.3 SIG_SEV: with IDR0.SEV == 0 it is SIG_NONE, no completion signal.
TEST_F(CommandQueueTest, SyncSigSevWithoutSevSendsNothing) {
  submit({command(Opcode::CMD_SYNC, {{&cmd::CS, 0b10}, {&cmd::MSIAddress, 0x7000'0040 >> 2}, {&cmd::MSIData, 1}})});
  EXPECT_TRUE(rec.msis.empty());
  EXPECT_EQ(cons(), 1u);
}

TEST_F(CommandQueueTest, SyncWithZeroMsiAddressSendsNothing) {  // §4.7.3: the MSI is made if MSIAddress != 0
  mem->poke64(0, 0);
  submit({sync_irq(0, 0x1234)});
  EXPECT_TRUE(rec.msis.empty());
  EXPECT_EQ(mem->peek64(0), 0u);
  EXPECT_EQ(cons(), 1u);
}

TEST_F(CommandQueueTest, SyncWithoutMsiSupportSendsNothing) {  // §4.7.3: without MSIs, address and data IGNORED
  Features f;
  f.msi = false;
  reset(f);
  start_queue(4);
  submit({sync_irq(0x7000'0040, 0x1234)});
  EXPECT_TRUE(rec.msis.empty());
  EXPECT_EQ(mem->peek64(0x7000'0040), 0u);
  EXPECT_EQ(cons(), 1u);
}

// §4.7.3, §3.4.3: the zero test covers all of MSIAddress[55:2], then the address is truncated to the OAS
// (48 bits here). Bit 50 plus 0x6000'0100 writes at 0x6000'0100; bit 50 alone is non-zero and writes at 0.
TEST_F(CommandQueueTest, SyncMsiAddressIsTruncatedToOas) {
  submit({sync_irq((uint64_t{1} << 50) | 0x6000'0100, 0xAB)});
  EXPECT_EQ(mem->peek64(0x6000'0100), 0xABu);
  submit({sync_irq(uint64_t{1} << 50, 0xCD)});
  EXPECT_EQ(mem->peek64(0), 0xCDu);
  ASSERT_EQ(rec.msis.size(), 2u);
  EXPECT_EQ(rec.msis[1].pa, 0u);
}

TEST_F(CommandQueueTest, SyncWithReservedCsIsIllegal) {  // §4.7.3: CS = 0b11 Reserved, CERROR_ILL; no signal
  submit({command(Opcode::CMD_SYNC, {{&cmd::CS, 0b11}, {&cmd::MSIAddress, 0x7000'0040 >> 2}, {&cmd::MSIData, 1}})});
  ASSERT_EQ(rec.commands.size(), 1u);
  EXPECT_EQ(rec.commands[0].error, kIll);
  EXPECT_EQ(cons(), 0u);
  EXPECT_EQ(cons_err(), kIll);
  EXPECT_TRUE(active(regf::GERROR_CMDQ_ERR));
  EXPECT_TRUE(rec.msis.empty());
}

// §4.7.3, §7.5: an aborted CMD_SYNC MSI is not a command error: the CMD_SYNC is consumed and
// GERROR.MSI_CMDQ_ABT_ERR is activated; later commands are consumed.
TEST_F(CommandQueueTest, AbortedSyncMsiSetsMsiCmdqAbtErr) {
  mem->add_abort_range(0x7000'0000, 0x1000);
  submit({sync_irq(0x7000'0040, 1), nsnh_all()});
  ASSERT_EQ(rec.msis.size(), 1u);
  EXPECT_FALSE(rec.msis[0].ok);
  EXPECT_EQ(rec.commands.size(), 2u);
  EXPECT_EQ(rec.commands[0].error, 0);
  EXPECT_EQ(cons(), 2u);
  EXPECT_TRUE(active(regf::GERROR_MSI_CMDQ_ABT_ERR));
  EXPECT_FALSE(active(regf::GERROR_CMDQ_ERR));
}

// §7.5: the SMMU does not toggle an error that is already active; a later one, after the acknowledgement,
// toggles the bit again.
TEST_F(CommandQueueTest, SecondMsiAbortWhileActiveIsNotLogged) {
  mem->add_abort_range(0x7000'0000, 0x1000);
  submit({sync_irq(0x7000'0040, 1), sync_irq(0x7000'0080, 2)});
  EXPECT_EQ(rec.msis.size(), 2u);
  EXPECT_EQ(regf::GERROR_MSI_CMDQ_ABT_ERR.get(read(reg::GERROR)), 1u);
  acknowledge(regf::GERROR_MSI_CMDQ_ABT_ERR);
  EXPECT_FALSE(active(regf::GERROR_MSI_CMDQ_ABT_ERR));
  submit({sync_irq(0x7000'0040, 3)});
  EXPECT_EQ(regf::GERROR_MSI_CMDQ_ABT_ERR.get(read(reg::GERROR)), 0u);
  EXPECT_TRUE(active(regf::GERROR_MSI_CMDQ_ABT_ERR));
  EXPECT_EQ(cons(), 3u);
}

}  // namespace
}  // namespace smmu::test
