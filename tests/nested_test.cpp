// Nested translation (stage 1 + stage 2, STE.Config = 0b111). See stage2_test.cpp for the sections and
// the stage-2 geometry the expected values use.
#include "tests/walk_helpers.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------------
// Nested (STE.Config = 0b111). Guest RAM [kGuestRam, +1MB) is mapped at stage 2 with IPA == PA 4KB pages and
// holds the stage-1 tables; the CD sits at IPA kCdIpa, which stage 2 maps to a different PA (kCdPa); the
// guest maps VA kVaPage to IPA kIpaPage, which stage 2 maps to PA kPaPage.

class NestedTest : public RefTest {
 protected:
  static constexpr uint32_t kSid = 3;
  static constexpr uint16_t kVmid = 5;
  static constexpr uint64_t kGuestRam = 0x7000'0000, kGuestRamSize = 0x10'0000;
  static constexpr uint64_t kCdIpa = 0x2000'0000, kCdPa = 0x7100'0000;
  static constexpr uint64_t kVaPage = 0x2000, kIpaPage = 0x6000'0000, kPaPage = 0x9800'0000;
  static constexpr uint64_t kVa = kVaPage + 0x10;

  void SetUp() override {
    RefTest::SetUp();
    galloc = std::make_unique<Allocator>(kGuestRam, kGuestRam + kGuestRamSize);
    s2 = std::make_unique<PageTable>(*mem, *alloc, 12, 40, 1);
    for (uint64_t a = kGuestRam; a < kGuestRam + kGuestRamSize; a += 0x1000) s2_map(a, a);
    s2_map(kCdIpa, kCdPa);
    s2_map(kIpaPage, kPaPage);
    s1 = std::make_unique<PageTable>(*mem, *galloc, 12, 39);  // 39-bit VA: stage 1 starts at level 1
    s1->map(kVaPage, kIpaPage, 0x1000, s1_leaf_bits({}));
    write_cd({});
    strtab->set_ste(kSid, nested_ste());
  }

  void write_cd(CdConfig c) {
    c.ttb0 = s1->root();
    write8(kCdPa, make_cd(c));
  }
  Words8 nested_ste(S2Config c = {}) {
    c.ttb = s2->root();
    c.vmid = kVmid;
    return ste_nested({.context_ptr = kCdIpa}, c);
  }
  void s2_map(uint64_t ipa, uint64_t pa, const S2Leaf& leaf = {}) {
    s2->map(ipa & ~uint64_t{0xFFF}, pa & ~uint64_t{0xFFF}, 0x1000, s2_leaf_bits(leaf));
  }
  void s2_unmap(uint64_t ipa) { s2->set_descriptor(ipa, 3, 0); }
  // The IPA (== PA in guest RAM) of the stage-1 descriptor that translates kVaPage at `level`.
  uint64_t s1_desc(int level) { return s1->descriptor_address(kVaPage, level); }
  Outcome run(uint64_t va, Reads* r = nullptr, bool read = true, std::optional<uint32_t> ssid = std::nullopt) {
    return smmu->translate(Transaction{.sid = kSid, .ssid = ssid, .addr = va, .read = read}, r);
  }
  // Remaps the stage-1 leaf and the stage-2 page of the output and returns the outcome of a read of kVa.
  Outcome with_leaves(const S1Leaf& l1, const S2Leaf& l2) {
    s1->map(kVaPage, kIpaPage, 0x1000, s1_leaf_bits(l1));
    s2_map(kIpaPage, kPaPage, l2);
    return run(kVa);
  }

  std::unique_ptr<Allocator> galloc;
  std::unique_ptr<PageTable> s2, s1;
};

TEST_F(NestedTest, TranslatesThroughBothStages) {  // §3.2, §13.4: VA -> IPA (stage 1) -> PA (stage 2)
  Outcome o = run(kVa);
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.perms, (Permissions{.read = true, .write = true, .exec = true}));
  EXPECT_EQ(o.attrs.mair, 0xff);
  EXPECT_EQ(o.attrs.sh, 3);
}

