// The batch fast path: a warm IOTLB hit with no observer. It repeats the checks of the translation flow
// that do not depend on the tables (stream configuration, TTBx selection, range, TBI, EPDx, E0PD) from a
// per-stream memo, looks the TLB up and applies the permission and attribute rules; anything else (a miss,
// a fault, a denied access, a configuration it does not cover) falls back to the full flow, which gives
// the architectural result. No allocation, no virtual call, no observer work.
#include "optimized/translation.h"

namespace smmu::opt {

void OptimizedSmmu::build_fast_ctx(const Transaction& t, FastCtx& c) {
  c = FastCtx{};
  c.epoch = epoch_;
  c.sid = t.sid;
  c.ssid = t.ssid ? int64_t{*t.ssid} : -1;
  const Features& f = features_;
  const unsigned log2size = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(regs_.strtab_base_cfg));
  const unsigned eff = log2size < f.sidsize ? log2size : f.sidsize;
  if (eff < 32 && (uint64_t{t.sid} >> eff) != 0) return;
  const SteConfig* ste = config_.find_ste(t.sid);
  if (!ste || ste->kind != SteConfig::Kind::Translate) return;
  // Which CD the transaction uses (the same rules as Translation::run, faults left to the slow path).
  std::optional<uint32_t> index;
  if (t.ssid) {
    if (!ste->s1 || f.ssidsize == 0 || ste->cdmax == 0 || (*t.ssid >> ste->cdmax) != 0) return;
    if (*t.ssid == 0 && ste->s1dss == 2) return;
    index = *t.ssid;
  } else if (ste->s1) {
    if (ste->cdmax == 0 || ste->s1dss == 2) index = 0;
    else if (ste->s1dss == 0) return;
  }
  c.privcfg = ste->privcfg;
  c.instcfg = ste->instcfg;
  c.input = replace_attrs(default_input_attrs(), ste->mtcfg, ste->memattr, ste->alloccfg, ste->shcfg);
  c.ias = static_cast<uint8_t>(f.ias_bits());
  if (ste->s2) {
    c.s2_ia = ste->s2tt.ia_bits;
    c.s2ctx = table_context(ste->s2tt);
  }
  c.world = ste->world;
  c.key_vmid = ste->world == World::NsEl1 ? tlb_vmid(ste->vmid) : 0;
  if (!index) {
    if (ste->s2) c.mode = 2;
    return;
  }
  const CdConfig* cd = config_.find_cd(t.sid, *index);
  if (!cd || cd->illegal) return;
  c.el2 = ste->world == World::El2;
  c.asid_tagged = !c.el2;
  c.asid = c.asid_tagged ? cd->asid : 0;
  c.wxn = cd->wxn;
  c.pan = cd->pan;
  c.mair = cd->mair;
  for (int i = 0; i < 2; ++i) {
    c.tt[i].enabled = cd->tt_enabled[i];
    c.tt[i].tbi = cd->tbi[i];
    c.tt[i].e0pd = cd->e0pd[i];
    c.tt[i].had = cd->had[i];
    c.tt[i].ia_bits = cd->tt[i].ia_bits;
    c.tt[i].ctx = table_context(cd->tt[i], ste->s2 ? &ste->s2tt : nullptr);
  }
  for (unsigned idx = 0; idx < 8; ++idx)
    for (unsigned sh = 0; sh < 4; ++sh) {
      Attrs a = decode_mair(static_cast<unsigned>((cd->mair >> (8 * idx)) & 0xFF));
      a.sh = static_cast<uint8_t>(sh);
      encode_attrs(stage1_attrs(c.input, a), c.s1_out[idx][sh]);
    }
  c.mode = ste->s2 ? 3 : 1;
}

