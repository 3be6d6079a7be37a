// The QEMU machine of the QEMU peer model: QEMU's SMMUv3 identification, DMA by the edu devices with
// the SMMU disabled and enabled (a bypass STE, an invalid STE and its C_BAD_STE record), StreamIDs behind
// a root port, the session's error handling, and the cost of a spawn and of a DMA. Every test is skipped
// when qemu-system-aarch64 is not installed.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <vector>

#include "harness/qemu/machine.h"
#include "specs/layout.h"

namespace smmu::qemu {
namespace {

using Record = std::array<uint64_t, event::kQwords>;
using Clock = std::chrono::steady_clock;

// Guest RAM layout of the tests (RAM is 0x40000000-0x48000000; the device tree sits at its start).
constexpr uint64_t kStrtab = 0x4040'0000;  // linear stream table of 2^kStrtabLog2 STEs, aligned to its size
constexpr unsigned kStrtabLog2 = 16;
constexpr uint64_t kCmdq = 0x4080'0000;
constexpr unsigned kCmdqLog2 = 8;
constexpr uint64_t kEventq = 0x4081'0000;
constexpr unsigned kEventqLog2 = 7;
constexpr uint64_t kSrc = 0x4100'0000;
constexpr uint64_t kDst = 0x4100'1000;

// StreamIDs: two edus on the root bus and one behind a root port (bus 1).
constexpr uint32_t kSidA = 0x0008;  // 00:01.0
constexpr uint32_t kSidB = 0x0010;  // 00:02.0
constexpr uint32_t kSidC = 0x0100;  // 01:00.0

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + 7 * i);
  return v;
}

template <size_t N>
std::vector<uint8_t> to_bytes(const std::array<uint64_t, N>& words) {
  std::vector<uint8_t> out;
  for (uint64_t w : words)
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(w >> (8 * i)));
  return out;
}

class QemuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = QemuMachine::unavailable_reason()) GTEST_SKIP() << *why;
  }

  static QemuMachineOptions options() {
    QemuMachineOptions o;
    o.stream_ids = {kSidA, kSidB, kSidC};
    return o;
  }

  // A zeroed stream table (every STE invalid), command queue and event queue in guest RAM; CMDQEN and
  // EVENTQEN, then SMMUEN.
  static void enable_smmu(QemuMachine& m) {
    m.fill(kStrtab, uint64_t{64} << kStrtabLog2, 0);
    uint64_t strtab = regf::STRTAB_BASE_ADDR.in_place(kStrtab);
    m.smmu_write(reg::STRTAB_BASE, strtab);
    uint64_t cfg = 0;
    regf::STRTAB_BASE_CFG_LOG2SIZE.set(cfg, kStrtabLog2);
    regf::STRTAB_BASE_CFG_FMT.set(cfg, 0);  // linear
    m.smmu_write(reg::STRTAB_BASE_CFG, cfg);

    uint64_t cmdq = regf::QUEUE_BASE_ADDR.in_place(kCmdq);
    regf::QUEUE_BASE_LOG2SIZE.set(cmdq, kCmdqLog2);
    m.smmu_write(reg::CMDQ_BASE, cmdq);
    m.smmu_write(reg::CMDQ_PROD, 0);
    m.smmu_write(reg::CMDQ_CONS, 0);
    uint64_t eventq = regf::QUEUE_BASE_ADDR.in_place(kEventq);
    regf::QUEUE_BASE_LOG2SIZE.set(eventq, kEventqLog2);
    m.smmu_write(reg::EVENTQ_BASE, eventq);
    m.smmu_write(reg::EVENTQ_PROD, 0);
    m.smmu_write(reg::EVENTQ_CONS, 0);
    EXPECT_EQ(m.smmu_read(reg::CMDQ_BASE), cmdq);
    EXPECT_EQ(m.smmu_read(reg::EVENTQ_BASE), eventq);
    EXPECT_EQ(m.smmu_read(reg::STRTAB_BASE), strtab);

    uint64_t cr0 = 0;
    regf::CR0_CMDQEN.set(cr0, 1);
    regf::CR0_EVENTQEN.set(cr0, 1);
    m.smmu_write(reg::CR0, cr0);
    EXPECT_EQ(m.smmu_read(reg::CR0ACK), cr0);
    regf::CR0_SMMUEN.set(cr0, 1);
    m.smmu_write(reg::CR0, cr0);
    EXPECT_EQ(m.smmu_read(reg::CR0ACK), cr0);
  }

  static void write_ste(QemuMachine& m, uint32_t sid, const std::array<uint64_t, ste::kQwords>& words) {
    m.write(kStrtab + uint64_t{sid} * 64, to_bytes(words));
  }
  static std::array<uint64_t, ste::kQwords> bypass_ste() {
    std::array<uint64_t, ste::kQwords> w{};
    ste::V.set(w, 1);
    ste::Config.set(w, 0b100);  // §5.2: stage 1 and stage 2 bypass
    return w;
  }

  // Submits commands at CMDQ_PROD and checks QEMU consumed them all without an error.
  void submit(QemuMachine& m, std::initializer_list<std::array<uint64_t, cmd::kQwords>> cmds) {
    const uint32_t mask = (2u << kCmdqLog2) - 1;  // index and wrap bit
    uint32_t prod = static_cast<uint32_t>(m.smmu_read(reg::CMDQ_PROD)) & mask;
    for (const auto& c : cmds) {
      uint32_t index = prod & ((1u << kCmdqLog2) - 1);
      m.write(kCmdq + uint64_t{index} * 16, to_bytes(c));
      prod = (prod + 1) & mask;
    }
    m.smmu_write(reg::CMDQ_PROD, prod);
    uint64_t cons = m.smmu_read(reg::CMDQ_CONS);
    EXPECT_EQ(cons & mask, prod) << "CMDQ_CONS " << std::hex << cons;
    EXPECT_EQ(regf::CMDQ_CONS_ERR.get(cons), 0u);
    EXPECT_EQ(m.smmu_read(reg::GERROR), 0u);
  }
  static std::array<uint64_t, cmd::kQwords> cfgi_all() {
    std::array<uint64_t, cmd::kQwords> c{};
    cmd::Opcode.set(c, static_cast<uint64_t>(Opcode::CMD_CFGI_STE_RANGE));
    cmd::Range.set(c, 31);  // §4.3.6: CMD_CFGI_ALL
    return c;
  }
  static std::array<uint64_t, cmd::kQwords> sync() {
    std::array<uint64_t, cmd::kQwords> c{};
    cmd::Opcode.set(c, static_cast<uint64_t>(Opcode::CMD_SYNC));
    return c;
  }

  // The records between EVENTQ_CONS and EVENTQ_PROD; consumes them.
  static std::vector<Record> drain_events(QemuMachine& m) {
    const uint32_t mask = (2u << kEventqLog2) - 1;
    uint32_t prod = static_cast<uint32_t>(m.smmu_read(reg::EVENTQ_PROD)) & mask;
    uint32_t cons = static_cast<uint32_t>(m.smmu_read(reg::EVENTQ_CONS)) & mask;
    std::vector<Record> out;
    for (; cons != prod; cons = (cons + 1) & mask) {
      uint64_t at = kEventq + uint64_t{cons & ((1u << kEventqLog2) - 1)} * 32;
      Record r{};
      for (unsigned i = 0; i < event::kQwords; ++i) r[i] = m.read64(at + 8 * i);
      out.push_back(r);
    }
    m.smmu_write(reg::EVENTQ_CONS, prod);
    return out;
  }
};

