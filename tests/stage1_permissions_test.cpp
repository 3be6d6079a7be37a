// Stage-1 permissions, regimes and attributes: see tests/stage1_fixture.h for the sections covered.

#include "tests/stage1_fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------------
// Event record fields of translation-related faults (§7.3, §7.3.13).

TEST_F(Stage1Test, TranslationFaultRecordsTheTransaction) {  // §7.3.13: RnW/InD/PnU, SSV, S2 = 0, CLASS = IN
  CdTable cds(*mem, *alloc, /*cdmax=*/4, /*fmt=*/0);
  PageTable pt = make_table(12, 39, 1);
  cds.set_cd(3, make_cd(CdConfig{.ttb0 = pt.root()}));
  strtab->set_ste(kSid, ste_stage1(S1Config{.context_ptr = cds.context_ptr(), .cdmax = 4}));
  const uint64_t va = 0x12'3456'7890;
  // A write: RnW = 0, and InD = 0 even though the client asked for an instruction access (§13.1.2).
  expect_event(dma(kSid, va, /*read=*/false, /*ssid=*/3, /*priv=*/false, /*instr=*/true), EventType::F_TRANSLATION,
               {{event::StreamID, kSid},
                {event::SSV, 1},
                {event::SubstreamID, 3},
                {event::RnW, 0},
                {event::InD, 0},
                {event::PnU, 0},
                {event::InputAddr, va},
                {event::S2, 0},
                {event::CLASS, kClassIN}});
  // A privileged instruction fetch.
  expect_event(dma(kSid, va, /*read=*/true, /*ssid=*/3, /*priv=*/true, /*instr=*/true), EventType::F_TRANSLATION,
               {{event::SSV, 1}, {event::RnW, 1}, {event::InD, 1}, {event::PnU, 1}, {event::InputAddr, va}});
}

TEST_F(Stage1Test, TranslationFaultWithoutSubstreamHasSsvZero) {  // §7.3: SSV = 0 without a SubstreamID
  setup();
  expect_event(read(0x5000), EventType::F_TRANSLATION,
               {{event::StreamID, kSid}, {event::SSV, 0}, {event::RnW, 1}, {event::InD, 0}, {event::InputAddr, 0x5000}});
}

TEST_F(Stage1Test, CdRecordAndAbortControlStage1Faults) {  // §5.5: R suppresses the record, A = 0 is RAZ/WI
  setup({}, CdConfig{.record = false});
  Outcome o = read(0x5000);
  expect_event(o, EventType::F_TRANSLATION, {{event::InputAddr, 0x5000}}, /*recorded=*/false);
  setup({}, CdConfig{.abort = false});
  expect_event(read(0x5000), EventType::F_TRANSLATION, {{event::InputAddr, 0x5000}}, /*recorded=*/true,
               OutcomeKind::CompletedRazWi);
}

// ---------------------------------------------------------------------------------------------------------
// Stage-1 Direct permissions in the EL1&0 regime (§13.4.1; Arm ARM D8.4, Tables D8-63 and D8-65).

