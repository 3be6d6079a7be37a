// Shared set-up for the optimized model's tests: memory, a table allocator, a linear stream table, the model
// programmed through its registers (SMMUEN, CMDQEN, EVENTQEN, RECINVSID), a command queue to submit
// commands through, and helpers to map pages and run DMAs.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "harness/driver/tables.h"
#include "harness/sparse_memory.h"
#include "optimized/smmu.h"
#include "specs/print.h"

namespace smmu::test::opt_test {

using driver::Words8;
using opt::OptimizedSmmu;
using Cmd = std::array<uint64_t, 2>;

inline constexpr uint64_t kCmdq = 0x7000'0000;    // 2^8 commands
inline constexpr uint64_t kEventq = 0x7100'0000;  // 2^6 records

// Builds a command through the cmd field table (specs/fields/cmd.def).
inline Cmd command(Opcode op, std::initializer_list<driver::FieldValue> fields = {}) {
  Cmd c{};
  cmd::Opcode.set(std::span<uint64_t>(c), static_cast<uint64_t>(op));
  for (const driver::FieldValue& f : fields) f.field.set(std::span<uint64_t>(c), f.value);
  return c;
}

// Records what the model reports: table reads, commands, events.
struct Recorder : WalkObserver {
  std::vector<TableRead> reads;
  std::vector<CommandReport> commands;
  std::vector<EventRecord> events;
  void table_read(const TableRead& r) override { reads.push_back(r); }
  void command(const CommandReport& c) override { commands.push_back(c); }
  void event(const EventRecord& r, std::optional<uint64_t>) override { events.push_back(r); }
  size_t count(TableRole role) const {
    size_t n = 0;
    for (const TableRead& r : reads) n += r.role == role;
    return n;
  }
};

class OptTest : public ::testing::Test {
 protected:
  explicit OptTest(Features f = Features{}) : features_(f) {}
  void SetUp() override { reset(features_); }

  void reset(const Features& f, OptimizedSmmu::Sizes sizes = {}) {
    mem = std::make_unique<harness::SparseMemory>();
    alloc = std::make_unique<driver::Allocator>(0x4000'0000, 0x6000'0000);
    smmu = std::make_unique<OptimizedSmmu>(f, *mem, sizes);
    strtab = std::make_unique<driver::StreamTable>(driver::StreamTable::linear(*mem, *alloc, 8));
    wr64(reg::STRTAB_BASE, strtab->base());
    wr(reg::STRTAB_BASE_CFG, strtab->base_cfg());
    wr(reg::CR2, regf::CR2_RECINVSID.mask_in_place());
    wr64(reg::CMDQ_BASE, kCmdq | 8);
    wr64(reg::EVENTQ_BASE, kEventq | 6);
    wr(reg::CR0, regf::CR0_SMMUEN.mask_in_place() | regf::CR0_CMDQEN.mask_in_place() |
                     regf::CR0_EVENTQEN.mask_in_place());
    prod_ = 0;
  }

  void wr(const Register& r, uint64_t v) { smmu->mmio_write(r.offset, 4, v); }
  void wr64(const Register& r, uint64_t v) { smmu->mmio_write(r.offset, 8, v); }
  uint64_t rd(const Register& r) { return smmu->mmio_read(r.offset, 4); }

  // Writes the commands at PROD and publishes them; each is consumed at once.
  void submit(std::initializer_list<Cmd> cmds) {
    for (const Cmd& c : cmds) {
      const uint64_t pa = kCmdq + (prod_ & 0xFF) * 16;
      mem->poke64(pa, c[0]);
      mem->poke64(pa + 8, c[1]);
      prod_ = (prod_ + 1) & 0x1FF;
    }
    wr(reg::CMDQ_PROD, prod_);
  }
  // The command followed by a CMD_SYNC (the invalidation completes).
  void submit_sync(const Cmd& c) { submit({c, command(Opcode::CMD_SYNC)}); }

  uint64_t place_cd(const Words8& cd) {
    const uint64_t pa = alloc->alloc(64, 64);
    write8(pa, cd);
    return pa;
  }
  void write8(uint64_t pa, const Words8& w) {
    for (unsigned i = 0; i < 8; ++i) mem->poke64(pa + 8 * i, w[i]);
  }

  Outcome dma(uint32_t sid, uint64_t addr, bool read = true, std::optional<uint32_t> ssid = std::nullopt,
              bool priv = false, bool instr = false, WalkObserver* obs = nullptr) {
    Transaction t{.sid = sid, .ssid = ssid, .addr = addr, .read = read, .instr = instr, .priv = priv};
    return smmu->translate(t, obs);
  }

  // A stage-1 stream `sid` with one CD (ASID `asid`) over a fresh 4KB-granule, 39-bit table.
  std::unique_ptr<driver::PageTable> stage1_stream(uint32_t sid, uint16_t asid = 1) {
    auto pt = std::make_unique<driver::PageTable>(*mem, *alloc, 12, 39);
    stage1_stream_on(sid, *pt, asid);
    return pt;
  }
  uint64_t stage1_stream_on(uint32_t sid, const driver::PageTable& pt, uint16_t asid, unsigned strw = 0) {
    const uint64_t cd = place_cd(driver::make_cd({.ttb0 = pt.root(), .asid = asid}));
    strtab->set_ste(sid, driver::ste_stage1({.context_ptr = cd, .strw = strw}));
    return cd;
  }
  // A stage-2 stream with VMID `vmid` over `pt` (4KB granule, 40-bit IPA, start level 1).
  void stage2_stream_on(uint32_t sid, const driver::PageTable& pt, uint16_t vmid) {
    strtab->set_ste(sid, driver::ste_stage2({.ttb = pt.root(), .vmid = vmid}));
  }
  std::unique_ptr<driver::PageTable> stage2_table() {
    return std::make_unique<driver::PageTable>(*mem, *alloc, 12, 40, 1);
  }

  Features features_;
  std::unique_ptr<harness::SparseMemory> mem;
  std::unique_ptr<driver::Allocator> alloc;
  std::unique_ptr<OptimizedSmmu> smmu;
  std::unique_ptr<driver::StreamTable> strtab;
  uint32_t prod_ = 0;
};

inline void expect_pa(const Outcome& o, uint64_t pa) {
  ASSERT_EQ(o.kind, OutcomeKind::Success) << format_outcome(o);
  EXPECT_EQ(o.pa, pa) << format_outcome(o);
}
inline void expect_fault(const Outcome& o, EventType type) {
  ASSERT_TRUE(o.event.has_value()) << format_outcome(o);
  EXPECT_EQ(o.event->type(), static_cast<uint8_t>(type)) << format_outcome(o);
}

inline uint64_t leaf(unsigned ap = 0b01, bool ng = true, bool af = true) {
  return driver::s1_leaf_bits({.ap = ap, .af = af, .ng = ng});
}

}  // namespace smmu::test::opt_test
