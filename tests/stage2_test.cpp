// Stage-2 and nested (stage 1 + stage 2) translation: Arm IHI 0070 §3.4 (stage-2 input and output checks,
// stage-1 bypass against the IAS), §5.2 (S2T0SZ, S2SL0, S2TG, S2PS, S2AFFD, S2PTW, S2R, S2VMID, S2TTB),
// §5.4.1 and §7.3.22 (CDs and stage-1 tables fetched from IPA space), §5.5 (stage-2 faults abort, recording
// per S2R), §7.3.12-§7.3.16 (S2, CLASS, IPA, TTRnW, FetchAddr), §13.1.5, §13.1.7, §13.4.3 (permissions and
// attribute combination); Arm ARM D8.2 (start levels, concatenated tables), D8.3 (descriptor formats), D8.4
// (S2AP, XN), D8.6 (attribute combination).
//
// Expected values are worked out by hand from those texts. Stage-2 geometry used below (Arm ARM D8.2):
// level_shift(L) = g + (3 - L) * (g - 3): 4KB L0 39, L1 30, L2 21, L3 12; 16KB L1 36, L2 25, L3 14;
// 64KB L1 42, L2 29, L3 16. The start level resolves IPA[IAS-1:level_shift(start)]; bits beyond one
// stride select one of up to 16 concatenated tables laid out one after the other.
#include "tests/walk_helpers.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------------
// Stage 2 only (STE.Config = 0b110).

class Stage2Test : public RefTest {
 protected:
  explicit Stage2Test(Features f = Features{}) : RefTest(f) {}
  static constexpr uint32_t kSid = 1;
  static constexpr uint64_t kIpa = 0x12'3456'7000;  // bit 39 clear: first of the two concatenated L1 tables
  static constexpr uint64_t kPa = 0x8765'4000;

  // A 4KB-granule stage 2 with a 40-bit IPA starting at level 1 (S2SL0 = 1) mapping the page kIpa to `oa`.
  void map_page(uint64_t leaf_bits, S2Config c = {}, uint64_t oa = kPa) {
    s2 = std::make_unique<PageTable>(*mem, *alloc, 12, 40, 1);
    s2->map(kIpa, oa, 0x1000, leaf_bits);
    c.ttb = s2->root();
    strtab->set_ste(kSid, ste_stage2(c));
  }
  Outcome run(uint64_t addr, Reads* r, bool read = true) {
    return smmu->translate(Transaction{.sid = kSid, .addr = addr, .read = read}, r);
  }
  // Checks a walk with the given geometry: builds a table starting at `level`, maps the page of `ipa`, and
  // expects the model to read exactly levels `level`..3 and to reach the page.
  void expect_walk(unsigned granule, unsigned t0sz, unsigned sl0, int level, uint64_t ipa) {
    const uint64_t page = uint64_t{1} << granule;
    const uint64_t oa = 0x9000'0000;  // 64KB-aligned
    PageTable pt(*mem, *alloc, granule, 64 - t0sz, level);
    pt.map(ipa & ~(page - 1), oa, page, s2_leaf_bits({}));
    strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .granule = granule, .t0sz = t0sz, .sl0 = sl0}));
    Reads r;
    expect_success(run(ipa, &r), oa | (ipa & (page - 1)));
    std::vector<int> levels, want;
    for (const TableRead& t : r.of(TableRole::S2Desc)) levels.push_back(t.level);
    for (int l = level; l <= 3; ++l) want.push_back(l);
    EXPECT_EQ(levels, want);
  }
  std::unique_ptr<PageTable> s2;
};

// --- Start levels (§5.2 S2SL0 = VTCR_EL2.SL0 encoding; Arm ARM D8.2 Tables D8-19, D8-29, D8-38) -----------

TEST_F(Stage2Test, Start4kSl0IsLevel2) {  // 4KB SL0 = 0b00: level 2; S2T0SZ 34 (30-bit IPA)
  expect_walk(12, 34, 0, 2, 0x2345'6789);
}

TEST_F(Stage2Test, Start4kSl1IsLevel1) {  // 4KB SL0 = 0b01: level 1; S2T0SZ 25 (39-bit IPA, one table)
  expect_walk(12, 25, 1, 1, 0x12'3456'7890);
}

TEST_F(Stage2Test, Start4kSl2IsLevel0) {  // 4KB SL0 = 0b10: level 0; S2T0SZ 16 (48-bit IPA)
  expect_walk(12, 16, 2, 0, 0x8123'4567'8abc);
}

TEST_F(Stage2Test, Start4kSl3IsLevel3WithStt) {  // 4KB SL0 = 0b11: level 3 with FEAT_TTST (IDR3.STT)
  Features f;
  f.stt = true;
  reset(f);
  expect_walk(12, 44, 3, 3, 0xa'b123);  // S2T0SZ 44 (<= 48 with STT): 20-bit IPA, 256 entries at level 3
}

TEST_F(Stage2Test, Start4kSl3WithoutSttIsIllegal) {  // §5.2 S2SL0: reserved/inconsistent SL0 is ILLEGAL
  PageTable pt(*mem, *alloc, 12, 20, 3);
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .t0sz = 39, .sl0 = 3}));
  expect_event(run(0x1000, nullptr), EventType::C_BAD_STE, {{event::StreamID, kSid}});
}