TEST_F(Stage1Test, ApControlsPrivilegedAndUnprivilegedDataAccess) {  // D8.4 Table D8-63 (AP[2:1])
  struct Row {
    unsigned ap;
    bool priv_read, priv_write, user_read, user_write;
  };
  const Row rows[] = {{0b00, true, true, false, false},
                      {0b01, true, true, true, true},
                      {0b10, true, false, false, false},
                      {0b11, true, false, true, false}};
  PageTable pt = setup();
  for (const Row& r : rows) map_page(pt, 0x10'0000 + r.ap * k4K, 0x3'0000'0000 + r.ap * k4K, S1Leaf{.ap = r.ap});
  for (const Row& r : rows) {
    SCOPED_TRACE(r.ap);
    const uint64_t va = 0x10'0000 + r.ap * k4K + 0x10, pa = 0x3'0000'0000 + r.ap * k4K + 0x10;
    auto check = [&](const Outcome& o, bool allowed) {
      if (allowed) expect_success(o, pa);
      else expect_permission_fault(o, va);
    };
    check(read(va, true), r.priv_read);
    check(write(va, true), r.priv_write);
    check(read(va, false), r.user_read);
    check(write(va, false), r.user_write);
  }
}

TEST_F(Stage1Test, OutcomeReportsGrantedPermissions) {  // model.h Permissions for the access's privilege
  PageTable pt = setup();
  map_page(pt, 0x1234'5000, 0x2'0000'0000, S1Leaf{.ap = 0b11, .uxn = true});
  Outcome o = read(0x1234'5000);
  expect_success(o, 0x2'0000'0000);
  EXPECT_EQ(o.perms, (Permissions{.read = true, .write = false, .exec = false}));
  o = read(0x1234'5000, /*priv=*/true);
  expect_success(o, 0x2'0000'0000);
  EXPECT_EQ(o.perms, (Permissions{.read = true, .write = false, .exec = true}));
}

TEST_F(Stage1Test, UxnForbidsUnprivilegedInstructionFetch) {  // D8.4 R_RBDFT: UXN removes UnprivExecute
  PageTable pt = setup();
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b11, .uxn = true});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b11});
  expect_permission_fault(fetch(0x1010), 0x1010);
  expect_success(fetch(0x1010, /*priv=*/true), 0x2'0000'1010);  // PXN == 0
  expect_success(read(0x1010), 0x2'0000'1010);                   // XN does not stop data reads
  expect_success(fetch(0x2010), 0x2'0000'2010);
}

TEST_F(Stage1Test, PxnForbidsPrivilegedInstructionFetch) {  // D8.4 R_LWPVL: PXN removes PrivExecute
  PageTable pt = setup();
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00, .pxn = true});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b00});
  expect_permission_fault(fetch(0x1010, /*priv=*/true), 0x1010);
  expect_success(fetch(0x2010, /*priv=*/true), 0x2'0000'2010);
  // Execute needs no read permission: AP = 0b00 with UXN = 0 is execute-only at EL0 (Table D8-65).
  expect_success(fetch(0x1010), 0x2'0000'1010);
}

TEST_F(Stage1Test, El0WritableMemoryIsImplicitlyPxn) {  // D8.4 R_VWLLR; §5.4 UWXN note
  PageTable pt = setup();
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b01});  // EL0 read/write
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b11});  // EL0 read-only
  expect_permission_fault(fetch(0x1010, /*priv=*/true), 0x1010);
  expect_success(fetch(0x1010), 0x2'0000'1010);
  expect_success(fetch(0x2010, /*priv=*/true), 0x2'0000'2010);
}

TEST_F(Stage1Test, WxnForbidsFetchFromWritableMemory) {  // §5.4 WXN; D8.4 R_SYMMB, R_FYMXJ
  PageTable pt = setup({{cd::WXN, 1}});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});  // privileged read/write
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b10});  // privileged read-only
  map_page(pt, 0x3000, 0x2'0000'3000, S1Leaf{.ap = 0b01});  // EL0 read/write
  map_page(pt, 0x4000, 0x2'0000'4000, S1Leaf{.ap = 0b11});  // EL0 read-only
  expect_permission_fault(fetch(0x1010, /*priv=*/true), 0x1010);
  expect_success(fetch(0x2010, /*priv=*/true), 0x2'0000'2010);
  expect_permission_fault(fetch(0x3010), 0x3010);
  expect_success(fetch(0x4010), 0x2'0000'4010);
}

TEST_F(Stage1Test, WxnIsJudgedPerPrivilegeLevel) {  // D8.4 R_FYMXJ: UnprivWXN needs UnprivWrite
  // AP = 0b00 is writable only by privileged accesses, so WXN removes PrivExecute but leaves
  // UnprivExecute (Table D8-65, row UXN = 0, PXN = 0, AP = 00, WXN = 1).
  PageTable pt = setup({{cd::WXN, 1}});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  expect_success(fetch(0x1010), 0x2'0000'1010);
}

TEST_F(Stage1Test, PanForbidsPrivilegedDataAccessToEl0Memory) {  // §5.4 PAN; D8.4 R_XTSQH
  PageTable pt = setup({{cd::PAN, 1}});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b01});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b11});
  map_page(pt, 0x3000, 0x2'0000'3000, S1Leaf{.ap = 0b00});
  expect_permission_fault(read(0x1010, /*priv=*/true), 0x1010);
  expect_permission_fault(write(0x1010, /*priv=*/true), 0x1010);
  expect_permission_fault(read(0x2010, /*priv=*/true), 0x2010);
  expect_success(read(0x3010, /*priv=*/true), 0x2'0000'3010);
  expect_success(write(0x1010), 0x2'0000'1010);  // unprivileged accesses are unaffected
}

