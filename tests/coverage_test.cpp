// The caching rule's coverage table (specs/coverage.h): which invalidation removes what a cached value of
// a translation table descriptor left in the caches (Arm ARM D8.3; Arm IHI 0070 §4.4.1.1, §4.4.2, §4.4.3).
#include <gtest/gtest.h>

#include "specs/coverage.h"

namespace smmu::test {
namespace {

using Kind = InvalidationScope::Kind;

// The level-1 stage-2 descriptor of IPA 0x9000 (4KB granule: it covers [0, 1GB)), VMID 1.
TableRead l1_s2_word() {
  return TableRead{.role = TableRole::S2Desc, .pa = 0x40004800, .level = 1, .leaf = true, .range_base = 0,
                   .range_size = uint64_t{1} << 30, .ia = 0x9000, .vmid = uint16_t{1}};
}

InvalidationScope s2_ipa(uint64_t ipa, bool leaf = false, uint8_t ttl = 0) {
  return InvalidationScope{.kind = Kind::TlbiStage2, .regime = Regime::NsEl1, .vmid = uint16_t{1},
                           .addr = ipa, .size = 0x1000, .leaf = leaf, .ttl = ttl};
}

constexpr uint64_t kTableDesc = 0x40005003;   // Valid, Type = table
constexpr uint64_t kBlockDesc = 0x400000000005fd;  // Valid, Type = block, AF

// A cached table descriptor: the walk of 0x9000 may use its walk-cache entry or the deeper entries of the
// tables it pointed to. An invalidation of 0x1000000 (in the descriptor's range) leaves those of 0x9000.
TEST(Coverage, CachedTableDescriptorNeedsAnInvalidationOfTheWalkedAddress) {
  const TableRead w = l1_s2_word();
  EXPECT_EQ(coverage_discharged(s2_ipa(0x1000000), w, kTableDesc), 0);
  EXPECT_EQ(coverage_discharged(s2_ipa(0x9000), w, kTableDesc), kObligationStage2);
  EXPECT_EQ(coverage_discharged(s2_ipa(0x9000, /*leaf=*/true), w, kTableDesc), 0);  // Leaf = 1: tables stay
  EXPECT_EQ(coverage_discharged(s2_ipa(0x9000, false, /*ttl=*/3), w, kTableDesc), 0);
}

// A cached block descriptor is one leaf entry over its range: any invalidation that meets the range
// removes it, Leaf = 1 too, and a TTL hint only at its level.
TEST(Coverage, CachedBlockDescriptorGoesWithAnyInvalidationMeetingItsRange) {
  const TableRead w = l1_s2_word();
  EXPECT_EQ(coverage_discharged(s2_ipa(0x1000000), w, kBlockDesc), kObligationStage2);
  EXPECT_EQ(coverage_discharged(s2_ipa(0x1000000, true), w, kBlockDesc), kObligationStage2);
  EXPECT_EQ(coverage_discharged(s2_ipa(0x1000000, true, 1), w, kBlockDesc), kObligationStage2);
  EXPECT_EQ(coverage_discharged(s2_ipa(0x1000000, true, 2), w, kBlockDesc), 0);
  EXPECT_EQ(coverage_discharged(s2_ipa(0x40000000), w, kBlockDesc), 0);  // the next gigabyte
}

// §4.4.2: a TLBI by ASID alone leaves global leaf entries (nG = 0) but removes the ASID's walk-cache
// entries, whose table descriptors have no nG bit.
TEST(Coverage, TlbiByAsidLeavesGlobalLeavesOnly) {
  const TableRead w{.role = TableRole::S1Desc, .pa = 0x40008000, .level = 3, .leaf = true,
                    .range_base = 0x10000000, .range_size = 0x1000, .ia = 0x10000010, .asid = uint16_t{5},
                    .regime = Regime::NsEl1};
  const InvalidationScope by_asid{.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .asid = uint16_t{5}};
  constexpr uint64_t kGlobalPage = 0x80000743, kNonGlobalPage = kGlobalPage | (1u << 11);  // AF, SH, page; nG
  EXPECT_EQ(coverage_discharged(by_asid, w, kGlobalPage), 0);
  EXPECT_EQ(coverage_discharged(by_asid, w, kNonGlobalPage), kObligationStructure);
  TableRead l2 = w;
  l2.level = 2;
  l2.range_base = 0x10000000 & ~uint64_t{0x1FFFFF};
  l2.range_size = 0x200000;
  EXPECT_EQ(coverage_discharged(by_asid, l2, kTableDesc), kObligationStructure);
}

}  // namespace
}  // namespace smmu::test