// §5.4.1, §7.3.22 "flow of events": the CD is fetched through stage 2, and each stage-1 level's descriptor
// IPA is translated by stage 2 before the descriptor is read; then the final IPA. §5.2 S2VMID: stage-2
// translations are tagged with STE.S2VMID.
TEST_F(NestedTest, WalkOrderAndAddressSpaces) {
  Reads r;
  expect_success(run(kVa, &r), kPaPage + 0x10);
  std::vector<std::pair<TableRole, int>> got, want;
  for (const TableRead& t : r.v)
    if (t.role != TableRole::Ste) got.emplace_back(t.role, t.role == TableRole::Cd ? -1 : t.level);
  auto s2walk = [&] {
    for (int l = 1; l <= 3; ++l) want.emplace_back(TableRole::S2Desc, l);
  };
  s2walk();
  for (int i = 0; i < 8; ++i) want.emplace_back(TableRole::Cd, -1);
  for (int l = 1; l <= 3; ++l) {
    s2walk();
    want.emplace_back(TableRole::S1Desc, l);
  }
  s2walk();
  EXPECT_EQ(got, want);
  const auto cd = r.of(TableRole::Cd);
  ASSERT_EQ(cd.size(), 8u);
  for (unsigned i = 0; i < 8; ++i) {
    EXPECT_EQ(cd[i].pa, kCdPa + 8 * i);
    EXPECT_EQ(cd[i].ipa, std::optional<uint64_t>(kCdIpa + 8 * i));
  }
  const auto s1d = r.of(TableRole::S1Desc);
  ASSERT_EQ(s1d.size(), 3u);
  for (int l = 1; l <= 3; ++l) EXPECT_EQ(s1d[l - 1].ipa, std::optional<uint64_t>(s1_desc(l)));
  for (const TableRead& t : r.of(TableRole::S2Desc)) EXPECT_EQ(t.vmid, std::optional<uint16_t>(kVmid));
}

// §7.3.13: a stage-2 fault translating the CD's IPA: S2 = 1, CLASS = CD, IPA = the CD address.
TEST_F(NestedTest, Stage2FaultOnCdFetchIsClassCd) {
  s2_unmap(kCdIpa);
  expect_event(run(kVa), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassCd}, {event::IPA, kCdIpa >> 12}, {event::InputAddr, kVa},
                {event::SSV, 0}});
}

// §7.3.16: a CD fetch is implicitly a data read; a write-only stage-2 page denies it.
TEST_F(NestedTest, Stage2PermissionFaultOnCdFetch) {
  s2_map(kCdIpa, kCdPa, {.s2ap = 0b10});
  expect_event(run(kVa, nullptr, /*read=*/false), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassCd}, {event::IPA, kCdIpa >> 12}, {event::RnW, 0}});
}

// §7.3.13 CLASS = CD covers the L1CD fetch of a 2-level CD table (§5.2 S1Fmt = 0b01, §3.4.3: the reported
// address is the calculated L1CD address).
TEST_F(NestedTest, Stage2FaultOnTwoLevelCdTableFetches) {
  const uint64_t l1 = galloc->alloc(0x1000, 0x1000), leaf = galloc->alloc(0x1000, 0x1000);
  const uint32_t ssid = 0x45;  // L1 index 1, CD 5 of the leaf (64 CDs per 4KB leaf)
  uint64_t l1cd = 0;
  l1cd::V.set(l1cd, 1);
  l1cd::L2Ptr.set(l1cd, leaf >> 12);
  mem->poke64(l1 + 8, l1cd);
  write8(leaf + 5 * 64, make_cd({.ttb0 = s1->root()}));
  strtab->set_ste(kSid, ste_nested({.context_ptr = l1, .cdmax = 8, .fmt = 1}, {.ttb = s2->root(), .vmid = kVmid}));
  expect_success(run(kVa, nullptr, true, ssid), kPaPage + 0x10);

  s2_unmap(l1);
  expect_event(run(kVa, nullptr, true, ssid), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassCd}, {event::IPA, (l1 + 8) >> 12}, {event::SSV, 1},
                {event::SubstreamID, ssid}});
  s2_map(l1, l1);
  s2_unmap(leaf);
  expect_event(run(kVa, nullptr, true, ssid), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassCd}, {event::IPA, (leaf + 5 * 64) >> 12}});
}

