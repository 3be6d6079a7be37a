// Stage-1 walks: see tests/stage1_fixture.h for the sections covered.

#include "tests/stage1_fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------------
// Start levels (Arm ARM D8.2: start = 3 - ((64 - TxSZ - 1 - granule_bits) DIV stride)) and page walks.

TEST_F(Stage1Test, FourKbT0sz16StartsAtLevel0) {  // D8.2: 3 - (47 - 12) / 9 = 0
  expect_page_walk({}, 12, 16, 0, 0x0000'C123'4567'8ABCull, 0x87'6543'2000ull, 0x87'6543'2ABCull);
}

TEST_F(Stage1Test, FourKbT0sz25StartsAtLevel1) {  // D8.2: 3 - (38 - 12) / 9 = 1
  expect_page_walk({}, 12, 25, 1, 0x12'3456'789Aull, 0x9'8765'4000ull, 0x9'8765'489Aull);
}

TEST_F(Stage1Test, FourKbT0sz34StartsAtLevel2) {  // D8.2: 3 - (29 - 12) / 9 = 2
  expect_page_walk({}, 12, 34, 2, 0x1234'5678ull, 0x3'0000'1000ull, 0x3'0000'1678ull);
}

TEST_F(Stage1Test, FourKbT0sz44StartsAtLevel3WithStt) {  // §5.4 T0SZ max 48 with IDR3.STT; 3 - (19-12)/9 = 3
  Features f;
  f.stt = true;
  expect_page_walk(f, 12, 44, 3, 0x7'5ABCull, 0x4'4444'4000ull, 0x4'4444'4ABCull);
}

TEST_F(Stage1Test, T0szAbove39WithoutSttIsIllegal) {  // §5.4 T0SZ: max 39 when IDR3.STT == 0; §5.4.2
  PageTable pt = make_table(12, 20, 3);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .t0sz = 44}));
  map_page(pt, 0x7'5000, 0x4'4444'4000);
  expect_event(read(0x7'5ABC), EventType::C_BAD_CD, {{event::StreamID, kSid}});
}

TEST_F(Stage1Test, SixteenKbT0sz16StartsAtLevel0) {  // D8.2: 3 - (47 - 14) / 11 = 0 (a 2-entry table)
  expect_page_walk({}, 14, 16, 0, 0x0000'C123'4567'9ABCull, 0x23'4567'8000ull, 0x23'4567'9ABCull);
}

TEST_F(Stage1Test, SixteenKbT0sz20StartsAtLevel1) {  // D8.2: 3 - (43 - 14) / 11 = 1
  expect_page_walk({}, 14, 20, 1, 0x0123'4567'9ABCull, 0x5'0000'C000ull, 0x5'0000'DABCull);
}

TEST_F(Stage1Test, SixteenKbT0sz30StartsAtLevel2) {  // D8.2: 3 - (33 - 14) / 11 = 2
  expect_page_walk({}, 14, 30, 2, 0x1'2345'6ABCull, 0x6'0000'4000ull, 0x6'0000'6ABCull);
}

TEST_F(Stage1Test, SixteenKbT0sz39StartsAtLevel3) {  // D8.2: 3 - (24 - 14) / 11 = 3, no STT needed
  expect_page_walk({}, 14, 39, 3, 0xAB'CDEFull, 0x7'0000'0000ull, 0x7'0000'0DEFull);
}

TEST_F(Stage1Test, SixtyFourKbT0sz16StartsAtLevel1) {  // D8.2: 3 - (47 - 16) / 13 = 1
  expect_page_walk({}, 16, 16, 1, 0x0000'C123'4567'89ABull, 0x34'5678'0000ull, 0x34'5678'89ABull);
}

TEST_F(Stage1Test, SixtyFourKbT0sz25StartsAtLevel2) {  // D8.2: 3 - (38 - 16) / 13 = 2
  expect_page_walk({}, 16, 25, 2, 0x12'3456'789Aull, 0x8'0001'0000ull, 0x8'0001'789Aull);
}

TEST_F(Stage1Test, SixtyFourKbT0sz36StartsAtLevel3) {  // D8.2: 3 - (27 - 16) / 13 = 3
  expect_page_walk({}, 16, 36, 3, 0x7AB'CDEFull, 0x9'0000'0000ull, 0x9'0000'CDEFull);
}

TEST_F(Stage1Test, SixtyFourKbT0sz47StartsAtLevel3WithStt) {  // §5.4 T0SZ max 47 (64KB, STT); a 2-entry table
  Features f;
  f.stt = true;
  expect_page_walk(f, 16, 47, 3, 0x1'2345ull, 0xA'0000'0000ull, 0xA'0000'2345ull);
}

TEST_F(Stage1Test, TtbLowBitsBelowTableAlignmentAreIgnored) {  // §5.4 TTB0: bits [(x-1):0] treated as zero
  // 4KB, T0SZ = 25, start level 1: a 512-entry table, x = 12 (Arm ARM: x = 37 - T0SZ).
  PageTable pt = make_table(12, 39, 1);
  attach(make_cd(CdConfig{.ttb0 = pt.root() + 0x7F0}));
  pt.map(0x12'3456'7000, 0x9'8765'4000, k4K, s1_leaf_bits({}));
  expect_success(read(0x12'3456'789A), 0x9'8765'489A);
}

// ---------------------------------------------------------------------------------------------------------
// Block descriptors (Arm ARM D8.3, Table D8-52: where a block may appear).

TEST_F(Stage1Test, FourKbLevel1BlockMapsOneGigabyte) {  // D8.3: 4KB L1 block, OAB[47:30]
  PageTable pt = setup();
  pt.map(0x12'0000'0000, 0xC0'0000'0000, uint64_t{1} << 30, s1_leaf_bits({}));
  expect_success(read(0x12'3456'789A), 0xC0'3456'789A);  // offset VA[29:0] = 0x3456789A
}

TEST_F(Stage1Test, FourKbLevel2BlockMapsTwoMegabytes) {  // D8.3: 4KB L2 block, OAB[47:21]
  PageTable pt = setup();
  pt.map(0x12'3440'0000, 0x80'0020'0000, uint64_t{1} << 21, s1_leaf_bits({}));
  expect_success(read(0x12'3456'789A), 0x80'0036'789A);  // offset VA[20:0] = 0x16789A
}

TEST_F(Stage1Test, SixteenKbLevel2BlockMaps32Megabytes) {  // D8.3: 16KB L2 block, OAB[47:25]
  PageTable pt = make_table(14, 44, 1);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .granule0 = 14, .t0sz = 20}));
  pt.map(0x0123'4400'0000, 0x40'0200'0000, uint64_t{1} << 25, s1_leaf_bits({}));
  expect_success(read(0x0123'4567'9ABC), 0x40'0367'9ABC);  // offset VA[24:0] = 0x1679ABC
}

TEST_F(Stage1Test, SixtyFourKbLevel2BlockMaps512Megabytes) {  // D8.3: 64KB L2 block, OAB[47:29]
  PageTable pt = make_table(16, 39, 2);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .granule0 = 16, .t0sz = 25}));
  pt.map(0x12'2000'0000, 0x60'0000'0000, uint64_t{1} << 29, s1_leaf_bits({}));
  expect_success(read(0x12'3456'789A), 0x60'1456'789A);  // offset VA[28:0] = 0x1456789A
}

TEST_F(Stage1Test, SixtyFourKbLevel1BlockWith52BitOas) {  // D8.3: 64KB L1 block needs FEAT_LPA (OAS = 52)
  Features f;
  f.oas = 6;  // 52 bits
  reset(f);
  PageTable pt = make_table(16, 48, 1);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .granule0 = 16, .t0sz = 16, .ips = 5}));
  pt.map(0x0C00'0000'0000, 0x0400'0000'0000, uint64_t{1} << 42, s1_leaf_bits({}));
  expect_success(read(0x0D23'4567'89AB), 0x0523'4567'89AB);  // offset VA[41:0] = 0x123456789AB
}