TEST_F(Stage2Test, Start16kSl0IsLevel3) {  // 16KB SL0 = 0b00: level 3; S2T0SZ 39 (25-bit IPA)
  expect_walk(14, 39, 0, 3, 0x1ab'cdef);
}

TEST_F(Stage2Test, Start16kSl1IsLevel2) {  // 16KB SL0 = 0b01: level 2; S2T0SZ 28 (36-bit IPA)
  expect_walk(14, 28, 1, 2, 0x9'8765'4321);
}

TEST_F(Stage2Test, Start16kSl2IsLevel1) {  // 16KB SL0 = 0b10: level 1; S2T0SZ 20 (44-bit IPA)
  expect_walk(14, 20, 2, 1, 0xabc'1234'5678);
}

TEST_F(Stage2Test, Start64kSl0IsLevel3) {  // 64KB SL0 = 0b00: level 3; S2T0SZ 36 (28-bit IPA)
  expect_walk(16, 36, 0, 3, 0xabc'def1);
}

TEST_F(Stage2Test, Start64kSl1IsLevel2) {  // 64KB SL0 = 0b01: level 2; S2T0SZ 22 (42-bit IPA)
  expect_walk(16, 22, 1, 2, 0x2ab'cdef'1234);
}

TEST_F(Stage2Test, Start64kSl2IsLevel1) {  // 64KB SL0 = 0b10: level 1; S2T0SZ 16 (48-bit IPA)
  expect_walk(16, 16, 2, 1, 0xfedc'ba98'7654);
}

// §5.2 S2SL0/S2T0SZ: inconsistent start level and input size is ILLEGAL. A 4KB level-1 start resolves
// 31..43 bits (one table up to 16 concatenated tables, Arm ARM D8.2.2).
TEST_F(Stage2Test, StartLevelInconsistentWithS2T0szIsIllegal) {
  uint64_t root = alloc->alloc(0x2'0000, 0x2'0000);
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .t0sz = 20, .sl0 = 1}));  // 44 bits: 32 tables
  expect_event(run(0x1000, nullptr), EventType::C_BAD_STE, {{event::StreamID, kSid}});
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .t0sz = 34, .sl0 = 1}));  // 30 bits: below level 1
  expect_event(run(0x1000, nullptr), EventType::C_BAD_STE, {{event::StreamID, kSid}});
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .t0sz = 24, .sl0 = 0}));  // 40 bits at level 2: 512 tables
  expect_event(run(0x1000, nullptr), EventType::C_BAD_STE, {{event::StreamID, kSid}});
}

// §5.2 S2SL0 (VTCR_EL2.SL0 encoding): 0b11 is level 0 for 16KB only with DS = 1 and reserved for 64KB.
TEST_F(Stage2Test, ReservedSl0For16kAnd64kIsIllegal) {
  uint64_t root = alloc->alloc(0x1'0000, 0x1'0000);
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .granule = 14, .t0sz = 16, .sl0 = 3}));
  expect_event(run(0x1000, nullptr), EventType::C_BAD_STE, {{event::StreamID, kSid}});
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .granule = 16, .t0sz = 16, .sl0 = 3}));
  expect_event(run(0x1000, nullptr), EventType::C_BAD_STE, {{event::StreamID, kSid}});
}

// --- Concatenated start tables (Arm ARM D8.2.2; §5.2 S2TTB alignment) -------------------------------------

