#include "reference/stage2.h"

#include "reference/vmsa.h"

namespace smmu::ref {

namespace {

// Stage-2 permissions of a leaf descriptor (Arm ARM D8.4: S2AP, XN[1:0]; XN[0] only with FEAT_XNX).
Permissions s2_permissions(uint64_t desc, bool priv, const Features& f) {
  unsigned s2ap = static_cast<unsigned>(s2desc::S2AP.get(desc));
  unsigned xn = static_cast<unsigned>(s2desc::XN.get(desc));
  Permissions p;
  p.read = s2ap & 1;
  p.write = s2ap & 2;
  if (!f.xnx) {
    p.exec = !(xn & 2);
  } else {
    // §13.4.3: PRIV is used for stage-2 permissions only with XNX. 00 both, 01 not EL1, 10 none, 11 not EL0.
    switch (xn) {
      case 0: p.exec = true; break;
      case 1: p.exec = !priv; break;
      case 2: p.exec = false; break;
      case 3: p.exec = priv; break;
    }
  }
  return p;
}

}  // namespace

Result<S2Result> walk_stage2(const Ctx& ctx, const Ste& st, uint64_t ipa, const S2Access& acc) {
  const Features& f = ctx.f;
  auto fault = [&](EventType type, uint64_t fetch = 0) {
    WalkFault wf{.type = type, .s2 = true, .cls = acc.cls, .ipa = ipa, .fetch_addr = fetch};
    return walk_fault_outcome(ctx, wf);
  };
  const unsigned granule = *decode_tg0(static_cast<unsigned>(st[ste::S2TG]));  // checked by ste_illegal
  const unsigned ia = 64 - static_cast<unsigned>(st[ste::S2T0SZ]);
  const int start = *s2_start_level(granule, static_cast<unsigned>(st[ste::S2SL0]), f);
  const unsigned ps = s2_output_bits(st, f);
  const uint16_t vmid = static_cast<uint16_t>(st[ste::S2VMID]);
  // §3.4 stage 2 check 1: an IPA outside the S2T0SZ range is a stage-2 Translation fault.
  if (ia < 64 && (ipa >> ia) != 0) {
    ctx.note("3.4", "IPA {:#x} is outside the {}-bit stage-2 input range", ipa, ia);
    return fault(EventType::F_TRANSLATION);
  }
  // The start level resolves IPA[ia-1:level_shift(start)]; more than one stride's worth of bits means
  // concatenated tables, indexed by the same bits (Arm ARM D8.2). The base is aligned to the whole.
  const unsigned start_bits = ia - level_shift(granule, start);
  uint64_t table_size = uint64_t{8} << start_bits;
  if (ps >= 52 && table_size < 64) table_size = 64;
  uint64_t table = s2ttb_address(st, f) & ~(table_size - 1);
  ctx.note("5.2", "stage 2: {}KB granule, IAS {} bits, start level {}{}, S2TTB {:#x}, VMID {}",
           1u << (granule - 10), ia, start,
           start_bits > stride(granule) ? fmt::format(" ({} concatenated tables)", 1u << (start_bits - stride(granule))) : "",
           table, vmid);
  for (int level = start;; ++level) {
    const unsigned lo = level_shift(granule, level);
    const unsigned bits = level == start ? start_bits : stride(granule);
    const uint64_t index = (ipa >> lo) & ((uint64_t{1} << bits) - 1);
    const uint64_t desc_pa = table + index * 8;
    std::optional<uint64_t> d = ctx.mem.read(desc_pa, 8);
    const bool valid = d && s2desc::Valid.get(*d);
    const bool table_desc = valid && level < 3 && s2desc::Type.get(*d);
    ctx.report(desc_pa, d,
               TableRead{.role = TableRole::S2Desc, .sid = ctx.txn.sid, .ssid = ctx.txn.ssid, .level = level,
                         .leaf = !table_desc, .range_base = ipa & ~((uint64_t{1} << lo) - 1),
                         .range_size = uint64_t{1} << lo, .ia = ipa, .vmid = vmid, .nested = acc.nested,
                         .structure_fetch = acc.cls == FaultClass::CD});
    if (!d) {
      ctx.note("7.3.12", "external abort reading the level-{} stage-2 descriptor at {:#x}", level, desc_pa);
      return fault(EventType::F_WALK_EABT, desc_pa);
    }
    ctx.note("ArmARM D8.3", "S2 L{} [{}] @ {:#x} = {:#018x}", level, index, desc_pa, *d);
    if (!valid) return fault(EventType::F_TRANSLATION);
    const uint64_t addr = descriptor_address(*d, granule, f.oas_bits());
    if (table_desc) {
      if (addr >> ps) {
        ctx.note("3.4", "next-level table {:#x} is beyond the {}-bit S2PS", addr, ps);
        return fault(EventType::F_ADDR_SIZE);
      }
      table = addr;
      continue;
    }
    if (level == 3 ? !s2desc::Type.get(*d) : !block_allowed(granule, level, f)) {
      ctx.note("ArmARM D8.3", "a {} descriptor is not permitted at level {}", level == 3 ? "reserved" : "block", level);
      return fault(EventType::F_TRANSLATION);
    }
    const uint64_t block_mask = (uint64_t{1} << lo) - 1;
    const uint64_t oa_base = addr & ~block_mask;
    if (oa_base >> ps) {
      ctx.note("3.4", "output address {:#x} is beyond the {}-bit S2PS", oa_base, ps);
      return fault(EventType::F_ADDR_SIZE);
    }
    if (!s2desc::AF.get(*d) && !st[ste::S2AFFD]) {
      ctx.note("ArmARM D8.5", "AF == 0 and STE.S2AFFD == 0");
      return fault(EventType::F_ACCESS);
    }
    S2Result r;
    r.pa = oa_base | (ipa & block_mask);
    r.perms = s2_permissions(*d, acc.priv, f);
    r.memattr = static_cast<uint8_t>(s2desc::MemAttr.get(*d));
    r.sh = static_cast<uint8_t>(s2desc::SH.get(*d));
    bool allowed = acc.instr ? r.perms.exec : acc.read ? r.perms.read : r.perms.write;
    // §5.2 S2PTW: with S2PTW = 1 a CD fetch or stage-1 walk that lands on Device memory faults.
    if (allowed && acc.cls != FaultClass::IN && st[ste::S2PTW] && (r.memattr >> 2) == 0) {
      ctx.note("5.2", "STE.S2PTW == 1 and the table lies in stage-2 Device memory");
      allowed = false;
    }
    if (!allowed) {
      ctx.note("ArmARM D8.4", "stage-2 F_PERMISSION (S2AP={:#b} XN={:#b}) for the {}", s2desc::S2AP.get(*d),
               s2desc::XN.get(*d), acc.instr ? "instruction fetch" : acc.read ? "read" : "write");
      return fault(EventType::F_PERMISSION);
    }
    ctx.note("ArmARM D8.3", "stage 2: IPA {:#x} -> PA {:#x}", ipa, r.pa);
    return r;
  }
}

}  // namespace smmu::ref
