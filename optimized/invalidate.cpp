// Cache maintenance: insertion into the IOTLB, and the scope of every CFGI_* and TLBI_* command (§4.3,
// §4.4) applied to the configuration cache, the IOTLB and the walk cache. A scope may invalidate more
// than the spec requires (over-invalidation is always permitted, §4.3, §4.4), never less.
#include "optimized/smmu.h"
#include "optimized/walk.h"

namespace smmu::opt {

uint16_t OptimizedSmmu::tlb_vmid(uint16_t vmid) const {
#if SMMUCHECK_FAULT_INJECTION
  if (inject_.drop_vmid_tag) return 0;
#endif
  return vmid;
}

void OptimizedSmmu::insert_tlb(TlbKind kind, World w, uint16_t key_vmid, bool global, uint16_t asid, uint64_t ia,
                               uint32_t ctx, const TlbData& d) {
  ++stats_.tlb_inserts;
  if (tlb_.insert(kind, w, key_vmid, global, asid, ia, d.size_log2(), ctx, d)) ++stats_.tlb_evictions;
}

void OptimizedSmmu::insert_s2(uint64_t ipa, uint16_t key_vmid, uint16_t vmid, uint64_t oa, uint64_t desc,
                              unsigned size_log2, uint32_t ctx) {
  TlbData d;
  d.oa = oa;
  d.s2 = pack_s2(desc);
  d.vmid = vmid;
  d.set_size_flags(size_log2, TlbData::kHasS2);
  insert_tlb(TlbKind::Ipa, World::NsEl1, key_vmid, false, 0, ipa, ctx, d);
}

void OptimizedSmmu::cache_fault(TlbKind kind, World w, uint16_t key_vmid, uint16_t vmid, uint16_t asid, uint64_t ia,
                                unsigned granule, uint32_t ctx) {
#if SMMUCHECK_FAULT_INJECTION
  if (!inject_.cache_faults) return;
  TlbData d;
  d.vmid = vmid;
  d.set_size_flags(granule, TlbData::kFault);
  insert_tlb(kind, w, key_vmid, false, asid, ia, ctx, d);
#else
  (void)kind, (void)w, (void)key_vmid, (void)vmid, (void)asid, (void)ia, (void)granule, (void)ctx;
#endif
}

void OptimizedSmmu::flush_all_caches() {
  config_changed();
  config_.clear();
  tlb_.clear();
  walk_cache_.clear();
}

namespace {

bool regime_matches(InvalidationScope::Regime r, World w) {
  using R = InvalidationScope::Regime;
  switch (r) {
    case R::Any: return true;
    case R::NsEl1: return w == World::NsEl1;
    case R::El2: return w == World::El2;
    case R::El2E2H: return w == World::El2E2H;
    case R::AnyEl2: return w == World::El2 || w == World::El2E2H;
  }
  return false;
}

// Whether [base, base + 2^span) overlaps the scope's address range (size 0: every address). A VA range is
// also compared in its canonical form (VA[63:56] a sign extension of VA[55]): TBI may or may not apply to
// the command's VA (§4.4.2), and entries hold canonical VAs.
bool range_matches(const InvalidationScope& s, uint64_t base, unsigned span) {
  if (s.size == 0) return true;
  const uint64_t end = span >= 64 ? ~0ull : base + ((uint64_t{1} << span) - 1);  // inclusive
  auto overlaps = [&](uint64_t a) {
    const uint64_t last = s.size - 1 > ~0ull - a ? ~0ull : a + (s.size - 1);  // the range does not wrap
    return base <= last && a <= end;
  };
  if (overlaps(s.addr)) return true;
  const uint64_t canon = (s.addr >> 55) & 1 ? s.addr | 0xFF00'0000'0000'0000ull : s.addr & 0x00FF'FFFF'FFFF'FFFFull;
  return canon != s.addr && overlaps(canon);
}

// ASID filter: only ASID-tagged regimes have ASIDs; global entries match any ASID (over-invalidating
// global entries for TLBI by ASID alone, which the spec permits).
bool asid_matches(const InvalidationScope& s, World w, bool global, uint16_t asid) {
  if (!s.asid || w == World::El2 || global) return true;
  return asid == *s.asid;
}

}  // namespace

void OptimizedSmmu::invalidate(const InvalidationScope& s) {
  using K = InvalidationScope::Kind;
  config_changed();
  bool keep_one = false;
#if SMMUCHECK_FAULT_INJECTION
  keep_one = inject_.keep_stale_tlb_after_invalidation;
#endif
  switch (s.kind) {
    case K::None: return;
    case K::Ste: config_.invalidate_stes(s.sid, 1); return;  // and the CDs cached through it (§4.3.1)
    case K::SteRange:
#if SMMUCHECK_FAULT_INJECTION
      if (inject_.ignore_cfgi_ste_range) return;
#endif
      config_.invalidate_stes(s.sid, s.sid_count);
      return;
    case K::Cd: config_.invalidate_cd(s.sid, s.ssid.value_or(0)); return;
    case K::CdAll: config_.invalidate_cds(s.sid); return;
    case K::TlbiStage1:
    case K::TlbiStage2:
    case K::TlbiAll: break;
  }
  const bool stage1 = s.kind == K::TlbiStage1, stage2 = s.kind == K::TlbiStage2, all = s.kind == K::TlbiAll;
  tlb_.invalidate(
      [&](uint64_t tag, uint64_t base, const TlbData& d) {
        const TlbKind kind = Tlb::tag_kind(tag);
        const World w = Tlb::tag_world(tag);
        if (stage1 && kind != TlbKind::Va) return false;
        if (stage2 && kind != TlbKind::Ipa) return false;
        if (all ? w != World::NsEl1 : !regime_matches(stage2 ? InvalidationScope::Regime::NsEl1 : s.regime, w))
          return false;
        if (s.vmid && d.vmid != *s.vmid) return false;
        if (!asid_matches(s, w, Tlb::tag_global(tag), Tlb::tag_asid(tag))) return false;
        return range_matches(s, base, Tlb::tag_size(tag));
      },
      keep_one);
  // Walk caches: every table entry of the regime (and VMID, ASID) on the way to a covered address, for
  // Leaf = 1 as well as Leaf = 0.
  walk_cache_.invalidate([&](uint64_t tag, uint64_t base, unsigned span, const WalkCacheData& d) {
    const bool s2_entry = WalkCache::tag_stage2(tag);
    const World w = WalkCache::tag_world(tag);
    if (stage1 && s2_entry) return false;
    if (stage2 && !s2_entry) return false;
    if (all ? w != World::NsEl1 : !regime_matches(stage2 ? InvalidationScope::Regime::NsEl1 : s.regime, w))
      return false;
    if (s.vmid && d.vmid != *s.vmid) return false;
    if (!s2_entry && !asid_matches(s, w, false, WalkCache::tag_asid(tag))) return false;
    return range_matches(s, base, span);
  });
}

}  // namespace smmu::opt