// §7.3.13: a stage-2 fault translating a stage-1 descriptor's IPA: CLASS = TT, IPA = the descriptor address.
TEST_F(NestedTest, Stage2FaultOnStage1DescriptorFetchIsClassTt) {
  for (int level = 1; level <= 3; ++level) {
    SCOPED_TRACE(::testing::Message() << "stage-1 level " << level);
    const uint64_t desc = s1_desc(level);
    s2_unmap(desc);
    expect_event(run(kVa), EventType::F_TRANSLATION,
                 {{event::S2, 1}, {event::CLASS, kClassTt}, {event::IPA, desc >> 12}, {event::InputAddr, kVa}});
    s2_map(desc, desc);
  }
}

// §7.3.16: a stage-1 table page not readable at stage 2: F_PERMISSION, CLASS = TT, TTRnW = 1 (a descriptor
// read caused it), whatever the transaction's RnW; the access is implicitly Data.
TEST_F(NestedTest, Stage2PermissionOnStage1TableIsClassTtWithTtrnw) {
  const uint64_t desc = s1_desc(3);
  s2_map(desc, desc, {.s2ap = 0b10});  // write only
  expect_event(run(kVa, nullptr, /*read=*/false), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassTt}, {event::TTRnW, 1}, {event::RnW, 0},
                {event::IPA, desc >> 12}});
  s2_map(desc, desc, {.s2ap = 0b00});
  expect_event(run(kVa), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassTt}, {event::TTRnW, 1}, {event::RnW, 1}});
}

TEST_F(NestedTest, Stage2AccessFaultOnStage1Table) {  // §7.3.15 with CLASS = TT
  const uint64_t desc = s1_desc(2);
  s2_map(desc, desc, {.af = false});
  expect_event(run(kVa), EventType::F_ACCESS, {{event::S2, 1}, {event::CLASS, kClassTt}, {event::IPA, desc >> 12}});
}

// §7.3.14 with CLASS = TT: stage 2 maps a stage-1 table page beyond the 40-bit S2PS.
TEST_F(NestedTest, Stage2AddressSizeOnStage1Table) {
  const uint64_t desc = s1_desc(1);
  s2_map(desc, uint64_t{1} << 40);
  expect_event(run(kVa), EventType::F_ADDR_SIZE,
               {{event::S2, 1}, {event::CLASS, kClassTt}, {event::IPA, desc >> 12}});
}

// §7.3.13: a stage-2 fault translating the final IPA: CLASS = IN, IPA = the stage-1 output.
TEST_F(NestedTest, Stage2FaultOnFinalIpaIsClassIn) {
  s2_unmap(kIpaPage);
  expect_event(run(kVa), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpaPage >> 12}, {event::InputAddr, kVa}});
}

// §3.4.3 note, §3.4 stage 1 check 2: stage-1 output beyond the effective IPS is a stage-1 Address Size fault;
// within IPS but beyond the stage-2 input range it is a stage-2 Translation fault (CLASS = IN).
TEST_F(NestedTest, Stage1OutputAgainstIpsAndStage2Range) {
  const uint64_t ipa = uint64_t{1} << 41;
  s1->map(0x3000, ipa, 0x1000, s1_leaf_bits({}));
  expect_event(run(0x3008), EventType::F_ADDR_SIZE, {{event::S2, 0}, {event::CLASS, kClassIn}});  // IPS 40
  write_cd({.ips = 4});  // 44 bits
  expect_event(run(0x3008), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, ipa >> 12}, {event::InputAddr, 0x3008}});
}

