// The kexec scramble (harness/kexec/scramble): deterministic in (seed, address), untouched memory
// included; preserved pages untouched; valid-looking descriptors mixed into the junk.
#include <gtest/gtest.h>

#include "harness/kexec/scramble.h"
#include "specs/layout.h"

namespace smmu::test {
namespace {

using harness::SparseMemory;
using kexec::KexecHistory;
using kexec::Owner;
using kexec::Ownership;

TEST(KexecScramble, JunkIsDeterministicInSeedAndAddress) {
  for (uint64_t pa = 0x1000; pa < 0x2000; pa += 8) {
    EXPECT_EQ(kexec::junk_word(5, pa), kexec::junk_word(5, pa));
  }
  int differ_by_seed = 0, differ_by_address = 0;
  for (uint64_t pa = 0x1000; pa < 0x2000; pa += 8) {
    differ_by_seed += kexec::junk_word(5, pa) != kexec::junk_word(6, pa);
    differ_by_address += kexec::junk_word(5, pa) != kexec::junk_word(5, pa + 0x10000);
  }
  // Zero is one of the shapes, so two junk words can agree; most do not.
  EXPECT_GT(differ_by_seed, 400);
  EXPECT_GT(differ_by_address, 400);
}

TEST(KexecScramble, TwoMemoriesScrambledAlikeHoldTheSameJunk) {
  Ownership own;
  own.set(0x40000000, 0x2000, Owner::Preserved);
  SparseMemory a, b;
  a.poke64(0x50000000, 0x1234);
  b.poke64(0x50000000, 0x1234);
  KexecHistory ha, hb;
  ha.kexec(9, own, a, nullptr);
  hb.kexec(9, own, b, nullptr);
  for (uint64_t pa : {0x50000000ull, 0x50000ff8ull, 0x60000000ull, 0x1238ull})
    EXPECT_EQ(a.peek64(pa), b.peek64(pa)) << std::hex << pa;
}

TEST(KexecScramble, UntouchedMemoryNotPreservedReadsTheJunk) {
  Ownership own;
  SparseMemory mem;
  KexecHistory h;
  EXPECT_EQ(mem.read(0x70000000, 8), 0u);
  h.kexec(42, own, mem, nullptr);
  EXPECT_FALSE(mem.has_page(0x70000000));  // nothing is materialized
  int nonzero = 0;
  for (uint64_t pa = 0x70000000; pa < 0x70001000; pa += 8) {
    EXPECT_EQ(mem.read(pa, 8), kexec::junk_word(42, pa));
    nonzero += mem.read(pa, 8) != 0u;
  }
  EXPECT_GT(nonzero, 256);
  // A 4-byte read at the upper half of a word, and a read straddling two words, see the same bytes.
  EXPECT_EQ(mem.read(0x70000004, 4), kexec::junk_word(42, 0x70000000) >> 32);
  EXPECT_EQ(mem.read(0x70000004, 8),
            (kexec::junk_word(42, 0x70000000) >> 32) | (kexec::junk_word(42, 0x70000008) << 32));
  // A write into an untouched page keeps the junk around it.
  mem.write(0x70000010, 8, 7);
  EXPECT_EQ(mem.read(0x70000010, 8), 7u);
  EXPECT_EQ(mem.read(0x70000018, 8), kexec::junk_word(42, 0x70000018));
}

TEST(KexecScramble, PreservedPagesAreUntouchedOthersAreRewritten) {
  Ownership own;
  own.set(0x40000000, 0x1000, Owner::Preserved);
  SparseMemory mem;
  mem.poke64(0x40000008, 0xAAAA);   // preserved
  mem.poke64(0x40001008, 0xBBBB);   // the next page: not preserved
  int changed = 0;
  KexecHistory h;
  h.kexec(1, own, mem, [&](uint64_t pa, uint64_t before, uint64_t after) {
    EXPECT_NE(pa >> 12, 0x40000u) << "a preserved word was reported changed";
    EXPECT_NE(before, after);
    ++changed;
  });
  EXPECT_EQ(mem.peek64(0x40000008), 0xAAAAu);
  EXPECT_EQ(mem.peek64(0x40000010), 0u);            // untouched and preserved: still zero
  EXPECT_EQ(mem.peek64(0x40001008), kexec::junk_word(1, 0x40001008));
  EXPECT_GT(changed, 256);                          // the whole written page, not just the written word
  // A second kexec preserving nothing: the preserved page now scrambles, the other page with the new seed.
  h.kexec(2, Ownership{}, mem, nullptr);
  EXPECT_EQ(mem.peek64(0x40000008), kexec::junk_word(2, 0x40000008));
  EXPECT_EQ(mem.peek64(0x40001008), kexec::junk_word(2, 0x40001008));
  EXPECT_EQ(h.background(1, 0x40000010), 0u);        // after the first kexec that word was preserved
  EXPECT_EQ(h.background(2, 0x40000010), kexec::junk_word(2, 0x40000010));
}

TEST(KexecScramble, JunkMixesInValidLookingDescriptors) {
  int table_or_page = 0, ste_like = 0, l1std_like = 0;
  for (uint64_t pa = 0x80000000; pa < 0x80000000 + 8 * 4096; pa += 8) {
    const uint64_t w = kexec::junk_word(77, pa);
    // A table or page descriptor pointing near itself (into the same 1 GiB), where a junk walk goes on.
    if ((w & 3) == 3 && s1desc::AF.get(w) && s1desc::Address.in_place(w) >> 30 == pa >> 30) ++table_or_page;
    if (ste::V.get(w) && ste::Config.get(w) >= 0b100) ++ste_like;
    if (l1std::Span.get(w) >= 1 && l1std::Span.get(w) <= 11 && !(w >> 56)) ++l1std_like;
  }
  EXPECT_GT(table_or_page, 4096 / 16);  // designed: 1/8 of the words, plus noise that happens to fit
  EXPECT_GT(ste_like, 4096 / 16);
  EXPECT_GT(l1std_like, 4096 / 32);
}

}  // namespace
}  // namespace smmu::test