// 4KB, level 1, 40-bit IPA: IPA[39:30] index 1024 entries = 2 concatenated 4KB tables. IPA bit 39 selects the
// second table; entry 1 of the second table is at byte 0x1000 + 8.
TEST_F(Stage2Test, Concat4kLevel1TwoTables) {
  const uint64_t root = alloc->alloc(0x2000, 0x2000);
  mem->poke64(root + 0x0008, s2_block(0x8000'0000));  // IPA 0x00'4000'0000: table 0, entry 1 (1GB block)
  mem->poke64(root + 0x1008, s2_block(0xc000'0000));  // IPA 0x80'4000'0000: table 1, entry 1
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .t0sz = 24, .sl0 = 1}));
  expect_success(run(0x00'4000'0123, nullptr), 0x8000'0123);
  Reads r;
  expect_success(run(0x80'4000'0123, &r), 0xc000'0123);
  ASSERT_EQ(r.of(TableRole::S2Desc).size(), 1u);
  EXPECT_EQ(r.of(TableRole::S2Desc)[0].pa, root + 0x1008);
}

// 4KB, level 1, 43-bit IPA: 13 index bits = 16 tables (64KB). IPA[42:39] = 0xF picks the last table.
TEST_F(Stage2Test, Concat4kLevel1SixteenTables) {
  const uint64_t root = alloc->alloc(0x1'0000, 0x1'0000);
  const uint64_t ipa = (uint64_t{0xF} << 39) | (uint64_t{5} << 30) | 0x456;  // 0x781'4000'0456
  mem->poke64(root + 0xF000 + 5 * 8, s2_block(0x4'0000'0000));
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .t0sz = 21, .sl0 = 1}));
  Reads r;
  expect_success(run(ipa, &r), 0x4'0000'0456);
  EXPECT_EQ(r.of(TableRole::S2Desc).at(0).pa, root + 0xF028);
}

// §5.2 S2TTB: bits [x-1:0] are treated as zero, x covering the whole concatenated block (Arm ARM R_VCLZN).
TEST_F(Stage2Test, ConcatenatedBaseIsAlignedToItsWholeSize) {
  const uint64_t root = alloc->alloc(0x1'0000, 0x1'0000);
  mem->poke64(root + 0xF028, s2_block(0x4'0000'0000));
  strtab->set_ste(kSid, ste_stage2({.ttb = root + 0x8000, .t0sz = 21, .sl0 = 1}));  // inside the 64KB block
  expect_success(run(0x781'4000'0456, nullptr), 0x4'0000'0456);
}

// §5.2 S2TTB: with eff_S2PS = 52 a 64-byte minimum alignment applies to the start-level table. A 64KB
// level-3 start with a 17-bit IPA (S2T0SZ 47, needs STT) has a 16-byte table of two entries.
TEST_F(Stage2Test, S2ttbHas64ByteMinimumAlignmentWith52BitS2ps) {
  Features f;
  f.oas = 6;
  f.stt = true;
  reset(f);
  const uint64_t root = alloc->alloc(0x1000, 0x1000);
  mem->poke64(root + 0x00, s2_page(0xa000'0000));  // entry 0 of a table at root
  mem->poke64(root + 0x20, s2_page(0xc000'0000));  // entry 0 of a table at root + 0x20
  const S2Config c{.ttb = root + 0x20, .granule = 16, .t0sz = 47, .sl0 = 0};
  S2Config c52 = c, c48 = c;
  c52.ps = 6;
  c48.ps = 5;
  strtab->set_ste(kSid, ste_stage2(c48));  // 16-byte alignment: root + 0x20 is used as is
  expect_success(run(0x1234, nullptr), 0xc000'1234);
  strtab->set_ste(kSid, ste_stage2(c52));  // bits [5:0] treated as zero: root
  expect_success(run(0x1234, nullptr), 0xa000'1234);
}

// 16KB, level 2, 39-bit IPA: IPA[38:25] = 14 bits = 8 tables of 2048 entries; a 32MB level-2 block.
TEST_F(Stage2Test, Concat16kLevel2EightTables) {
  const uint64_t root = alloc->alloc(0x2'0000, 0x2'0000);
  const uint64_t ipa = (uint64_t{6} << 36) | (uint64_t{0x123} << 25) | 0xabc;  // 0x62'4600'0abc
  mem->poke64(root + (6 * 2048 + 0x123) * 8, s2_block(0x1'2000'0000));      // root + 0x18918
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .granule = 14, .t0sz = 25, .sl0 = 1}));
  Reads r;
  expect_success(run(ipa, &r), 0x1'2000'0abc);
  EXPECT_EQ(r.of(TableRole::S2Desc).at(0).pa, root + 0x18918);
}

// 64KB, level 2, 44-bit IPA: IPA[43:29] = 15 bits = 4 tables of 8192 entries; a 512MB level-2 block.
TEST_F(Stage2Test, Concat64kLevel2FourTables) {
  const uint64_t root = alloc->alloc(0x4'0000, 0x4'0000);
  const uint64_t ipa = (uint64_t{3} << 42) | (uint64_t{7} << 29) | 0x1234;  // 0xc00'e000'1234
  mem->poke64(root + 3 * 0x1'0000 + 7 * 8, s2_block(0x2'0000'0000));
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .granule = 16, .t0sz = 20, .sl0 = 1}));
  Reads r;
  expect_success(run(ipa, &r), 0x2'0000'1234);
  EXPECT_EQ(r.of(TableRole::S2Desc).at(0).pa, root + 0x3'0038);
}

// --- Input range (§3.4) -----------------------------------------------------------------------------------

// §3.4 stage 2 check 1, §7.3.13: an IPA beyond the S2T0SZ range (but within the IAS) is a stage-2
// Translation fault with CLASS = IN and the IPA reported.
TEST_F(Stage2Test, IpaBeyondS2T0szIsStage2TranslationFault) {
  map_page(s2_leaf_bits({}));
  const uint64_t ipa = uint64_t{1} << 40;  // 40-bit stage 2; IAS is 48
  expect_event(run(ipa + 0x10, nullptr), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, ipa >> 12}, {event::InputAddr, ipa + 0x10},
                {event::RnW, 1}});
}