// §3.4.3 note: a stage-1 table IPA outside the stage-2 range is a stage-2 Translation fault, CLASS = TT,
// reporting the descriptor's IPA.
TEST_F(NestedTest, Stage1TableIpaBeyondStage2RangeIsClassTt) {
  const uint64_t table_ipa = uint64_t{1} << 40;
  s1->set_descriptor(0x4000'0000, 1, s1->table_descriptor(table_ipa));  // VA 0x4000'0000: L1 index 1
  write_cd({.ips = 4});
  expect_event(run(0x4000'0000), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassTt}, {event::IPA, table_ipa >> 12}});
}

// §7.3.12: in nested, an abort on a stage-1 descriptor's PA (its IPA translated fine) is S2 = 0, CLASS = TT,
// FetchAddr = the PA. The level-3 table's page is moved to another PA so the PA differs from the IPA.
TEST_F(NestedTest, Stage1DescriptorAbortReportsItsPa) {
  const uint64_t table = s1_desc(3) & ~uint64_t{0xFFF}, moved = 0x7200'0000;
  for (uint64_t i = 0; i < 0x1000; i += 8) mem->poke64(moved + i, mem->peek64(table + i));
  s2_map(table, moved);
  expect_success(run(kVa), kPaPage + 0x10);
  const uint64_t pa = moved + (s1_desc(3) & 0xFFF);
  mem->add_abort_range(pa, 8);
  expect_event(run(kVa), EventType::F_WALK_EABT,
               {{event::S2, 0}, {event::CLASS, kClassTt}, {event::FetchAddr, pa >> 3}, {event::InputAddr, kVa}});
}

// §7.3.12: aborts on stage-2 descriptors: CLASS = TT while translating a stage-1 descriptor's IPA, CLASS = CD
// for the CD's IPA, CLASS = IN for the final IPA; FetchAddr is the stage-2 descriptor's PA.
TEST_F(NestedTest, Stage2DescriptorAbortsCarryTheClass) {
  for (uint64_t cls : {kClassTt, kClassCd, kClassIn}) {
    SCOPED_TRACE(::testing::Message() << "CLASS " << cls);
    SetUp();  // fresh memory without abort ranges
    const uint64_t ipa = cls == kClassTt ? s1_desc(2) : cls == kClassCd ? kCdIpa : kIpaPage;
    const uint64_t desc = s2->descriptor_address(ipa, 3);
    mem->add_abort_range(desc, 8);
    expect_event(run(kVa), EventType::F_WALK_EABT,
                 {{event::S2, 1}, {event::CLASS, cls}, {event::FetchAddr, desc >> 3}, {event::InputAddr, kVa}});
  }
}

// §7.3.10: an abort reading the CD at its PA (after stage 2) is F_CD_FETCH with FetchAddr = that PA.
TEST_F(NestedTest, CdPaAbortIsCdFetch) {
  mem->add_abort_range(kCdPa + 8, 8);
  expect_event(run(kVa), EventType::F_CD_FETCH, {{event::StreamID, kSid}, {event::FetchAddr, (kCdPa + 8) >> 3}});
}

// §5.2 S2PTW = 1: a CD fetch or stage-1 walk to a stage-2 page of any Device type is a stage-2 Permission
// fault; S2PTW = 0 allows it (IDR3.PTWNNC == 0); the transaction's own access is unaffected.
TEST_F(NestedTest, S2ptwDeviceCdIsPermissionFault) {
  s2_map(kCdIpa, kCdPa, {.memattr = 0b0001});
  strtab->set_ste(kSid, with(nested_ste(), {{ste::S2PTW, 1}}));
  expect_event(run(kVa), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassCd}, {event::IPA, kCdIpa >> 12}});
}

TEST_F(NestedTest, S2ptwDeviceStage1TableIsPermissionFault) {
  const uint64_t desc = s1_desc(1);
  s2_map(desc, desc, {.memattr = 0b0000});
  strtab->set_ste(kSid, with(nested_ste(), {{ste::S2PTW, 1}}));
  expect_event(run(kVa), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassTt}, {event::TTRnW, 1}, {event::IPA, desc >> 12}});
}

TEST_F(NestedTest, S2ptwZeroAllowsDeviceTables) {
  s2_map(kCdIpa, kCdPa, {.memattr = 0b0001});
  s2_map(s1_desc(2), s1_desc(2), {.memattr = 0b0000});
  expect_success(run(kVa), kPaPage + 0x10);
}

TEST_F(NestedTest, S2ptwDoesNotApplyToTheTransaction) {
  s2_map(kIpaPage, kPaPage, {.memattr = 0b0001});
  strtab->set_ste(kSid, with(nested_ste(), {{ste::S2PTW, 1}}));
  Outcome o = run(kVa);
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.attrs.mair, 0x04);
}

