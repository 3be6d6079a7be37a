// The register file of the Non-secure programming interface: Arm IHI 0070 §6.2 (access sizes, RES0,
// page 0 / page 1, Reserved offsets), §6.3.1-§6.3.32 and §6.3.95-§6.3.98 (each register's fields and when
// it is RW or RO), and our documented CONSTRAINED UNPREDICTABLE choices (specs/unpredictable.def):
// REG_WRITE_WHILE_ENABLED = ignored, PAGE0_QUEUE_ALIAS = raz_wi, MMIO_64BIT_PAIR = two_accesses_low_first,
// MMIO_PAGE1_RESERVED = res0, GBPA_WRITE_WITHOUT_UPDATE = ignored.
//
// Default features (Features{} clamped to the reference): IDR0.MSI = 1, PRI = ATS = 0, Hyp = 1, BTM = 0,
// ST_LEVEL = 1, IDR1.EVENTQS = CMDQS = 8, IDR5.OAS = 0b101 (48 bits). Every expected value below follows
// from those and the cited field descriptions.
#include "tests/fixture.h"

namespace smmu::test {
namespace {

using driver::FieldValue;

constexpr uint64_t kOnes32 = 0xFFFF'FFFF;
constexpr uint64_t kOnes64 = ~uint64_t{0};
constexpr uint64_t kOas48 = (uint64_t{1} << 48) - 1;  // IDR5.OAS = 0b101: 48-bit PAs (§6.3.6)
// reg_fields.def has no WR/RD field: §6.3.27/28/95/96 put the index and wrap bit in bits [19:0].
constexpr Field kQueueIndex{"QUEUE_INDEX", 0, 19, 0, "6.3.95"};

uint64_t val(std::initializer_list<FieldValue> fields) {
  uint64_t v = 0;
  for (const FieldValue& f : fields) f.field.set(v, f.value);
  return v;
}
uint64_t mask(std::initializer_list<Field> fields) {
  uint64_t m = 0;
  for (const Field& f : fields) m |= f.mask_in_place();
  return m;
}

class RegisterFileTest : public RefTest {
 protected:
  void SetUp() override {
    RefTest::SetUp();
    wr(reg::CR0, 0);  // everything disabled, CR0ACK too (the fixture set CR0 directly)
  }
  uint64_t rd(const Register& r) { return smmu->mmio_read(r.offset, 4); }
  uint64_t rd64(const Register& r) { return smmu->mmio_read(r.offset, 8); }
  void wr(const Register& r, uint64_t v) { smmu->mmio_write(r.offset, 4, v); }
  void wr64(const Register& r, uint64_t v) { smmu->mmio_write(r.offset, 8, v); }
  void cr0(std::initializer_list<Field> enables) { wr(reg::CR0, mask(enables)); }
  void irq_ctrl(std::initializer_list<Field> enables) { wr(reg::IRQ_CTRL, mask(enables)); }
  uint64_t queue_base(uint64_t addr, unsigned log2) { return addr | val({{regf::QUEUE_BASE_LOG2SIZE, log2}}); }
};

TEST_F(RegisterFileTest, ResetValuesOfControlAndErrorRegistersAreZero) {
  // §6.3.9, §6.3.10, §6.3.16, §6.3.18, §6.3.19, §6.3.20, §6.3.13: all fields reset to 0; §6.3.14 GBPA.Update resets to 0.
  harness::SparseMemory m;
  ref::ReferenceSmmu fresh(Features{}, m);
  for (const Register* r : {&reg::CR0, &reg::CR0ACK, &reg::IRQ_CTRL, &reg::IRQ_CTRLACK, &reg::GERROR, &reg::GERRORN})
    EXPECT_EQ(fresh.mmio_read(r->offset, 4), 0u) << r->name;
  EXPECT_EQ(fresh.mmio_read(reg::STATUSR.offset, 4), 0u);  // §6.3.13: DORMANT resets to 0
  EXPECT_EQ(regf::GBPA_Update.get(fresh.mmio_read(reg::GBPA.offset, 4)), 0u);
}

TEST_F(RegisterFileTest, IdRegistersAreReadOnly) {  // §6.2: "Read-only" means writes are ignored; IDRs constant
  EXPECT_EQ(regf::IDR1_EVENTQS.get(rd(reg::IDR1)), 8u);  // the requested 8, below the reference's 19
  EXPECT_EQ(regf::IDR0_MSI.get(rd(reg::IDR0)), 1u);
  EXPECT_EQ(regf::IDR0_PRI.get(rd(reg::IDR0)), 0u);
  for (const Register* r : {&reg::IDR0, &reg::IDR1, &reg::IDR2, &reg::IDR3, &reg::IDR4, &reg::IDR5, &reg::IIDR, &reg::AIDR}) {
    const uint64_t before = rd(*r);
    wr(*r, kOnes32);
    EXPECT_EQ(rd(*r), before) << r->name;
    wr(*r, 0);
    EXPECT_EQ(rd(*r), before) << r->name;
  }
}

TEST_F(RegisterFileTest, Cr0AckFollowsEachCr0Field) {  // §6.3.9, §6.3.10: CR0ACK shows the Updated value
  cr0({regf::CR0_SMMUEN, regf::CR0_EVENTQEN});
  EXPECT_EQ(rd(reg::CR0), mask({regf::CR0_SMMUEN, regf::CR0_EVENTQEN}));
  EXPECT_EQ(rd(reg::CR0ACK), mask({regf::CR0_SMMUEN, regf::CR0_EVENTQEN}));
  cr0({regf::CR0_CMDQEN});  // fields are independent: SMMUEN and EVENTQEN go back to 0
  EXPECT_EQ(rd(reg::CR0), mask({regf::CR0_CMDQEN}));
  EXPECT_EQ(rd(reg::CR0ACK), mask({regf::CR0_CMDQEN}));
  cr0({});
  EXPECT_EQ(rd(reg::CR0ACK), 0u);
}

TEST_F(RegisterFileTest, Cr0ReservedFieldsReadZeroInCr0AndCr0Ack) {
  // §6.3.9: [31:11], [9], [5] RES0; DPT_WALK_EN (IDR3.DPT = 0), VMW (IDR0.VMW = 0), ATSCHK (ATS = 0) and
  // PRIQEN (PRI = 0) are RES0 here, so only SMMUEN, EVENTQEN and CMDQEN hold a written 1.
  wr(reg::CR0, kOnes32);
  const uint64_t implemented = mask({regf::CR0_SMMUEN, regf::CR0_EVENTQEN, regf::CR0_CMDQEN});
  EXPECT_EQ(rd(reg::CR0), implemented);
  EXPECT_EQ(rd(reg::CR0ACK), implemented);  // §6.3.10: reserved CR0 fields are not reflected
}

TEST_F(RegisterFileTest, Cr0AckIsReadOnly) {  // §6.3.10: accesses are RO
  wr(reg::CR0ACK, kOnes32);
  EXPECT_EQ(rd(reg::CR0ACK), 0u);
  EXPECT_EQ(rd(reg::CR0), 0u);
}

TEST_F(RegisterFileTest, StrtabRegistersIgnoredWhileSmmuEnabled) {
  // §6.3.24, §6.3.25: RW only when CR0.SMMUEN == 0 and CR0ACK.SMMUEN == 0; IGNORED otherwise (v3.2).
  wr64(reg::STRTAB_BASE, 0x1000'0000);
  wr(reg::STRTAB_BASE_CFG, val({{regf::STRTAB_BASE_CFG_LOG2SIZE, 8}}));
  cr0({regf::CR0_SMMUEN});
  wr64(reg::STRTAB_BASE, 0x2000'0000);
  wr(reg::STRTAB_BASE_CFG, val({{regf::STRTAB_BASE_CFG_LOG2SIZE, 4}}));
  EXPECT_EQ(rd64(reg::STRTAB_BASE), 0x1000'0000u);
  EXPECT_EQ(rd(reg::STRTAB_BASE_CFG), val({{regf::STRTAB_BASE_CFG_LOG2SIZE, 8}}));
  cr0({});  // accepted again once SMMUEN is 0 in CR0 and CR0ACK
  wr64(reg::STRTAB_BASE, 0x2000'0000);
  wr(reg::STRTAB_BASE_CFG, val({{regf::STRTAB_BASE_CFG_LOG2SIZE, 4}}));
  EXPECT_EQ(rd64(reg::STRTAB_BASE), 0x2000'0000u);
  EXPECT_EQ(rd(reg::STRTAB_BASE_CFG), val({{regf::STRTAB_BASE_CFG_LOG2SIZE, 4}}));
}

TEST_F(RegisterFileTest, StrtabBaseGuardedByCr0AckToo) {
  // §6.3.24: RW only when CR0.SMMUEN == 0 *and* CR0ACK.SMMUEN == 0. A 1 -> 0 Update still in progress
  // (CR0 = 0, CR0ACK = 1; set directly, the reference completes Updates at once) keeps it RO.
  wr64(reg::STRTAB_BASE, 0x1000'0000);
  smmu->registers().cr0ack = static_cast<uint32_t>(mask({regf::CR0_SMMUEN}));
  wr64(reg::STRTAB_BASE, 0x2000'0000);
  EXPECT_EQ(rd64(reg::STRTAB_BASE), 0x1000'0000u);
}

TEST_F(RegisterFileTest, StrtabBaseNotGuardedByQueueEnables) {  // §6.3.24: only SMMUEN guards it
  cr0({regf::CR0_CMDQEN, regf::CR0_EVENTQEN});
  wr64(reg::STRTAB_BASE, 0x3000'0000);
  EXPECT_EQ(rd64(reg::STRTAB_BASE), 0x3000'0000u);
}

TEST_F(RegisterFileTest, Cr2IgnoredWhileSmmuEnabled) {  // §6.3.12: RW iff CR0.SMMUEN == 0 and CR0ACK.SMMUEN == 0
  wr(reg::CR2, 0);
  cr0({regf::CR0_SMMUEN});
  wr(reg::CR2, mask({regf::CR2_RECINVSID}));
  EXPECT_EQ(rd(reg::CR2), 0u);
  cr0({});
  wr(reg::CR2, mask({regf::CR2_RECINVSID}));
  EXPECT_EQ(rd(reg::CR2), mask({regf::CR2_RECINVSID}));
}

TEST_F(RegisterFileTest, Cr2ReservedBitsReadZero) {
  // §6.3.12: [31:4] RES0; REC_CFG_ATS RES0 (ATSRECERR = 0); PTM RES0 (BTM = 0); E2H exists (Hyp = 1).
  wr(reg::CR2, kOnes32);
  EXPECT_EQ(rd(reg::CR2), mask({regf::CR2_E2H, regf::CR2_RECINVSID}));
  Features f;
  f.hyp = false;  // §6.3.12: E2H is RES0 when IDR0.Hyp == 0
  reset(f);
  wr(reg::CR0, 0);
  wr(reg::CR2, kOnes32);
  EXPECT_EQ(rd(reg::CR2), mask({regf::CR2_RECINVSID}));
}

TEST_F(RegisterFileTest, Cr1TableFieldsFixedWhileSmmuEnabled) {
  // §6.3.11.1: TABLE_* are Guarded by SMMUEN (IGNORED from v3.2); QUEUE_* depend only on the queue enables.
  const uint64_t table = mask({regf::CR1_TABLE_IC, regf::CR1_TABLE_OC, regf::CR1_TABLE_SH});
  const uint64_t queue = mask({regf::CR1_QUEUE_IC, regf::CR1_QUEUE_OC, regf::CR1_QUEUE_SH});
  wr(reg::CR1, 0);
  cr0({regf::CR0_SMMUEN});
  wr(reg::CR1, table | queue);
  EXPECT_EQ(rd(reg::CR1), queue);
  cr0({});
  wr(reg::CR1, table | queue);
  EXPECT_EQ(rd(reg::CR1), table | queue);
}

TEST_F(RegisterFileTest, Cr1QueueFieldsFixedWhileAnyQueueEnabled) {
  // §6.3.11.2: QUEUE_* change only when CMDQEN, EVENTQEN (and PRIQEN) and their ACKs are all 0.
  const uint64_t table = mask({regf::CR1_TABLE_IC, regf::CR1_TABLE_OC, regf::CR1_TABLE_SH});
  const uint64_t queue = mask({regf::CR1_QUEUE_IC, regf::CR1_QUEUE_OC, regf::CR1_QUEUE_SH});
  for (const Field* en : {&regf::CR0_EVENTQEN, &regf::CR0_CMDQEN}) {
    wr(reg::CR0, 0);
    wr(reg::CR1, 0);
    wr(reg::CR0, en->mask_in_place());
    wr(reg::CR1, table | queue);
    EXPECT_EQ(rd(reg::CR1), table) << en->name;  // TABLE_* still writable: SMMUEN is 0
  }
}

TEST_F(RegisterFileTest, Cr1ReservedBitsReadZero) {  // §6.3.11: bits [31:12] RES0
  wr(reg::CR1, kOnes32);
  EXPECT_EQ(rd(reg::CR1), mask({regf::CR1_QUEUE_IC, regf::CR1_QUEUE_OC, regf::CR1_QUEUE_SH, regf::CR1_TABLE_IC,
                                regf::CR1_TABLE_OC, regf::CR1_TABLE_SH}));
}

TEST_F(RegisterFileTest, CmdqBaseAndConsIgnoredWhileCmdqEnabled) {
  // §6.3.26, §6.3.28: RW only when CR0.CMDQEN == 0 and CR0ACK.CMDQEN == 0 (IGNORED from v3.2).
  wr64(reg::CMDQ_BASE, queue_base(0x1000'0000, 3));
  wr(reg::CMDQ_CONS, 0);
  wr(reg::CMDQ_PROD, 0);
  cr0({regf::CR0_CMDQEN});  // PROD == CONS: an empty queue, nothing is fetched
  wr64(reg::CMDQ_BASE, queue_base(0x2000'0000, 4));
  wr(reg::CMDQ_CONS, 5);
  EXPECT_EQ(rd64(reg::CMDQ_BASE), queue_base(0x1000'0000, 3));
  EXPECT_EQ(kQueueIndex.get(rd(reg::CMDQ_CONS)), 0u);
  cr0({});
  wr64(reg::CMDQ_BASE, queue_base(0x2000'0000, 4));
  wr(reg::CMDQ_CONS, 5);
  EXPECT_EQ(rd64(reg::CMDQ_BASE), queue_base(0x2000'0000, 4));
  EXPECT_EQ(kQueueIndex.get(rd(reg::CMDQ_CONS)), 5u);
}

TEST_F(RegisterFileTest, CmdqProdWritableWhileCmdqEnabled) {
  // §6.3.27: CMDQ_PROD is always RW; a write makes the SMMU consider the queue. A CMD_SYNC (0x46) with
  // CS = SIG_NONE at index 0 is consumed, so CONS moves to 1.
  constexpr uint64_t kCmdq = 0x1000'0000;
  std::array<uint64_t, 2> sync{};
  cmd::Opcode.set(std::span<uint64_t>(sync), 0x46);
  mem->poke64(kCmdq, sync[0]);
  mem->poke64(kCmdq + 8, sync[1]);
  wr64(reg::CMDQ_BASE, queue_base(kCmdq, 3));
  wr(reg::CMDQ_PROD, 0);
  wr(reg::CMDQ_CONS, 0);
  cr0({regf::CR0_CMDQEN});
  wr(reg::CMDQ_PROD, 1);
  EXPECT_EQ(rd(reg::CMDQ_PROD), 1u);
  EXPECT_EQ(kQueueIndex.get(rd(reg::CMDQ_CONS)), 1u);
  EXPECT_EQ(rd(reg::GERROR), 0u);
}

TEST_F(RegisterFileTest, CmdqConsBitsAboveWrapReadAsZero) {
  // §6.3.28: CMDQ_CONS [31] and [23:20] RES0; with QS = LOG2SIZE = 3, bits [19:4] are RAZ, leaving RD[2:0] and
  // RD_WRAP[3]. (ERR may take or ignore the written value, §6.3.28, so it is not checked.)
  wr64(reg::CMDQ_BASE, queue_base(0x1000'0000, 3));
  wr(reg::CMDQ_CONS, kOnes32);
  EXPECT_EQ(rd(reg::CMDQ_CONS) & ~regf::CMDQ_CONS_ERR.mask_in_place(), 0b1111u);
}

TEST_F(RegisterFileTest, EventqBaseAndProdIgnoredWhileEventqEnabled) {
  // §6.3.29, §6.3.95: RW only when CR0.EVENTQEN == 0 and CR0ACK.EVENTQEN == 0 (IGNORED from v3.2).
  wr64(reg::EVENTQ_BASE, queue_base(0x1000'0000, 3));
  wr(reg::EVENTQ_PROD, 2);
  cr0({regf::CR0_EVENTQEN});
  wr64(reg::EVENTQ_BASE, queue_base(0x2000'0000, 4));
  wr(reg::EVENTQ_PROD, 6);
  EXPECT_EQ(rd64(reg::EVENTQ_BASE), queue_base(0x1000'0000, 3));
  EXPECT_EQ(rd(reg::EVENTQ_PROD), 2u);
  cr0({});
  wr64(reg::EVENTQ_BASE, queue_base(0x2000'0000, 4));
  wr(reg::EVENTQ_PROD, 6);
  EXPECT_EQ(rd64(reg::EVENTQ_BASE), queue_base(0x2000'0000, 4));
  EXPECT_EQ(rd(reg::EVENTQ_PROD), 6u);
}

TEST_F(RegisterFileTest, EventqBaseGuardedOnlyByEventqEn) {  // §6.3.29: SMMUEN and CMDQEN do not guard it
  cr0({regf::CR0_SMMUEN, regf::CR0_CMDQEN});
  wr64(reg::EVENTQ_BASE, queue_base(0x3000'0000, 2));
  EXPECT_EQ(rd64(reg::EVENTQ_BASE), queue_base(0x3000'0000, 2));
}

TEST_F(RegisterFileTest, EventqBaseGuardedByCr0AckToo) {  // §6.3.29: "... and SMMU_CR0ACK.EVENTQEN == 0"
  wr64(reg::EVENTQ_BASE, queue_base(0x1000'0000, 3));
  smmu->registers().cr0ack = static_cast<uint32_t>(mask({regf::CR0_EVENTQEN}));  // 1 -> 0 Update in progress
  wr64(reg::EVENTQ_BASE, queue_base(0x2000'0000, 3));
  EXPECT_EQ(rd64(reg::EVENTQ_BASE), queue_base(0x1000'0000, 3));
}

TEST_F(RegisterFileTest, EventqConsWritableWhileEventqEnabled) {  // §6.3.96: accesses are RW
  wr64(reg::EVENTQ_BASE, queue_base(0x1000'0000, 3));
  cr0({regf::CR0_EVENTQEN});
  wr(reg::EVENTQ_CONS, 3 | regf::EVENTQ_CONS_OVACKFLG.mask_in_place());
  EXPECT_EQ(rd(reg::EVENTQ_CONS), 3 | regf::EVENTQ_CONS_OVACKFLG.mask_in_place());
}

TEST_F(RegisterFileTest, EnablingTheEventQueueDoesNotResetItsIndexes) {
  // §6.3.9.4, §6.3.95, §6.3.96: software initialises PROD/CONS; the SMMU does not reset them on enable/disable.
  wr64(reg::EVENTQ_BASE, queue_base(0x1000'0000, 3));
  wr(reg::EVENTQ_PROD, 3);
  wr(reg::EVENTQ_CONS, 2);
  cr0({regf::CR0_EVENTQEN});
  EXPECT_EQ(rd(reg::EVENTQ_PROD), 3u);
  EXPECT_EQ(rd(reg::EVENTQ_CONS), 2u);
  cr0({});
  EXPECT_EQ(rd(reg::EVENTQ_PROD), 3u);
  EXPECT_EQ(rd(reg::EVENTQ_CONS), 2u);
}

TEST_F(RegisterFileTest, EventqProdAndConsReservedBits) {
  // §6.3.95: EVENTQ_PROD [30:20] RES0 and, with QS = 3, [19:4] RAZ: a write of all ones reads OVFLG | 0b1111.
  // §6.3.96: EVENTQ_CONS [30:20] RES0; [19:4] "might be stored", so only [30:20], RD and OVACKFLG are checked.
  wr64(reg::EVENTQ_BASE, queue_base(0x1000'0000, 3));
  wr(reg::EVENTQ_PROD, kOnes32);
  EXPECT_EQ(rd(reg::EVENTQ_PROD), regf::EVENTQ_PROD_OVFLG.mask_in_place() | 0b1111);
  wr(reg::EVENTQ_CONS, kOnes32);
  const uint64_t cons = rd(reg::EVENTQ_CONS);
  EXPECT_EQ(cons & ~(kQueueIndex.mask_in_place() | regf::EVENTQ_CONS_OVACKFLG.mask_in_place()), 0u);
  EXPECT_EQ(regf::EVENTQ_CONS_OVACKFLG.get(cons), 1u);
  EXPECT_EQ(cons & 0b1111, 0b1111u);
}

TEST_F(RegisterFileTest, QueueBaseReservedBitsReadZero) {
  // §6.3.26, §6.3.29: bit 63 and [61:56] RES0; ADDR bits above the 48-bit OAS RES0 (§6.2: read as zero).
  const uint64_t expect = regf::QUEUE_BASE_RA_WA.mask_in_place() |
                          (regf::QUEUE_BASE_ADDR.mask_in_place() & kOas48) | regf::QUEUE_BASE_LOG2SIZE.mask_in_place();
  wr64(reg::EVENTQ_BASE, kOnes64);
  EXPECT_EQ(rd64(reg::EVENTQ_BASE), expect);
  wr64(reg::CMDQ_BASE, kOnes64);
  EXPECT_EQ(rd64(reg::CMDQ_BASE), expect);
}

TEST_F(RegisterFileTest, StrtabReservedBitsReadZero) {
  // §6.3.24: 63, [61:56], [5:0] RES0, ADDR above OAS RES0; §6.3.25: [31:18], [15:11] RES0.
  wr64(reg::STRTAB_BASE, kOnes64);
  EXPECT_EQ(rd64(reg::STRTAB_BASE),
            regf::STRTAB_BASE_RA.mask_in_place() | (regf::STRTAB_BASE_ADDR.mask_in_place() & kOas48));
  wr(reg::STRTAB_BASE_CFG, kOnes32);
  EXPECT_EQ(rd(reg::STRTAB_BASE_CFG),
            mask({regf::STRTAB_BASE_CFG_LOG2SIZE, regf::STRTAB_BASE_CFG_SPLIT, regf::STRTAB_BASE_CFG_FMT}));
}

TEST_F(RegisterFileTest, StrtabFmtAndSplitAreRes0WithoutTwoLevelTables) {  // §6.3.25: when IDR0.ST_LEVEL == 0
  Features f;
  f.st_level = 0;
  reset(f);
  wr(reg::CR0, 0);
  wr(reg::STRTAB_BASE_CFG, kOnes32);
  EXPECT_EQ(rd(reg::STRTAB_BASE_CFG), regf::STRTAB_BASE_CFG_LOG2SIZE.mask_in_place());
}

TEST_F(RegisterFileTest, GbpaWriteWithoutUpdateIsIgnored) {  // §6.3.14.1: IGNORED in v3.2 (GBPA_WRITE_WITHOUT_UPDATE)
  wr(reg::GBPA, val({{regf::GBPA_ABORT, 1}, {regf::GBPA_Update, 1}}));
  wr(reg::GBPA, val({{regf::GBPA_SHCFG, 0b10}}));
  EXPECT_EQ(rd(reg::GBPA), val({{regf::GBPA_ABORT, 1}}));
}

TEST_F(RegisterFileTest, GbpaUpdateCompletesAndReservedBitsReadZero) {
  // §6.3.14: [30:21], [15:14], [7:5] RES0; Update reads 0 once the Update completes (at once here).
  wr(reg::GBPA, kOnes32);
  EXPECT_EQ(rd(reg::GBPA), mask({regf::GBPA_MemAttr, regf::GBPA_MTCFG, regf::GBPA_ALLOCCFG, regf::GBPA_SHCFG,
                                 regf::GBPA_PRIVCFG, regf::GBPA_INSTCFG, regf::GBPA_ABORT}));
  // A new value written with Update = 1 replaces every field.
  const uint64_t v = val({{regf::GBPA_SHCFG, 0b11}, {regf::GBPA_Update, 1}});
  wr(reg::GBPA, v);
  EXPECT_EQ(rd(reg::GBPA), val({{regf::GBPA_SHCFG, 0b11}}));
}

TEST_F(RegisterFileTest, IrqCtrlAckFollowsIrqCtrl) {
  // §6.3.16, §6.3.18: IRQ_CTRLACK mirrors IRQ_CTRL after the Update; [31:3] and PRIQ_IRQEN (PRI = 0) RES0.
  wr(reg::IRQ_CTRL, kOnes32);
  const uint64_t both = mask({regf::IRQ_CTRL_GERROR_IRQEN, regf::IRQ_CTRL_EVENTQ_IRQEN});
  EXPECT_EQ(rd(reg::IRQ_CTRL), both);
  EXPECT_EQ(rd(reg::IRQ_CTRLACK), both);
  irq_ctrl({regf::IRQ_CTRL_EVENTQ_IRQEN});
  EXPECT_EQ(rd(reg::IRQ_CTRLACK), mask({regf::IRQ_CTRL_EVENTQ_IRQEN}));
  wr(reg::IRQ_CTRLACK, kOnes32);  // §6.3.18: RO
  EXPECT_EQ(rd(reg::IRQ_CTRLACK), mask({regf::IRQ_CTRL_EVENTQ_IRQEN}));
}

TEST_F(RegisterFileTest, GerrorIrqCfgIgnoredWhileGerrorIrqEnabled) {
  // §6.3.21-§6.3.23: RW iff IRQ_CTRL.GERROR_IRQEN == 0 and IRQ_CTRLACK.GERROR_IRQEN == 0; the EVENTQ enable
  // does not guard them.
  wr64(reg::GERROR_IRQ_CFG0, 0x1000);
  wr(reg::GERROR_IRQ_CFG1, 0x11);
  wr(reg::GERROR_IRQ_CFG2, val({{regf::IRQ_CFG2_SH, 0b10}}));
  irq_ctrl({regf::IRQ_CTRL_GERROR_IRQEN});
  wr64(reg::GERROR_IRQ_CFG0, 0x2000);
  wr(reg::GERROR_IRQ_CFG1, 0x22);
  wr(reg::GERROR_IRQ_CFG2, val({{regf::IRQ_CFG2_SH, 0b11}}));
  EXPECT_EQ(rd64(reg::GERROR_IRQ_CFG0), 0x1000u);
  EXPECT_EQ(rd(reg::GERROR_IRQ_CFG1), 0x11u);
  EXPECT_EQ(rd(reg::GERROR_IRQ_CFG2), val({{regf::IRQ_CFG2_SH, 0b10}}));
  irq_ctrl({regf::IRQ_CTRL_EVENTQ_IRQEN});
  wr64(reg::GERROR_IRQ_CFG0, 0x2000);
  wr(reg::GERROR_IRQ_CFG1, 0x22);
  wr(reg::GERROR_IRQ_CFG2, val({{regf::IRQ_CFG2_SH, 0b11}}));
  EXPECT_EQ(rd64(reg::GERROR_IRQ_CFG0), 0x2000u);
  EXPECT_EQ(rd(reg::GERROR_IRQ_CFG1), 0x22u);
  EXPECT_EQ(rd(reg::GERROR_IRQ_CFG2), val({{regf::IRQ_CFG2_SH, 0b11}}));
}

TEST_F(RegisterFileTest, EventqIrqCfgIgnoredWhileEventqIrqEnabled) {
  // §6.3.30-§6.3.32 (the guard of §6.3.21, "common for all SMMU_*_IRQ_CFG{0,1,2}").
  wr64(reg::EVENTQ_IRQ_CFG0, 0x1000);
  wr(reg::EVENTQ_IRQ_CFG1, 0x11);
  wr(reg::EVENTQ_IRQ_CFG2, val({{regf::IRQ_CFG2_MemAttr, 0x1}}));
  irq_ctrl({regf::IRQ_CTRL_EVENTQ_IRQEN});
  wr64(reg::EVENTQ_IRQ_CFG0, 0x2000);
  wr(reg::EVENTQ_IRQ_CFG1, 0x22);
  wr(reg::EVENTQ_IRQ_CFG2, val({{regf::IRQ_CFG2_MemAttr, 0xF}}));
  EXPECT_EQ(rd64(reg::EVENTQ_IRQ_CFG0), 0x1000u);
  EXPECT_EQ(rd(reg::EVENTQ_IRQ_CFG1), 0x11u);
  EXPECT_EQ(rd(reg::EVENTQ_IRQ_CFG2), val({{regf::IRQ_CFG2_MemAttr, 0x1}}));
  irq_ctrl({regf::IRQ_CTRL_GERROR_IRQEN});
  wr64(reg::EVENTQ_IRQ_CFG0, 0x2000);
  wr(reg::EVENTQ_IRQ_CFG1, 0x22);
  wr(reg::EVENTQ_IRQ_CFG2, val({{regf::IRQ_CFG2_MemAttr, 0xF}}));
  EXPECT_EQ(rd64(reg::EVENTQ_IRQ_CFG0), 0x2000u);
  EXPECT_EQ(rd(reg::EVENTQ_IRQ_CFG1), 0x22u);
  EXPECT_EQ(rd(reg::EVENTQ_IRQ_CFG2), val({{regf::IRQ_CFG2_MemAttr, 0xF}}));
}

TEST_F(RegisterFileTest, IrqCfgGuardedByIrqCtrlAckToo) {
  // §6.3.21, §6.3.30: RW only when IRQ_CTRL.x_IRQEN == 0 *and* IRQ_CTRLACK.x_IRQEN == 0. A 1 -> 0 Update still
  // in progress (set directly; the reference completes Updates at once) keeps the registers RO.
  wr64(reg::GERROR_IRQ_CFG0, 0x1000);
  wr64(reg::EVENTQ_IRQ_CFG0, 0x1000);
  smmu->registers().irq_ctrlack = static_cast<uint32_t>(mask({regf::IRQ_CTRL_GERROR_IRQEN, regf::IRQ_CTRL_EVENTQ_IRQEN}));
  wr64(reg::GERROR_IRQ_CFG0, 0x2000);
  wr64(reg::EVENTQ_IRQ_CFG0, 0x2000);
  EXPECT_EQ(rd64(reg::GERROR_IRQ_CFG0), 0x1000u);
  EXPECT_EQ(rd64(reg::EVENTQ_IRQ_CFG0), 0x1000u);
}

TEST_F(RegisterFileTest, IrqCfgReservedBitsReadZero) {
  // §6.3.21, §6.3.30: CFG0 [63:56] and [1:0] RES0, ADDR above the OAS RES0; §6.3.22: CFG1 DATA is [31:0];
  // §6.3.23, §6.3.32: CFG2 [31:6] RES0.
  for (const Register* cfg0 : {&reg::GERROR_IRQ_CFG0, &reg::EVENTQ_IRQ_CFG0}) {
    wr64(*cfg0, kOnes64);
    EXPECT_EQ(rd64(*cfg0), regf::IRQ_CFG0_ADDR.mask_in_place() & kOas48) << cfg0->name;
  }
  for (const Register* cfg1 : {&reg::GERROR_IRQ_CFG1, &reg::EVENTQ_IRQ_CFG1}) {
    wr(*cfg1, kOnes32);
    EXPECT_EQ(rd(*cfg1), kOnes32) << cfg1->name;
  }
  for (const Register* cfg2 : {&reg::GERROR_IRQ_CFG2, &reg::EVENTQ_IRQ_CFG2}) {
    wr(*cfg2, kOnes32);
    EXPECT_EQ(rd(*cfg2), mask({regf::IRQ_CFG2_MemAttr, regf::IRQ_CFG2_SH})) << cfg2->name;
  }
}

TEST_F(RegisterFileTest, IrqCfgRegistersAbsentWithoutMsi) {
  // §6.3.21-§6.3.23, §6.3.30-§6.3.32: "present only when SMMU_IDR0.MSI == 1. Otherwise ... RES0".
  Features f;
  f.msi = false;
  reset(f);
  wr(reg::CR0, 0);
  EXPECT_EQ(regf::IDR0_MSI.get(rd(reg::IDR0)), 0u);
  for (const Register* r : {&reg::GERROR_IRQ_CFG0, &reg::EVENTQ_IRQ_CFG0}) {
    wr64(*r, 0x1000);
    EXPECT_EQ(rd64(*r), 0u) << r->name;
  }
  for (const Register* r : {&reg::GERROR_IRQ_CFG1, &reg::GERROR_IRQ_CFG2, &reg::EVENTQ_IRQ_CFG1, &reg::EVENTQ_IRQ_CFG2}) {
    wr(*r, 0x11);
    EXPECT_EQ(rd(*r), 0u) << r->name;
  }
}

TEST_F(RegisterFileTest, GerrorIsReadOnly) {  // §6.3.19: accesses are RO
  wr(reg::GERROR, kOnes32);
  EXPECT_EQ(rd(reg::GERROR), 0u);
}

TEST_F(RegisterFileTest, GerrornReadsLastWrittenDefinedFields) {
  // §6.3.20: "A read ... returns the values that were last written to the defined fields"; fields Reserved in
  // GERROR are Reserved here: [31:11], DPT_ERR (DPT = 0), CMDQP_ERR (ECMDQ = 0), PRIQ_ABT_ERR and MSI_PRIQ_ABT_ERR
  // (PRI = 0), bit 1.
  wr(reg::GERRORN, kOnes32);
  EXPECT_EQ(rd(reg::GERRORN), mask({regf::GERROR_CMDQ_ERR, regf::GERROR_EVENTQ_ABT_ERR, regf::GERROR_MSI_CMDQ_ABT_ERR,
                                    regf::GERROR_MSI_EVENTQ_ABT_ERR, regf::GERROR_MSI_GERROR_ABT_ERR,
                                    regf::GERROR_SFM_ERR}));
  wr(reg::GERRORN, 0);
  EXPECT_EQ(rd(reg::GERRORN), 0u);
}

TEST_F(RegisterFileTest, GerrornMsiBitsReservedWithoutMsi) {  // §6.3.19, §6.3.20: MSI_*_ABT_ERR only when MSI == 1
  Features f;
  f.msi = false;
  reset(f);
  wr(reg::CR0, 0);
  wr(reg::GERRORN, kOnes32);
  EXPECT_EQ(rd(reg::GERRORN), mask({regf::GERROR_CMDQ_ERR, regf::GERROR_EVENTQ_ABT_ERR, regf::GERROR_SFM_ERR}));
}

TEST_F(RegisterFileTest, HalvesOf64BitRegistersAreSeparatelyWritable) {
  // §6.2: bits [63:32] at +4 and [31:0] at +0, each written alone by an aligned 32-bit access.
  const uint32_t lo = reg::EVENTQ_IRQ_CFG0.offset, hi = lo + 4;
  smmu->mmio_write(lo, 4, 0x1234'5678);
  smmu->mmio_write(hi, 4, 0xABCD);
  EXPECT_EQ(rd64(reg::EVENTQ_IRQ_CFG0), 0xABCD'1234'5678u);
  smmu->mmio_write(lo, 4, 0x9ABC'DEF3);  // ADDR starts at bit 2: bits [1:0] are RES0
  EXPECT_EQ(smmu->mmio_read(lo, 4), 0x9ABC'DEF0u);
  EXPECT_EQ(smmu->mmio_read(hi, 4), 0xABCDu);  // the upper half is untouched
  smmu->mmio_write(hi, 4, 0x7);
  EXPECT_EQ(rd64(reg::EVENTQ_IRQ_CFG0), 0x7'9ABC'DEF0u);
}

TEST_F(RegisterFileTest, SixtyFourBitAccessToA64BitRegister) {  // §6.2: aligned 64-bit access is supported
  wr64(reg::STRTAB_BASE, 0x0000'1234'5678'9AC0);
  EXPECT_EQ(smmu->mmio_read(reg::STRTAB_BASE.offset, 4), 0x5678'9AC0u);
  EXPECT_EQ(smmu->mmio_read(reg::STRTAB_BASE.offset + 4, 4), 0x1234u);
  EXPECT_EQ(rd64(reg::STRTAB_BASE), 0x1234'5678'9AC0u);
}

TEST_F(RegisterFileTest, SixtyFourBitAccessToA32BitPair) {
  // §6.2 CU, MMIO_64BIT_PAIR = two_accesses_low_first: the low word goes to the register at the offset, the
  // high word to the one at +4; a read returns both.
  wr64(reg::CMDQ_BASE, queue_base(0x1000'0000, 3));
  wr64(reg::CMDQ_PROD, (uint64_t{3} << 32) | 5);  // CMDQ_PROD = 5, CMDQ_CONS = 3 (CMDQEN = 0)
  EXPECT_EQ(rd(reg::CMDQ_PROD), 5u);
  EXPECT_EQ(kQueueIndex.get(rd(reg::CMDQ_CONS)), 3u);
  EXPECT_EQ(kQueueIndex.get(rd64(reg::CMDQ_PROD) >> 32), 3u);
  EXPECT_EQ(rd64(reg::CMDQ_PROD) & kOnes32, 5u);
  // The page-1 EVENTQ_PROD/CONS pair.
  wr64(reg::EVENTQ_BASE, queue_base(0x2000'0000, 3));
  wr64(reg::EVENTQ_PROD, (uint64_t{6} << 32) | 4);
  EXPECT_EQ(rd(reg::EVENTQ_PROD), 4u);
  EXPECT_EQ(rd(reg::EVENTQ_CONS), 6u);
  EXPECT_EQ(rd64(reg::EVENTQ_PROD), (uint64_t{6} << 32) | 4);
  // GERROR_IRQ_CFG1 / CFG2.
  wr64(reg::GERROR_IRQ_CFG1, (val({{regf::IRQ_CFG2_SH, 0b11}}) << 32) | 0xCAFE'F00D);
  EXPECT_EQ(rd(reg::GERROR_IRQ_CFG1), 0xCAFE'F00Du);
  EXPECT_EQ(rd(reg::GERROR_IRQ_CFG2), val({{regf::IRQ_CFG2_SH, 0b11}}));
}

TEST_F(RegisterFileTest, Page1EventqProdAndConsAreAccessible) {  // §6.3.95, §6.3.96: page 1 offsets 0xA8/0xAC
  EXPECT_EQ(reg::EVENTQ_PROD.offset, reg::kPage1 + 0xA8);
  wr64(reg::EVENTQ_BASE, queue_base(0x1000'0000, 3));
  wr(reg::EVENTQ_PROD, 0b1010);  // WR = 2, WR_WRAP = 1
  wr(reg::EVENTQ_CONS, 0b0111);
  EXPECT_EQ(rd(reg::EVENTQ_PROD), 0b1010u);
  EXPECT_EQ(rd(reg::EVENTQ_CONS), 0b0111u);
}

TEST_F(RegisterFileTest, Page0EventqProdConsOffsetsAreRazWi) {
  // §6.2 CU, PAGE0_QUEUE_ALIAS = raz_wi: page-0 0xA8/0xAC neither read nor write the page-1 registers.
  const uint32_t p0_prod = reg::EVENTQ_PROD.offset - reg::kPage1, p0_cons = reg::EVENTQ_CONS.offset - reg::kPage1;
  wr64(reg::EVENTQ_BASE, queue_base(0x1000'0000, 3));
  wr(reg::EVENTQ_PROD, 3);
  wr(reg::EVENTQ_CONS, 2);
  EXPECT_EQ(smmu->mmio_read(p0_prod, 4), 0u);
  EXPECT_EQ(smmu->mmio_read(p0_cons, 4), 0u);
  EXPECT_EQ(smmu->mmio_read(p0_prod, 8), 0u);
  smmu->mmio_write(p0_prod, 4, 5);
  smmu->mmio_write(p0_cons, 4, 6);
  smmu->mmio_write(p0_prod, 8, kOnes64);
  EXPECT_EQ(rd(reg::EVENTQ_PROD), 3u);
  EXPECT_EQ(rd(reg::EVENTQ_CONS), 2u);
  EXPECT_EQ(smmu->mmio_read(p0_prod, 4), 0u);
}

TEST_F(RegisterFileTest, PriQueueRegistersAreRes0WithoutPri) {
  // §6.3.1 (PRI = 0: all SMMU_PRIQ_* Reserved), §6.3.33-§6.3.36, §6.3.97, §6.3.98: direct accesses are RES0;
  // the page-0 0xC8/0xCC aliases likewise (§6.2).
  for (const Register* r : {&reg::PRIQ_BASE, &reg::PRIQ_IRQ_CFG0}) {
    wr64(*r, kOnes64);
    EXPECT_EQ(rd64(*r), 0u) << r->name;
  }
  for (const Register* r : {&reg::PRIQ_IRQ_CFG1, &reg::PRIQ_IRQ_CFG2, &reg::PRIQ_PROD, &reg::PRIQ_CONS}) {
    wr(*r, kOnes32);
    EXPECT_EQ(rd(*r), 0u) << r->name;
  }
  for (uint32_t off : {reg::PRIQ_PROD.offset - reg::kPage1, reg::PRIQ_CONS.offset - reg::kPage1}) {
    smmu->mmio_write(off, 4, kOnes32);
    EXPECT_EQ(smmu->mmio_read(off, 4), 0u) << off;
  }
}

TEST_F(RegisterFileTest, UndefinedOffsetsAreRes0) {
  // §6.2: undefined page-0 locations are RES0; S2PII (0x30, IDR3.S2PI = 0), GATOS_CTRL (0x100, ATOS = 0) and
  // SMMU_S_IDR0 (0x8000, SECURE_IMPL = 0) are RES0 too. Page 1 (MMIO_PAGE1_RESERVED = res0): the page-1 offset
  // of CR0 neither aliases CR0 nor holds a value.
  for (uint32_t off : {0x30u, 0x38u, 0x100u, 0x8000u, reg::kPage1 + reg::CR0.offset, reg::kPage1 + reg::IDR0.offset}) {
    smmu->mmio_write(off, 4, kOnes32);
    EXPECT_EQ(smmu->mmio_read(off, 4), 0u) << off;
  }
  EXPECT_EQ(rd(reg::CR0), 0u);
}

}  // namespace
}  // namespace smmu::test