// §3.4: with stage 1 bypassed (Config = 0b110) an input beyond the IAS is a stage-1 Address Size fault
// (S2 = 0, CLASS = IN, §7.3.14), aborted and recorded: S2R governs only stage-2 faults (§5.5).
TEST_F(Stage2Test, Stage1BypassInputBeyondIasIsStage1AddressSize) {
  map_page(s2_leaf_bits({}), {.record = false});
  const uint64_t addr = uint64_t{1} << 48;  // IAS = OAS = 48 bits
  expect_event(run(addr, nullptr, /*read=*/false), EventType::F_ADDR_SIZE,
               {{event::S2, 0}, {event::CLASS, kClassIn}, {event::InputAddr, addr}, {event::RnW, 0}},
               /*recorded=*/true);
}

// §3.4: IAS = MAX(TTF[0] ? 40 : 0, TTF[1] ? OAS : 0). The reference model implements no VMSAv8-32 tables
// (IDR0.TTF[0] = 0, reference/smmu.cpp), so IAS = OAS: with a 36-bit OAS a bypassed stage 1 checks 36 bits.
TEST_F(Stage2Test, IasIsOasWithoutAArch32Tables) {
  Features f;
  f.ttf_aarch32 = true;  // requested, but clamped away by the model
  f.oas = 1;             // 36 bits
  reset(f);
  EXPECT_FALSE(smmu->features().ttf_aarch32);
  PageTable pt(*mem, *alloc, 12, 36, 1);
  pt.map(0xf'0000'0000, 0x9000'0000, 0x1000, s2_leaf_bits({}));
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .t0sz = 28, .sl0 = 1, .ps = 1}));
  expect_success(run(0xf'0000'0123, nullptr), 0x9000'0123);
  expect_event(run(uint64_t{1} << 36, nullptr), EventType::F_ADDR_SIZE,
               {{event::S2, 0}, {event::CLASS, kClassIn}, {event::InputAddr, uint64_t{1} << 36}});
}

// --- Permissions (Arm ARM D8.4 S2AP, XN; §13.4.3) ------------------------------------------------------

TEST_F(Stage2Test, S2apReadOnly) {  // S2AP 0b01: read only, for EL1 and EL0 alike
  map_page(s2_leaf_bits({.s2ap = 0b01}));
  Outcome o = dma(kSid, kIpa + 0x10);
  expect_success(o, kPa + 0x10);
  EXPECT_EQ(o.perms, (Permissions{.read = true, .write = false, .exec = true}));
  expect_event(dma(kSid, kIpa + 0x10, /*read=*/false), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpa >> 12}, {event::RnW, 0},
                {event::InputAddr, kIpa + 0x10}});
  expect_event(dma(kSid, kIpa, false, std::nullopt, /*priv=*/true), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::PnU, 1}});
}

TEST_F(Stage2Test, S2apWriteOnly) {  // S2AP 0b10: write only
  map_page(s2_leaf_bits({.s2ap = 0b10}));
  Outcome o = dma(kSid, kIpa + 0x20, /*read=*/false);
  expect_success(o, kPa + 0x20);
  EXPECT_EQ(o.perms, (Permissions{.read = false, .write = true, .exec = true}));
  expect_event(dma(kSid, kIpa + 0x20), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpa >> 12}, {event::RnW, 1}});
}

TEST_F(Stage2Test, S2apNoneDeniesData) {  // S2AP 0b00: no data access
  map_page(s2_leaf_bits({.s2ap = 0b00}));
  expect_event(dma(kSid, kIpa), EventType::F_PERMISSION, {{event::S2, 1}, {event::RnW, 1}});
  expect_event(dma(kSid, kIpa, false), EventType::F_PERMISSION, {{event::S2, 1}, {event::RnW, 0}});
}

// Arm ARM Table D8-76/D8-77, §5.2 S2AA64 note: S2AP governs data only, so S2AP = 0b00 with XN = 0 is
// execute-only; an instruction fetch succeeds (§13.7: a non-ATS Exe transaction succeeds to XO).
TEST_F(Stage2Test, S2apNoneWithXnZeroIsExecuteOnly) {
  map_page(s2_leaf_bits({.s2ap = 0b00, .xn = 0}));
  Outcome o = dma(kSid, kIpa + 0x40, true, std::nullopt, false, /*instr=*/true);
  expect_success(o, kPa + 0x40);
  EXPECT_EQ(o.perms, (Permissions{.read = false, .write = false, .exec = true}));
}

