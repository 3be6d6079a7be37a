// The InvalidationScope each consumed command reports through WalkObserver::command() (specs/model.h),
// decoded as Arm IHI 0070 chapter 4 gives it; and the commands that are CERROR_ILL on this SMMU (§4.1.3,
// §7.1).
#include "tests/optimized/opt_fixture.h"

namespace smmu::test::opt_test {
namespace {

using K = InvalidationScope::Kind;
using R = InvalidationScope::Regime;

class ScopeTest : public OptTest {
 protected:
  void SetUp() override {
    OptTest::SetUp();
    smmu->set_observer(&rec);
  }
  // Submits one command and returns its report.
  CommandReport one(const Cmd& c) {
    rec.commands.clear();
    submit({c});
    EXPECT_EQ(rec.commands.size(), 1u);
    return rec.commands.empty() ? CommandReport{} : rec.commands.back();
  }
  Recorder rec;
};

TEST_F(ScopeTest, CfgiSte) {  // §4.3.1
  const CommandReport r = one(command(Opcode::CMD_CFGI_STE, {{cmd::StreamID, 0x1234}, {cmd::Leaf, 1}}));
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.scope.kind, K::Ste);
  EXPECT_EQ(r.scope.sid, 0x1234u);
  EXPECT_TRUE(r.scope.leaf);
}

TEST_F(ScopeTest, CfgiSteRangeIsAlignedAndCfgiAllCoversEverything) {  // §4.3.2, §4.3.6
  CommandReport r = one(command(Opcode::CMD_CFGI_STE_RANGE, {{cmd::StreamID, 0x1237}, {cmd::Range, 2}}));
  EXPECT_EQ(r.scope.kind, K::SteRange);
  EXPECT_EQ(r.scope.sid, 0x1230u);
  EXPECT_EQ(r.scope.sid_count, 8u);
  r = one(command(Opcode::CMD_CFGI_STE_RANGE, {{cmd::StreamID, 0xABCD}, {cmd::Range, 31}}));
  EXPECT_EQ(r.scope.sid, 0u);
  EXPECT_EQ(r.scope.sid_count, uint64_t{1} << 32);
}

TEST_F(ScopeTest, CfgiCdAndCdAll) {  // §4.3.3, §4.3.4
  CommandReport r = one(command(Opcode::CMD_CFGI_CD, {{cmd::StreamID, 3}, {cmd::SubstreamID, 0x55}}));
  EXPECT_EQ(r.scope.kind, K::Cd);
  EXPECT_EQ(r.scope.sid, 3u);
  EXPECT_EQ(r.scope.ssid, 0x55u);
  EXPECT_FALSE(r.scope.leaf);
  r = one(command(Opcode::CMD_CFGI_CD_ALL, {{cmd::StreamID, 3}}));
  EXPECT_EQ(r.scope.kind, K::CdAll);
  EXPECT_EQ(r.scope.sid, 3u);
}

TEST_F(ScopeTest, NhAsidAndNhAll) {  // §4.4.2.1, §4.4.2.2
  CommandReport r = one(command(Opcode::CMD_TLBI_NH_ASID, {{cmd::VMID, 7}, {cmd::ASID, 9}}));
  EXPECT_EQ(r.scope.kind, K::TlbiStage1);
  EXPECT_EQ(r.scope.regime, R::NsEl1);
  EXPECT_EQ(r.scope.vmid, 7);
  EXPECT_EQ(r.scope.asid, 9);
  EXPECT_EQ(r.scope.size, 0u);  // every address
  r = one(command(Opcode::CMD_TLBI_NH_ALL, {{cmd::VMID, 7}}));
  EXPECT_EQ(r.scope.kind, K::TlbiStage1);
  EXPECT_FALSE(r.scope.asid.has_value());
}

TEST_F(ScopeTest, NhVaSingleAddressAndRange) {  // §4.4.1, §4.4.1.1
  CommandReport r = one(command(Opcode::CMD_TLBI_NH_VA, {{cmd::VMID, 1}, {cmd::ASID, 2}, {cmd::VA, 0xABCDE}, {cmd::Leaf, 1}}));
  EXPECT_EQ(r.scope.addr, 0xABCDE000u);
  EXPECT_EQ(r.scope.size, 1u);  // TG = 0: the entries containing the address
  EXPECT_TRUE(r.scope.leaf);
  // TG = 16KB (2), NUM = 3, SCALE = 2, TTL = 3: (3 + 1) << (2 + 14) bytes.
  r = one(command(Opcode::CMD_TLBI_NH_VAA,
                  {{cmd::VA, 0x40000}, {cmd::TG, 2}, {cmd::NUM, 3}, {cmd::SCALE, 2}, {cmd::TTL, 3}}));
  EXPECT_EQ(r.scope.addr, 0x4000'0000u);
  EXPECT_EQ(r.scope.size, uint64_t{4} << 16);
  EXPECT_EQ(r.scope.ttl, 3);
  EXPECT_FALSE(r.scope.asid.has_value());
}

TEST_F(ScopeTest, ReservedRangeEncodingIsIllegal) {  // §4.4.1.1: TG != 0 with NUM = SCALE = TTL = 0
  const CommandReport r = one(command(Opcode::CMD_TLBI_NH_VA, {{cmd::VA, 1}, {cmd::TG, 1}}));
  EXPECT_EQ(r.error, static_cast<uint8_t>(CError::CERROR_ILL));
  EXPECT_EQ(regf::CMDQ_CONS_ERR.get(rd(reg::CMDQ_CONS)), 1u);
  // 16KB with TTL = 0b01 is treated as TTL = 0 (§4.4.1.1): the same reserved combination.
  wr(reg::GERRORN, rd(reg::GERROR));  // acknowledge; the failing command is retried and fails again
  EXPECT_EQ(rec.commands.back().error, static_cast<uint8_t>(CError::CERROR_ILL));
}

TEST_F(ScopeTest, El2Commands) {  // §4.4.2.7-10: regime from CR2.E2H for _VA and _VAA
  CommandReport r = one(command(Opcode::CMD_TLBI_EL2_ALL));
  EXPECT_EQ(r.scope.regime, R::AnyEl2);
  r = one(command(Opcode::CMD_TLBI_EL2_ASID, {{cmd::ASID, 4}}));
  EXPECT_EQ(r.scope.regime, R::El2E2H);
  EXPECT_EQ(r.scope.asid, 4);
  r = one(command(Opcode::CMD_TLBI_EL2_VA, {{cmd::ASID, 4}, {cmd::VA, 8}}));
  EXPECT_EQ(r.scope.regime, R::El2);  // CR2.E2H = 0: NS-EL2 entries, no ASID
  EXPECT_FALSE(r.scope.asid.has_value());
}

TEST_F(ScopeTest, Stage2AndAllStages) {  // §4.4.3.1, §4.4.3.2, §4.4.4.1
  CommandReport r = one(command(Opcode::CMD_TLBI_S2_IPA, {{cmd::VMID, 3}, {cmd::IPA, 0x12345}}));
  EXPECT_EQ(r.scope.kind, K::TlbiStage2);
  EXPECT_EQ(r.scope.vmid, 3);
  EXPECT_EQ(r.scope.addr, 0x1234'5000u);
  r = one(command(Opcode::CMD_TLBI_S12_VMALL, {{cmd::VMID, 3}}));
  EXPECT_EQ(r.scope.kind, K::TlbiAll);
  EXPECT_EQ(r.scope.vmid, 3);
  r = one(command(Opcode::CMD_TLBI_NSNH_ALL));
  EXPECT_EQ(r.scope.kind, K::TlbiAll);
  EXPECT_FALSE(r.scope.vmid.has_value());
}

TEST_F(ScopeTest, NonInvalidationsHaveNoScope) {
  EXPECT_EQ(one(command(Opcode::CMD_SYNC)).scope.kind, K::None);
  EXPECT_EQ(one(command(Opcode::CMD_PREFETCH_CONFIG, {{cmd::StreamID, 1}})).scope.kind, K::None);
}

TEST_F(ScopeTest, CommandsThisSmmuCannotRunAreIllegal) {  // §4.1.3, §7.1: CERROR_ILL, CONS stays
  for (Opcode op : {Opcode::CMD_TLBI_EL3_ALL, Opcode::CMD_ATC_INV, Opcode::CMD_PRI_RESP, Opcode::CMD_RESUME,
                    Opcode::CMD_CFGI_VMS_PIDM}) {
    const uint32_t cons = static_cast<uint32_t>(rd(reg::CMDQ_CONS) & 0xFFFFF);
    const CommandReport r = one(command(op));
    EXPECT_EQ(r.error, static_cast<uint8_t>(CError::CERROR_ILL)) << opcode_name(static_cast<uint8_t>(op));
    EXPECT_EQ(rd(reg::CMDQ_CONS) & 0xFFFFF, cons);
    // Replace the failing command with a CMD_SYNC and acknowledge (§7.1).
    const Cmd sync = command(Opcode::CMD_SYNC);
    mem->poke64(kCmdq + cons * 16, sync[0]);
    mem->poke64(kCmdq + cons * 16 + 8, sync[1]);
    wr(reg::GERRORN, rd(reg::GERROR));
    EXPECT_EQ(rd(reg::CMDQ_CONS) & 0xFFFFF, cons + 1);
  }
  // SSec = 1 on the Non-secure queue (§4.1.6).
  EXPECT_EQ(one(command(Opcode::CMD_CFGI_STE, {{cmd::SSec, 1}})).error, static_cast<uint8_t>(CError::CERROR_ILL));
}

}  // namespace
}  // namespace smmu::test::opt_test