TEST_F(Stage1Test, PanDoesNotAffectInstructionFetch) {  // D8.4 R_PMTWB: PAN has no effect on fetches
  PageTable pt = setup({{cd::PAN, 1}});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b11});
  expect_success(fetch(0x2010, /*priv=*/true), 0x2'0000'2010);
}

TEST_F(Stage1Test, PermissionsUsePostOverridePrivAndInst) {  // §13.4: checks use STE-overridden PRIV/INST
  PageTable pt = make_table(12, 39, 1);
  const uint64_t cd = place_cd(make_cd(CdConfig{.ttb0 = pt.root()}));
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00, .uxn = true});  // privileged-only, no EL0 execute
  // PRIVCFG = 0b11 (Privileged): an unprivileged client read is checked, and reported, as privileged.
  strtab->set_ste(kSid, with(ste_stage1(S1Config{.context_ptr = cd}), {{ste::PRIVCFG, 0b11}}));
  Outcome o = read(0x1010);
  expect_success(o, 0x2'0000'1010);
  EXPECT_TRUE(o.attrs.priv);
  // INSTCFG = 0b11 (Instruction) with PRIVCFG = 0b10 (Unprivileged): a privileged data read becomes an
  // unprivileged instruction fetch, which AP = 0b00 allows but UXN forbids (§7.3.16: post-override InD/PnU).
  strtab->set_ste(kSid, with(ste_stage1(S1Config{.context_ptr = cd}), {{ste::PRIVCFG, 0b10}, {ste::INSTCFG, 0b11}}));
  expect_event(read(0x1010, /*priv=*/true), EventType::F_PERMISSION,
               {{event::InD, 1}, {event::PnU, 0}, {event::RnW, 1}, {event::S2, 0}, {event::CLASS, kClassIN}});
}

// ---------------------------------------------------------------------------------------------------------
// Hierarchical attributes in table descriptors (Arm ARM D8.4 Table D8-64; §5.4 HAD0/HAD1).

class HierarchicalTest : public Stage1Test {
 protected:
  // Sets table-descriptor fields on the level-1 (start-level) entry above `va`: they cover levels 2 and 3.
  void set_table_bits(PageTable& pt, uint64_t va, std::initializer_list<FieldValue> fields) {
    const uint64_t pa = pt.descriptor_address(va, 1);
    uint64_t d = mem->peek64(pa);
    for (const FieldValue& fv : fields) fv.field.set(d, fv.value);
    mem->poke64(pa, d);
  }
};

TEST_F(HierarchicalTest, ApTable0RemovesUnprivilegedAccess) {  // D8.4 Table D8-64: APTable = 0b01
  PageTable pt = setup();
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b01});
  set_table_bits(pt, 0x1000, {{s1desc::APTable, 0b01}});
  expect_permission_fault(read(0x1010), 0x1010);
  expect_permission_fault(write(0x1010), 0x1010);
  expect_success(write(0x1010, /*priv=*/true), 0x2'0000'1010);
  // UnprivWrite is gone, so the implicit PXN of an EL0-writable page no longer applies (R_VWLLR).
  expect_success(fetch(0x1010, /*priv=*/true), 0x2'0000'1010);
}

TEST_F(HierarchicalTest, ApTable1RemovesWriteAccess) {  // D8.4 Table D8-64: APTable = 0b10
  PageTable pt = setup();
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b01});
  set_table_bits(pt, 0x1000, {{s1desc::APTable, 0b10}});
  expect_permission_fault(write(0x1010, /*priv=*/true), 0x1010);
  expect_permission_fault(write(0x1010), 0x1010);
  expect_success(read(0x1010), 0x2'0000'1010);
  expect_success(read(0x1010, /*priv=*/true), 0x2'0000'1010);
}

