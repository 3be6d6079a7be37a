#include "reference/stage1.h"

#include "reference/events.h"
#include "reference/vmsa.h"

namespace smmu::ref {

namespace {

// The translation table that serves an address (§3.4.1, §5.4): TTB0 or TTB1 and their controls.
struct Region {
  bool ttb1 = false;
  unsigned tsz = 0;
  unsigned granule = 12;
  uint64_t ttb = 0;
  bool tbi = false, epd = false, had = false, e0pd = false;
};

// Hierarchical controls collected from table descriptors (Arm ARM D8.4.1.2).
struct TableControls {
  bool no_unpriv = false;  // APTable[0]
  bool read_only = false;  // APTable[1]
  bool uxn = false;        // UXNTable (XNTable at EL2)
  bool pxn = false;        // PXNTable
};

Region select_region(const Cd& c, StreamWorld w, uint64_t va, const Features& f) {
  // EL2 has a single VA range through TTB0 (§5.4.1); elsewhere VA[55] selects TTB0 or TTB1.
  Region r;
  r.ttb1 = w != StreamWorld::El2 && ((va >> 55) & 1);
  if (!r.ttb1) {
    r.tsz = static_cast<unsigned>(c[cd::T0SZ]);
    r.granule = decode_tg0(static_cast<unsigned>(c[cd::TG0])).value_or(12);
    r.ttb = ttb_address(c, cd::TTB0, f);
    r.tbi = c[cd::TBI0];
    r.epd = effective_epd0(c, w);
    r.had = f.had && c[cd::HAD0];
    r.e0pd = f.e0pd && w != StreamWorld::El2 && c[cd::E0PD0];  // §5.4: RES0 for the any-EL2 StreamWorld
  } else {
    r.tsz = static_cast<unsigned>(c[cd::T1SZ]);
    r.granule = decode_tg1(static_cast<unsigned>(c[cd::TG1])).value_or(12);
    r.ttb = ttb_address(c, cd::TTB1, f);
    r.tbi = c[cd::TBI1];
    r.epd = effective_epd1(c, w);
    r.had = f.had && c[cd::HAD1];
    r.e0pd = f.e0pd && c[cd::E0PD1];
  }
  return r;
}

// Stage-1 direct permissions of a leaf (Arm ARM D8.4; §13.4.1): EL1&0 and EL2-E2H use AP[1] for
// unprivileged access; EL2 ignores AP[1] and PRIV and has a single XN bit.
Permissions s1_permissions(uint64_t desc, const TableControls& tc, const Cd& c, StreamWorld w, bool priv) {
  const unsigned ap = static_cast<unsigned>(s1desc::AP.get(desc));
  const bool read_only = (ap & 2) || tc.read_only;
  Permissions p;
  if (w == StreamWorld::El2) {
    p.read = true;
    p.write = !read_only;
    p.exec = !s1desc::UXN.get(desc) && !tc.uxn;
  } else {
    const bool el0 = (ap & 1) && !tc.no_unpriv;
    const bool unpriv_write = el0 && !read_only;
    if (priv) {
      p.read = true;
      p.write = !read_only;
      // A region writable at EL0 is never executable at EL1 (implicit PXN).
      p.exec = !s1desc::PXN.get(desc) && !tc.pxn && !unpriv_write;
    } else {
      p.read = el0;
      p.write = unpriv_write;
      p.exec = !s1desc::UXN.get(desc) && !tc.uxn;
    }
  }
  // WXN (§5.4 CD.WXN): execute is removed where the same privilege level may write (Arm ARM D8.4
  // R_SYMMB, R_FYMXJ; Tables D8-65, D8-66): AP = 0b00 under WXN keeps UnprivExecute. Judged before PAN.
  if (c[cd::WXN] && p.write) p.exec = false;
  // PAN: a privileged data access to memory accessible at EL0 faults (§5.4 CD.PAN); EL2 has no EL0.
  if (w != StreamWorld::El2 && priv && c[cd::PAN] && (ap & 1) && !tc.no_unpriv) p.read = p.write = false;
  return p;
}

}  // namespace

Result<S1Result> walk_stage1(const Ctx& ctx, const Ste& st, const Cd& c, uint32_t cd_index, StreamWorld world,
                             const ToPa& to_pa) {
  const Features& f = ctx.f;
  const uint64_t va = ctx.txn.addr;
  auto fault = [&](EventType type, uint64_t fetch = 0) {
    WalkFault wf{.type = type, .s2 = false, .cls = type == EventType::F_WALK_EABT ? FaultClass::TT : FaultClass::IN,
                 .fetch_addr = fetch};
    return walk_fault_outcome(ctx, wf);
  };
  const Region r = select_region(c, world, va, f);
  ctx.note("3.4.1", "VA {:#x} selects TTB{} ({}KB granule, TBI={})", va, int(r.ttb1), 1u << (r.granule - 10),
           int(r.tbi));
  // §5.4.1.1: a disabled TTBx faults before its (IGNORED) TxSZ is looked at.
  if (r.epd) {
    ctx.note("5.4.1.1", "EPD{} == 1: translation through TTB{} is disabled", int(r.ttb1), int(r.ttb1));
    return fault(EventType::F_TRANSLATION);
  }
  const unsigned ia = 64 - r.tsz;
  // §3.4.1: the VA is in range only if VA[AddrTop:N-1] are identical, AddrTop = 55 with TBI, else 63, where
  // N = ia + 1 counts the sign bit (§3.4 example: two 48-bit TTBs, a 49-bit range, check VA[63:48]). So
  // VA[AddrTop:ia] must be zero for TTB0 and ones for TTB1 (Arm ARM: TTBR0 covers [0, 2^ia)).
  const unsigned top = r.tbi ? 55 : 63;
  const uint64_t all_ones = (uint64_t{2} << (top - ia)) - 1;
  const uint64_t upper = (va >> ia) & all_ones;
  const bool in_range = r.ttb1 ? upper == all_ones : upper == 0;
  if (!in_range) {
    ctx.note("3.4.1", "VA[{}:{}] are not a sign extension of the {}-bit TTB{} range (T{}SZ={})", top, ia, ia,
             int(r.ttb1), int(r.ttb1), r.tsz);
    return fault(EventType::F_TRANSLATION);
  }
  if (r.e0pd && !ctx.txn.priv) {
    ctx.note("5.4", "E0PD{} == 1 and the access is unprivileged", int(r.ttb1));
    return fault(EventType::F_TRANSLATION);
  }
  const unsigned g = r.granule;
  const unsigned ps = cd_output_bits(c, f);
  const int start = s1_start_level(g, ia);
  const unsigned start_bits = ia - level_shift(g, start);
  uint64_t table_size = uint64_t{8} << start_bits;
  if (ps >= 52 && table_size < 64) table_size = 64;
  uint64_t table = r.ttb & ~(table_size - 1);
  // With TBI the top byte takes no part in translation: it reads as a sign extension of VA[55].
  const uint64_t va_eff = r.tbi ? (va & ((uint64_t{1} << 56) - 1)) | (((va >> 55) & 1) ? 0xFF00000000000000ull : 0)
                                : va;
  const bool asid_tagged = world != StreamWorld::El2;
  const bool vmid_tagged = world == StreamWorld::NsEl1 && f.s2p;
  const uint16_t asid = static_cast<uint16_t>(c[cd::ASID]);
  const uint16_t vmid = static_cast<uint16_t>(st[ste::S2VMID]);
  ctx.note("5.4", "stage 1: {} regime, IA {} bits, start level {}, table {:#x}, IPS {} bits{}", stream_world_name(world),
           ia, start, table, ps, asid_tagged ? fmt::format(", ASID {}", asid) : "");
  TableControls tc;
  for (int level = start;; ++level) {
    const unsigned lo = level_shift(g, level);
    const unsigned bits = level == start ? start_bits : stride(g);
    const uint64_t index = (va >> lo) & ((uint64_t{1} << bits) - 1);
    const uint64_t desc_addr = table + index * 8;
    Result<uint64_t> desc_pa = to_pa(desc_addr, false);
    if (!desc_pa.ok()) return desc_pa.outcome();
    std::optional<uint64_t> d = ctx.mem.read(desc_pa.value(), 8);
    const bool valid = d && s1desc::Valid.get(*d);
    const bool table_desc = valid && level < 3 && s1desc::Type.get(*d);
    TableRead meta{.role = TableRole::S1Desc, .sid = ctx.txn.sid, .ssid = cd_index, .level = level,
                   .leaf = !table_desc, .range_base = va_eff & ~((uint64_t{1} << lo) - 1),
                   .range_size = uint64_t{1} << lo, .ia = va_eff};
    meta.regime = world == StreamWorld::NsEl1 ? Regime::NsEl1 : world == StreamWorld::El2 ? Regime::El2 : Regime::El2E2H;
    if (asid_tagged) meta.asid = asid;
    if (vmid_tagged) meta.vmid = vmid;
    if (st.s2_enabled()) meta.ipa = desc_addr;
    ctx.report(desc_pa.value(), d, meta);
    if (!d) {
      ctx.note("7.3.12", "external abort reading the level-{} stage-1 descriptor at {:#x}", level, desc_pa.value());
      return fault(EventType::F_WALK_EABT, desc_pa.value());
    }
    ctx.note("ArmARM D8.3", "S1 L{} [{}] @ {:#x} = {:#018x}", level, index, desc_addr, *d);
    if (!valid) return fault(EventType::F_TRANSLATION);
    const uint64_t addr = descriptor_address(*d, g, f.oas_bits());
    if (table_desc) {
      if (addr >> ps) {
        ctx.note("3.4", "next-level table {:#x} is beyond the {}-bit IPS", addr, ps);
        return fault(EventType::F_ADDR_SIZE);
      }
      if (!r.had) {  // §5.4 HADx: hierarchical attributes are ignored when disabled
        const unsigned apt = static_cast<unsigned>(s1desc::APTable.get(*d));
        tc.no_unpriv |= world != StreamWorld::El2 && (apt & 1);
        tc.read_only |= (apt & 2) != 0;
        tc.uxn |= s1desc::UXNTable.get(*d) != 0;
        tc.pxn |= world != StreamWorld::El2 && s1desc::PXNTable.get(*d);
      }
      table = addr;
      continue;
    }
    if (level == 3 ? !s1desc::Type.get(*d) : !block_allowed(g, level, f)) {
      ctx.note("ArmARM D8.3", "a {} descriptor is not permitted at level {}", level == 3 ? "reserved" : "block", level);
      return fault(EventType::F_TRANSLATION);
    }
    const uint64_t block_mask = (uint64_t{1} << lo) - 1;
    const uint64_t oa_base = addr & ~block_mask;
    if (oa_base >> ps) {
      ctx.note("3.4", "output address {:#x} is beyond the {}-bit IPS", oa_base, ps);
      return fault(EventType::F_ADDR_SIZE);
    }
    if (!s1desc::AF.get(*d) && !c[cd::AFFD]) {
      ctx.note("ArmARM D8.5", "AF == 0 and CD.AFFD == 0");
      return fault(EventType::F_ACCESS);
    }
    S1Result res;
    res.oa = oa_base | (va & block_mask);
    res.perms = s1_permissions(*d, tc, c, world, ctx.txn.priv);
    const uint64_t mair = c[cd::MAIR0] | (c[cd::MAIR1] << 32);  // {MAIR1, MAIR0} (§5.4)
    res.mair = static_cast<uint8_t>(mair >> (8 * s1desc::AttrIndx.get(*d)));
    res.sh = static_cast<uint8_t>(s1desc::SH.get(*d));
    const Transaction& t = ctx.txn;
    const bool allowed = (t.read && t.instr) ? res.perms.exec : t.read ? res.perms.read : res.perms.write;
    if (!allowed) {
      ctx.note("13.4.1", "stage-1 permission AP={:#b} PXN={} UXN={} denies the {} {}", s1desc::AP.get(*d),
               s1desc::PXN.get(*d), s1desc::UXN.get(*d), t.priv ? "privileged" : "unprivileged",
               (t.read && t.instr) ? "instruction fetch" : t.read ? "read" : "write");
      return fault(EventType::F_PERMISSION);
    }
    ctx.note("ArmARM D8.3", "stage 1: VA {:#x} -> {} {:#x}", va, st.s2_enabled() ? "IPA" : "PA", res.oa);
    return res;
  }
}

}  // namespace smmu::ref