TEST(QemuStreamIds, WhichStreamIdsTheMachineProvides) {
  EXPECT_FALSE(QemuMachine::unsupported_stream_id(0x0008));
  EXPECT_FALSE(QemuMachine::unsupported_stream_id(0x00ff));
  EXPECT_FALSE(QemuMachine::unsupported_stream_id(0x0100));
  EXPECT_FALSE(QemuMachine::unsupported_stream_id(0xff07));
  EXPECT_TRUE(QemuMachine::unsupported_stream_id(0x0000));  // the host bridge's slot
  EXPECT_TRUE(QemuMachine::unsupported_stream_id(0x0007));
  EXPECT_TRUE(QemuMachine::unsupported_stream_id(0x0108));  // slot 1 behind a root port
  EXPECT_TRUE(QemuMachine::unsupported_stream_id(0x10000));
  auto fw = QemuMachine::parking_firmware();
  EXPECT_EQ(fw, (std::vector<uint8_t>{0x7f, 0x20, 0x03, 0xd5, 0xff, 0xff, 0xff, 0x17}));
}

TEST_F(QemuTest, IdRegistersAreQemu72s) {
  QemuMachine m(options());
  // QEMU 7.2 (Debian 12): stage 1 only, AArch64 tables, 2-level stream tables, 16-bit StreamIDs,
  // queues of 2^19 entries, 4 KB and 64 KB granules, 44-bit OAS, SMMUv3.1.
  EXPECT_EQ(m.smmu_read(reg::IDR0), 0x0d40'101au);
  EXPECT_EQ(m.smmu_read(reg::IDR1), 0x0273'0010u);
  EXPECT_EQ(m.smmu_read(reg::IDR3), 0x1404u);
  EXPECT_EQ(m.smmu_read(reg::IDR5), 0x74u);
  EXPECT_EQ(m.smmu_read(reg::AIDR), 1u);
  uint64_t idr0 = m.smmu_read(reg::IDR0), idr1 = m.smmu_read(reg::IDR1);
  EXPECT_EQ(regf::IDR0_S1P.get(idr0), 1u);
  EXPECT_EQ(regf::IDR0_S2P.get(idr0), 0u);
  EXPECT_EQ(regf::IDR0_ST_LEVEL.get(idr0), 1u);
  EXPECT_EQ(regf::IDR1_SIDSIZE.get(idr1), 16u);
  // The StreamIDs asked for, as the edu devices were placed.
  std::vector<uint32_t> sids = m.stream_ids();
  std::sort(sids.begin(), sids.end());
  EXPECT_EQ(sids, (std::vector<uint32_t>{kSidA, kSidB, kSidC}));
  for (const EduDevice& d : m.devices())
    EXPECT_EQ(d.stream_id, (uint32_t{d.bus} << 8) | d.devfn) << std::hex << d.stream_id;
  // The device tree sits at the start of guest RAM.
  EXPECT_EQ(m.read32(QemuMachine::kRamBase), 0xedfe0dd0u);  // FDT magic 0xd00dfeed, big-endian
}

TEST_F(QemuTest, DmaRoundTripWithTheSmmuDisabled) {
  QemuMachine m(options());
  ASSERT_EQ(regf::CR0_SMMUEN.get(m.smmu_read(reg::CR0)), 0u);
  uint64_t gbpa = 0;
  regf::GBPA_ABORT.set(gbpa, 0);
  regf::GBPA_Update.set(gbpa, 1);
  m.smmu_write(reg::GBPA, gbpa);
  std::printf("[ info     ] GBPA reads 0x%llx after writing Update with ABORT = 0\n",
              static_cast<unsigned long long>(m.smmu_read(reg::GBPA)));

  auto data = pattern(16, 0x31);
  m.write(kSrc, data);
  m.fill(kDst, 64, 0xee);
  m.dma(kSidA, kSrc, 16, /*to_device=*/true);
  m.dma(kSidA, kDst, 16, /*to_device=*/false);
  EXPECT_EQ(m.read(kDst, 16), data);
  EXPECT_EQ(m.read(kDst + 16, 16), std::vector<uint8_t>(16, 0xee));  // nothing beyond the 16 bytes
  EXPECT_EQ(m.read_buffer(kSidA, 0, 16), data);

  // Every device, including the one behind the root port, reaches RAM; buffer offsets are honoured.
  for (uint32_t sid : m.stream_ids()) {
    auto d = pattern(40, static_cast<uint8_t>(sid));
    m.load_buffer(sid, 100, d);
    m.dma(sid, kDst + 0x100, 40, /*to_device=*/false, 100);
    EXPECT_EQ(m.read(kDst + 0x100, 40), d) << "StreamID " << std::hex << sid;
  }
}

TEST_F(QemuTest, BypassSteReachesRamAndInvalidSteRecordsCBadSte) {
  QemuMachine m(options());
  enable_smmu(m);  // every STE invalid
  write_ste(m, kSidA, bypass_ste());
  write_ste(m, kSidC, bypass_ste());
  submit(m, {cfgi_all(), sync()});

  // (a) A bypass STE: the DMA reaches the RAM it names, in both directions, and reports nothing.
  auto data = pattern(16, 0x5a);
  m.write(kSrc, data);
  m.fill(kDst, 64, 0);
  m.dma(kSidA, kSrc, 16, /*to_device=*/true);
  m.dma(kSidA, kDst, 16, /*to_device=*/false);
  EXPECT_EQ(m.read(kDst, 16), data);
  EXPECT_TRUE(drain_events(m).empty());

  // (b) StreamID kSidB's STE is invalid (V = 0): the write is terminated and C_BAD_STE recorded.
  auto other = pattern(16, 0x90);
  m.load_buffer(kSidB, 0, other);
  m.fill(kDst, 64, 0);
  m.dma(kSidB, kDst, 16, /*to_device=*/false);
  EXPECT_EQ(m.read(kDst, 16), std::vector<uint8_t>(16, 0));
  std::vector<Record> events = drain_events(m);
  // QEMU issues a terminated transfer in 4-byte beats and translates and reports each on its own.
  EXPECT_EQ(events.size(), 16u / 4);
  for (const Record& r : events) {
    EXPECT_EQ(event::EVENT_TYPE.get(r), static_cast<uint64_t>(EventType::C_BAD_STE));
    EXPECT_EQ(event::StreamID.get(r), kSidB);
    EXPECT_EQ(event::SSV.get(r), 0u);
  }
  // A terminated read.
  m.load_buffer(kSidB, 0, other);
  m.dma(kSidB, kSrc, 16, /*to_device=*/true);
  EXPECT_EQ(m.read_buffer(kSidB, 0, 16), std::vector<uint8_t>(16, 0));  // terminated reads return zeros
  events = drain_events(m);
  ASSERT_EQ(events.size(), 16u / 4);
  EXPECT_EQ(event::EVENT_TYPE.get(events[0]), static_cast<uint64_t>(EventType::C_BAD_STE));
  EXPECT_EQ(m.smmu_read(reg::GERROR), 0u);

  // The device behind the root port is StreamID 0x100: its bypass STE works; invalidated, it faults.
  m.fill(kDst, 64, 0);
  m.dma(kSidC, kSrc, 16, /*to_device=*/true);
  m.dma(kSidC, kDst, 16, /*to_device=*/false);
  EXPECT_EQ(m.read(kDst, 16), data);
  EXPECT_TRUE(drain_events(m).empty());
  write_ste(m, kSidC, {});
  submit(m, {cfgi_all(), sync()});
  m.fill(kDst, 64, 0);
  m.dma(kSidC, kDst, 16, /*to_device=*/false);
  EXPECT_EQ(m.read(kDst, 16), std::vector<uint8_t>(16, 0));
  events = drain_events(m);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(event::EVENT_TYPE.get(events[0]), static_cast<uint64_t>(EventType::C_BAD_STE));
  EXPECT_EQ(event::StreamID.get(events[0]), kSidC);
}

TEST_F(QemuTest, SpawnAndDmaTimes) {
  constexpr int kSpawns = 5, kDmas = 500;
  double spawn = 0, setup = 0;
  for (int i = 0; i < kSpawns; ++i) {
    QemuMachine m(options());
    spawn += m.spawn_ms();
    setup += m.setup_ms();
  }
  std::printf("[ info     ] spawn %.1f ms to the qtest connection, %.1f ms to a ready machine\n", spawn / kSpawns,
              setup / kSpawns);
  RecordProperty("spawn_ms", std::to_string(setup / kSpawns));
  for (bool share_cpu : {false, true}) {
    QemuMachineOptions o = options();
    o.share_cpu = share_cpu;
    QemuMachine m(o);
    m.write(kSrc, pattern(16, 1));
    m.dma(kSidA, kSrc, 16, true);
    auto t0 = Clock::now();
    for (int i = 0; i < kDmas; ++i) m.dma(kSidA, (i & 1) ? kDst : kSrc, 16, (i & 1) == 0);
    double dma_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / kDmas;
    t0 = Clock::now();
    for (int i = 0; i < kDmas; ++i) m.smmu_read(reg::IDR0);
    double command_us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / kDmas;
    std::printf("[ info     ] %s: one DMA %.3f ms (%.2f completion polls), one qtest command %.1f us\n",
                share_cpu ? "share_cpu" : "default  ", dma_ms, double(m.dma_polls()) / double(m.dma_count()),
                command_us);
    RecordProperty(share_cpu ? "dma_ms_share_cpu" : "dma_ms", std::to_string(dma_ms));
    EXPECT_LT(dma_ms, 50.0);
    EXPECT_EQ(m.read(kDst, 16), pattern(16, 1));
  }
}

TEST_F(QemuTest, ErrorsAreClear) {
  {
    QemuMachineOptions o = options();
    o.binary = "/nonexistent/qemu-system-aarch64";
    try {
      QemuMachine m(o);
      ADD_FAILURE() << "a missing QEMU started";
    } catch (const QtestError& e) {
      EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
    }
  }
  {
    QemuMachineOptions o = options();
    o.extra_args = {"-device", "no-such-device"};
    try {
      QemuMachine m(o);
      ADD_FAILURE() << "QEMU started with a bad device";
    } catch (const QtestError& e) {
      EXPECT_NE(std::string(e.what()).find("exited with status"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("no-such-device"), std::string::npos) << e.what();
    }
  }
  {
    EXPECT_THROW(QemuMachine(QemuMachineOptions{.stream_ids = {0x0108}}), QtestError);
    EXPECT_THROW(QemuMachine(QemuMachineOptions{.stream_ids = {0x08, 0x08}}), QtestError);
  }
  {
    // A hung QEMU: a reply timeout, not a hang; the destructor still reaps the stopped process.
    QemuMachineOptions o = options();
    o.timeout = std::chrono::milliseconds(300);
    QemuMachine m(o);
    EXPECT_THROW(m.qtest().command("no_such_command"), QtestError);  // FAIL reply
    EXPECT_EQ(m.smmu_read(reg::AIDR), 1u);                                 // still usable after it
    ::kill(m.qtest().pid(), SIGSTOP);
    auto t0 = Clock::now();
    try {
      m.smmu_read(reg::IDR0);
      ADD_FAILURE() << "a stopped QEMU answered";
    } catch (const QtestError& e) {
      EXPECT_NE(std::string(e.what()).find("no reply"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 5.0);
  }
}

}  // namespace
}  // namespace smmu::qemu
