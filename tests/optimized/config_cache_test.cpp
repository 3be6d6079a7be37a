// The configuration cache (§3.21.1, §5.2.1, §5.4.1) and the CFGI_* scopes (§4.3): STEs by StreamID, CDs by
// (StreamID, SubstreamID), cached in any state (ILLEGAL too) but never after a failed fetch. A cached entry
// shows itself by surviving a structure change made without invalidation.
#include "tests/optimized/opt_fixture.h"

namespace smmu::test::opt_test {
namespace {

constexpr uint64_t kVa = 0x4000'1000, kPa = 0x2'0000'1000;

class ConfigCacheTest : public OptTest {
 protected:
  // Stream `sid`, stage 1, mapping kVa -> kPa; translated once so that its STE and CD are cached.
  std::unique_ptr<driver::PageTable> cached_stream(uint32_t sid) {
    auto pt = stage1_stream(sid, static_cast<uint16_t>(sid));
    pt->map(kVa, kPa, 0x1000, leaf());
    expect_pa(dma(sid, kVa), kPa);
    return pt;
  }
  void abort_ste(uint32_t sid) { strtab->set_ste(sid, driver::ste_abort()); }
  bool terminated(uint32_t sid) { return dma(sid, kVa).kind == OutcomeKind::Terminated; }
};

TEST_F(ConfigCacheTest, SteIsCachedUntilCfgiSte) {  // §5.2.1: a change needs CMD_CFGI_STE
  cached_stream(4);
  abort_ste(4);
  EXPECT_FALSE(terminated(4));
  EXPECT_EQ(smmu->stats().ste_misses, 1u);
  submit_sync(command(Opcode::CMD_CFGI_STE, {{cmd::StreamID, 4}}));
  EXPECT_TRUE(terminated(4));
}

TEST_F(ConfigCacheTest, CfgiSteOfAnotherStreamKeepsTheEntry) {
  cached_stream(4);
  abort_ste(4);
  submit_sync(command(Opcode::CMD_CFGI_STE, {{cmd::StreamID, 5}}));
  EXPECT_FALSE(terminated(4));
}

TEST_F(ConfigCacheTest, CfgiSteDropsTheCdsCachedThroughIt) {  // §4.3.1
  auto pt = cached_stream(4);
  // Rewrite the CD (a new ASID and tables mapping kVa elsewhere) and invalidate only the STE.
  auto other = std::make_unique<driver::PageTable>(*mem, *alloc, 12, 39);
  other->map(kVa, kPa + 0x5000, 0x1000, leaf());
  stage1_stream_on(4, *other, /*asid=*/44);
  submit_sync(command(Opcode::CMD_CFGI_STE, {{cmd::StreamID, 4}, {cmd::Leaf, 1}}));
  expect_pa(dma(4, kVa), kPa + 0x5000);
}

TEST_F(ConfigCacheTest, CfgiSteRangeCoversTheAlignedBlock) {  // §4.3.2: 2^(Range + 1) StreamIDs, aligned
  for (uint32_t sid : {8u, 11u, 12u}) cached_stream(sid);
  for (uint32_t sid : {8u, 11u, 12u}) abort_ste(sid);
  // StreamID 9 with Range = 1: StreamIDs 8..11.
  submit_sync(command(Opcode::CMD_CFGI_STE_RANGE, {{cmd::StreamID, 9}, {cmd::Range, 1}}));
  EXPECT_TRUE(terminated(8));
  EXPECT_TRUE(terminated(11));
  EXPECT_FALSE(terminated(12));
  // Range = 31 is CMD_CFGI_ALL (§4.3.6): the StreamID is ignored.
  submit_sync(command(Opcode::CMD_CFGI_STE_RANGE, {{cmd::StreamID, 0xFFFF'FFFF}, {cmd::Range, 31}}));
  EXPECT_TRUE(terminated(12));
}

TEST_F(ConfigCacheTest, CfgiCdCoversOneSubstream) {  // §4.3.3: (StreamID, SubstreamID)
  // A linear table of 4 CDs; SSIDs 1 and 2 translate kVa through their own tables.
  driver::CdTable cds(*mem, *alloc, 2, 0);
  std::vector<std::unique_ptr<driver::PageTable>> pts;
  for (uint32_t ssid = 0; ssid < 4; ++ssid) {
    pts.push_back(std::make_unique<driver::PageTable>(*mem, *alloc, 12, 39));
    pts.back()->map(kVa, kPa + ssid * 0x1000, 0x1000, leaf());
    cds.set_cd(ssid, driver::make_cd({.ttb0 = pts.back()->root(), .asid = static_cast<uint16_t>(10 + ssid)}));
  }
  strtab->set_ste(6, driver::ste_stage1({.context_ptr = cds.context_ptr(), .cdmax = 2, .s1dss = 2}));
  for (uint32_t ssid = 1; ssid < 3; ++ssid) expect_pa(dma(6, kVa, true, ssid), kPa + ssid * 0x1000);
  for (uint32_t ssid = 1; ssid < 3; ++ssid) cds.set_cd(ssid, Words8{});  // V = 0: C_BAD_CD once seen
  submit_sync(command(Opcode::CMD_CFGI_CD, {{cmd::StreamID, 6}, {cmd::SubstreamID, 2}}));
  expect_pa(dma(6, kVa, true, 1u), kPa + 0x1000);
  expect_fault(dma(6, kVa, true, 2u), EventType::C_BAD_CD);
  submit_sync(command(Opcode::CMD_CFGI_CD_ALL, {{cmd::StreamID, 6}}));  // §4.3.4: every CD of the stream
  expect_fault(dma(6, kVa, true, 1u), EventType::C_BAD_CD);
}

TEST_F(ConfigCacheTest, IllegalSteIsCachedToo) {  // §3.21.1: structures are cacheable in any state
  strtab->set_ste(7, driver::with(driver::ste_bypass(), {{ste::Config, 0b111}, {ste::S2TG, 3}}));  // reserved S2TG
  expect_fault(dma(7, kVa), EventType::C_BAD_STE);
  strtab->set_ste(7, driver::ste_bypass());
  expect_fault(dma(7, kVa), EventType::C_BAD_STE);
  submit_sync(command(Opcode::CMD_CFGI_STE, {{cmd::StreamID, 7}}));
  expect_pa(dma(7, kVa), kVa);
}

TEST_F(ConfigCacheTest, FailedSteFetchIsNotCached) {  // §5.2.1: F_STE_FETCH leaves nothing cached
  strtab->set_ste(9, driver::ste_bypass());
  mem->add_abort_range(strtab->ste_address(9), 64);
  expect_fault(dma(9, kVa), EventType::F_STE_FETCH);
  EXPECT_EQ(smmu->ste_cache_entries(), 0u);
}

TEST_F(ConfigCacheTest, FailedCdFetchIsNotCached) {  // §5.4.1: F_CD_FETCH leaves nothing cached
  auto pt = stage1_stream(10, 1);
  pt->map(kVa, kPa, 0x1000, leaf());
  const uint64_t ctx = ste::S1ContextPtr.in_place(mem->peek64(strtab->ste_address(10)));
  mem->add_abort_range(ctx, 64);
  expect_fault(dma(10, kVa), EventType::F_CD_FETCH);
  EXPECT_EQ(smmu->cd_cache_entries(), 0u);
  EXPECT_EQ(smmu->ste_cache_entries(), 1u);  // the STE itself was fetched and is cached
}

TEST_F(ConfigCacheTest, EnablingTheSmmuStartsWithEmptyCaches) {  // permitted over-invalidation (§3.21)
  cached_stream(4);
  abort_ste(4);
  wr(reg::CR0, regf::CR0_CMDQEN.mask_in_place());
  wr(reg::CR0, regf::CR0_SMMUEN.mask_in_place() | regf::CR0_CMDQEN.mask_in_place());
  EXPECT_TRUE(terminated(4));
}

}  // namespace
}  // namespace smmu::test::opt_test
