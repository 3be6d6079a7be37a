// Stream table lookup: Arm IHI 0070 §3.3.2, §5.1 (L1STD), §6.3.24 (STRTAB_BASE), §6.3.25 (STRTAB_BASE_CFG),
// §7.3.3 (C_BAD_STREAMID), §7.3.4 (F_STE_FETCH), §6.3.14 and §13.2 (SMMUEN = 0 and GBPA).
#include "tests/fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

class StreamTableTest : public RefTest {};

// A bypass STE passes the address through unchanged (§5.2 Config = 0b100), so a successful DMA to the
// same address proves the lookup found that STE.
TEST_F(StreamTableTest, LinearTableIndexesBySid) {  // §3.3.2: STE address = base + SID * 64
  strtab->set_ste(5, ste_bypass());
  expect_success(dma(5, 0x1234'5678), 0x1234'5678);
  // SID 6 has an all-zero STE: V == 0 is C_BAD_STE (§5.2).
  expect_event(dma(6, 0x1000), EventType::C_BAD_STE, {{event::StreamID, 6}});
}

TEST_F(StreamTableTest, SidBeyondLog2SizeIsBadStreamId) {  // §7.3.3 condition 1
  Outcome o = dma(256, 0x1000);
  expect_event(o, EventType::C_BAD_STREAMID, {{event::StreamID, 256}, {event::SSV, 0}});
}

TEST_F(StreamTableTest, BadStreamIdCarriesSubstreamId) {  // §7.3.3: StreamID, SSV, SubstreamID
  expect_event(dma(0x300, 0x1000, true, 0x11), EventType::C_BAD_STREAMID,
               {{event::StreamID, 0x300}, {event::SSV, 1}, {event::SubstreamID, 0x11}});
}

TEST_F(StreamTableTest, RecInvSidZeroSuppressesTheRecord) {  // §6.3.12 CR2.RECINVSID
  set_cr2(/*recinvsid=*/false, false);
  expect_event(dma(256, 0x1000), EventType::C_BAD_STREAMID, {{event::StreamID, 256}}, /*recorded=*/false);
}

TEST_F(StreamTableTest, Log2SizeIsCappedBySidSize) {  // §6.3.25: MIN(LOG2SIZE, IDR1.SIDSIZE)
  Features f;
  f.sidsize = 6;
  reset(f);
  strtab->set_ste(0x3f, ste_bypass());
  strtab->set_ste(0x40, ste_bypass());  // inside the 2^8 table but beyond 2^SIDSIZE
  expect_success(dma(0x3f, 0x2000), 0x2000);
  expect_event(dma(0x40, 0x2000), EventType::C_BAD_STREAMID, {{event::StreamID, 0x40}});
}

TEST_F(StreamTableTest, LinearBaseLowBitsAreIgnored) {  // §6.3.24: ADDR[LOG2SIZE+5:0] treated as zero
  strtab->set_ste(3, ste_bypass());
  smmu->registers().strtab_base = strtab->base() + 0x1c0;  // bits inside the 16 KiB table's alignment
  expect_success(dma(3, 0x5000), 0x5000);
}

TEST_F(StreamTableTest, ReservedFmtBehavesAsLinear) {  // §6.3.25: FMT 0b10 / 0b11 behave as 0b00
  strtab->set_ste(7, ste_bypass());
  uint64_t cfg = smmu->registers().strtab_base_cfg;
  regf::STRTAB_BASE_CFG_FMT.set(cfg, 2);
  regf::STRTAB_BASE_CFG_SPLIT.set(cfg, 6);
  smmu->registers().strtab_base_cfg = static_cast<uint32_t>(cfg);
  expect_success(dma(7, 0x7000), 0x7000);
}

class TwoLevelTest : public RefTest {
 protected:
  void SetUp() override {
    RefTest::SetUp();
    use_stream_table(StreamTable::two_level(*mem, *alloc, 16, 8));
  }
  // Writes an L1STD for the L1 index of `sid`, pointing at a fresh L2 array of 2^(span-1) STEs.
  uint64_t set_l1(uint32_t sid, unsigned span, uint64_t l2_extra = 0) {
    uint64_t size = uint64_t{64} << (span > 0 ? span - 1 : 0);
    uint64_t l2 = alloc->alloc(size, size < 4096 ? 4096 : size);
    uint64_t d = 0;
    l1std::Span.set(d, span);
    l1std::L2Ptr.set(d, (l2 + l2_extra) >> 6);
    mem->poke64(strtab->l1_address(sid), d);
    return l2;
  }
};

TEST_F(TwoLevelTest, SplitSelectsL1AndL2Index) {  // §6.3.25: L1 index SID[LOG2SIZE-1:SPLIT], L2 SID[SPLIT-1:0]
  strtab->set_ste(0x1234, ste_bypass());  // allocates the L2 array of L1 index 0x12 with Span = 9
  expect_success(dma(0x1234, 0x8000), 0x8000);
  EXPECT_EQ(l1std::Span.get(mem->peek64(strtab->l1_address(0x1234))), 9u);
  // Another SID under an L1 descriptor that is still zero: Span == 0 is invalid (§5.1).
  expect_event(dma(0x1334, 0x8000), EventType::C_BAD_STREAMID, {{event::StreamID, 0x1334}});
}

TEST_F(TwoLevelTest, ReservedSpanIsInvalid) {  // §5.1: Span 12..31 reserved, behave as 0
  uint64_t l2 = set_l1(0x0500, 1);
  write8(l2, ste_bypass());
  expect_success(dma(0x0500, 0x1000), 0x1000);
  uint64_t d = mem->peek64(strtab->l1_address(0x0500));
  l1std::Span.set(d, 12);
  mem->poke64(strtab->l1_address(0x0500), d);
  expect_event(dma(0x0500, 0x1000), EventType::C_BAD_STREAMID, {{event::StreamID, 0x0500}});
}

TEST_F(TwoLevelTest, SpanBeyondSplitPlusOneIsInvalid) {  // §7.3.3 2c: Span > SPLIT + 1
  uint64_t l2 = set_l1(0x0600, 10);  // SPLIT = 8 allows at most Span = 9
  write8(l2, ste_bypass());
  expect_event(dma(0x0600, 0x1000), EventType::C_BAD_STREAMID, {{event::StreamID, 0x0600}});
}

TEST_F(TwoLevelTest, L2IndexBeyondSpanIsBadStreamId) {  // §5.1.1, §7.3.3 2d: SID[SPLIT-1:0] >= 2^(Span-1)
  uint64_t l2 = set_l1(0x0700, 2);  // two STEs
  write8(l2 + 64, ste_bypass());
  expect_success(dma(0x0701, 0x3000), 0x3000);
  expect_event(dma(0x0702, 0x3000), EventType::C_BAD_STREAMID, {{event::StreamID, 0x0702}});
}

TEST_F(TwoLevelTest, L2PtrLowBitsAreIgnored) {  // §5.1: L2Ptr[5+(Span-1):0] treated as zero
  uint64_t l2 = set_l1(0x0800, 3, /*l2_extra=*/0xc0);  // four STEs: 256-byte array, pointer 0xc0 past its base
  write8(l2 + 64 * 3, ste_bypass());
  expect_success(dma(0x0803, 0x4000), 0x4000);
}

TEST_F(TwoLevelTest, InvalidSplitBehavesAsSix) {  // §6.3.25: other SPLIT values behave as 6
  uint64_t cfg = smmu->registers().strtab_base_cfg;
  regf::STRTAB_BASE_CFG_SPLIT.set(cfg, 7);
  smmu->registers().strtab_base_cfg = static_cast<uint32_t>(cfg);
  // With SPLIT = 6, SID 0x45 uses L1 index 1 and L2 index 5.
  uint64_t l2 = alloc->alloc(4096, 4096);
  uint64_t d = 0;
  l1std::Span.set(d, 7);
  l1std::L2Ptr.set(d, l2 >> 6);
  mem->poke64(strtab->base() + 8, d);
  write8(l2 + 5 * 64, ste_bypass());
  expect_success(dma(0x45, 0x9000), 0x9000);
}

TEST_F(TwoLevelTest, WithoutTwoLevelSupportFmtIsLinear) {  // §6.3.25: FMT is RES0 when IDR0.ST_LEVEL == 0
  Features f;
  f.st_level = 0;
  reset(f);
  strtab->set_ste(9, ste_bypass());
  uint64_t cfg = smmu->registers().strtab_base_cfg;
  regf::STRTAB_BASE_CFG_FMT.set(cfg, 1);
  smmu->registers().strtab_base_cfg = static_cast<uint32_t>(cfg);
  expect_success(dma(9, 0xa000), 0xa000);
}

TEST_F(StreamTableTest, AbortedSteFetchIsFSteFetch) {  // §7.3.4: FetchAddr is the PA that aborted
  strtab->set_ste(4, ste_bypass());
  uint64_t ste_pa = strtab->ste_address(4);
  mem->add_abort_range(ste_pa + 16, 8);  // q2 of the STE
  expect_event(dma(4, 0x1000), EventType::F_STE_FETCH, {{event::StreamID, 4}, {event::FetchAddr, (ste_pa + 16) >> 3}});
}

TEST_F(TwoLevelTest, AbortedL1StdFetchIsFSteFetch) {  // §7.3.4 covers the L1STD fetch too
  mem->add_abort_range(strtab->l1_address(0x2200), 8);
  expect_event(dma(0x2200, 0x1000), EventType::F_STE_FETCH,
               {{event::StreamID, 0x2200}, {event::FetchAddr, strtab->l1_address(0x2200) >> 3}});
}

TEST_F(StreamTableTest, SteBeyondOasIsFSteFetch) {  // §3.4.3 (5), STE_FETCH_ADDR_OOR: we choose F_STE_FETCH
  Features f;
  f.oas = 0;  // 32-bit PA
  reset(f);
  smmu->registers().strtab_base = 0x1'0000'0000;  // beyond 2^32
  expect_event(dma(1, 0x1000), EventType::F_STE_FETCH, {{event::FetchAddr, (0x1'0000'0000ull + 64) >> 3}});
}

TEST_F(StreamTableTest, SmmuDisabledFollowsGbpa) {  // §6.3.14, §13.2
  set_cr0_smmuen(false);
  strtab->set_ste(1, Words8{});  // an invalid STE is never read while SMMUEN = 0
  expect_success(dma(1, 0xdead'0000), 0xdead'0000);
  uint64_t gbpa = 0;
  regf::GBPA_ABORT.set(gbpa, 1);
  smmu->registers().gbpa = static_cast<uint32_t>(gbpa);
  Outcome o = dma(1, 0xdead'0000);
  EXPECT_EQ(o.kind, OutcomeKind::Terminated) << format_outcome(o);
  EXPECT_FALSE(o.event.has_value());
}

TEST_F(StreamTableTest, SmmuDisabledAddressBeyondOasAborts) {  // §3.4: abort, no event
  set_cr0_smmuen(false);
  Outcome o = dma(1, uint64_t{1} << 48);  // default OAS is 48 bits
  EXPECT_EQ(o.kind, OutcomeKind::Terminated) << format_outcome(o);
}

TEST_F(StreamTableTest, GbpaOverridesAttributes) {  // §6.3.14: MTCFG/MemAttr, SHCFG, PRIVCFG, INSTCFG
  set_cr0_smmuen(false);
  uint64_t gbpa = 0;
  regf::GBPA_MTCFG.set(gbpa, 1);
  regf::GBPA_MemAttr.set(gbpa, 0b0001);  // Device-nGnRE
  regf::GBPA_PRIVCFG.set(gbpa, 3);       // privileged
  regf::GBPA_INSTCFG.set(gbpa, 3);       // instruction
  smmu->registers().gbpa = static_cast<uint32_t>(gbpa);
  Outcome o = dma(1, 0x1000);
  expect_success(o, 0x1000);
  EXPECT_EQ(o.attrs.mair, 0x04);  // Device-nGnRE in the MAIR encoding
  EXPECT_EQ(o.attrs.sh, 2);       // §13.1.7: Device is Outer Shareable
  EXPECT_TRUE(o.attrs.priv);
  EXPECT_TRUE(o.attrs.instr);
}

}  // namespace
}  // namespace smmu::test
