// The commands of the Non-secure command queue, one by one (Arm IHI 0070 chapter 4): which are consumed and
// which raise CERROR_ILL for this SMMU's features (S1P, S2P, Hyp, RIL; no ATS, PRI, stalls, MPAM, DPT or
// Secure state), and the invalidation scope the model reports for each (WalkObserver::command()).
// The queue protocol (errors, wrap, enables, CMD_SYNC MSIs) is in command_queue_protocol_test.cpp.
#include <algorithm>
#include <vector>

#include "harness/driver/driver.h"
#include "tests/fixture.h"

namespace smmu::test {
namespace {

using Cmd = std::array<uint64_t, 2>;
using Kind = InvalidationScope::Kind;
using Regime = InvalidationScope::Regime;
using FieldList = std::initializer_list<std::pair<const Field*, uint64_t>>;

constexpr uint8_t kIll = static_cast<uint8_t>(CError::CERROR_ILL);
constexpr uint32_t kRdMask = 0xFFFFF;  // §6.3.28: CMDQ_CONS.RD with its wrap bit, bits [19:0]

Cmd command(uint8_t opcode, FieldList fields = {}) { return driver::make_command(opcode, fields); }
Cmd command(Opcode op, FieldList fields = {}) { return command(static_cast<uint8_t>(op), fields); }

std::string describe(const InvalidationScope& s) {
  auto opt = [](const auto& o) { return o ? fmt::format("{:#x}", *o) : std::string("-"); };
  return fmt::format("kind={} regime={} sid={:#x} sid_count={:#x} ssid={} asid={} vmid={} addr={:#x} "
                     "size={:#x} leaf={} ttl={}",
                     int(s.kind), int(s.regime), s.sid, s.sid_count, opt(s.ssid), opt(s.asid), opt(s.vmid), s.addr,
                     s.size, int(s.leaf), s.ttl);
}

struct Recorder : WalkObserver {
  std::vector<CommandReport> commands;
  void command(const CommandReport& c) override { commands.push_back(c); }
};

class CommandTest : public RefTest {
 protected:
  void SetUp() override {
    RefTest::SetUp();
    start_queue();
  }
  void reset_queue(const Features& f) {
    reset(f);
    start_queue();
  }
  // §6.3.26: CMDQ_BASE, then PROD and CONS while CMDQEN = 0, then CR0.CMDQEN = 1 (SMMUEN kept as it is).
  void start_queue() {
    rec.commands.clear();
    smmu->set_observer(&rec);
    uint64_t cr0 = smmu->mmio_read(reg::CR0.offset, 4);
    regf::CR0_CMDQEN.set(cr0, 0);
    smmu->mmio_write(reg::CR0.offset, 4, cr0);
    base_ = alloc->alloc(16 << kLog2, 16 << kLog2);
    uint64_t b = 0;
    regf::QUEUE_BASE_ADDR.set(b, base_ >> 5);
    regf::QUEUE_BASE_LOG2SIZE.set(b, kLog2);
    smmu->mmio_write(reg::CMDQ_BASE.offset, 8, b);
    smmu->mmio_write(reg::CMDQ_PROD.offset, 4, 0);
    smmu->mmio_write(reg::CMDQ_CONS.offset, 4, 0);
    prod_ = 0;
    regf::CR0_CMDQEN.set(cr0, 1);
    smmu->mmio_write(reg::CR0.offset, 4, cr0);
  }
  // Writes the command at PROD, publishes it, and returns what the model reported for it.
  CommandReport issue(const Cmd& c) {
    const size_t before = rec.commands.size();
    const uint64_t pa = base_ + 16 * (prod_ & ((1u << kLog2) - 1));
    mem->poke64(pa, c[0]);
    mem->poke64(pa + 8, c[1]);
    prod_ = (prod_ + 1) & ((2u << kLog2) - 1);
    smmu->mmio_write(reg::CMDQ_PROD.offset, 4, prod_);
    EXPECT_EQ(rec.commands.size(), before + 1) << "expected exactly one command report";
    return rec.commands.size() > before ? rec.commands.back() : CommandReport{};
  }
  CommandReport issue_fresh(const Cmd& c, const Features& f) {
    reset_queue(f);
    return issue(c);
  }
  uint32_t cons() { return static_cast<uint32_t>(smmu->mmio_read(reg::CMDQ_CONS.offset, 4)) & kRdMask; }
  bool cmdq_err_active() {
    return regf::GERROR_CMDQ_ERR.get(smmu->mmio_read(reg::GERROR.offset, 4)) !=
           regf::GERROR_CMDQ_ERR.get(smmu->mmio_read(reg::GERRORN.offset, 4));
  }

