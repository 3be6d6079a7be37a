// ID registers and the configuration registers translation reads (Arm IHI 0070 §6.3.1-§6.3.8, §6.3.14,
// §6.3.24, §6.3.25). The full register file, with its state rules, arrives with the command and event
// queues; these tests pin what part 1 provides: the implemented features read back through the IDRs.
#include "tests/fixture.h"

namespace smmu::test {
namespace {

class IdRegisterTest : public RefTest {};

TEST_F(IdRegisterTest, IdrsReadBackTheImplementedFeatures) {  // §6.3.1, §6.3.2, §6.3.6
  Features f;
  f.ttf_aarch32 = true;   // asked for VMSAv8-32 tables: not implemented
  f.stall_model = 0b00;   // asked for stalls: not implemented, terminate only (0b01)
  f.httu = 2;             // asked for HTTU: none
  f.sidsize = 12;
  f.oas = 3;              // 42 bits
  reset(f);
  const uint64_t idr0 = smmu->mmio_read(reg::IDR0.offset, 4);
  EXPECT_EQ(regf::IDR0_TTF.get(idr0), 0b10u);  // AArch64 tables only
  EXPECT_EQ(regf::IDR0_STALL_MODEL.get(idr0), 0b01u);
  EXPECT_EQ(regf::IDR0_HTTU.get(idr0), 0u);
  EXPECT_EQ(regf::IDR0_TTENDIAN.get(idr0), 0b10u);  // little-endian tables only
  EXPECT_EQ(regf::IDR0_S1P.get(idr0), 1u);
  EXPECT_EQ(regf::IDR0_S2P.get(idr0), 1u);
  EXPECT_EQ(regf::IDR1_SIDSIZE.get(smmu->mmio_read(reg::IDR1.offset, 4)), 12u);
  EXPECT_EQ(regf::IDR5_OAS.get(smmu->mmio_read(reg::IDR5.offset, 4)), 3u);
  // §6.3.8: SMMUv3.2 by default.
  const uint64_t aidr = smmu->mmio_read(reg::AIDR.offset, 4);
  EXPECT_EQ(regf::AIDR_ArchMajorRev.get(aidr), 0u);
  EXPECT_EQ(regf::AIDR_ArchMinorRev.get(aidr), 2u);
}

TEST_F(IdRegisterTest, FeaturesRoundTripThroughIdrValues) {  // §6.3: the IDR encodings of specs/
  Features f = ref::ReferenceSmmu::implemented();
  f.version = ArchVersion::V3_1;
  EXPECT_EQ(Features::from_idr(f.to_idr()), f);
}

TEST_F(IdRegisterTest, GbpaWriteTakesEffectOnlyWithUpdate) {  // §6.3.14: "written with Update = 1"
  uint64_t v = 0;
  regf::GBPA_ABORT.set(v, 1);
  smmu->mmio_write(reg::GBPA.offset, 4, v);  // without Update: ignored
  EXPECT_EQ(regf::GBPA_ABORT.get(smmu->mmio_read(reg::GBPA.offset, 4)), 0u);
  regf::GBPA_Update.set(v, 1);
  smmu->mmio_write(reg::GBPA.offset, 4, v);
  const uint64_t gbpa = smmu->mmio_read(reg::GBPA.offset, 4);
  EXPECT_EQ(regf::GBPA_ABORT.get(gbpa), 1u);
  EXPECT_EQ(regf::GBPA_Update.get(gbpa), 0u);  // the update has completed
  set_cr0_smmuen(false);
  EXPECT_EQ(dma(1, 0x1000).kind, OutcomeKind::Terminated);
}

TEST_F(IdRegisterTest, StreamTableRegistersByMmio) {  // §6.3.24, §6.3.25 as 64-bit and 32-bit accesses
  strtab->set_ste(2, driver::ste_bypass());
  // §6.3.24: STRTAB_BASE is read-only while SMMUEN = 1; the write is IGNORED (SMMUv3.2).
  smmu->mmio_write(reg::STRTAB_BASE.offset, 8, 0);
  EXPECT_EQ(smmu->mmio_read(reg::STRTAB_BASE.offset, 8), strtab->base());
  expect_success(dma(2, 0x1000), 0x1000);
  smmu->mmio_write(reg::CR0.offset, 4, 0);  // SMMUEN = 0: global bypass, no STE lookup
  EXPECT_EQ(smmu->mmio_read(reg::CR0ACK.offset, 4), 0u);
  expect_success(dma(0xffff, 0x2000), 0x2000);
  smmu->mmio_write(reg::STRTAB_BASE.offset, 8, 0);
  EXPECT_EQ(smmu->mmio_read(reg::STRTAB_BASE.offset, 8), 0u);
  smmu->mmio_write(reg::STRTAB_BASE.offset, 4, strtab->base() & 0xFFFFFFFF);
  smmu->mmio_write(reg::STRTAB_BASE.offset + 4, 4, strtab->base() >> 32);
  EXPECT_EQ(smmu->mmio_read(reg::STRTAB_BASE.offset, 8), strtab->base());
  smmu->mmio_write(reg::STRTAB_BASE_CFG.offset, 4, strtab->base_cfg());
  EXPECT_EQ(smmu->mmio_read(reg::STRTAB_BASE_CFG.offset, 4), strtab->base_cfg());
  uint64_t cr0 = 0;
  regf::CR0_SMMUEN.set(cr0, 1);
  smmu->mmio_write(reg::CR0.offset, 4, cr0);
  expect_success(dma(2, 0x1000), 0x1000);
}

}  // namespace
}  // namespace smmu::test