// Arm ARM Table D8-77 (no FEAT_XNX): XN = descriptor bit 54 forbids execution at EL1 and EL0.
TEST_F(Stage2Test, XnWithoutXnxDeniesInstructionFetchAtBothLevels) {
  map_page(s2_leaf_bits({.xn = 0b10}));
  for (bool priv : {false, true}) {
    SCOPED_TRACE(priv ? "privileged" : "unprivileged");
    expect_event(dma(kSid, kIpa + 0x40, true, std::nullopt, priv, /*instr=*/true), EventType::F_PERMISSION,
                 {{event::S2, 1}, {event::CLASS, kClassIn}, {event::InD, 1}, {event::RnW, 1}, {event::PnU, priv},
                  {event::IPA, kIpa >> 12}});
  }
  Outcome data = dma(kSid, kIpa + 0x40);  // XN does not affect data reads
  expect_success(data, kPa + 0x40);
  EXPECT_FALSE(data.perms.exec);
  // XN[1:0] = 0b11 without FEAT_XNX: bit 54 is set, so execution is forbidden too.
  map_page(s2_leaf_bits({.xn = 0b11}));
  expect_event(dma(kSid, kIpa, true, std::nullopt, true, true), EventType::F_PERMISSION, {{event::S2, 1}});
}

// §5.2 INSTCFG = 0b11 makes a read an instruction fetch; stage 2 checks the post-override INST (§13.4.3)
// and the record's InD is the post-override value (§7.3.16).
TEST_F(Stage2Test, InstcfgOverrideIsCheckedAgainstXn) {
  map_page(s2_leaf_bits({.xn = 0b10}));
  strtab->set_ste(kSid, with(ste_stage2({.ttb = s2->root()}), {{ste::INSTCFG, 0b11}}));
  expect_event(dma(kSid, kIpa), EventType::F_PERMISSION, {{event::S2, 1}, {event::InD, 1}});
  expect_success(dma(kSid, kIpa, /*read=*/false), kPa);  // writes are always Data (§13.1.2)
}

class XnxTest : public Stage2Test {
 protected:
  XnxTest() : Stage2Test(xnx()) {}
  static Features xnx() {
    Features f;
    f.xnx = true;
    return f;
  }
  // An instruction fetch through XN[1:0] = `xn` by a privileged or unprivileged transaction.
  void expect_exec(unsigned xn, bool priv, bool allowed) {
    SCOPED_TRACE(::testing::Message() << "XN=" << xn << (priv ? " privileged" : " unprivileged"));
    map_page(s2_leaf_bits({.xn = xn}));
    Outcome o = dma(kSid, kIpa + 0x80, true, std::nullopt, priv, /*instr=*/true);
    if (allowed) {
      expect_success(o, kPa + 0x80);
      EXPECT_TRUE(o.perms.exec);
    } else {
      expect_event(o, EventType::F_PERMISSION,
                   {{event::S2, 1}, {event::CLASS, kClassIn}, {event::InD, 1}, {event::PnU, priv},
                    {event::IPA, kIpa >> 12}});
    }
  }
};

// Arm ARM Table D8-78 (FEAT_XNX, SMMU IDR3.XNX): PRIV takes part in stage-2 permissions (§13.4.3).
TEST_F(XnxTest, Xn00AllowsBoth) {  // 0b00: EL1 and EL0 may execute
  expect_exec(0b00, false, true);
  expect_exec(0b00, true, true);
}

TEST_F(XnxTest, Xn01ForbidsPrivileged) {  // 0b01: EL1 forbidden, EL0 allowed
  expect_exec(0b01, false, true);
  expect_exec(0b01, true, false);
}

TEST_F(XnxTest, Xn10ForbidsBoth) {  // 0b10: neither may execute
  expect_exec(0b10, false, false);
  expect_exec(0b10, true, false);
}

TEST_F(XnxTest, Xn11ForbidsUnprivileged) {  // 0b11: EL1 allowed, EL0 forbidden
  expect_exec(0b11, false, false);
  expect_exec(0b11, true, true);
}

// §5.2 PRIVCFG = 0b11 (privileged): stage 2 evaluates XN[1:0] with the post-override PRIV (§13.4.3) and
// the record's PnU is the post-override value (§7.3.16).
TEST_F(XnxTest, PrivcfgOverrideDrivesXnx) {
  map_page(s2_leaf_bits({.xn = 0b01}));
  strtab->set_ste(kSid, with(ste_stage2({.ttb = s2->root()}), {{ste::PRIVCFG, 0b11}}));
  expect_event(dma(kSid, kIpa, true, std::nullopt, /*priv=*/false, /*instr=*/true), EventType::F_PERMISSION,
               {{event::S2, 1}, {event::PnU, 1}, {event::InD, 1}});
}