  // Consumed: no error, CONS moved past it (§4.1.4), no CMDQ_ERR; the scope is exactly `want`.
  void expect_consumed(const CommandReport& r, const InvalidationScope& want = {}) {
    const char* name = opcode_name(r.opcode) ? opcode_name(r.opcode) : "reserved";
    EXPECT_EQ(r.error, 0) << fmt::format("opcode {:#04x} ({})", r.opcode, name);
    EXPECT_EQ(cons(), (r.index + 1) & ((2u << kLog2) - 1)) << name;
    EXPECT_FALSE(cmdq_err_active()) << name;
    const InvalidationScope& s = r.scope;
    const bool same = s.kind == want.kind && s.regime == want.regime && s.sid == want.sid &&
                      s.sid_count == want.sid_count && s.ssid == want.ssid && s.asid == want.asid &&
                      s.vmid == want.vmid && s.addr == want.addr && s.size == want.size && s.leaf == want.leaf &&
                      s.ttl == want.ttl;
    EXPECT_TRUE(same) << name << "\n  got  " << describe(s) << "\n  want " << describe(want);
  }
  // §7.1: CERROR_ILL in CONS.ERR, CONS still on the command, GERROR.CMDQ_ERR active.
  void expect_illegal(const CommandReport& r) {
    const char* name = opcode_name(r.opcode) ? opcode_name(r.opcode) : "reserved";
    EXPECT_EQ(r.error, kIll) << fmt::format("opcode {:#04x} ({})", r.opcode, name);
    EXPECT_EQ(cons(), r.index) << name;
    EXPECT_EQ(regf::CMDQ_CONS_ERR.get(smmu->mmio_read(reg::CMDQ_CONS.offset, 4)), kIll) << name;
    EXPECT_TRUE(cmdq_err_active()) << name;
  }

  static constexpr unsigned kLog2 = 4;
  Recorder rec;
  uint64_t base_ = 0;
  uint32_t prod_ = 0;
};

// Range TLBI fields (§4.4.1.1): TG, NUM, SCALE, TTL.
FieldList::value_type tg(uint64_t v) { return {&cmd::TG, v}; }
FieldList::value_type num(uint64_t v) { return {&cmd::NUM, v}; }
FieldList::value_type scale(uint64_t v) { return {&cmd::SCALE, v}; }
FieldList::value_type ttl(uint64_t v) { return {&cmd::TTL, v}; }

// ---------------------------------------------------------------------------------------------------------
// Which opcodes exist (§4.1.1, §4.1.3, §7.1)

// §4.1.1 + §4.1.3 + §7.1: on this SMMU (S1P, S2P, Hyp; no ATS/PRI/stalls/MPAM/DPT; Non-secure queue) exactly
// these opcodes are consumed with every other field zero; every other value (Reserved, IMPLEMENTATION DEFINED
// 0x80-0x8F that this model does not define, Secure-only, EL3, features not implemented) is CERROR_ILL.
TEST_F(CommandTest, OnlyImplementedOpcodesAreConsumed) {
  const std::vector<uint8_t> legal = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12,
                                      0x13, 0x20, 0x21, 0x22, 0x23, 0x28, 0x2A, 0x30, 0x46};
  for (unsigned op = 0; op < 256; ++op) {
    SCOPED_TRACE(fmt::format("opcode {:#04x}", op));
    CommandReport r = issue_fresh(command(static_cast<uint8_t>(op)), Features{});
    EXPECT_EQ(r.opcode, op);
    const bool is_legal = std::find(legal.begin(), legal.end(), op) != legal.end();
    if (is_legal) EXPECT_EQ(r.error, 0); else expect_illegal(r);
  }
}

TEST_F(CommandTest, ReportCarriesTheRawCommandAndIndex) {  // §4.1.1: 16 bytes, opcode in [7:0]
  Cmd c = command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 0x42}, {&cmd::Leaf, 1}});
  issue(command(Opcode::CMD_SYNC));
  CommandReport r = issue(c);
  EXPECT_EQ(r.raw, c);
  EXPECT_EQ(r.index, 1u);
  EXPECT_EQ(r.opcode, static_cast<uint8_t>(Opcode::CMD_CFGI_STE));
}

