// The IOTLB (Arm IHI 0070 §3.17, §3.21.1): what is cached (valid translations only), how entries are tagged
// (regime, VMID, ASID, global), and which TLBI removes what (§4.4). A cached entry shows itself by
// surviving a page-table change made without invalidation; a removed one by the change taking effect.
#include "tests/optimized/opt_fixture.h"

namespace smmu::test::opt_test {
namespace {

constexpr uint64_t kVa = 0x12'3456'7000, kPaOld = 0x2'0000'1000, kPaNew = 0x2'0000'9000;

class TlbTest : public OptTest {
 protected:
  // Maps kVa -> kPaOld in a fresh stage-1 stream, translates once (filling the TLB), then remaps kVa ->
  // kPaNew without invalidation.
  void cache_then_remap(uint32_t sid, driver::PageTable& pt, bool global = false) {
    pt.map(kVa, kPaOld, 0x1000, leaf(0b01, !global));
    expect_pa(dma(sid, kVa), kPaOld);
    pt.map(kVa, kPaNew, 0x1000, leaf(0b01, !global));
  }
};

TEST_F(TlbTest, SecondTranslationHitsWithoutReadingTables) {  // §3.17: a cached translation
  auto pt = stage1_stream(1);
  pt->map(kVa, kPaOld, 0x1000, leaf());
  Recorder first, second;
  expect_pa(dma(1, kVa + 0x24, true, std::nullopt, false, false, &first), kPaOld + 0x24);
  EXPECT_EQ(first.count(TableRole::S1Desc), 3u);  // levels 1, 2, 3 of a 39-bit table
  expect_pa(dma(1, kVa + 0x48, true, std::nullopt, false, false, &second), kPaOld + 0x48);
  EXPECT_EQ(second.count(TableRole::S1Desc), 0u);
  EXPECT_EQ(second.count(TableRole::Ste), 0u);  // and the STE and CD came from the configuration cache
  EXPECT_EQ(second.count(TableRole::Cd), 0u);
  EXPECT_EQ(smmu->tlb_entries(), 1u);
}

TEST_F(TlbTest, StaleEntryIsUsedUntilInvalidated) {  // §3.21.1: a change needs TLBI + CMD_SYNC
  auto pt = stage1_stream(1, /*asid=*/5);
  cache_then_remap(1, *pt);
  expect_pa(dma(1, kVa), kPaOld);
  submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 5}, {cmd::VMID, 0}, {cmd::VA, kVa >> 12}}));
  expect_pa(dma(1, kVa), kPaNew);
}

TEST_F(TlbTest, InvalidDescriptorIsNeverCached) {  // §3.21.1: only valid translations are cached
  auto pt = stage1_stream(1);
  pt->map(kVa + 0x1000, kPaOld, 0x1000, leaf());  // builds the tables; kVa itself is invalid
  expect_fault(dma(1, kVa), EventType::F_TRANSLATION);
  pt->map(kVa, kPaNew, 0x1000, leaf());  // mapping where nothing was mapped needs no invalidation
  expect_pa(dma(1, kVa), kPaNew);
}

TEST_F(TlbTest, AccessFlagZeroIsNeverCached) {  // §3.21.1: AF == 0 is not a valid translation
  auto pt = stage1_stream(1);
  pt->map(kVa, kPaOld, 0x1000, leaf(0b01, true, /*af=*/false));
  expect_fault(dma(1, kVa), EventType::F_ACCESS);
  EXPECT_EQ(smmu->tlb_entries(), 0u);
  pt->map(kVa, kPaNew, 0x1000, leaf());
  expect_pa(dma(1, kVa), kPaNew);
}

TEST_F(TlbTest, PermissionFaultAfterAHitFindsTheCurrentTables) {
  // A read caches a read-only page; a write to it faults (F_PERMISSION, stage 1, §7.3.16).
  auto pt = stage1_stream(1);
  pt->map(kVa, kPaOld, 0x1000, leaf(0b11));
  expect_pa(dma(1, kVa), kPaOld);
  expect_fault(dma(1, kVa, /*read=*/false), EventType::F_PERMISSION);
}

TEST_F(TlbTest, AsidTagsNonGlobalEntries) {  // §3.17: two ASIDs on the same tables are separate entries
  auto pt = stage1_stream(1, /*asid=*/1);
  stage1_stream_on(2, *pt, /*asid=*/2);
  pt->map(kVa, kPaOld, 0x1000, leaf());
  expect_pa(dma(1, kVa), kPaOld);
  expect_pa(dma(2, kVa), kPaOld);
  EXPECT_EQ(smmu->tlb_entries(), 2u);
  pt->map(kVa, kPaNew, 0x1000, leaf());
  // TLBI by ASID 1 removes only ASID 1's entry (§4.4.2.2).
  submit_sync(command(Opcode::CMD_TLBI_NH_ASID, {{cmd::ASID, 1}, {cmd::VMID, 0}}));
  expect_pa(dma(1, kVa), kPaNew);
  expect_pa(dma(2, kVa), kPaOld);
}