TEST_F(HierarchicalTest, XnTablesForbidFetchBelow) {  // D8.4: UXNTable/PXNTable treat UXN/PXN as 1 below
  PageTable pt = setup();
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  map_page(pt, 0x4000'1000, 0x2'0000'2000, S1Leaf{.ap = 0b00});  // under a different level-1 entry
  set_table_bits(pt, 0x1000, {{s1desc::UXNTable, 1}});
  set_table_bits(pt, 0x4000'1000, {{s1desc::PXNTable, 1}});
  expect_permission_fault(fetch(0x1010), 0x1010);
  expect_success(fetch(0x1010, /*priv=*/true), 0x2'0000'1010);
  expect_permission_fault(fetch(0x4000'1010, /*priv=*/true), 0x4000'1010);
  expect_success(fetch(0x4000'1010), 0x2'0000'2010);
}

TEST_F(HierarchicalTest, Had0DisablesHierarchicalAttributes) {  // §5.4 HAD0 (IDR3.HAD == 1)
  PageTable pt = setup({{cd::HAD0, 1}});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  set_table_bits(pt, 0x1000, {{s1desc::APTable, 0b11}, {s1desc::UXNTable, 1}, {s1desc::PXNTable, 1}});
  expect_success(write(0x1010, /*priv=*/true), 0x2'0000'1010);
  expect_success(fetch(0x1010, /*priv=*/true), 0x2'0000'1010);
  expect_success(fetch(0x1010), 0x2'0000'1010);
}

TEST_F(HierarchicalTest, HadIsIgnoredWithoutIdr3Had) {  // §5.4 HAD0: IGNORED when IDR3.HAD == 0
  Features f;
  f.had = false;
  reset(f);
  PageTable pt = setup({{cd::HAD0, 1}});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  set_table_bits(pt, 0x1000, {{s1desc::APTable, 0b10}});
  expect_permission_fault(write(0x1010, /*priv=*/true), 0x1010);
}

TEST_F(HierarchicalTest, Had0DoesNotCoverTtb1) {  // §5.4 HAD0 is for the CD.TTB0 region; HAD1 for TTB1
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root()}), {{cd::HAD0, 1}}));
  map_page(pt1, 0xFFFF'FFFF'C000'1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  set_table_bits(pt1, 0xFFFF'FFFF'C000'1000, {{s1desc::APTable, 0b10}});
  expect_permission_fault(write(0xFFFF'FFFF'C000'1010, /*priv=*/true), 0xFFFF'FFFF'C000'1010);
}

TEST_F(HierarchicalTest, Had1DisablesHierarchicalAttributesForTtb1) {  // §5.4 HAD1
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root()}), {{cd::HAD1, 1}}));
  map_page(pt0, 0x1000, 0x2'0000'0000, S1Leaf{.ap = 0b00});
  map_page(pt1, 0xFFFF'FFFF'C000'1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  set_table_bits(pt0, 0x1000, {{s1desc::APTable, 0b10}});
  set_table_bits(pt1, 0xFFFF'FFFF'C000'1000, {{s1desc::APTable, 0b10}});
  expect_success(write(0xFFFF'FFFF'C000'1010, /*priv=*/true), 0x2'0000'1010);
  expect_permission_fault(write(0x1010, /*priv=*/true), 0x1010);  // TTB0 still honours APTable
}

// ---------------------------------------------------------------------------------------------------------
// StreamWorld EL2 (STE.STRW = 0b10, SMMU_CR2.E2H = 0) and EL2-E2H (E2H = 1): §5.2 STRW, §5.4.1, §13.4.1.

TEST_F(Stage1Test, El2IgnoresAp1AndPrivilege) {  // §13.4.1: AP[1] treated as 1, PRIV ignored for the check
  PageTable pt = setup({}, {}, kStrwEl2);
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b10});
  Outcome o = write(0x1010);  // unprivileged write to a page EL1&0 would keep from EL0
  expect_success(o, 0x2'0000'1010);
  EXPECT_FALSE(o.attrs.priv);  // §13.4.1: the output PRIV attribute is not modified
  expect_success(read(0x2010), 0x2'0000'2010);
  expect_permission_fault(write(0x2010), 0x2010);                   // AP[2] still makes it read-only
  expect_permission_fault(write(0x2010, /*priv=*/true), 0x2010);
}

TEST_F(Stage1Test, El2HasOneExecuteNeverBit) {  // D8.4 Table D8-52: bit 54 is XN; no implicit PXN at one EL
  PageTable pt = setup({}, {}, kStrwEl2);
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00, .uxn = true});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.ap = 0b01});
  expect_permission_fault(fetch(0x1010, /*priv=*/true), 0x1010);
  expect_permission_fault(fetch(0x1010), 0x1010);
  expect_success(fetch(0x2010, /*priv=*/true), 0x2'0000'2010);
}