TEST_F(CommandTest, SecureOnlyOpcodesAreIllegal) {  // §4.4.2.11-14, §4.4.3.3-4, §4.4.4.2: ILL on the NS queue
  for (uint8_t op : {0x50, 0x51, 0x52, 0x53, 0x58, 0x5A, 0x60}) expect_illegal(issue_fresh(command(op), Features{}));
}

TEST_F(CommandTest, El3TlbisAreIllegal) {  // §4.4.2.5, §4.4.2.6: valid only on the Secure queue
  expect_illegal(issue(command(Opcode::CMD_TLBI_EL3_ALL)));
  expect_illegal(issue_fresh(command(Opcode::CMD_TLBI_EL3_VA, {{&cmd::VA, 0x1234}, {&cmd::Leaf, 1}}), Features{}));
}

TEST_F(CommandTest, DptiIsIllegalWithoutDpt) {  // §4.6.1, §4.6.2: IDR3.DPT == 0
  expect_illegal(issue(command(uint8_t{0x70})));
  expect_illegal(issue_fresh(command(uint8_t{0x73}), Features{}));
}

TEST_F(CommandTest, CfgiVmsPidmIsIllegalWithoutMpam) {  // §4.3.5: SMMU_IDR3.MPAM == 0
  expect_illegal(issue(command(Opcode::CMD_CFGI_VMS_PIDM, {{&cmd::VMID, 1}})));
}

TEST_F(CommandTest, AtcInvIsIllegalWithoutAts) {  // §4.5.1: IDR0.ATS == 0 on the NS queue
  expect_illegal(issue(command(Opcode::CMD_ATC_INV, {{&cmd::StreamID, 3}, {&cmd::ATCSize, 52}})));
}

TEST_F(CommandTest, PriRespIsIllegalWithoutPri) {  // §4.5.2: IDR0.PRI == 0
  expect_illegal(issue(command(Opcode::CMD_PRI_RESP, {{&cmd::StreamID, 3}, {&cmd::PRGIndex, 1}})));
}

TEST_F(CommandTest, ResumeAndStallTermAreIllegalWithoutStalls) {  // §4.7.1, §4.7.2: STALL_MODEL == 0b01
  expect_illegal(issue(command(Opcode::CMD_RESUME, {{&cmd::StreamID, 3}, {&cmd::Ac, 1}, {&cmd::STAG, 7}})));
  expect_illegal(issue_fresh(command(Opcode::CMD_STALL_TERM, {{&cmd::StreamID, 3}}), Features{}));
}

// §4.1.6: SSec == 1 on the Non-secure queue is ILLEGAL whether or not Secure state exists, for every
// command that has the SSec parameter.
TEST_F(CommandTest, SSecOneIsIllegal) {
  for (Opcode op : {Opcode::CMD_PREFETCH_CONFIG, Opcode::CMD_PREFETCH_ADDR, Opcode::CMD_CFGI_STE,
                    Opcode::CMD_CFGI_STE_RANGE, Opcode::CMD_CFGI_CD, Opcode::CMD_CFGI_CD_ALL}) {
    SCOPED_TRACE(opcode_name(static_cast<uint8_t>(op)));
    expect_illegal(issue_fresh(command(op, {{&cmd::SSec, 1}, {&cmd::StreamID, 1}}), Features{}));
  }
}