// --- Access flag (§5.2 S2AFFD, §7.3.15, §7.3.22) ---------------------------------------------------------

TEST_F(Stage2Test, AfZeroIsStage2AccessFault) {
  map_page(s2_leaf_bits({.af = false}));
  expect_event(dma(kSid, kIpa + 8), EventType::F_ACCESS,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpa >> 12}, {event::InputAddr, kIpa + 8}});
}

TEST_F(Stage2Test, S2affdTreatsAfAsOne) {  // S2AFFD = 1: "the TTD.AF bit is considered to be always 1"
  map_page(s2_leaf_bits({.af = false}), {.affd = true});
  expect_success(dma(kSid, kIpa + 8), kPa + 8);
}

TEST_F(Stage2Test, AccessFaultTakesPriorityOverPermission) {  // §7.3.22: F_ACCESS before F_PERMISSION
  map_page(s2_leaf_bits({.s2ap = 0b00, .af = false}));
  expect_event(dma(kSid, kIpa), EventType::F_ACCESS, {{event::S2, 1}});
}

// --- Address size (§3.4 stage 2 check 2, §5.2 S2PS, §7.3.14) ---------------------------------------------

TEST_F(Stage2Test, NextTableBeyondS2psIsAddressSizeFault) {  // a table descriptor's output counts too
  map_page(s2_leaf_bits({}));
  s2->set_descriptor(kIpa, 2, s2_table(uint64_t{1} << 40));  // S2PS = 40 bits
  expect_event(dma(kSid, kIpa), EventType::F_ADDR_SIZE,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpa >> 12}});
}

TEST_F(Stage2Test, OutputBeyondS2psIsAddressSizeFault) {
  map_page(s2_leaf_bits({}), {}, uint64_t{1} << 40);
  expect_event(dma(kSid, kIpa), EventType::F_ADDR_SIZE,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpa >> 12}});
  map_page(s2_leaf_bits({}), {.ps = 0}, 0x1'0000'0000);  // S2PS = 0b000: 32 bits
  expect_event(dma(kSid, kIpa), EventType::F_ADDR_SIZE, {{event::S2, 1}});
  map_page(s2_leaf_bits({}), {.ps = 0}, 0xffff'f000);
  expect_success(dma(kSid, kIpa + 0xfff), 0xffff'ffff);
}

TEST_F(Stage2Test, S2psIsCappedByOas) {  // §5.2: eff_S2PS = MIN(S2PS, IDR5.OAS)
  map_page(s2_leaf_bits({}), {.ps = 5}, uint64_t{1} << 40);  // OAS 48: a 41-bit output is fine
  expect_success(dma(kSid, kIpa + 4), (uint64_t{1} << 40) + 4);
  Features f;
  f.oas = 2;  // 40 bits
  reset(f);
  map_page(s2_leaf_bits({}), {.ps = 5}, uint64_t{1} << 40);
  expect_event(dma(kSid, kIpa + 4), EventType::F_ADDR_SIZE, {{event::S2, 1}, {event::CLASS, kClassIn}});
}

TEST_F(Stage2Test, AddressSizeTakesPriorityOverAccessFlag) {  // §7.3.22: F_ADDR_SIZE (2c) before F_ACCESS (3)
  map_page(s2_leaf_bits({.af = false}), {}, uint64_t{1} << 40);
  expect_event(dma(kSid, kIpa), EventType::F_ADDR_SIZE, {{event::S2, 1}});
}

// Arm ARM Tables D8-51/D8-53: with the 64KB granule and FEAT_LPA (SMMUv3.1-LPA, IDR5.OAS = 52, §2.3),
// descriptor bits [15:12] are OA[51:48]. With S2PS = 52 they are part of the output address ...
TEST_F(Stage2Test, Lpa64kHighOutputBitsWithS2ps52) {
  Features f;
  f.oas = 6;  // 52 bits
  reset(f);
  const uint64_t ipa = 0x1'2345'0000, oa = (uint64_t{1} << 48) | 0x9000'0000;
  PageTable pt(*mem, *alloc, 16, 42, 2);
  pt.map(ipa, oa, 0x1'0000, s2_leaf_bits({}));
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .granule = 16, .t0sz = 22, .sl0 = 1, .ps = 6}));
  expect_success(run(ipa + 0xabc, nullptr), oa + 0xabc);
}