// §5.5: S2R = 0 suppresses stage-2 records for CD and TT classes too; the transaction still aborts.
TEST_F(NestedTest, S2rZeroSuppressesStage2FaultsOfEveryClass) {
  strtab->set_ste(kSid, nested_ste({.record = false}));
  s2_unmap(s1_desc(2));
  expect_event(run(kVa), EventType::F_TRANSLATION, {{event::S2, 1}, {event::CLASS, kClassTt}}, false);
  s2_unmap(kCdIpa);
  expect_event(run(kVa), EventType::F_TRANSLATION, {{event::S2, 1}, {event::CLASS, kClassCd}}, false);
}

// §5.5: the STE's S2R governs stage-2 faults and the CD's R stage-1 faults, independently.
TEST_F(NestedTest, S2rAndCdRGovernTheirOwnStage) {
  strtab->set_ste(kSid, nested_ste({.record = false}));
  expect_event(run(0x5000), EventType::F_TRANSLATION, {{event::S2, 0}}, /*recorded=*/true);  // unmapped VA
  strtab->set_ste(kSid, nested_ste());
  write_cd({.record = false});
  s2_unmap(kIpaPage);
  expect_event(run(kVa), EventType::F_TRANSLATION, {{event::S2, 1}, {event::CLASS, kClassIn}}, true);
}

// §5.5: CD.A = 0 makes stage-1 faults RAZ/WI, but stage 2 always aborts ("as though an implied A == 1").
TEST_F(NestedTest, CdAZeroDoesNotApplyToStage2) {
  write_cd({.abort = false});
  expect_event(run(0x5000), EventType::F_TRANSLATION, {{event::S2, 0}}, true, OutcomeKind::CompletedRazWi);
  s2_unmap(kIpaPage);
  expect_event(run(kVa), EventType::F_TRANSLATION, {{event::S2, 1}}, true, OutcomeKind::Fault);
  s2_map(kIpaPage, kPaPage);
  s2_unmap(s1_desc(3));
  expect_event(run(kVa), EventType::F_TRANSLATION, {{event::S2, 1}, {event::CLASS, kClassTt}}, true,
               OutcomeKind::Fault);
}

// §3.4, §5.2 S1DSS = 0b01: stage 1 bypassed for traffic without a SubstreamID; the input is the IPA and is
// checked against the IAS (stage-1 F_ADDR_SIZE, S2 = 0, CLASS = IN), then translated by stage 2.
TEST_F(NestedTest, S1dssBypassChecksIasThenStage2) {
  strtab->set_ste(kSid, ste_nested({.context_ptr = kCdIpa, .cdmax = 8, .s1dss = 1}, {.ttb = s2->root()}));
  expect_success(run(kIpaPage + 0x20), kPaPage + 0x20);
  expect_event(run(uint64_t{1} << 48), EventType::F_ADDR_SIZE,
               {{event::S2, 0}, {event::CLASS, kClassIn}, {event::InputAddr, uint64_t{1} << 48}});
}

// §13.4.3, Arm ARM D8.4: the granted permissions are those of both stages.
TEST_F(NestedTest, PermissionsAreTheIntersectionOfBothStages) {
  Outcome o = with_leaves(S1Leaf{}, S2Leaf{.s2ap = 0b01, .xn = 0b10});
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.perms, (Permissions{.read = true, .write = false, .exec = false}));
  expect_event(run(kVa, nullptr, /*read=*/false), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpaPage >> 12}, {event::RnW, 0}});
  o = with_leaves(S1Leaf{.ap = 0b11}, S2Leaf{});  // stage 1 read-only
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.perms, (Permissions{.read = true, .write = false, .exec = true}));
}

// §7.3.22 items 4 and 5, Arm ARM D8.4.3: a stage-1 permission fault takes priority over stage 2's.
TEST_F(NestedTest, Stage1PermissionFaultComesFirst) {
  with_leaves(S1Leaf{.ap = 0b11}, S2Leaf{.s2ap = 0b01});
  expect_event(run(kVa, nullptr, /*read=*/false), EventType::F_PERMISSION, {{event::S2, 0}, {event::CLASS, kClassIn}});
}

// §13.1.5 combine (the stronger wins: Device > Normal, nGnRnE > nGnRE > nGRE > GRE, NC > WT > WB), §13.1.7.
TEST_F(NestedTest, NormalWbWithStage2DeviceIsDevice) {  // §13.1.5.1: Normal + Device-nGnRE = Device-nGnRE
  Outcome o = with_leaves(S1Leaf{.attr_index = 1}, S2Leaf{.memattr = 0b0001});
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.attrs.mair, 0x04);
  EXPECT_EQ(o.attrs.sh, 2);  // Device is Outer Shareable
}