// §4.1.5 and CMD_RES0_NONZERO (we choose "ignored"): in a command without SSec the same bit is RES0, so a
// TLBI_NSNH_ALL with it set runs as if it were zero.
TEST_F(CommandTest, Res0BitsAreIgnored) {
  expect_consumed(issue(command(Opcode::CMD_TLBI_NSNH_ALL, {{&cmd::SSec, 1}, {&cmd::StreamID, 0xffff}})),
                  {.kind = Kind::TlbiAll, .regime = Regime::NsEl1});
}

// ---------------------------------------------------------------------------------------------------------
// Prefetch and configuration invalidation (§4.2, §4.3)

TEST_F(CommandTest, PrefetchConfigIsAHint) {  // §4.2.1: not required to prefetch; nothing invalidated
  expect_consumed(
      issue(command(Opcode::CMD_PREFETCH_CONFIG, {{&cmd::StreamID, 5}, {&cmd::SSV, 1}, {&cmd::SubstreamID, 3}})));
}

TEST_F(CommandTest, PrefetchAddrIsAHint) {  // §4.2.2
  expect_consumed(issue(command(Opcode::CMD_PREFETCH_ADDR,
                                {{&cmd::StreamID, 5}, {&cmd::PrefetchSize, 4}, {&cmd::PrefetchAddr, 0x12345}})));
}

TEST_F(CommandTest, PrefetchIsConsumedWithSmmuDisabled) {  // §4.2: SMMUEN == 0, consumed without prefetching
  set_cr0_smmuen(false);
  start_queue();
  expect_consumed(issue(command(Opcode::CMD_PREFETCH_CONFIG, {{&cmd::StreamID, 5}})));
}

TEST_F(CommandTest, CfgiSteNamesOneStreamId) {  // §4.3.1: the STE of StreamID; Leaf == 1 spares the L1STDs
  expect_consumed(issue(command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 0x1234}, {&cmd::Leaf, 1}})),
                  {.kind = Kind::Ste, .sid = 0x1234, .sid_count = 1, .leaf = true});
  expect_consumed(issue(command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 0x7}})),
                  {.kind = Kind::Ste, .sid = 0x7, .sid_count = 1, .leaf = false});
}

// §4.3.2: 2^(Range+1) StreamIDs, the bottom Range+1 bits of StreamID IGNORED. Range 3 from 0x1237 is the
// 16 StreamIDs 0x1230-0x123F; Range 0 from 0x15 is 0x14-0x15.
TEST_F(CommandTest, CfgiSteRangeIsAnAlignedBlock) {
  expect_consumed(issue(command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::StreamID, 0x1237}, {&cmd::Range, 3}})),
                  {.kind = Kind::SteRange, .sid = 0x1230, .sid_count = 16});
  expect_consumed(issue(command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::StreamID, 0x15}, {&cmd::Range, 0}})),
                  {.kind = Kind::SteRange, .sid = 0x14, .sid_count = 2});
}

// §4.3.6: CMD_CFGI_ALL is CFGI_STE_RANGE with Range == 31: all 2^32 StreamIDs, the StreamID IGNORED.
TEST_F(CommandTest, CfgiAllIsRange31) {
  expect_consumed(issue(command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::StreamID, 0xDEADBEEF}, {&cmd::Range, 31}})),
                  {.kind = Kind::SteRange, .sid = 0, .sid_count = uint64_t{1} << 32});
}

TEST_F(CommandTest, CfgiCdNamesOneSubstream) {  // §4.3.3: the CD at index SubstreamID of StreamID's table
  expect_consumed(
      issue(command(Opcode::CMD_CFGI_CD, {{&cmd::StreamID, 7}, {&cmd::SubstreamID, 0x55}, {&cmd::Leaf, 1}})),
                  {.kind = Kind::Cd, .sid = 7, .ssid = 0x55, .leaf = true});
  // SubstreamID 0 names the single CD of a stream without substreams.
  expect_consumed(issue(command(Opcode::CMD_CFGI_CD, {{&cmd::StreamID, 8}})),
                  {.kind = Kind::Cd, .sid = 8, .ssid = 0, .leaf = false});
}