TEST_F(TlbTest, GlobalEntryMatchesAnyAsidOfTheRegime) {  // §3.17.1: nG == 0
  auto pt = stage1_stream(1, /*asid=*/1);
  stage1_stream_on(2, *pt, /*asid=*/2);
  cache_then_remap(1, *pt, /*global=*/true);
  expect_pa(dma(2, kVa), kPaOld);  // ASID 2 hits the entry ASID 1 inserted
  EXPECT_EQ(smmu->tlb_entries(), 1u);
  // NH_VA by ASID 7 still covers global entries for the address (§4.4.2.4).
  submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 7}, {cmd::VA, kVa >> 12}}));
  expect_pa(dma(2, kVa), kPaNew);
}

TEST_F(TlbTest, NhVaaCoversEveryAsid) {  // §4.4.2.3
  auto pt = stage1_stream(1, 1);
  stage1_stream_on(2, *pt, 2);
  pt->map(kVa, kPaOld, 0x1000, leaf());
  dma(1, kVa);
  dma(2, kVa);
  pt->map(kVa, kPaNew, 0x1000, leaf());
  submit_sync(command(Opcode::CMD_TLBI_NH_VAA, {{cmd::VA, kVa >> 12}}));
  expect_pa(dma(1, kVa), kPaNew);
  expect_pa(dma(2, kVa), kPaNew);
}

TEST_F(TlbTest, NhVaOfAnotherAddressKeepsTheEntry) {
  auto pt = stage1_stream(1, 3);
  cache_then_remap(1, *pt);
  submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 3}, {cmd::VA, (kVa + 0x1000) >> 12}}));
  expect_pa(dma(1, kVa), kPaOld);
  submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 4}, {cmd::VA, kVa >> 12}}));  // another ASID
  expect_pa(dma(1, kVa), kPaOld);
}

TEST_F(TlbTest, RangeInvalidationCoversNumAndScale) {  // §4.4.1.1: (NUM + 1) << SCALE granules from VA
  auto pt = stage1_stream(1, 1);
  for (uint64_t i = 0; i < 8; ++i) pt->map(kVa + i * 0x1000, kPaOld + i * 0x1000, 0x1000, leaf());
  for (uint64_t i = 0; i < 8; ++i) dma(1, kVa + i * 0x1000);
  for (uint64_t i = 0; i < 8; ++i) pt->map(kVa + i * 0x1000, kPaNew + i * 0x1000, 0x1000, leaf());
  // TG = 4KB, NUM = 1, SCALE = 1: 4 pages from kVa + 0x2000.
  submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 1}, {cmd::VA, (kVa + 0x2000) >> 12}, {cmd::TG, 1},
                                                {cmd::NUM, 1}, {cmd::SCALE, 1}}));
  for (uint64_t i = 0; i < 8; ++i) {
    const bool covered = i >= 2 && i < 6;
    expect_pa(dma(1, kVa + i * 0x1000), (covered ? kPaNew : kPaOld) + i * 0x1000);
  }
}

