// The test-only fault-injection hooks (optimized/fault_injection.h): each injects one cache bug that a
// covering invalidation or a table fix would otherwise hide, and changes nothing while it is clear.
#include "tests/optimized/opt_fixture.h"

#if SMMUCHECK_FAULT_INJECTION
namespace smmu::test::opt_test {
namespace {

constexpr uint64_t kVa = 0x5555'0000, kPaOld = 0x2'0000'1000, kPaNew = 0x2'0000'9000;

class FaultInjectionTest : public OptTest {
 protected:
  // Caches kVa -> kPaOld, remaps to kPaNew and invalidates it with a covering TLBI + CMD_SYNC.
  uint64_t after_covered_remap() {
    auto pt = stage1_stream(1, 1);
    pt->map(kVa, kPaOld, 0x1000, leaf());
    dma(1, kVa);
    pt->map(kVa, kPaNew, 0x1000, leaf());
    submit_sync(command(Opcode::CMD_TLBI_NH_VA, {{cmd::ASID, 1}, {cmd::VA, kVa >> 12}}));
    return dma(1, kVa).pa;
  }
};

TEST_F(FaultInjectionTest, KeepStaleTlbAfterInvalidation) {
  EXPECT_EQ(after_covered_remap(), kPaNew);
  reset(features_);
  smmu->fault_injection().keep_stale_tlb_after_invalidation = true;
  EXPECT_EQ(after_covered_remap(), kPaOld);
}

TEST_F(FaultInjectionTest, DropVmidTag) {
  auto run = [&] {
    auto s2 = stage2_table();
    stage2_stream_on(1, *s2, 1);
    stage2_stream_on(2, *s2, 2);
    s2->map(0x8000'0000, kPaOld, 0x1000, driver::s2_leaf_bits({}));
    dma(1, 0x8000'0000);                                              // VMID 1 caches kPaOld
    s2->map(0x8000'0000, kPaNew, 0x1000, driver::s2_leaf_bits({}));  // VMID 2 never cached anything
    return dma(2, 0x8000'0000).pa;
  };
  EXPECT_EQ(run(), kPaNew);
  reset(features_);
  smmu->fault_injection().drop_vmid_tag = true;
  EXPECT_EQ(run(), kPaOld);  // VMID 2 hit VMID 1's entry
}

TEST_F(FaultInjectionTest, IgnoreCfgiSteRange) {
  auto run = [&] {
    strtab->set_ste(3, driver::ste_bypass());
    dma(3, 0x1000);
    strtab->set_ste(3, driver::ste_abort());
    submit_sync(command(Opcode::CMD_CFGI_STE_RANGE, {{cmd::StreamID, 0}, {cmd::Range, 3}}));
    return dma(3, 0x1000).kind;
  };
  EXPECT_EQ(run(), OutcomeKind::Terminated);
  reset(features_);
  smmu->fault_injection().ignore_cfgi_ste_range = true;
  EXPECT_EQ(run(), OutcomeKind::Success);
}

TEST_F(FaultInjectionTest, CacheFaults) {
  auto run = [&] {
    auto pt = stage1_stream(1, 1);
    pt->map(kVa + 0x1000, kPaOld, 0x1000, leaf());  // kVa itself invalid
    dma(1, kVa);
    pt->map(kVa, kPaNew, 0x1000, leaf());  // fixed without invalidation (none is needed, §3.21.1)
    return dma(1, kVa).kind;
  };
  EXPECT_EQ(run(), OutcomeKind::Success);
  reset(features_);
  smmu->fault_injection().cache_faults = true;
  EXPECT_EQ(run(), OutcomeKind::Fault);
}

}  // namespace
}  // namespace smmu::test::opt_test
#endif