// ... and with eff_S2PS = 48 they still are (the field's meaning depends on FEAT_LPA, not on S2PS), so a
// non-zero OA[51:48] is outside the effective S2PS: stage-2 Address Size fault (§5.2 S2PS).
TEST_F(Stage2Test, Lpa64kHighOutputBitsBeyondS2ps48) {
  Features f;
  f.oas = 6;
  reset(f);
  const uint64_t ipa = 0x1'2345'0000, oa = (uint64_t{1} << 48) | 0x9000'0000;
  PageTable pt(*mem, *alloc, 16, 42, 2);
  pt.map(ipa, oa, 0x1'0000, s2_leaf_bits({}));
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .granule = 16, .t0sz = 22, .sl0 = 1, .ps = 5}));
  expect_event(run(ipa + 0xabc, nullptr), EventType::F_ADDR_SIZE,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, ipa >> 12}});
}

// --- Blocks (Arm ARM D8.3, Tables D8-48 and D8-53) ----------------------------------------------------------

TEST_F(Stage2Test, Block4kLevel2) {  // a 2MB block: OA[47:21] from the descriptor, IPA[20:0] passed on
  PageTable pt(*mem, *alloc, 12, 40, 1);
  pt.map(0x4020'0000, 0x8860'0000, 0x20'0000, s2_leaf_bits({}));
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root()}));
  Reads r;
  expect_success(run(0x4023'4560, &r), 0x8863'4560);
  EXPECT_EQ(r.of(TableRole::S2Desc).size(), 2u);  // level 1 table, level 2 block
}

TEST_F(Stage2Test, Block4kLevel1) {  // a 1GB block in a single 39-bit level-1 table
  const uint64_t root = alloc->alloc(0x1000, 0x1000);
  mem->poke64(root + 3 * 8, s2_block(0x1'4000'0000));
  strtab->set_ste(kSid, ste_stage2({.ttb = root, .t0sz = 25, .sl0 = 1}));
  expect_success(run(0xc123'4567, nullptr), 0x1'4123'4567);
}

TEST_F(Stage2Test, Block4kLevel0IsTranslationFault) {  // no level-0 block without DS
  const uint64_t ipa = 0x8123'4567'8000;
  PageTable pt(*mem, *alloc, 12, 48, 0);
  pt.set_descriptor(ipa, 0, s2_block(0));
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .t0sz = 16, .sl0 = 2}));
  expect_event(run(ipa, nullptr), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, ipa >> 12}});
}

TEST_F(Stage2Test, Block16kLevel1IsTranslationFault) {  // 16KB: blocks only at level 2 without DS
  const uint64_t ipa = 0xabc'1234'5678;
  PageTable pt(*mem, *alloc, 14, 44, 1);
  pt.set_descriptor(ipa, 1, s2_block(0));
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .granule = 14, .t0sz = 20, .sl0 = 2}));
  expect_event(run(ipa, nullptr), EventType::F_TRANSLATION, {{event::S2, 1}, {event::IPA, ipa >> 12}});
}

// 64KB level-1 (4TB) blocks exist only with FEAT_LPA (Table D8-53: "FEAT_LPA is implemented").
TEST_F(Stage2Test, Block64kLevel1NeedsLpa) {
  const uint64_t ipa = 0x8abc'1234'5678;  // IPA[47:42] = 0x22
  auto build = [&] {
    PageTable pt(*mem, *alloc, 16, 48, 1);
    pt.set_descriptor(ipa, 1, s2_block(0x400'0000'0000));
    strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .granule = 16, .t0sz = 16, .sl0 = 2, .ps = 5}));
  };
  build();  // OAS 48: no FEAT_LPA
  expect_event(run(ipa, nullptr), EventType::F_TRANSLATION, {{event::S2, 1}, {event::IPA, ipa >> 12}});
  Features f;
  f.oas = 6;
  reset(f);
  build();
  expect_success(run(ipa, nullptr), 0x400'0000'0000 | 0x2bc'1234'5678);
}

TEST_F(Stage2Test, Block64kLevel2) {  // a 512MB block
  PageTable pt(*mem, *alloc, 16, 42, 2);
  pt.map(0x2'2000'0000, 0x6000'0000, 0x2000'0000, s2_leaf_bits({}));
  strtab->set_ste(kSid, ste_stage2({.ttb = pt.root(), .granule = 16, .t0sz = 22, .sl0 = 1}));
  expect_success(run(0x2'3456'789a, nullptr), 0x7456'789a);
}

TEST_F(Stage2Test, BlockEncodingAtLevel3IsTranslationFault) {  // Table D8-48: reserved, treated as invalid
  map_page(s2_leaf_bits({}));
  s2->set_descriptor(kIpa, 3, s2_block(kPa));
  expect_event(dma(kSid, kIpa), EventType::F_TRANSLATION, {{event::S2, 1}, {event::IPA, kIpa >> 12}});
}

TEST_F(Stage2Test, InvalidDescriptorIsTranslationFault) {  // D8.2.1: invalid descriptor at any level
  map_page(s2_leaf_bits({}));
  s2->set_descriptor(kIpa, 2, 0);
  expect_event(dma(kSid, kIpa + 0x30, /*read=*/false), EventType::F_TRANSLATION,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::IPA, kIpa >> 12}, {event::RnW, 0},
                {event::InputAddr, kIpa + 0x30}});
}