TEST_F(Stage1Test, El2HasOneVaRangeAndIgnoresEpd) {  // §5.4.1: TTB1 unreachable; §5.4 EPD0 IGNORED at EL2
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  // TTB1 is even set up, as a stream at EL1 could use it: at EL2 it is unreachable.
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root()}), {{cd::EPD0, 1}}),
         kStrwEl2);
  map_page(pt0, 0x1234'5000, 0x2'0000'0000);
  map_page(pt1, 0xFFFF'FFFF'C000'1000, 0x2'0000'1000);
  expect_success(read(0x1234'5678), 0x2'0000'0678);
  expect_translation_fault(read(0xFFFF'FFFF'C000'1234), 0xFFFF'FFFF'C000'1234);
}

TEST_F(Stage1Test, El2IgnoresPan) {  // §5.4 PAN: IGNORED when StreamWorld == any-EL2
  PageTable pt = setup({{cd::PAN, 1}}, {}, kStrwEl2);
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b01});
  expect_success(read(0x1010, /*priv=*/true), 0x2'0000'1010);
}

// Records the stage-1 descriptor reads of a walk.
class S1Reads : public WalkObserver {
 public:
  void table_read(const TableRead& r) override {
    if (r.role == TableRole::S1Desc) reads.push_back(r);
  }
  std::vector<TableRead> reads;
};

TEST_F(Stage1Test, El2IgnoresAsid) {  // §5.4 ASID: IGNORED at any-EL2, else ILLEGAL[15:8] without ASID16
  Features f;
  f.asid16 = false;
  reset(f);
  PageTable pt = setup({}, CdConfig{.asid = 0x1234}, kStrwEl2);
  map_page(pt, 0x1234'5000, 0x2'0000'0000);
  S1Reads obs;
  Outcome o = smmu->translate(Transaction{.sid = kSid, .addr = 0x1234'5678}, &obs);
  expect_success(o, 0x2'0000'0678);
  ASSERT_FALSE(obs.reads.empty());
  for (const TableRead& r : obs.reads) EXPECT_FALSE(r.asid.has_value()) << "EL2 entries carry no ASID";
  // The same CD from an EL1 stream is ILLEGAL.
  setup({}, CdConfig{.asid = 0x1234}, kStrwEl1);
  expect_event(read(0x1234'5678), EventType::C_BAD_CD, {{event::StreamID, kSid}});
}

TEST_F(Stage1Test, El2E2hHasTwoRangesAndEl0Permissions) {  // §5.2 STRW + CR2.E2H = 1; §13.4.1; §5.4.1
  set_cr2(/*recinvsid=*/true, /*e2h=*/true);
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root(), .asid = 7}), {{cd::PAN, 1}}),
         kStrwEl2);
  map_page(pt0, 0x1000, 0x2'0000'1000, S1Leaf{.ap = 0b00});
  map_page(pt1, 0xFFFF'FFFF'C000'1000, 0x2'0000'2000, S1Leaf{.ap = 0b01});
  S1Reads obs;
  Outcome o = smmu->translate(Transaction{.sid = kSid, .addr = 0xFFFF'FFFF'C000'1010, .priv = false}, &obs);
  expect_success(o, 0x2'0000'2010);  // TTB1 is reachable
  ASSERT_FALSE(obs.reads.empty());
  EXPECT_EQ(obs.reads.front().asid, std::optional<uint16_t>(7));  // EL2-E2H tags by ASID
  expect_permission_fault(read(0x1010), 0x1010);  // AP[1] == 0: no EL0 access
  expect_permission_fault(read(0xFFFF'FFFF'C000'1010, /*priv=*/true), 0xFFFF'FFFF'C000'1010);  // PAN applies
}

// ---------------------------------------------------------------------------------------------------------
// Output memory attributes: MAIR[AttrIndx] and SH (§5.4 MAIR0/MAIR1, §13.4.2, §13.1.7).

TEST_F(Stage1Test, AttrIndxSelectsMairAttributeAndShIsKept) {  // §5.4 MAIR = {MAIR1, MAIR0}; §13.4.2
  // attr0 Device-nGnRE, attr1 Normal WB RW-allocate, attr2 Normal NC, attr7 Normal WT read-allocate.
  PageTable pt = setup({}, CdConfig{.mair = 0xAA00'0000'0044'FF04ull});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.attr_index = 1, .sh = 3});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.attr_index = 1, .sh = 0});
  map_page(pt, 0x3000, 0x2'0000'3000, S1Leaf{.attr_index = 7, .sh = 2});
  Outcome o = read(0x1000);
  expect_success(o, 0x2'0000'1000);
  EXPECT_EQ(o.attrs.mair, 0xFF);
  EXPECT_EQ(o.attrs.sh, 3);  // Inner Shareable
  o = read(0x2000);
  expect_success(o, 0x2'0000'2000);
  EXPECT_EQ(o.attrs.mair, 0xFF);
  EXPECT_EQ(o.attrs.sh, 0);  // Non-shareable
  o = read(0x3000);
  expect_success(o, 0x2'0000'3000);
  EXPECT_EQ(o.attrs.mair, 0xAA);  // from MAIR1, bits [63:56]
  EXPECT_EQ(o.attrs.sh, 2);
}

TEST_F(Stage1Test, DeviceAndNonCacheableAreOuterShareable) {  // §13.1.7: Device and iNC-oNC output as OSH
  PageTable pt = setup();  // attr0 0x04 Device-nGnRE, attr2 0x44 Normal iNC-oNC
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.attr_index = 0, .sh = 3});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.attr_index = 2, .sh = 0});
  Outcome o = read(0x1000);
  expect_success(o, 0x2'0000'1000);
  EXPECT_EQ(o.attrs.mair, 0x04);
  EXPECT_EQ(o.attrs.sh, 2);
  o = read(0x2000);
  expect_success(o, 0x2'0000'2000);
  EXPECT_EQ(o.attrs.mair, 0x44);
  EXPECT_EQ(o.attrs.sh, 2);
}

TEST_F(Stage1Test, ReservedDeviceMairEncodingsBehaveAsDevice) {  // §5.4 MAIR table: 0b0000 with RW != 00
  // attr0 0x01 (0b00RW) -> Device-nGnRnE; attr1 0x0D (0b11RW) -> Device-GRE.
  PageTable pt = setup({}, CdConfig{.mair = 0x0D01ull});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.attr_index = 0});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.attr_index = 1});
  Outcome o = read(0x1000);
  expect_success(o, 0x2'0000'1000);
  EXPECT_EQ(o.attrs.mair, 0x00);
  o = read(0x2000);
  expect_success(o, 0x2'0000'2000);
  EXPECT_EQ(o.attrs.mair, 0x0C);
}

TEST_F(Stage1Test, ReservedNormalInnerEncodingBehavesAsWriteThroughTransient) {  // §5.4 MAIR table, §3.17.8
  // Attr[7:4] != 0 with Attr[3:0] == 0b0000: "Reserved, behaves as Normal-iWT Transient with RW = 0b11".
  // attr0 0x40 (still Reserved in an SMMU, §3.17.8: not FEAT_XS's NC-NC) is Normal outer NC, inner WT
  // transient RA WA: 0x43, no longer iNC-oNC, so SH is kept. attr1 0x80 is outer WT no-allocate: 0x83.
  PageTable pt = setup({}, CdConfig{.mair = 0x8040ull});
  map_page(pt, 0x1000, 0x2'0000'1000, S1Leaf{.attr_index = 0, .sh = 3});
  map_page(pt, 0x2000, 0x2'0000'2000, S1Leaf{.attr_index = 1, .sh = 3});
  Outcome o = read(0x1000);
  expect_success(o, 0x2'0000'1000);
  EXPECT_EQ(o.attrs.mair, 0x43);
  EXPECT_EQ(o.attrs.sh, 3);
  o = read(0x2000);
  expect_success(o, 0x2'0000'2000);
  EXPECT_EQ(o.attrs.mair, 0x83);
  EXPECT_EQ(o.attrs.sh, 3);
}

}  // namespace
}  // namespace smmu::test