TEST_F(Stage1Test, SixtyFourKbLevel1BlockWith48BitOasIsTranslationFault) {  // D8.3: no FEAT_LPA, no L1 block
  PageTable pt = make_table(16, 48, 1);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .granule0 = 16, .t0sz = 16, .ips = 5}));
  pt.map(0x0C00'0000'0000, 0x0400'0000'0000, uint64_t{1} << 42, s1_leaf_bits({}));
  expect_translation_fault(read(0x0D23'4567'89AB), 0x0D23'4567'89AB);
}

TEST_F(Stage1Test, FourKbLevel0BlockIsTranslationFault) {  // D8.3: no 4KB L0 block without DS
  PageTable pt = make_table(12, 48, 0);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .t0sz = 16}));
  pt.map(0, 0x80'0000'0000, uint64_t{1} << 39, s1_leaf_bits({}));
  expect_translation_fault(read(0x12'3456'789A), 0x12'3456'789A);
}

TEST_F(Stage1Test, SixteenKbLevel1BlockIsTranslationFault) {  // D8.3: no 16KB L1 block without DS
  PageTable pt = make_table(14, 44, 1);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .granule0 = 14, .t0sz = 20}));
  pt.map(0x0120'0000'0000, 0x10'0000'0000, uint64_t{1} << 36, s1_leaf_bits({}));
  expect_translation_fault(read(0x0123'4567'9ABC), 0x0123'4567'9ABC);
}

