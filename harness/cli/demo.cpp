#include "harness/cli/commands.h"

#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "specs/print.h"
#include "reference/smmu.h"
#include "harness/sparse_memory.h"
#include "harness/driver/tables.h"
#include "harness/cli/trace.h"

namespace smmu::harness {

namespace {

struct DemoDma {
  const char* what;
  Transaction txn;
};

// SID 1: stage 1; SID 2: stage 2; SID 3: nested; SID 4: stage 1 with a read-only page; SID 9: invalid STE.
std::vector<DemoDma> build(SparseMemory& mem, ref::ReferenceSmmu& smmu) {
  using namespace driver;
  Allocator alloc(0x4000'0000, 0x4400'0000);
  StreamTable st = StreamTable::linear(mem, alloc, 8);
  S1Leaf rw;                     // read/write, Normal WB
  S1Leaf ro{.ap = 0b11};         // read-only at EL1 and EL0
  S2Leaf s2rw;

  // Stage 1 only: VA 0x10000000 -> PA 0x80000000 (4KB page), VA 0x40200000 -> PA 0x90000000 (2MB block).
  PageTable s1(mem, alloc, 12, 39);
  s1.map(0x1000'0000, 0x8000'0000, 0x1000, s1_leaf_bits(rw));
  s1.map(0x4020'0000, 0x9000'0000, 0x20'0000, s1_leaf_bits(rw));
  s1.map(0x1000'1000, 0x8000'1000, 0x1000, s1_leaf_bits(ro));
  uint64_t cd1 = alloc.alloc(64, 64);
  Words8 cd = make_cd({.ttb0 = s1.root(), .asid = 1});
  for (unsigned i = 0; i < 8; ++i) mem.poke64(cd1 + 8 * i, cd[i]);
  st.set_ste(1, ste_stage1({.context_ptr = cd1}));
  st.set_ste(4, ste_stage1({.context_ptr = cd1}));

  // Stage 2 only: IPA 0x20000000 -> PA 0x88000000, 40-bit IPA starting at level 1.
  PageTable s2(mem, alloc, 12, 40, 1);
  s2.map(0x2000'0000, 0x8800'0000, 0x1000, s2_leaf_bits(s2rw));
  st.set_ste(2, ste_stage2({.ttb = s2.root(), .vmid = 2}));

  // Nested: the guest's CD and stage-1 tables live in guest RAM at IPA 0x40000000-0x44000000, which stage 2
  // maps to the same PAs with 2MB blocks; the guest maps VA 0x2000 to IPA 0x60000000, which stage 2 maps to
  // PA 0x98000000.
  PageTable ns2(mem, alloc, 12, 40, 1);
  for (uint64_t ipa = 0x4000'0000; ipa < 0x4400'0000; ipa += 0x20'0000) ns2.map(ipa, ipa, 0x20'0000, s2_leaf_bits(s2rw));
  ns2.map(0x6000'0000, 0x9800'0000, 0x1000, s2_leaf_bits(s2rw));
  PageTable ns1(mem, alloc, 12, 39);
  ns1.map(0x2000, 0x6000'0000, 0x1000, s1_leaf_bits(rw));
  uint64_t cd3 = alloc.alloc(64, 64);
  cd = make_cd({.ttb0 = ns1.root(), .asid = 3});
  for (unsigned i = 0; i < 8; ++i) mem.poke64(cd3 + 8 * i, cd[i]);
  st.set_ste(3, ste_nested({.context_ptr = cd3}, {.ttb = ns2.root(), .vmid = 3}));

  st.set_ste(9, Words8{});  // V = 0

  ref::Registers& r = smmu.registers();
  r.strtab_base = st.base();
  r.strtab_base_cfg = st.base_cfg();
  uint64_t cr0 = 0, cr2 = 0;
  regf::CR0_SMMUEN.set(cr0, 1);
  regf::CR2_RECINVSID.set(cr2, 1);
  r.cr0 = static_cast<uint32_t>(cr0);
  r.cr2 = static_cast<uint32_t>(cr2);

  return {
      {"stage 1, 4KB page", {.sid = 1, .addr = 0x1000'0123, .read = true}},
      {"stage 1, 2MB block, write", {.sid = 1, .addr = 0x4023'4560, .read = false}},
      {"stage 2 only", {.sid = 2, .addr = 0x2000'0abc, .read = true}},
      {"nested: CD, stage-1 tables and output all through stage 2", {.sid = 3, .addr = 0x2010, .read = true}},
      {"fault: write to a read-only page", {.sid = 4, .addr = 0x1000'1000, .read = false}},
      {"fault: nothing mapped", {.sid = 1, .addr = 0x3000'0000, .read = true}},
      {"fault: STE with V == 0", {.sid = 9, .addr = 0x1000, .read = true}},
      {"fault: StreamID beyond the stream table", {.sid = 0x1000, .addr = 0x1000, .read = true}},
  };
}

}  // namespace

int run_demo(bool quiet) {
  SparseMemory mem;
  ref::ReferenceSmmu smmu(Features{}, mem);
  std::vector<DemoDma> dmas = build(mem, smmu);
  fmt::print("smmucheck demo: the reference model ({})\n\n", smmu::describe(smmu.features()));
  for (const DemoDma& d : dmas) {
    fmt::print("DMA {}: {}\n", describe(d.txn), d.what);
    TracePrinter trace(stdout);
    Outcome o = smmu.translate(d.txn, quiet ? nullptr : &trace);
    fmt::print("  => {}\n\n", format_outcome(o));
  }
  return 0;
}

}  // namespace smmu::harness
