// Page ownership (harness/kexec/ownership): pages default to not preserved; setting ranges splits and
// replaces what was there; extents merge neighbours of one owner.
#include <gtest/gtest.h>

#include "harness/kexec/ownership.h"

namespace smmu::test {
namespace {

using kexec::Owner;
using kexec::Ownership;

TEST(KexecOwnership, DefaultIsNotPreservedAndRangesRoundOutToPages) {
  Ownership o;
  EXPECT_EQ(o.owner(0x1234), Owner::NotPreserved);
  o.set(0x10010, 0x20, Owner::Preserved);  // 32 bytes inside page 0x10000
  EXPECT_TRUE(o.preserved(0x10000));
  EXPECT_TRUE(o.preserved(0x10fff));
  EXPECT_FALSE(o.preserved(0x11000));
  EXPECT_FALSE(o.preserved(0xf000));
}

TEST(KexecOwnership, SettingInsideARangeSplitsIt) {
  Ownership o;
  o.set(0x0, 0x10000, Owner::Preserved);
  o.set(0x4000, 0x2000, Owner::Reclaimed);
  o.set(0x8000, 0x1000, Owner::NotPreserved);
  EXPECT_EQ(o.owner(0x3fff), Owner::Preserved);
  EXPECT_EQ(o.owner(0x4000), Owner::Reclaimed);
  EXPECT_EQ(o.owner(0x5fff), Owner::Reclaimed);
  EXPECT_EQ(o.owner(0x6000), Owner::Preserved);
  EXPECT_EQ(o.owner(0x8000), Owner::NotPreserved);
  EXPECT_EQ(o.owner(0x9000), Owner::Preserved);
  const auto e = o.extents();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].base, 0x0u);
  EXPECT_EQ(e[0].size, 0x4000u);
  EXPECT_EQ(e[1].owner, Owner::Reclaimed);
  EXPECT_EQ(e[2].base, 0x6000u);
  EXPECT_EQ(e[2].size, 0x2000u);
  EXPECT_EQ(e[3].base, 0x9000u);
  EXPECT_EQ(e[3].size, 0x7000u);
  EXPECT_EQ(o.first_page_not(0x0, 0x4000, Owner::Preserved), std::nullopt);
  EXPECT_EQ(o.first_page_not(0x0, 0x10000, Owner::Preserved), 0x4000u);
  EXPECT_EQ(o.first_page_not(0x6000, 0x4000, Owner::Preserved), 0x8000u);
  EXPECT_EQ(o.first_page_not(0x20000, 0x4000, Owner::NotPreserved), std::nullopt);
  EXPECT_EQ(o.first_page_not(0x8000, 0x4000, Owner::NotPreserved), 0x9000u);
}

TEST(KexecOwnership, AdjacentRangesOfOneOwnerMerge) {
  Ownership o;
  o.set(0x1000, 0x1000, Owner::Preserved);
  o.set(0x2000, 0x1000, Owner::Preserved);
  ASSERT_EQ(o.extents().size(), 1u);
  EXPECT_EQ(o.extents()[0].size, 0x2000u);
  o.set(0xFFFF'FFFF'FFFF'F000ull, 0x1000, Owner::Preserved);  // the last page of the address space
  EXPECT_TRUE(o.preserved(0xFFFF'FFFF'FFFF'FFF8ull));
}

}  // namespace
}  // namespace smmu::test
