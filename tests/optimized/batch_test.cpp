// translate_batch (specs/model.h): the same results as one translate() each, recorded faults written to the
// event queue in order; the fast path serves warm hits and the full flow everything else.
#include "tests/optimized/opt_fixture.h"

namespace smmu::test::opt_test {
namespace {

class BatchTest : public OptTest {};

bool same(const Outcome& a, const Outcome& b) {
  return a.kind == b.kind && a.pa == b.pa && a.perms == b.perms && a.attrs == b.attrs && a.event == b.event &&
         a.recorded == b.recorded;
}

TEST_F(BatchTest, BatchEqualsOneByOneIncludingFaultsAndEvents) {
  auto pt = stage1_stream(1, 1);
  for (uint64_t i = 0; i < 16; ++i) pt->map(0x10'0000 + i * 0x1000, 0x3'0000'0000 + i * 0x1000, 0x1000, leaf(i % 4));
  strtab->set_ste(2, driver::ste_bypass());
  std::vector<Transaction> txns;
  for (int round = 0; round < 3; ++round)
    for (uint64_t i = 0; i < 20; ++i)  // pages 16..19 are unmapped: F_TRANSLATION, recorded
      txns.push_back({.sid = static_cast<uint32_t>(i % 5 == 4 ? 2 : 1), .addr = 0x10'0000 + i * 0x1000 + i,
                      .read = (i % 3) != 0, .priv = (i % 2) == 0});
  txns.push_back({.sid = 300});  // beyond the stream table: C_BAD_STREAMID
  // The expected results, from a second model translating one at a time.
  std::vector<Outcome> expected;
  for (const Transaction& t : txns) expected.push_back(smmu->translate(t));
  const uint64_t events_one_by_one = rd(reg::EVENTQ_PROD);
  reset(features_);
  auto pt2 = stage1_stream(1, 1);
  for (uint64_t i = 0; i < 16; ++i) pt2->map(0x10'0000 + i * 0x1000, 0x3'0000'0000 + i * 0x1000, 0x1000, leaf(i % 4));
  strtab->set_ste(2, driver::ste_bypass());
  std::vector<Outcome> out(txns.size());
  smmu->translate_batch(txns, out);
  for (size_t i = 0; i < txns.size(); ++i)
    EXPECT_TRUE(same(out[i], expected[i])) << i << ": " << format_outcome(out[i]) << " vs " << format_outcome(expected[i]);
  EXPECT_EQ(rd(reg::EVENTQ_PROD), events_one_by_one);  // the same records, in the same places
  EXPECT_GT(smmu->stats().tlb_hits, 0u);
  for (uint64_t i = 0; i < 8; ++i) {  // the records are there, in transaction order
    EventRecord r;
    for (unsigned q = 0; q < 4; ++q) r.q[q] = mem->peek64(kEventq + i * 32 + q * 8);
    EXPECT_NE(r.type(), 0) << i;
  }
}

TEST_F(BatchTest, WarmHitsTakeTheFastPathWithTheSameResult) {
  auto pt = stage1_stream(1, 1);
  pt->map(0x10'0000, 0x3'0000'0000, 0x1000, leaf());
  const Outcome slow = dma(1, 0x10'0010);
  const std::vector<Transaction> txns(4, Transaction{.sid = 1, .addr = 0x10'0010});
  std::vector<Outcome> out(4);
  const uint64_t misses = smmu->stats().tlb_misses;
  smmu->translate_batch(txns, out);
  EXPECT_EQ(smmu->stats().tlb_misses, misses);
  for (const Outcome& o : out) EXPECT_TRUE(same(o, slow)) << format_outcome(o);
}

}  // namespace
}  // namespace smmu::test::opt_test