TEST_F(CommandTest, CfgiCdAllNamesEveryCdOfAStream) {  // §4.3.4
  expect_consumed(issue(command(Opcode::CMD_CFGI_CD_ALL, {{&cmd::StreamID, 9}})), {.kind = Kind::CdAll, .sid = 9});
}

TEST_F(CommandTest, CfgiRunsWithSmmuDisabled) {  // §6.3.9: commands are processed as CMDQEN says, whatever SMMUEN
  set_cr0_smmuen(false);
  start_queue();
  expect_consumed(issue(command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, 3}, {&cmd::Leaf, 1}})),
                  {.kind = Kind::Ste, .sid = 3, .sid_count = 1, .leaf = true});
}

// ---------------------------------------------------------------------------------------------------------
// Stage 1 TLB invalidation (§4.4.2)

TEST_F(CommandTest, TlbiNhAllIsEveryNsEl1EntryOfAVmid) {  // §4.4.2.1: VMALLE1, global entries included
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_ALL, {{&cmd::VMID, 0x42}})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .vmid = 0x42});
}

TEST_F(CommandTest, TlbiNhAsidNamesAsidAndVmid) {  // §4.4.2.2: ASIDE1
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_ASID, {{&cmd::VMID, 3}, {&cmd::ASID, 0x1234}})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .asid = 0x1234, .vmid = 3});
}

// §4.4.2.4 VA{L}E1 and §4.4.1.1 TG == 0: the entries that hold the address (size 1 in the scope); the VA is
// Address[63:12] (§4.1.6) and Leaf comes through.
TEST_F(CommandTest, TlbiNhVaSingleAddress) {
  const uint64_t va = 0xFFFF'8000'1234'5000;
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_VA,
                                {{&cmd::VMID, 6}, {&cmd::ASID, 5}, {&cmd::VA, va >> 12}, {&cmd::Leaf, 1}})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .asid = 5, .vmid = 6, .addr = va, .size = 1,
                   .leaf = true});
}

// §4.4.1.1: Range = (NUM+1) * 2^SCALE * granule. TG = 4KB, NUM = 3, SCALE = 2: 4 * 4 * 4096 = 0x10000,
// TTL = 3 kept as the level hint.
TEST_F(CommandTest, TlbiNhVaRange4k) {
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_VA, {{&cmd::VMID, 1}, {&cmd::ASID, 2}, {&cmd::VA, 0x40000},
                                                         tg(1), num(3), scale(2), ttl(3)})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .asid = 2, .vmid = 1, .addr = 0x4000'0000,
                   .size = 0x10000, .ttl = 3});
}

// §4.4.2.3 VAA{L}E1: all ASIDs (the ASID field is RES0 here and ignored). TG = 64KB, NUM = 1, SCALE = 5:
// 2 * 32 * 65536 = 0x40'0000.
TEST_F(CommandTest, TlbiNhVaaRange64kAllAsids) {
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_VAA, {{&cmd::VMID, 7}, {&cmd::ASID, 0x99}, {&cmd::VA, 0x100},
                                                          {&cmd::Leaf, 1}, tg(3), num(1), scale(5)})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .vmid = 7, .addr = 0x10'0000,
                   .size = 0x40'0000, .leaf = true});
}

// §4.4.1.1: TG = 16KB with TTL = 0b01 and IDR5.DS == 0 is Reserved and treated as TTL = 0b00. NUM = 1,
// SCALE = 0: 2 * 16384 = 0x8000, no level hint; TTL = 2 with SCALE = 3: 8 * 16384 = 0x20000.
TEST_F(CommandTest, TlbiRange16k) {
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_VAA, {{&cmd::VA, 0x8}, tg(2), num(1), ttl(1)})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .vmid = 0, .addr = 0x8000, .size = 0x8000});
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_VAA, {{&cmd::VA, 0x8}, tg(2), scale(3), ttl(2)})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .vmid = 0, .addr = 0x8000, .size = 0x20000,
                   .ttl = 2});
}