TEST_F(NestedTest, DeviceTypesTakeTheStrongest) {  // §13.1.5.1: Device-nGnRE + Device-nGnRnE = nGnRnE
  Outcome o = with_leaves(S1Leaf{.attr_index = 0}, S2Leaf{.memattr = 0b0000});
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.attrs.mair, 0x00);
  o = with_leaves(S1Leaf{.attr_index = 0}, S2Leaf{.memattr = 0b1111});  // Device-nGnRE + Normal WB
  EXPECT_EQ(o.attrs.mair, 0x04);
}

TEST_F(NestedTest, NormalWbWithStage2NcIsNcOuterShareable) {  // NC wins; iNC-oNC is output OSH (§13.1.7)
  Outcome o = with_leaves(S1Leaf{.attr_index = 1, .sh = 3}, S2Leaf{.memattr = 0b0101, .sh = 0});
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.attrs.mair, 0x44);
  EXPECT_EQ(o.attrs.sh, 2);
  o = with_leaves(S1Leaf{.attr_index = 2, .sh = 0}, S2Leaf{.memattr = 0b1111, .sh = 0});  // stage-1 NC + WB
  EXPECT_EQ(o.attrs.mair, 0x44);
  EXPECT_EQ(o.attrs.sh, 2);
}

// §13.4.3: stage 2 carries no RA/WA/TR, so stage 1's hints pass through; WB + WT = WT.
TEST_F(NestedTest, AllocationHintsPassThroughStage2) {
  write_cd({.mair = 0xee44'ff04});  // attr3 = 0xEE: Normal oWB-iWB non-transient, RA, no WA
  Outcome o = with_leaves(S1Leaf{.attr_index = 3}, S2Leaf{.memattr = 0b1111});
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.attrs.mair, 0xee);
  o = with_leaves(S1Leaf{.attr_index = 3}, S2Leaf{.memattr = 0b1010});
  EXPECT_EQ(o.attrs.mair, 0xaa);  // WT, RA, no WA
  write_cd({.mair = 0x77'0044'ff04});  // attr4 = 0x77: Normal WB transient, RA, WA
  o = with_leaves(S1Leaf{.attr_index = 4}, S2Leaf{.memattr = 0b1010});
  EXPECT_EQ(o.attrs.mair, 0x33);  // WT transient (0b00RW), RA, WA
  o = with_leaves(S1Leaf{.attr_index = 4}, S2Leaf{.memattr = 0b0101});
  EXPECT_EQ(o.attrs.mair, 0x44);  // §13.1.7: NC carries no RA/WA/TR
}

// §13.1.5 and Arm ARM D8.6 (Table D8-103): Shareability takes the stronger, OSH > ISH > NSH.
TEST_F(NestedTest, ShareabilityTakesTheStronger) {
  struct Case {
    unsigned s1, s2, out;
  };
  for (const Case& c : {Case{0, 3, 3}, Case{3, 2, 2}, Case{2, 0, 2}, Case{0, 0, 0}, Case{3, 3, 3}}) {
    SCOPED_TRACE(::testing::Message() << "S1 SH " << c.s1 << " S2 SH " << c.s2);
    Outcome o = with_leaves(S1Leaf{.attr_index = 1, .sh = c.s1}, S2Leaf{.memattr = 0b1111, .sh = c.s2});
    expect_success(o, kPaPage + 0x10);
    EXPECT_EQ(o.attrs.sh, c.out);
  }
}

// §13.1.7: only Device and Normal iNC-oNC are forced to OSH; oWB-iNC keeps the combined Shareability.
TEST_F(NestedTest, OuterCacheableInnerNcKeepsShareability) {
  Outcome o = with_leaves(S1Leaf{.attr_index = 1, .sh = 3}, S2Leaf{.memattr = 0b1101, .sh = 0});
  expect_success(o, kPaPage + 0x10);
  EXPECT_EQ(o.attrs.mair, 0xf4);  // outer WB RA WA, inner NC
  EXPECT_EQ(o.attrs.sh, 3);
}
}  // namespace
}  // namespace smmu::test
