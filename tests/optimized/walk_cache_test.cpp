// The walk cache (§3.21.1: intermediate descriptors, invalidated as on a PE): a second page under the same
// table starts its walk at the last level; a TLBI covering the address (Leaf = 0 or, here, Leaf = 1 too)
// drops the cached table descriptors, so a changed table descriptor takes effect.
#include "tests/optimized/opt_fixture.h"

namespace smmu::test::opt_test {
namespace {

constexpr uint64_t kVa = 0x12'3450'0000, kPa = 0x2'0000'0000;

class WalkCacheTest : public OptTest {};

TEST_F(WalkCacheTest, NeighbourPageStartsAtTheLastLevel) {
  auto pt = stage1_stream(1, 1);
  pt->map(kVa, kPa, 0x1000, leaf());
  pt->map(kVa + 0x1000, kPa + 0x1000, 0x1000, leaf());
  expect_pa(dma(1, kVa), kPa);
  Recorder r;
  expect_pa(dma(1, kVa + 0x1000, true, std::nullopt, false, false, &r), kPa + 0x1000);
  ASSERT_EQ(r.count(TableRole::S1Desc), 1u);  // only the level-3 descriptor
  EXPECT_EQ(r.reads.back().level, 3);
  EXPECT_GE(smmu->stats().walk_cache_hits, 1u);
}

TEST_F(WalkCacheTest, TableDescriptorChangeTakesEffectAfterTlbi) {
  auto pt = stage1_stream(1, 1);
  pt->map(kVa, kPa, 0x1000, leaf());
  expect_pa(dma(1, kVa), kPa);
  // Point the level-2 table descriptor at a new level-3 table mapping kVa + 0x1000 elsewhere.
  const uint64_t l3 = alloc->alloc(0x1000, 0x1000);
  uint64_t d = 0;
  s1desc::Valid.set(d, 1);
  s1desc::Type.set(d, 1);
  s1desc::Address.set(d, (kPa + 0x1000) >> 12);
  s1desc::AF.set(d, 1);
  s1desc::AP.set(d, 1);
  mem->poke64(l3 + (((kVa + 0x1000) >> 12) & 0x1FF) * 8, d);
  const uint64_t old_table = pt->descriptor_address(kVa, 2);
  mem->poke64(old_table, pt->table_descriptor(l3));
  // Without invalidation the walk cache still leads to the old level-3 table, where kVa + 0x1000 is invalid.
  expect_fault(dma(1, kVa + 0x1000), EventType::F_TRANSLATION);
  submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 1}, {cmd::VA, (kVa + 0x1000) >> 12}, {cmd::Leaf, 0}}));
  expect_pa(dma(1, kVa + 0x1000), kPa + 0x1000);
}

TEST_F(WalkCacheTest, Stage2WalkCacheIsPerVmid) {
  auto s2 = stage2_table();
  stage2_stream_on(1, *s2, 1);
  s2->map(0x8000'0000, kPa, 0x1000, driver::s2_leaf_bits({}));
  s2->map(0x8000'1000, kPa + 0x1000, 0x1000, driver::s2_leaf_bits({}));
  expect_pa(dma(1, 0x8000'0000), kPa);
  Recorder r;
  expect_pa(dma(1, 0x8000'1000, true, std::nullopt, false, false, &r), kPa + 0x1000);
  EXPECT_EQ(r.count(TableRole::S2Desc), 1u);
  submit_sync(command(Opcode::CMD_TLBI_S12_VMALL, {{cmd::VMID, 1}}));  // all stages of VMID 1, walks too
  Recorder again;
  expect_pa(dma(1, 0x8000'1000, true, std::nullopt, false, false, &again), kPa + 0x1000);
  EXPECT_EQ(again.count(TableRole::S2Desc), 3u);  // a full walk from level 1
}

}  // namespace
}  // namespace smmu::test::opt_test