// §4.4.1.1: NUM == 0, SCALE == 0, TTL == 0b00 with TG != 0 is Reserved: CERROR_ILL, on every range TLBI.
TEST_F(CommandTest, RangeTlbiWithoutRangeOrLevelIsIllegal) {
  for (Opcode op : {Opcode::CMD_TLBI_NH_VA, Opcode::CMD_TLBI_NH_VAA, Opcode::CMD_TLBI_EL2_VA, Opcode::CMD_TLBI_EL2_VAA,
                    Opcode::CMD_TLBI_S2_IPA})
    for (uint64_t g : {1, 2, 3}) {
      SCOPED_TRACE(fmt::format("{} TG={}", opcode_name(static_cast<uint8_t>(op)), g));
      expect_illegal(issue_fresh(command(op, {{&cmd::VA, 0x10}, tg(g)}), Features{}));
    }
}

// §4.4.1.1 note: with DS == 0, TG = 16KB, TTL = 0b01 and NUM = SCALE = 0 raises CERROR_ILL, because the
// TTL is treated as 0b00 and the combination is then the Reserved one.
TEST_F(CommandTest, Range16kTtl1WithoutRangeIsIllegal) {
  expect_illegal(issue(command(Opcode::CMD_TLBI_NH_VA, {{&cmd::VA, 0x10}, tg(2), ttl(1)})));
}

// §4.4.1.1: with TG == 0b00, NUM, SCALE and TTL are RES0 (ignored, CMD_RES0_NONZERO): one address, no hint.
TEST_F(CommandTest, NonRangeTlbiIgnoresRangeFields) {
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_VAA, {{&cmd::VA, 0x123}, num(5), scale(2), ttl(3)})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .vmid = 0, .addr = 0x12'3000, .size = 1});
}

// §4.4.1.1: with IDR3.RIL == 0, TG, NUM, SCALE and TTL are RES0: a command that would be the Reserved
// combination is an ordinary single-address TLBI.
TEST_F(CommandTest, WithoutRilRangeFieldsAreRes0) {
  Features f;
  f.ril = false;
  expect_consumed(issue_fresh(command(Opcode::CMD_TLBI_NH_VAA, {{&cmd::VA, 0x5}, tg(1)}), f),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .vmid = 0, .addr = 0x5000, .size = 1});
}

// §4.4: with 8-bit ASIDs/VMIDs the upper 8 bits are RES0 and a command with them set need not affect any
// entry. CMD_ASID_VMID_UPPER_BITS (we choose no_effect): the scope keeps all 16 bits, naming no 8-bit tag.
TEST_F(CommandTest, EightBitAsidKeepsUpperBits) {
  Features f;
  f.asid16 = f.vmid16 = false;
  expect_consumed(issue_fresh(command(Opcode::CMD_TLBI_NH_ASID, {{&cmd::VMID, 0x105}, {&cmd::ASID, 0x1234}}), f),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .asid = 0x1234, .vmid = 0x105});
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_ASID, {{&cmd::VMID, 0x05}, {&cmd::ASID, 0x34}})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .asid = 0x34, .vmid = 0x05});
}

// §4.4.2: without stage 2 the NH_* VMID is RES0 and not matched: the scope names every VMID.
TEST_F(CommandTest, WithoutStage2NhVmidIsNotMatched) {
  Features f;
  f.s2p = false;
  expect_consumed(issue_fresh(command(Opcode::CMD_TLBI_NH_ALL, {{&cmd::VMID, 5}}), f),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1});
  expect_consumed(issue(command(Opcode::CMD_TLBI_NH_ASID, {{&cmd::VMID, 5}, {&cmd::ASID, 9}})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::NsEl1, .asid = 9});
}

// ---------------------------------------------------------------------------------------------------------
// EL2 TLB invalidation (§4.4.2.7-§4.4.2.10)

TEST_F(CommandTest, TlbiEl2AllIsEveryEl2Entry) {  // §4.4.2.7: NS-EL2 and NS-EL2-E2H, ASID-tagged or not
  expect_consumed(issue(command(Opcode::CMD_TLBI_EL2_ALL)), {.kind = Kind::TlbiStage1, .regime = Regime::AnyEl2});
}

