// The two translation stages with the IOTLB and the walk cache: stage 1 (§3.4 input checks, §5.4 TTBx
// selection, TBI, EPDx, E0PD; Arm ARM D8) and stage 2 (§3.4, §5.2 S2*), nested stage-1 walks through
// stage 2 (§3.3.4), and the fault order of §7.3.22 within each stage.
#include "optimized/translation.h"

namespace smmu::opt {

std::optional<uint64_t> Translation::read_desc(uint64_t pa, TableRole role, int level, uint64_t ia, unsigned span,
                                               std::optional<uint64_t> ipa) {
  std::optional<uint64_t> v;
  if ((pa >> f.oas_bits()) == 0) v = m.memory_.read(pa, 8);
  ++m.stats_.table_reads;
  if (obs) {
    TableRead tr;
    tr.role = role;
    tr.pa = pa;
    tr.value = v;
    tr.sid = t.sid;
    tr.level = level;
    tr.range_base = span >= 64 ? 0 : ia & ~low_mask(span);
    tr.range_size = span >= 64 ? 0 : uint64_t{1} << span;
    tr.ipa = ipa;
    if (role == TableRole::S1Desc) {
      tr.ssid = t.ssid;
      if (ste.world != World::El2 && cd) tr.asid = cd->asid;
    }
    if (ste.world == World::NsEl1 && f.s2p) tr.vmid = ste.vmid;
    obs->table_read(tr);
  }
  return v;
}

bool Translation::stage2(uint64_t ipa, uint8_t cls, S2Result& r, uint64_t walk_desc_ipa) {
  const TableConfig& tc = ste.s2tt;
  // The IPA reported for CLASS = TT is the stage-1 descriptor's address; otherwise the IPA translated.
  const uint64_t rec_ipa = cls == kClassTt ? walk_desc_ipa : ipa;
  // §3.4: stage 2 check 1, the IPA against S2T0SZ (capped to the IAS by the STE checks).
  if (ipa >> tc.ia_bits) {
    translation_fault(EventType::F_TRANSLATION, true, cls, rec_ipa);
    return false;
  }
  const uint16_t key_vmid = m.tlb_vmid(ste.vmid);
  const uint32_t ctx = table_context(tc);
  const TlbData* hit = use_tlb ? m.tlb_.lookup(TlbKind::Ipa, World::NsEl1, key_vmid, false, 0, ipa, ctx) : nullptr;
  // A cached translation that does not permit a fetch's read is walked again (it may be stale).
  if (hit && cls != kClassIn && !(hit->flags() & TlbData::kFault) &&
      !stage2_perms(unpack_s2_desc(hit->s2), f.xnx, priv).r)
    hit = nullptr;
  if (hit && (hit->flags() & TlbData::kFault)) {  // fault injection only: a cached translation fault
    translation_fault(EventType::F_TRANSLATION, true, cls, rec_ipa);
    return false;
  }
  if (hit) {
    ++m.stats_.tlb_hits;
    r.desc = unpack_s2_desc(hit->s2);
    r.size_log2 = hit->size_log2();
    r.pa = hit->oa | (ipa & low_mask(r.size_log2));
    r.from_tlb = true;
  } else {
    ++m.stats_.tlb_misses;
    int level = tc.start_level;
    uint64_t table = tc.ttb;
    for (int l = 3; l > tc.start_level; --l) {  // the deepest table the walk cache holds for this IPA
      if (const WalkCacheData* d =
              m.walk_cache_.find(WalkCache::tag(true, World::NsEl1, tc.granule, l, key_vmid, 0, ctx), ipa, ctx)) {
        ++m.stats_.walk_cache_hits;
        level = l;
        table = d->table;
        break;
      }
    }
    uint64_t abort_pa = 0;
    const WalkResult w = walk_table(
        tc, ipa, level, table, 0, false,
        [&](int lv, uint64_t pa) {
          std::optional<uint64_t> v =
              read_desc(pa, TableRole::S2Desc, lv, ipa, WalkCache::span_log2(tc.granule, lv + 1), std::nullopt);
          if (!v) abort_pa = pa;
          return v;
        },
        [&](int next_level, uint64_t next, unsigned) {
          m.walk_cache_.insert(WalkCache::tag(true, World::NsEl1, tc.granule, next_level, key_vmid, 0, ctx), ipa, ctx,
                               WalkCacheData{next, ste.vmid, 0});
        },
        [](int, uint64_t, uint64_t, bool) {});
    switch (w.stop) {
      case WalkStop::Fetch: walk_eabt(true, cls, abort_pa); return false;
      case WalkStop::Translation:
        m.cache_fault(TlbKind::Ipa, World::NsEl1, key_vmid, ste.vmid, 0, ipa, tc.granule, ctx);
        translation_fault(EventType::F_TRANSLATION, true, cls, rec_ipa);
        return false;
      case WalkStop::AddrSize: translation_fault(EventType::F_ADDR_SIZE, true, cls, rec_ipa); return false;
      case WalkStop::None: break;
    }
    r.desc = w.leaf.desc;
    r.size_log2 = w.leaf.size_log2;
    r.pa = w.leaf.oa | (ipa & low_mask(r.size_log2));
    // AF == 0 is an Access flag fault unless S2AFFD (§5.2); such a descriptor is never cached (§3.21.1).
    if (!s2desc::AF.get(r.desc)) {
      if (!ste.s2affd) {
        translation_fault(EventType::F_ACCESS, true, cls, rec_ipa);
        return false;
      }
    } else if (cls != kClassIn) {
      // Entries for the final IPA are inserted by the caller once the whole translation succeeds; the
      // stage-2 translations of CD and table fetches are inserted here when they permit the read.
      const S2Perms p = stage2_perms(r.desc, f.xnx, priv);
      if (p.r) m.insert_s2(ipa, key_vmid, ste.vmid, w.leaf.oa, r.desc, r.size_log2, ctx);
      r.from_tlb = false;
    }
  }
  if (cls == kClassIn) return true;
  // A CD or stage-1 descriptor fetch is a data read: it needs S2 read permission, and with S2PTW a Device
  // page is a stage-2 Permission fault (§5.2 S2PTW; §7.3.16 TTRnW = 1, a read).
  const S2Perms p = stage2_perms(r.desc, f.xnx, priv);
  if (!p.r || (ste.s2ptw && decode_s2_memattr(static_cast<unsigned>(s2desc::MemAttr.get(r.desc))).device)) {
    translation_fault(EventType::F_PERMISSION, true, cls, rec_ipa, true);
    return false;
  }
  return true;
}

bool Translation::stage1(const CdConfig& c, S1Result& r) {
  const uint64_t va = t.addr;
  // §5.4, §3.4.1: TTB0 or TTB1 by VA[55] (any-EL2 has only TTB0); the range check covers VA[top:IAS]
  // with top = 55 under TBI (whose VA[63:56] are then a sign extension of VA[55]).
  const bool el2 = ste.world == World::El2;
  const int tt = el2 ? 0 : static_cast<int>((va >> 55) & 1);
  const bool tbi = c.tbi[tt];
  const uint64_t eff_va = tbi ? (tt ? va | 0xFF00'0000'0000'0000ull : va & 0x00FF'FFFF'FFFF'FFFFull) : va;
  if (!c.tt_enabled[tt]) {  // §5.4.1.1: EPDx == 1, a TLB miss through TTBx is a Translation fault
    translation_fault(EventType::F_TRANSLATION, false, kClassIn, 0);
    return false;
  }
  const TableConfig& tc = c.tt[tt];
  const uint64_t upper = eff_va >> tc.ia_bits;
  if (upper != (tt ? low_mask(64 - tc.ia_bits) : 0) || (el2 && ((va >> 55) & 1))) {
    translation_fault(EventType::F_TRANSLATION, false, kClassIn, 0);
    return false;
  }
  if (c.e0pd[tt] && !priv) {  // §5.4 E0PDx: an unprivileged access is a Translation fault
    translation_fault(EventType::F_TRANSLATION, false, kClassIn, 0);
    return false;
  }
  r.tt = tt;
  r.eff_va = eff_va;
  const bool asid_tagged = !el2;
  const World w = ste.world;
  const uint16_t key_vmid = w == World::NsEl1 ? m.tlb_vmid(ste.vmid) : 0;
  const uint32_t ctx = table_context(tc, ste.s2 ? &ste.s2tt : nullptr);
  r.ctx = ctx;
  const TlbData* hit = use_tlb ? m.tlb_.lookup(TlbKind::Va, w, key_vmid, asid_tagged, c.asid, eff_va, ctx) : nullptr;
  if (hit && (hit->flags() & TlbData::kFault)) {
    translation_fault(EventType::F_TRANSLATION, false, kClassIn, 0);
    return false;
  }
  if (hit) {
    ++m.stats_.tlb_hits;
    r.desc = unpack_s1_desc(hit->s1) | (1u << 10);
    r.table_bits = unpack_s1_table(hit->s1);
    r.size_log2 = hit->size_log2();
    r.oa = hit->oa | (eff_va & low_mask(r.size_log2));
    r.from_tlb = true;
    if (hit->flags() & TlbData::kHasS2) {
      // A combined nested entry: oa is the final PA; the stage-2 leaf bits come with it.
      r.s2_desc = unpack_s2_desc(hit->s2) | (1u << 10);
      r.s2_size_log2 = r.size_log2;
      r.combined = true;
    }
    return true;
  }
  ++m.stats_.tlb_misses;
  int level = tc.start_level;
  uint64_t table = tc.ttb;
  unsigned bits = 0;
  const uint16_t asid = asid_tagged ? c.asid : 0;
  for (int l = 3; l > tc.start_level; --l) {
    if (const WalkCacheData* d =
            m.walk_cache_.find(WalkCache::tag(false, w, tc.granule, l, key_vmid, asid, ctx), eff_va, ctx)) {
      ++m.stats_.walk_cache_hits;
      level = l;
      table = d->table;
      bits = d->table_bits;
      break;
    }
  }
  uint64_t abort_pa = 0;
  bool stopped = false;  // a stage-2 fault on a descriptor fetch, already recorded
  const WalkResult wr = walk_table(
      tc, eff_va, level, table, bits, true,
      [&](int lv, uint64_t addr) -> std::optional<uint64_t> {
        uint64_t pa = addr;
        std::optional<uint64_t> ipa;
        if (ste.s2) {
          S2Result s2;
          if (!stage2(addr, kClassTt, s2, addr)) {
            stopped = true;
            return std::nullopt;
          }
          pa = s2.pa;
          ipa = addr;
        }
        std::optional<uint64_t> v =
            read_desc(pa, TableRole::S1Desc, lv, eff_va, WalkCache::span_log2(tc.granule, lv + 1), ipa);
        if (!v) abort_pa = pa;
        return v;
      },
      [&](int next_level, uint64_t next, unsigned b) {
        m.walk_cache_.insert(WalkCache::tag(false, w, tc.granule, next_level, key_vmid, asid, ctx), eff_va, ctx,
                             WalkCacheData{next, ste.vmid, static_cast<uint8_t>(b)});
      },
      [](int, uint64_t, uint64_t, bool) {});
  switch (wr.stop) {
    case WalkStop::Fetch:
      if (!stopped) walk_eabt(false, kClassTt, abort_pa);
      return false;
    case WalkStop::Translation:
      m.cache_fault(TlbKind::Va, w, key_vmid, ste.vmid, asid, eff_va, tc.granule, ctx);
      translation_fault(EventType::F_TRANSLATION, false, kClassIn, 0);
      return false;
    case WalkStop::AddrSize: translation_fault(EventType::F_ADDR_SIZE, false, kClassIn, 0); return false;
    case WalkStop::None: break;
  }
  r.desc = wr.leaf.desc;
  r.table_bits = wr.leaf.table_bits;
  r.size_log2 = wr.leaf.size_log2;
  r.oa = wr.leaf.oa | (eff_va & low_mask(r.size_log2));
  r.global = !s1desc::nG.get(r.desc);
  if (!s1desc::AF.get(r.desc) && !c.affd) {  // §5.4 AFFD; never cached (§3.21.1)
    translation_fault(EventType::F_ACCESS, false, kClassIn, 0);
    return false;
  }
  r.cacheable = s1desc::AF.get(r.desc);
  return true;
}

}  // namespace smmu::opt