TEST_F(Stage1Test, Level3DescriptorWithType0IsTranslationFault) {  // D8.3 Table D8-48: reserved, invalid
  PageTable pt = setup();
  uint64_t d = s1_leaf_bits({});
  s1desc::Valid.set(d, 1);
  s1desc::Type.set(d, 0);  // bits[1:0] = 0b01 at level 3
  s1desc::Address.set(d, 0x5'0000'0000 >> 12);
  pt.set_descriptor(0x1234'5000, 3, d);
  expect_translation_fault(read(0x1234'5678), 0x1234'5678);
}

TEST_F(Stage1Test, InvalidDescriptorAtEachLevelIsTranslationFault) {  // D8.3: bit[0] == 0 is invalid
  const uint64_t va = 0x12'3456'7000;
  for (int level = 0; level <= 3; ++level) {
    SCOPED_TRACE(level);
    reset(Features{});
    PageTable pt = make_table(12, 48, 0);
    attach(make_cd(CdConfig{.ttb0 = pt.root(), .t0sz = 16}));
    if (level > 0) {
      // Tables down to `level` exist; the level-`level` entry has every bit set except Valid.
      uint64_t d = ~uint64_t{0};
      s1desc::Valid.set(d, 0);
      pt.set_descriptor(va, level, d);
    }
    expect_translation_fault(read(va + 0x10), va + 0x10);
  }
}

// ---------------------------------------------------------------------------------------------------------
// TTB0/TTB1 selection and the VA range check (§3.4 check 1, §3.4.1, §5.4 TG1).

TEST_F(Stage1Test, Ttb1TranslatesUpperRangeWithItsOwnGranuleEncoding) {  // §3.4.1 VA[55]; §5.4 TG1 0b01 = 16KB
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(14, 48, 0);  // 16KB, T1SZ = 16: start level 0
  // TG1 = 0b01 selects 16KB; the same value in TG0 would mean 64KB (§5.4 TG0/TG1 tables).
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root(), .t1sz = 16}),
              {{cd::TG1, 0b01}}));
  map_page(pt0, 0x1234'5000, 0x2'0000'0000);
  pt1.map(0xFFFF'C123'4567'8000, 0x3'0000'4000, k16K, s1_leaf_bits({}));
  expect_success(read(0xFFFF'C123'4567'9ABC), 0x3'0000'5ABC);  // offset VA[13:0] = 0x1ABC
  expect_success(read(0x1234'5678), 0x2'0000'0678);
}

TEST_F(Stage1Test, SpecExampleOf49BitVaRange) {  // §3.4 note: 0x0000FFFF... and 0xFFFF0000... are in range
  PageTable pt0 = make_table(12, 48, 0);
  PageTable pt1 = make_table(12, 48, 0);
  attach(make_cd(CdConfig{.ttb0 = pt0.root(), .t0sz = 16, .epd1 = false, .ttb1 = pt1.root(), .t1sz = 16}));
  map_page(pt0, 0x0000'FFFF'FFFF'F000, 0x1'0000'0000);
  map_page(pt1, 0xFFFF'0000'0000'0000, 0x1'0000'1000);
  expect_success(read(0x0000'FFFF'FFFF'FFFF), 0x1'0000'0FFF);
  expect_success(read(0xFFFF'0000'0000'0000), 0x1'0000'1000);
  expect_translation_fault(read(0x0001'0000'0000'0000), 0x0001'0000'0000'0000);
  expect_translation_fault(read(0xFFFE'0000'0000'0000), 0xFFFE'0000'0000'0000);
}

TEST_F(Stage1Test, Ttb0AddressAboveT0szRangeIsTranslationFault) {  // §3.4 check 1: VA[63:39] must be zero
  PageTable pt = setup();
  map_page(pt, 0x7F'FFFF'F000, 0x2'0000'0000);
  expect_success(read(0x7F'FFFF'FFF0), 0x2'0000'0FF0);  // the last address of the 2^39 range
  expect_translation_fault(read(0x80'0000'0000), 0x80'0000'0000);
  expect_translation_fault(read(0x4000'0000'0000'1000), 0x4000'0000'0000'1000);
}

TEST_F(Stage1Test, Ttb1AddressBelowT1szRangeIsTranslationFault) {  // §3.4 check 1: VA[63:39] must be ones
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root(), .t1sz = 25}));
  map_page(pt1, 0xFFFF'FF80'0000'0000, 0x2'0000'0000);
  expect_success(read(0xFFFF'FF80'0000'0010), 0x2'0000'0010);  // the first address of the TTB1 range
  expect_translation_fault(read(0xFFFF'FF7F'FFFF'F000), 0xFFFF'FF7F'FFFF'F000);
  // VA[55] == 1 selects TTB1 even when the rest is far from a sign extension.
  expect_translation_fault(read(0x0080'0000'0000'0000), 0x0080'0000'0000'0000);
}

TEST_F(Stage1Test, Epd0DisablesTtb0) {  // §5.4 EPD0, §5.4.1.1: a walk through TTB0 is a Translation fault
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root()}), {{cd::EPD0, 1}}));
  map_page(pt0, 0x1234'5000, 0x2'0000'0000);
  map_page(pt1, 0xFFFF'FFFF'C000'0000, 0x2'0000'1000);
  expect_translation_fault(read(0x1234'5678), 0x1234'5678);
  expect_success(read(0xFFFF'FFFF'C000'0123), 0x2'0000'1123);
}

TEST_F(Stage1Test, Epd1DisablesTtb1) {  // §5.4 EPD1, §5.4.1.1
  PageTable pt = setup();  // EPD1 = 1
  map_page(pt, 0x1234'5000, 0x2'0000'0000);
  expect_translation_fault(read(0xFFFF'FFFF'C000'0123), 0xFFFF'FFFF'C000'0123);
  expect_success(read(0x1234'5678), 0x2'0000'0678);
}

// ---------------------------------------------------------------------------------------------------------
// Top Byte Ignore (§3.4.1, §5.4 TBI0/TBI1; §7.3: InputAddr keeps bits [63:56]).

TEST_F(Stage1Test, Tbi0IgnoresTheTopByteForRangeAndTranslation) {  // §3.4.1: AddrTop = 55 with TBI
  PageTable pt = setup({{cd::TBI0, 1}});
  map_page(pt, 0x12'3456'7000, 0x5'0000'0000);
  expect_success(read(0xAB00'0012'3456'7ABC), 0x5'0000'0ABC);
  // VA[55:39] are still checked.
  expect_translation_fault(read(0xAB00'0080'0000'0000), 0xAB00'0080'0000'0000);
}

TEST_F(Stage1Test, WithoutTbi0TheTopByteIsRangeChecked) {  // §3.4.1: AddrTop = 63 without TBI
  PageTable pt = setup();
  map_page(pt, 0x12'3456'7000, 0x5'0000'0000);
  expect_translation_fault(read(0xAB00'0012'3456'7ABC), 0xAB00'0012'3456'7ABC);
}

TEST_F(Stage1Test, TbiFaultReportsTheFullInputAddress) {  // §7.3 InputAddr: TBI does not affect it
  PageTable pt = setup({{cd::TBI0, 1}});
  map_page(pt, 0x12'3456'7000, 0x5'0000'0000);
  // Unmapped page under the ignored top byte: an invalid descriptor, recorded with bits [63:56] intact.
  expect_translation_fault(read(0xAB00'0000'0020'0000), 0xAB00'0000'0020'0000);
}

TEST_F(Stage1Test, Tbi1AppliesToTtb1AddressesOnly) {  // §5.4 TBI1; VA[55] picks TBI0 or TBI1
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root()}), {{cd::TBI1, 1}}));
  map_page(pt0, 0x12'3456'7000, 0x5'0000'0000);
  map_page(pt1, 0xFFFF'FFFF'C000'1000, 0x5'0000'1000);
  expect_success(read(0x12FF'FFFF'C000'1234), 0x5'0000'1234);
  // TBI0 == 0: the same top byte on a TTB0 address is out of range.
  expect_translation_fault(read(0x1200'0012'3456'7ABC), 0x1200'0012'3456'7ABC);
}

TEST_F(Stage1Test, Tbi0DoesNotApplyToTtb1Addresses) {  // §5.4 TBI0 is for TTB0 only
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root()}), {{cd::TBI0, 1}}));
  map_page(pt1, 0xFFFF'FFFF'C000'1000, 0x5'0000'1000);
  expect_success(read(0xFFFF'FFFF'C000'1234), 0x5'0000'1234);
  expect_translation_fault(read(0x12FF'FFFF'C000'1234), 0x12FF'FFFF'C000'1234);
}

// ---------------------------------------------------------------------------------------------------------
// E0PD (§5.4 E0PD0/E0PD1, IDR3.E0PD): unprivileged accesses fault as F_TRANSLATION.

TEST_F(Stage1Test, E0pd0FaultsUnprivilegedAccessesToTtb0) {  // §5.4 E0PD0
  Features f;
  f.e0pd = true;
  reset(f);
  PageTable pt = setup({{cd::E0PD0, 1}});
  map_page(pt, 0x1234'5000, 0x2'0000'0000);
  expect_event(read(0x1234'5678), EventType::F_TRANSLATION,
               {{event::S2, 0}, {event::CLASS, kClassIN}, {event::PnU, 0}, {event::InputAddr, 0x1234'5678}});
  expect_success(read(0x1234'5678, /*priv=*/true), 0x2'0000'0678);
}

TEST_F(Stage1Test, E0pd1FaultsUnprivilegedAccessesToTtb1Only) {  // §5.4 E0PD1
  Features f;
  f.e0pd = true;
  reset(f);
  PageTable pt0 = make_table(12, 39, 1);
  PageTable pt1 = make_table(12, 39, 1);
  attach(with(make_cd(CdConfig{.ttb0 = pt0.root(), .epd1 = false, .ttb1 = pt1.root()}), {{cd::E0PD1, 1}}));
  map_page(pt0, 0x1234'5000, 0x2'0000'0000);
  map_page(pt1, 0xFFFF'FFFF'C000'1000, 0x2'0000'1000);
  expect_translation_fault(read(0xFFFF'FFFF'C000'1234), 0xFFFF'FFFF'C000'1234);
  expect_success(read(0xFFFF'FFFF'C000'1234, /*priv=*/true), 0x2'0000'1234);
  expect_success(read(0x1234'5678), 0x2'0000'0678);
}

// ---------------------------------------------------------------------------------------------------------
// Access flag (§5.4 AFFD, §7.3.15, §3.13.1).

TEST_F(Stage1Test, AccessFlagZeroIsAccessFault) {  // §7.3.15: AF == 0 in a page or block descriptor
  PageTable pt = setup();
  map_page(pt, 0x1234'5000, 0x2'0000'0000, S1Leaf{.af = false});
  expect_s1_fault(read(0x1234'5678), EventType::F_ACCESS, 0x1234'5678);
  pt.map(0x4000'0000, 0x8000'0000, uint64_t{1} << 30, s1_leaf_bits(S1Leaf{.af = false}));  // a 1GB block
  expect_s1_fault(write(0x4000'1000), EventType::F_ACCESS, 0x4000'1000);
}

TEST_F(Stage1Test, AffdTreatsAccessFlagAsOne) {  // §5.4 AFFD == 1: an Access flag fault never occurs
  PageTable pt = setup({}, CdConfig{.affd = true});
  map_page(pt, 0x1234'5000, 0x2'0000'0000, S1Leaf{.af = false});
  expect_success(read(0x1234'5678), 0x2'0000'0678);
}

TEST_F(Stage1Test, AccessFaultTakesPriorityOverPermissionFault) {  // §3.13.1
  PageTable pt = setup();
  map_page(pt, 0x1234'5000, 0x2'0000'0000, S1Leaf{.ap = 0b11, .af = false});  // read-only
  expect_s1_fault(write(0x1234'5678), EventType::F_ACCESS, 0x1234'5678);
}

// ---------------------------------------------------------------------------------------------------------
// Address size (§3.4 check 2, §5.4 IPS, §7.3.14).

TEST_F(Stage1Test, NextLevelTableBeyondIpsIsAddressSizeFault) {  // §5.4 IPS: applies to table addresses too
  PageTable pt = setup();  // IPS 40 bits
  pt.set_descriptor(0x1234'5000, 1, pt.table_descriptor(uint64_t{1} << 40));
  expect_s1_fault(read(0x1234'5678), EventType::F_ADDR_SIZE, 0x1234'5678);
  // Just inside 40 bits the walk goes on, reads an empty (invalid) entry and faults as a translation.
  pt.set_descriptor(0x1234'5000, 1, pt.table_descriptor(0xFF'FFFF'F000));
  expect_translation_fault(read(0x1234'5678), 0x1234'5678);
}

TEST_F(Stage1Test, OutputAddressBeyondIpsIsAddressSizeFault) {  // §3.4 check 2; §7.3.14
  PageTable pt = setup();  // IPS 40 bits
  map_page(pt, 0x1234'5000, uint64_t{1} << 40);
  map_page(pt, 0x1234'6000, 0xFF'FFFF'F000);
  expect_s1_fault(write(0x1234'5678), EventType::F_ADDR_SIZE, 0x1234'5678);
  expect_success(read(0x1234'6678), 0xFF'FFFF'F678);
}

TEST_F(Stage1Test, IpsIsCappedByOas) {  // §5.4 IPS: eff_IPS = MIN(CD.IPS, IDR5.OAS)
  Features f;
  f.oas = 2;  // 40 bits
  reset(f);
  PageTable pt = setup({}, CdConfig{.ips = 5});  // 48 bits asked for
  map_page(pt, 0x1234'5000, uint64_t{1} << 40);
  expect_s1_fault(read(0x1234'5678), EventType::F_ADDR_SIZE, 0x1234'5678);
  reset(Features{});  // OAS 48: the same configuration translates
  PageTable pt48 = setup({}, CdConfig{.ips = 5});
  map_page(pt48, 0x1234'5000, uint64_t{1} << 40);
  expect_success(read(0x1234'5678), 0x100'0000'0678);
}

TEST_F(Stage1Test, IpsEncodingsSelectTheOutputSize) {  // §5.4 IPS: 0b000 32 .. 0b100 44 bits
  const unsigned bits[] = {32, 36, 40, 42, 44};
  for (unsigned ips = 0; ips < 5; ++ips) {
    SCOPED_TRACE(ips);
    reset(Features{});
    PageTable pt = setup({}, CdConfig{.ips = ips});
    const uint64_t limit = uint64_t{1} << bits[ips];
    map_page(pt, 0x1000, limit - k4K);
    map_page(pt, 0x2000, limit);
    expect_success(read(0x1008), limit - k4K + 8);
    expect_s1_fault(read(0x2008), EventType::F_ADDR_SIZE, 0x2008);
  }
  // 0b101, 48 bits: a 4KB descriptor holds OA[47:12] only, so its largest address translates.
  reset(Features{});
  PageTable pt = setup({}, CdConfig{.ips = 5});
  map_page(pt, 0x1000, 0xFFFF'FFFF'F000);
  expect_success(read(0x1008), 0xFFFF'FFFF'F008);
}

TEST_F(Stage1Test, SixtyFourKbDescriptorCarriesOutputBits51To48) {  // D8.3 Table D8-52 with FEAT_LPA; §5.4 IPS
  Features f;
  f.oas = 6;  // 52 bits
  reset(f);
  PageTable pt = make_table(16, 39, 2);
  attach(make_cd(CdConfig{.ttb0 = pt.root(), .granule0 = 16, .t0sz = 25, .ips = 6}));
  pt.map(0x12'3456'0000, 0x000A'0000'1234'0000, k64K, s1_leaf_bits({}));  // OA[51:48] = 0xA in bits [15:12]
  expect_success(read(0x12'3456'789A), 0x000A'0000'1234'789A);
  // The same descriptor under a 48-bit IPS outputs an address above eff_IPS.
  reset(f);
  PageTable pt48 = make_table(16, 39, 2);
  attach(make_cd(CdConfig{.ttb0 = pt48.root(), .granule0 = 16, .t0sz = 25, .ips = 5}));
  pt48.map(0x12'3456'0000, 0x000A'0000'1234'0000, k64K, s1_leaf_bits({}));
  expect_s1_fault(read(0x12'3456'789A), EventType::F_ADDR_SIZE, 0x12'3456'789A);
}

// ---------------------------------------------------------------------------------------------------------
// External abort on a descriptor fetch (§7.3.12).

TEST_F(Stage1Test, AbortedDescriptorReadIsWalkEabt) {  // §7.3.12: S2 = 0, CLASS = TT, FetchAddr
  for (int level = 1; level <= 3; ++level) {
    SCOPED_TRACE(level);
    reset(Features{});
    PageTable pt = setup();
    map_page(pt, 0x1234'5000, 0x2'0000'0000);
    const uint64_t desc = pt.descriptor_address(0x1234'5000, level);
    mem->add_abort_range(desc, 8);
    expect_event(write(0x1234'5678, /*priv=*/true), EventType::F_WALK_EABT,
                 {{event::StreamID, kSid},
                  {event::S2, 0},
                  {event::CLASS, kClassTT},
                  {event::RnW, 0},
                  {event::InD, 0},
                  {event::PnU, 1},
                  {event::InputAddr, 0x1234'5678},
                  {event::FetchAddr, desc >> 3}});
  }
}

TEST_F(Stage1Test, WalkEabtIgnoresCdRecordAndAbort) {  // §5.5: R and A cover only the four translation faults
  PageTable pt = setup({}, CdConfig{.record = false, .abort = false});
  map_page(pt, 0x1234'5000, 0x2'0000'0000);
  const uint64_t l3 = pt.descriptor_address(0x1234'5000, 3);
  mem->add_abort_range(l3, 8);
  expect_event(read(0x1234'5678), EventType::F_WALK_EABT, {{event::FetchAddr, l3 >> 3}}, /*recorded=*/true,
               OutcomeKind::Fault);
}

}  // namespace
}  // namespace smmu::test