TEST_F(CommandTest, TlbiEl2AsidIsTheE2HRegime) {  // §4.4.2.10: non-global NS-EL2-E2H entries by ASID
  expect_consumed(issue(command(Opcode::CMD_TLBI_EL2_ASID, {{&cmd::ASID, 0x77}})),
                  {.kind = Kind::TlbiStage1, .regime = Regime::El2E2H, .asid = 0x77});
}

// §4.4.2.8: CR2.E2H == 0: NS-EL2 entries by VA, the ASID ignored; E2H == 1: NS-EL2-E2H entries by ASID and VA.
TEST_F(CommandTest, TlbiEl2VaFollowsE2H) {
  Cmd c = command(Opcode::CMD_TLBI_EL2_VA, {{&cmd::ASID, 0x21}, {&cmd::VA, 0xABC}, {&cmd::Leaf, 1}});
  expect_consumed(issue(c),
                  {.kind = Kind::TlbiStage1, .regime = Regime::El2, .addr = 0xAB'C000, .size = 1, .leaf = true});
  set_cr2(/*recinvsid=*/true, /*e2h=*/true);
  expect_consumed(issue(c), {.kind = Kind::TlbiStage1, .regime = Regime::El2E2H, .asid = 0x21, .addr = 0xAB'C000,
                             .size = 1, .leaf = true});
}

// §4.4.2.9: E2H selects NS-EL2 or NS-EL2-E2H; all ASIDs either way. Range: TG = 4KB, NUM = 31, SCALE = 31:
// 32 * 2^31 * 4096 = 2^48.
TEST_F(CommandTest, TlbiEl2VaaFollowsE2H) {
  Cmd c = command(Opcode::CMD_TLBI_EL2_VAA, {{&cmd::VA, 0}, tg(1), num(31), scale(31), ttl(2)});
  expect_consumed(issue(c), {.kind = Kind::TlbiStage1, .regime = Regime::El2, .size = uint64_t{1} << 48, .ttl = 2});
  set_cr2(/*recinvsid=*/true, /*e2h=*/true);
  expect_consumed(issue(c), {.kind = Kind::TlbiStage1, .regime = Regime::El2E2H, .size = uint64_t{1} << 48, .ttl = 2});
}

// ---------------------------------------------------------------------------------------------------------
// Stage 2 and common TLB invalidation (§4.4.3, §4.4.4)

TEST_F(CommandTest, TlbiS12VmallIsEveryStageOfAVmid) {  // §4.4.3.2: VMALLS12E1
  expect_consumed(issue(command(Opcode::CMD_TLBI_S12_VMALL, {{&cmd::VMID, 0x321}})),
                  {.kind = Kind::TlbiAll, .regime = Regime::NsEl1, .vmid = 0x321});
}

// §4.4.3.1: IPAS2{L}E1, stage 2 by VMID and IPA (Address[55:12], §4.1.6). TG = 4KB, NUM = SCALE = 0,
// TTL = 3: one 4KB granule with a level-3 hint. The regime is not checked: stage-2 entries belong to NS-EL1
// only, and the model reports Regime::Any for them.
TEST_F(CommandTest, TlbiS2IpaNamesVmidAndIpa) {
  CommandReport r = issue(command(Opcode::CMD_TLBI_S2_IPA,
                                  {{&cmd::VMID, 4}, {&cmd::IPA, 0x8'0000'0123}, {&cmd::Leaf, 1}, tg(1), ttl(3)}));
  InvalidationScope want{.kind = Kind::TlbiStage2, .regime = r.scope.regime, .vmid = 4,
                         .addr = 0x8000'0012'3000, .size = 0x1000, .leaf = true, .ttl = 3};
  expect_consumed(r, want);
}

TEST_F(CommandTest, TlbiNsnhAllIsEveryNsEl1Entry) {  // §4.4.4.1: Non-secure ALLE1, all VMIDs, all stages
  expect_consumed(issue(command(Opcode::CMD_TLBI_NSNH_ALL)), {.kind = Kind::TlbiAll, .regime = Regime::NsEl1});
}

// ---------------------------------------------------------------------------------------------------------
// Commands of features this SMMU is built without (§4.3.3, §4.3.4, §4.4.2, §4.4.3, §6.3.1, §7.1)

// Stage 1 not implemented: NH_* (§4.4.2), CFGI_CD (§4.3.3), CFGI_CD_ALL (§4.3.4) and EL2_* (Hyp is RES0
// when S1P == 0, §6.3.1) are CERROR_ILL; CFGI_STE, S12_VMALL, S2_IPA and NSNH_ALL (§4.4.4.1) still run.
TEST_F(CommandTest, WithoutStage1) {
  Features f;
  f.s1p = false;
  for (Opcode op : {Opcode::CMD_TLBI_NH_ALL, Opcode::CMD_TLBI_NH_ASID, Opcode::CMD_TLBI_NH_VA, Opcode::CMD_TLBI_NH_VAA,
                    Opcode::CMD_CFGI_CD, Opcode::CMD_CFGI_CD_ALL, Opcode::CMD_TLBI_EL2_ALL, Opcode::CMD_TLBI_EL2_ASID,
                    Opcode::CMD_TLBI_EL2_VA, Opcode::CMD_TLBI_EL2_VAA}) {
    SCOPED_TRACE(opcode_name(static_cast<uint8_t>(op)));
    expect_illegal(issue_fresh(command(op), f));
  }
  for (Opcode op :
       {Opcode::CMD_CFGI_STE, Opcode::CMD_TLBI_S12_VMALL, Opcode::CMD_TLBI_S2_IPA, Opcode::CMD_TLBI_NSNH_ALL}) {
    SCOPED_TRACE(opcode_name(static_cast<uint8_t>(op)));
    EXPECT_EQ(issue_fresh(command(op), f).error, 0);
  }
}

// Stage 2 not implemented: S12_VMALL (§4.4.3.2) and S2_IPA (§4.4.3.1) are CERROR_ILL, and so are EL2_*
// because Hyp is RES0 when S2P == 0 (§6.3.1); NH_* and NSNH_ALL run.
TEST_F(CommandTest, WithoutStage2) {
  Features f;
  f.s2p = false;
  for (Opcode op : {Opcode::CMD_TLBI_S12_VMALL, Opcode::CMD_TLBI_S2_IPA, Opcode::CMD_TLBI_EL2_ALL,
                    Opcode::CMD_TLBI_EL2_ASID, Opcode::CMD_TLBI_EL2_VA, Opcode::CMD_TLBI_EL2_VAA}) {
    SCOPED_TRACE(opcode_name(static_cast<uint8_t>(op)));
    expect_illegal(issue_fresh(command(op), f));
  }
  for (Opcode op : {Opcode::CMD_TLBI_NH_ALL, Opcode::CMD_TLBI_NH_VA, Opcode::CMD_TLBI_NSNH_ALL, Opcode::CMD_CFGI_CD}) {
    SCOPED_TRACE(opcode_name(static_cast<uint8_t>(op)));
    EXPECT_EQ(issue_fresh(command(op), f).error, 0);
  }
}

TEST_F(CommandTest, WithoutHyp) {  // §4.4.2.7-§4.4.2.10: IDR0.Hyp == 0 makes every EL2 TLBI CERROR_ILL
  Features f;
  f.hyp = false;
  for (Opcode op : {Opcode::CMD_TLBI_EL2_ALL, Opcode::CMD_TLBI_EL2_ASID, Opcode::CMD_TLBI_EL2_VA,
                    Opcode::CMD_TLBI_EL2_VAA}) {
    SCOPED_TRACE(opcode_name(static_cast<uint8_t>(op)));
    expect_illegal(issue_fresh(command(op), f));
  }
  EXPECT_EQ(issue_fresh(command(Opcode::CMD_TLBI_NH_ALL), f).error, 0);
}

}  // namespace
}  // namespace smmu::test
