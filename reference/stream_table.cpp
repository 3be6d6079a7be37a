#include "reference/stream_table.h"

#include <algorithm>

#include "reference/events.h"

namespace smmu::ref {

namespace {

// §7.3.3: an invalid StreamID is aborted; the event is recorded only when CR2.RECINVSID = 1.
Outcome bad_streamid(const Ctx& ctx) {
  bool record = regf::CR2_RECINVSID.get(ctx.regs.cr2);
  ctx.note("6.3.12", "CR2.RECINVSID={}: C_BAD_STREAMID is {}", int(record), record ? "recorded" : "not recorded");
  return abort_with(ctx, event_for(EventType::C_BAD_STREAMID, ctx.txn), record);
}

Outcome ste_fetch_abort(const Ctx& ctx, uint64_t pa) {
  EventRecord r = event_for(EventType::F_STE_FETCH, ctx.txn);
  r.set(event::FetchAddr, pa >> 3);
  return abort_with(ctx, r);
}

bool beyond_oas(const Ctx& ctx, uint64_t pa) { return ctx.f.oas_bits() < 64 && (pa >> ctx.f.oas_bits()) != 0; }

// Fetches the 64-byte STE at `pa`. An abort on any qword is F_STE_FETCH at the first aborted qword
// (specs/unpredictable.def STE_FETCH_ABORT_ADDR).
Result<Ste> read_ste(const Ctx& ctx, uint64_t pa) {
  if (beyond_oas(ctx, pa)) {
    ctx.note("3.4.3", "STE address {:#x} is beyond the OAS: F_STE_FETCH (STE_FETCH_ADDR_OOR)", pa);
    return ste_fetch_abort(ctx, pa);
  }
  Ste st;
  std::optional<uint64_t> aborted, w[ste::kQwords];
  for (unsigned i = 0; i < ste::kQwords; ++i) {
    w[i] = ctx.mem.read(pa + 8 * i, 8);
    if (!w[i] && !aborted) aborted = pa + 8 * i;
    st.q[i] = w[i].value_or(0);
  }
  // Each qword is reported with the STE's S2VMID, the tag of the TLB entries its stage-2 fields go into.
  for (unsigned i = 0; i < ste::kQwords; ++i)
    ctx.report(pa + 8 * i, w[i], {.role = TableRole::Ste, .sid = ctx.txn.sid, .index = i,
                                  .vmid = static_cast<uint16_t>(ste::S2VMID.get(st.q))});
  if (aborted) {
    ctx.note("7.3.4", "external abort reading the STE at {:#x}", *aborted);
    return ste_fetch_abort(ctx, *aborted);
  }
  return st;
}

}  // namespace

Result<Ste> fetch_ste(const Ctx& ctx) {
  const uint32_t sid = ctx.txn.sid;
  const uint32_t cfg = ctx.regs.strtab_base_cfg;
  const unsigned log2size_field = regf::STRTAB_BASE_CFG_LOG2SIZE.get(cfg);
  // §6.3.25: the table covers 2^MIN(LOG2SIZE, IDR1.SIDSIZE) StreamIDs.
  const unsigned log2size = std::min<unsigned>(log2size_field, ctx.f.sidsize);
  if (log2size < 32 && (uint64_t{sid} >> log2size) != 0) {
    ctx.note("6.3.25", "StreamID {:#x} >= 2^{} (STRTAB_BASE_CFG.LOG2SIZE, IDR1.SIDSIZE)", sid, log2size);
    return bad_streamid(ctx);
  }
  uint64_t base = regf::STRTAB_BASE_ADDR.in_place(ctx.regs.strtab_base);
  // §6.3.25: FMT 0b10 and 0b11 are reserved and behave as linear; FMT is RES0 without 2-level support.
  const bool two_level = ctx.f.st_level >= 1 && regf::STRTAB_BASE_CFG_FMT.get(cfg) == 1;
  if (!two_level) {
    // §6.3.24: a linear table is aligned to its size; ADDR[LOG2SIZE+5:0] are treated as zero.
    base &= ~((uint64_t{64} << log2size_field) - 1);
    uint64_t pa = base + uint64_t{sid} * 64;
    ctx.note("3.3.2", "linear stream table at {:#x}: STE of StreamID {:#x} at {:#x}", base, sid, pa);
    return read_ste(ctx, pa);
  }
  // §6.3.25: SPLIT is 6, 8 or 10; any other value behaves as 6.
  unsigned split = regf::STRTAB_BASE_CFG_SPLIT.get(cfg);
  if (split != 6 && split != 8 && split != 10) split = 6;
  // §6.3.24: the L1 table is aligned to its size: ADDR[MAX(5, LOG2SIZE-SPLIT+2):0] are treated as zero.
  unsigned align = std::max<int>(5, int(log2size_field) - int(split) + 2);
  base &= ~((uint64_t{2} << align) - 1);
  uint64_t l1_index = log2size > split ? (uint64_t{sid} >> split) : 0;
  uint64_t l1_pa = base + l1_index * 8;
  ctx.note("3.3.2", "2-level stream table at {:#x}, SPLIT={}: L1STD[{}] at {:#x}", base, split, l1_index, l1_pa);
  if (beyond_oas(ctx, l1_pa)) return ste_fetch_abort(ctx, l1_pa);
  // The StreamIDs this L1STD locates (range_base, range_size): its cached copy is one for all of them (§4.3.1).
  std::optional<uint64_t> l1 = ctx.read_word(l1_pa, TableRead{.role = TableRole::L1Std, .sid = sid,
                                                              .range_base = l1_index << split,
                                                              .range_size = uint64_t{1} << split});
  if (!l1) {
    ctx.note("7.3.4", "external abort reading the L1STD at {:#x}", l1_pa);
    return ste_fetch_abort(ctx, l1_pa);
  }
  const unsigned span = l1std::Span.get(*l1);
  // §5.1: Span 0 is invalid, 12..31 are reserved and behave as 0; §7.3.3: Span > SPLIT+1 is out of range.
  if (span == 0 || span > 11 || span > split + 1) {
    ctx.note("5.1", "L1STD.Span={} is invalid (SPLIT={})", span, split);
    return bad_streamid(ctx);
  }
  const uint64_t l2_index = sid & ((1u << split) - 1);
  if (l2_index >= (uint64_t{1} << (span - 1))) {
    ctx.note("5.1.1", "StreamID[{}:0]={:#x} is beyond the 2^{} STEs of the L2 array", split - 1, l2_index, span - 1);
    return bad_streamid(ctx);
  }
  // §5.1: L2Ptr[5+(Span-1):0] are treated as zero (the L2 array is aligned to its size).
  uint64_t l2_base = l1std::L2Ptr.in_place(*l1) & ~((uint64_t{64} << (span - 1)) - 1);
  uint64_t pa = l2_base + l2_index * 64;
  ctx.note("5.1", "L1STD Span={} L2Ptr={:#x}: STE at {:#x}", span, l2_base, pa);
  return read_ste(ctx, pa);
}

}  // namespace smmu::ref