namespace {
uint64_t memo_stream(const Transaction& t) {
  return uint64_t{t.sid} | (uint64_t(t.ssid ? *t.ssid + 1 : 0) << 32) | (uint64_t{t.priv} << 63) | (uint64_t{1} << 62);
}
size_t memo_index(uint64_t stream, uint64_t page, unsigned log2) {
  uint64_t h = (page ^ (stream * 0x9E37'79B9'7F4A'7C15ull)) * 0xBF58'476D'1CE4'E5B9ull;
  return static_cast<size_t>((h ^ (h >> 29)) >> (64 - log2));
}
}  // namespace

void OptimizedSmmu::prefetch_memo(const Transaction& t) const {
  const Memo* set = &memo_[memo_index(memo_stream(t), t.addr >> 12, memo_sets_log2_) * kMemoWays];
  __builtin_prefetch(set);
  __builtin_prefetch(set + 2);
}

bool OptimizedSmmu::fast_translate(const Transaction& t, Outcome& o) {
  if (!regf::CR0_SMMUEN.get(regs_.cr0)) return false;
  const uint64_t stream = memo_stream(t), page = t.addr >> 12;
  Memo* set = &memo_[memo_index(stream, page, memo_sets_log2_) * kMemoWays];
  const uint32_t epoch = static_cast<uint32_t>(epoch_);
  for (unsigned w = 0; w < kMemoWays; ++w) {
    const Memo& m = set[w];
    if (m.stream != stream || m.page != page || m.epoch != epoch) continue;
    const bool priv = apply_cfg(t.priv, m.cfg & 3);
    const bool instr = t.read && apply_cfg(t.instr, (m.cfg >> 2) & 3);
    const unsigned need = instr ? 4 : t.read ? 1 : 2;
    if (m.perms & need) {
      ++stats_.tlb_hits;
      o.kind = OutcomeKind::Success;
      o.pa = m.pa | (t.addr & 0xFFF);
      o.perms = Permissions{bool(m.perms & 1), bool(m.perms & 2), bool(m.perms & 4)};
      o.attrs = MemAttrs{m.mair, m.sh, instr, priv};
      o.event.reset();
      o.recorded = false;
      return true;
    }
    break;
  }
  const int64_t sk = t.ssid ? int64_t{*t.ssid} : -1;
  FastCtx& c = fast_[(t.sid + static_cast<uint32_t>(sk + 1) * 0x9E37'79B1u) & 255];
  if (c.epoch != epoch_ || c.sid != t.sid || c.ssid != sk) build_fast_ctx(t, c);
  if (c.mode == 0) return false;
  const bool priv = apply_cfg(t.priv, c.privcfg);
  const bool instr = t.read && apply_cfg(t.instr, c.instcfg);
  auto ok = [&](bool r, bool w, bool x) { return instr ? x : (t.read ? r : w); };
  uint64_t pa;
  Permissions p;
  if (c.mode == 2) {  // stage 1 bypassed: the IPA is the input address
    if ((t.addr >> c.ias) || (t.addr >> c.s2_ia)) return false;
    const TlbData* d = tlb_.lookup(TlbKind::Ipa, World::NsEl1, c.key_vmid, false, 0, t.addr, c.s2ctx);
    if (!d || (d->flags() & TlbData::kFault)) return false;
    const uint64_t s2d = unpack_s2_desc(d->s2);
    const S2Perms sp = stage2_perms(s2d, features_.xnx, priv);
    if (!ok(sp.r, sp.w, sp.x)) return false;
    pa = d->oa | (t.addr & low_mask(d->size_log2()));
    p = Permissions{sp.r, sp.w, sp.x};
    Attrs s2a = decode_s2_memattr(static_cast<unsigned>(s2desc::MemAttr.get(s2d)));
    s2a.sh = static_cast<uint8_t>(s2desc::SH.get(s2d));
    encode_attrs(combine_s2(c.input, s2a), o.attrs);
  } else {
    const uint64_t va = t.addr;
    const int tt = c.el2 ? 0 : static_cast<int>((va >> 55) & 1);
    const FastCtx::Tt& x = c.tt[tt];
    if (!x.enabled) return false;
    const uint64_t eff_va = x.tbi ? (tt ? va | 0xFF00'0000'0000'0000ull : va & 0x00FF'FFFF'FFFF'FFFFull) : va;
    if ((eff_va >> x.ia_bits) != (tt ? low_mask(64 - x.ia_bits) : 0)) return false;
    if (x.e0pd && !priv) return false;
    const TlbData* d = tlb_.lookup(TlbKind::Va, c.world, c.key_vmid, c.asid_tagged, c.asid, eff_va, x.ctx);
    if (!d || (d->flags() & TlbData::kFault)) return false;
    const uint64_t s1d = unpack_s1_desc(d->s1);
    const S1Perms s1p = stage1_perms(s1d, x.had ? 0 : unpack_s1_table(d->s1), c.el2, c.wxn, c.pan, priv);
    if (!ok(s1p.r, s1p.w, s1p.x)) return false;
    pa = d->oa | (eff_va & low_mask(d->size_log2()));
    p = Permissions{s1p.r, s1p.w, s1p.x};
    const unsigned idx = static_cast<unsigned>(s1desc::AttrIndx.get(s1d)), sh = static_cast<unsigned>(s1desc::SH.get(s1d));
    if (c.mode == 1) {
      o.attrs = c.s1_out[idx][sh];
    } else {
      const uint64_t s2d = unpack_s2_desc(d->s2);
      const S2Perms sp = stage2_perms(s2d, features_.xnx, priv);
      if (!ok(sp.r, sp.w, sp.x)) return false;
      p = Permissions{p.read && sp.r, p.write && sp.w, p.exec && sp.x};
      Attrs a = decode_mair(static_cast<unsigned>((c.mair >> (8 * idx)) & 0xFF));
      a.sh = static_cast<uint8_t>(sh);
      Attrs s2a = decode_s2_memattr(static_cast<unsigned>(s2desc::MemAttr.get(s2d)));
      s2a.sh = static_cast<uint8_t>(s2desc::SH.get(s2d));
      encode_attrs(combine_s2(stage1_attrs(c.input, a), s2a), o.attrs);
    }
  }
  ++stats_.tlb_hits;
  o.kind = OutcomeKind::Success;
  o.pa = pa;
  o.perms = p;
  o.attrs.instr = instr;
  o.attrs.priv = priv;
  o.event.reset();
  o.recorded = false;
  // Fill a way that is free or stale, else one chosen by the page (no state to keep).
  Memo* victim = &set[page % kMemoWays];
  for (unsigned w = 0; w < kMemoWays; ++w)
    if (set[w].epoch != epoch) {
      victim = &set[w];
      break;
    }
  *victim = Memo{stream, page, pa & ~uint64_t{0xFFF}, epoch,
           static_cast<uint8_t>((p.read ? 1 : 0) | (p.write ? 2 : 0) | (p.exec ? 4 : 0)),
           static_cast<uint8_t>((c.privcfg & 3) | ((c.instcfg & 3) << 2)), o.attrs.mair, o.attrs.sh};
  return true;
}

}  // namespace smmu::opt