// --- External aborts and recording (§5.5, §7.3.12) ------------------------------------------------------

// §7.3.12: an abort on a stage-2 descriptor while translating the transaction's IPA: S2 = 1, CLASS = IN,
// FetchAddr = the stage-2 descriptor's PA.
TEST_F(Stage2Test, Stage2DescriptorAbortIsWalkEabt) {
  map_page(s2_leaf_bits({}));
  const uint64_t desc = s2->descriptor_address(kIpa, 2);
  mem->add_abort_range(desc, 8);
  expect_event(dma(kSid, kIpa + 0x18), EventType::F_WALK_EABT,
               {{event::S2, 1}, {event::CLASS, kClassIn}, {event::FetchAddr, desc >> 3},
                {event::InputAddr, kIpa + 0x18}});
}

// §5.5: S2R = 0 suppresses the record of the four translation-related stage-2 faults; the transaction is
// still terminated with an abort (stage 2 has an implied A = 1).
TEST_F(Stage2Test, S2rZeroSuppressesRecordButStillAborts) {
  map_page(s2_leaf_bits({}), {.record = false});
  expect_event(dma(kSid, kIpa + 0x1000), EventType::F_TRANSLATION, {{event::S2, 1}}, /*recorded=*/false);
  map_page(s2_leaf_bits({.af = false}), {.record = false});
  expect_event(dma(kSid, kIpa), EventType::F_ACCESS, {{event::S2, 1}}, false);
  map_page(s2_leaf_bits({.s2ap = 0b01}), {.record = false});
  expect_event(dma(kSid, kIpa, false), EventType::F_PERMISSION, {{event::S2, 1}}, false);
  map_page(s2_leaf_bits({}), {.record = false}, uint64_t{1} << 40);
  expect_event(dma(kSid, kIpa), EventType::F_ADDR_SIZE, {{event::S2, 1}}, false);
}

TEST_F(Stage2Test, S2rZeroDoesNotSuppressWalkEabt) {  // §5.5: other faults always attempt to record
  map_page(s2_leaf_bits({}), {.record = false});
  mem->add_abort_range(s2->descriptor_address(kIpa, 3), 8);
  expect_event(dma(kSid, kIpa), EventType::F_WALK_EABT, {{event::S2, 1}}, /*recorded=*/true);
}

// §13.4, §13.4.3: stage 2 only combines the incoming attributes (default Normal iWB-oWB RA WA nTR NSH,
// §13.1.3) with the descriptor's: WB + WT = WT keeping RA/WA; NSH + ISH = ISH.
TEST_F(Stage2Test, Stage2OnlyCombinesWithIncomingAttributes) {
  map_page(s2_leaf_bits({.memattr = 0b1010, .sh = 3}));
  Outcome o = dma(kSid, kIpa);
  expect_success(o, kPa);
  EXPECT_EQ(o.attrs.mair, 0xbb);  // Normal oWT-iWT, non-transient, RA, WA
  EXPECT_EQ(o.attrs.sh, 3);
  map_page(s2_leaf_bits({.memattr = 0b0010}));  // Device-nGRE
  o = dma(kSid, kIpa);
  expect_success(o, kPa);
  EXPECT_EQ(o.attrs.mair, 0x08);
  EXPECT_EQ(o.attrs.sh, 2);  // §13.1.7: Device is output Outer Shareable
}

// §13.4: stage-2-only output = incoming attributes with STE overrides (§13.1.4), combined with stage 2.
TEST_F(Stage2Test, SteOverridesThenCombineWithStage2) {
  map_page(s2_leaf_bits({.memattr = 0b1111, .sh = 0}));
  strtab->set_ste(kSid, with(ste_stage2({.ttb = s2->root()}), {{ste::SHCFG, 0b11}}));  // ISH
  Outcome o = dma(kSid, kIpa);
  expect_success(o, kPa);
  EXPECT_EQ(o.attrs.mair, 0xff);
  EXPECT_EQ(o.attrs.sh, 3);  // ISH + NSH = ISH
  strtab->set_ste(kSid, with(ste_stage2({.ttb = s2->root()}), {{ste::MTCFG, 1}, {ste::MemAttr, 0b0101}}));
  o = dma(kSid, kIpa);  // Normal iNC-oNC + WB = NC, output OSH (§13.1.7)
  EXPECT_EQ(o.attrs.mair, 0x44);
  EXPECT_EQ(o.attrs.sh, 2);
}

}  // namespace
}  // namespace smmu::test