TEST_F(TlbTest, BlockEntryCoversTheWholeBlock) {  // Arm ARM D8.3: a 2MB block is one entry
  auto pt = stage1_stream(1, 1);
  constexpr uint64_t kBlock = 0x40'0000'0000 >> 2, kOut = 0x3'0000'0000;  // a 2MB-aligned VA
  pt->map(kBlock, kOut, 0x20'0000, leaf());
  expect_pa(dma(1, kBlock + 0x1234), kOut + 0x1234);
  expect_pa(dma(1, kBlock + 0x1F'F000), kOut + 0x1F'F000);
  EXPECT_EQ(smmu->tlb_entries(), 1u);
  pt->map(kBlock, kOut + 0x20'0000, 0x20'0000, leaf());
  submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 1}, {cmd::VA, (kBlock + 0x10'0000) >> 12}}));
  expect_pa(dma(1, kBlock + 0x1234), kOut + 0x20'0000 + 0x1234);  // any address in the block covers it
}

TEST_F(TlbTest, VmidTagsStage2Entries) {  // §3.17: stage-2 entries by VMID; TLBI_S2_IPA by VMID (§4.4.3.1)
  auto s2 = stage2_table();
  stage2_stream_on(1, *s2, /*vmid=*/1);
  stage2_stream_on(2, *s2, /*vmid=*/2);
  s2->map(0x8000'0000, kPaOld, 0x1000, driver::s2_leaf_bits({}));
  expect_pa(dma(1, 0x8000'0000), kPaOld);
  expect_pa(dma(2, 0x8000'0000), kPaOld);
  s2->map(0x8000'0000, kPaNew, 0x1000, driver::s2_leaf_bits({}));
  submit_sync(command(Opcode::CMD_TLBI_S2_IPA, {{cmd::VMID, 1}, {cmd::IPA, 0x8000'0000 >> 12}}));
  expect_pa(dma(1, 0x8000'0000), kPaNew);
  expect_pa(dma(2, 0x8000'0000), kPaOld);
  submit_sync(command(Opcode::CMD_TLBI_S12_VMALL, {{cmd::VMID, 2}}));  // §4.4.3.2: every stage of VMID 2
  expect_pa(dma(2, 0x8000'0000), kPaNew);
}

TEST_F(TlbTest, S2IpaDoesNotRemoveStage1Entries) {  // §4.4.3.1: stage-2 entries only
  auto pt = stage1_stream(1, 1);
  cache_then_remap(1, *pt);
  submit_sync(command(Opcode::CMD_TLBI_S2_IPA, {{cmd::VMID, 0}, {cmd::IPA, kPaOld >> 12}}));
  expect_pa(dma(1, kVa), kPaOld);
  submit_sync(command(Opcode::CMD_TLBI_NSNH_ALL));  // §4.4.4.1: every NS-EL1 entry
  expect_pa(dma(1, kVa), kPaNew);
}

TEST_F(TlbTest, El2EntriesBelongToTheirRegime) {  // §3.17, §4.4.2: NH_* leave EL2 entries; EL2_ALL removes them
  auto pt = std::make_unique<driver::PageTable>(*mem, *alloc, 12, 39);
  stage1_stream_on(1, *pt, /*asid=*/1, /*strw=*/2);  // StreamWorld NS-EL2 (CR2.E2H = 0)
  cache_then_remap(1, *pt);
  submit_sync(command(Opcode::CMD_TLBI_NH_ALL, {{cmd::VMID, 0}}));
  submit_sync(command(Opcode::CMD_TLBI_NSNH_ALL));
  expect_pa(dma(1, kVa), kPaOld);
  submit_sync(command(Opcode::CMD_TLBI_EL2_VA, {{cmd::VA, kVa >> 12}}));  // E2H = 0: NS-EL2 entries by VA
  expect_pa(dma(1, kVa), kPaNew);
  pt->map(kVa, kPaOld, 0x1000, leaf());
  submit_sync(command(Opcode::CMD_TLBI_EL2_ALL));
  expect_pa(dma(1, kVa), kPaOld);
}

TEST_F(TlbTest, NestedEntryCombinesBothStages) {  // a nested VA entry holds the final PA
  auto s2 = stage2_table();
  // Stage 2 maps the table region one to one so that the stage-1 tables and the CD are reachable.
  for (uint64_t a = 0x4000'0000; a < 0x4010'0000; a += 0x1000) s2->map(a, a, 0x1000, driver::s2_leaf_bits({}));
  auto s1 = std::make_unique<driver::PageTable>(*mem, *alloc, 12, 39);
  const uint64_t cd = place_cd(driver::make_cd({.ttb0 = s1->root(), .asid = 1}));
  strtab->set_ste(3, driver::ste_nested({.context_ptr = cd}, {.ttb = s2->root(), .vmid = 9}));
  s1->map(kVa, 0x9000'0000, 0x1000, leaf());
  s2->map(0x9000'0000, kPaOld, 0x1000, driver::s2_leaf_bits({}));
  expect_pa(dma(3, kVa + 8), kPaOld + 8);
  s2->map(0x9000'0000, kPaNew, 0x1000, driver::s2_leaf_bits({}));
  // TLBI_S2_IPA need not touch combined entries (§4.4.3.1); NH_VAA of the VMID does (§4.4.2.3).
  submit_sync(command(Opcode::CMD_TLBI_S2_IPA, {{cmd::VMID, 9}, {cmd::IPA, 0x9000'0000 >> 12}}));
  submit_sync(command(Opcode::CMD_TLBI_NH_VAA, {{cmd::VMID, 9}, {cmd::VA, kVa >> 12}}));
  expect_pa(dma(3, kVa + 8), kPaNew + 8);
}

TEST_F(TlbTest, EvictionKeepsTheTlbBounded) {  // a full TLB evicts: results stay those of the tables
  reset(Features{}, OptimizedSmmu::Sizes{.tlb_log2 = 4});  // 16 slots, 12 entries at most
  auto pt = stage1_stream(1, 1);
  for (uint64_t i = 0; i < 64; ++i) pt->map(kVa + i * 0x1000, kPaOld + i * 0x1000, 0x1000, leaf());
  for (int round = 0; round < 2; ++round)
    for (uint64_t i = 0; i < 64; ++i) expect_pa(dma(1, kVa + i * 0x1000), kPaOld + i * 0x1000);
  EXPECT_LE(smmu->tlb_entries(), 12u);
  EXPECT_GT(smmu->stats().tlb_evictions, 0u);
}

}  // namespace
}  // namespace smmu::test::opt_test
