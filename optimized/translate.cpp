// The translation flow (§3.3.3, §3.4, §5.2 Config/S1DSS, §13.2-§13.4) and its events (§7.3, §5.5).
#include <algorithm>

#include "optimized/translation.h"

namespace smmu::opt {

// --- Events --------------------------------------------------------------------------------------------

EventRecord Translation::record(EventType type) const {
  EventRecord r;
  r.set(event::EVENT_TYPE, static_cast<uint8_t>(type));
  const EventTypeInfo* info = event_type_info(static_cast<uint8_t>(type));
  const uint32_t fields = info ? info->fields : 0;
  auto has = [&](event::FieldBit b) { return (fields >> b) & 1; };
  r.set(event::StreamID, t.sid);
  if (has(event::bit_SSV)) r.set(event::SSV, t.ssid.has_value());
  if (has(event::bit_SubstreamID)) r.set(event::SubstreamID, t.ssid.value_or(0));
  if (has(event::bit_RnW)) r.set(event::RnW, t.read);
  if (has(event::bit_InD)) r.set(event::InD, t.read && instr);
  if (has(event::bit_PnU)) r.set(event::PnU, priv);
  if (has(event::bit_InputAddr)) r.set(event::InputAddr, t.addr);
  return r;
}

void Translation::fault(const EventRecord& r, bool recorded) {
  o.kind = OutcomeKind::Fault;
  o.event = r;
  o.recorded = recorded;
}

void Translation::fetch_fault(EventType type, uint64_t fetch_pa) {
  EventRecord r = record(type);
  r.set(event::FetchAddr, fetch_pa >> 3);
  fault(r, true);
}

void Translation::translation_fault(EventType type, bool s2, uint8_t cls, uint64_t ipa, bool ttrnw) {
  EventRecord r = record(type);
  r.set(event::S2, s2);
  r.set(event::CLASS, cls);
  if (s2) r.set(event::IPA, ipa >> 12);
  if (type == EventType::F_PERMISSION && cls == kClassTt) r.set(event::TTRnW, ttrnw);
  if (s2) {
    fault(r, ste.s2r);
  } else if (cd) {
    fault(r, cd->r);
    if (!cd->a) o.kind = OutcomeKind::CompletedRazWi;  // §5.5: A = 0 completes with RAZ/WI
  } else {
    fault(r, true);  // a stage-1 fault without a CD (stage 1 bypassed): nothing gates it
  }
}

void Translation::walk_eabt(bool s2, uint8_t cls, uint64_t fetch_pa) {
  EventRecord r = record(EventType::F_WALK_EABT);
  r.set(event::S2, s2);
  r.set(event::CLASS, cls);
  r.set(event::FetchAddr, fetch_pa >> 3);
  fault(r, true);  // §5.5: not one of the four faults A/R/S govern
}

// --- The flow --------------------------------------------------------------------------------------------

void Translation::gbpa_bypass() {
  // §6.3.14, §13.2: GBPA governs Non-secure traffic while SMMUEN == 0.
  const uint32_t g = m.regs_.gbpa;
  if (regf::GBPA_ABORT.get(g)) return;  // terminated, no event
  if (t.addr >> f.oas_bits()) return;   // §3.4: beyond the OAS, abort without an event
  Attrs a = default_input_attrs();
  if (f.attr_types_ovr)
    a = replace_attrs(a, regf::GBPA_MTCFG.get(g), static_cast<unsigned>(regf::GBPA_MemAttr.get(g)),
                      static_cast<unsigned>(regf::GBPA_ALLOCCFG.get(g)), static_cast<unsigned>(regf::GBPA_SHCFG.get(g)));
  if (f.attr_perms_ovr) {
    priv = apply_cfg(t.priv, static_cast<unsigned>(regf::GBPA_PRIVCFG.get(g)));
    instr = t.read && apply_cfg(t.instr, static_cast<unsigned>(regf::GBPA_INSTCFG.get(g)));
  }
  o.kind = OutcomeKind::Success;
  o.pa = t.addr;
  o.perms = Permissions{true, true, true};
  encode_attrs(a, o.attrs);
  o.attrs.instr = instr;
  o.attrs.priv = priv;
}

void Translation::ste_bypass() {
  // §3.4: Config == 0b100 outputs the input address; beyond the OAS it is a stage-1 Address Size fault.
  if (t.addr >> f.oas_bits()) return translation_fault(EventType::F_ADDR_SIZE, false, kClassIn, 0);
  success(t.addr, nullptr, nullptr);
}

void Translation::run() {
  o = Outcome{};
  priv = t.priv;
  instr = t.read && t.instr;
  if (!m.smmu_enabled()) return gbpa_bypass();
  if (!fetch_ste()) return;
  switch (ste.kind) {
    case SteConfig::Kind::Illegal: return config_fault(EventType::C_BAD_STE);
    case SteConfig::Kind::Abort: return;  // §5.2 Config 0b0xx: abort, no event
    default: break;
  }
  // §13.1.4: the STE's PRIV and INST overrides apply before any check; writes are always Data (§13.1.2).
  priv = apply_cfg(t.priv, ste.privcfg);
  instr = t.read && apply_cfg(t.instr, ste.instcfg);
  if (ste.kind == SteConfig::Kind::Bypass) {
    if (t.ssid) return config_fault(EventType::C_BAD_SUBSTREAMID);  // §7.3.9: stage 1 disabled
    return ste_bypass();
  }
  // §5.2 S1CDMax, S1DSS, §7.3.7, §7.3.9: which CD the transaction uses, if any.
  std::optional<uint32_t> index;
  if (t.ssid) {
    const uint32_t ssid = *t.ssid;
    if (!ste.s1 || f.ssidsize == 0 || ste.cdmax == 0 || (ssid >> ste.cdmax) != 0)
      return config_fault(EventType::C_BAD_SUBSTREAMID);
    if (ssid == 0 && ste.s1dss == 2) return config_fault(EventType::F_STREAM_DISABLED);
    index = ssid;
  } else if (ste.s1) {
    if (ste.cdmax == 0) index = 0;
    else if (ste.s1dss == 2) index = 0;
    else if (ste.s1dss == 0) return config_fault(EventType::F_STREAM_DISABLED);
    // S1DSS == 0b01: stage 1 bypassed, index stays empty
  }
  translate_stages(index);
}

void Translation::translate_stages(std::optional<uint32_t> cd_index) {
  if (!cd_index) {
    // Stage 1 bypassed (Config 0b110, or S1DSS == 0b01): the input is the IPA, checked against the IAS (§3.4).
    cd = nullptr;
    if (t.addr >> f.ias_bits()) return translation_fault(EventType::F_ADDR_SIZE, false, kClassIn, 0);
    if (!ste.s2) return success(t.addr & low_mask(f.oas_bits()), nullptr, nullptr);
    S2Result s2;
    if (!stage2(t.addr, kClassIn, s2)) return;
    const S2Perms p = stage2_perms(s2.desc, f.xnx, priv);
    if (!access_ok(p.r, p.w, p.x)) {
      if (s2.from_tlb) return retry_without_tlb(cd_index);
      return translation_fault(EventType::F_PERMISSION, true, kClassIn, t.addr);
    }
    if (!s2.from_tlb && s2desc::AF.get(s2.desc))
      m.insert_s2(t.addr, m.tlb_vmid(ste.vmid), ste.vmid, s2.pa & ~low_mask(s2.size_log2), s2.desc, s2.size_log2,
                  table_context(ste.s2tt));
    return success(s2.pa, nullptr, &s2);
  }
  if (!fetch_cd(*cd_index)) return;
  if (cd->illegal) return config_fault(EventType::C_BAD_CD);
  S1Result s1;
  if (!stage1(*cd, s1)) return;
  // Stage-1 permissions come before the stage-2 walk of the output IPA (§7.3.22; Arm ARM D8.4.3).
  const S1Perms p1 = stage1_perms(s1.desc, cd->had[s1.tt] ? 0 : s1.table_bits, ste.world == World::El2, cd->wxn,
                                  cd->pan, priv);
  if (!access_ok(p1.r, p1.w, p1.x)) {
    if (s1.from_tlb) return retry_without_tlb(cd_index);
    return translation_fault(EventType::F_PERMISSION, false, kClassIn, 0);
  }
  const World w = ste.world;
  const uint16_t key_vmid = w == World::NsEl1 ? m.tlb_vmid(ste.vmid) : 0;
  const bool asid_tagged = w != World::El2;
  if (!ste.s2) {
    if (!s1.from_tlb && s1.cacheable) {
      TlbData d;
      d.oa = s1.oa & ~low_mask(s1.size_log2);
      d.s1 = pack_s1(s1.desc, s1.table_bits);
      d.vmid = ste.vmid;
      d.set_size_flags(s1.size_log2, TlbData::kHasS1);
      m.insert_tlb(TlbKind::Va, w, key_vmid, asid_tagged && s1.global, asid_tagged ? cd->asid : 0, s1.eff_va, s1.ctx, d);
    }
    return success(s1.oa, &s1, nullptr);
  }
  S2Result s2;
  if (s1.combined) {
    s2.pa = s1.oa;
    s2.desc = s1.s2_desc;
    s2.size_log2 = s1.s2_size_log2;
    s2.from_tlb = true;
  } else if (!stage2(s1.oa, kClassIn, s2)) {
    return;
  }
  const S2Perms p2 = stage2_perms(s2.desc, f.xnx, priv);
  if (!access_ok(p2.r, p2.w, p2.x)) {
    if (s2.from_tlb) return retry_without_tlb(cd_index);
    return translation_fault(EventType::F_PERMISSION, true, kClassIn, s1.oa);
  }
  if (!s1.from_tlb && !s2.from_tlb && s1.cacheable && s2desc::AF.get(s2.desc)) {
    // A combined entry: the smaller of the two block sizes.
    const unsigned size = std::min(s1.size_log2, s2.size_log2);
    TlbData d;
    d.oa = s2.pa & ~low_mask(size);
    d.s1 = pack_s1(s1.desc, s1.table_bits);
    d.s2 = pack_s2(s2.desc);
    d.vmid = ste.vmid;
    d.set_size_flags(size, TlbData::kHasS1 | TlbData::kHasS2);
    m.insert_tlb(TlbKind::Va, w, key_vmid, s1.global, cd->asid, s1.eff_va, s1.ctx, d);
  }
  S1Result out = s1;
  success(s2.pa, &out, &s2);
}

void Translation::retry_without_tlb(std::optional<uint32_t> cd_index) {
  // A cached translation does not permit this access: walk the tables again, which finds the fault (or,
  // where the tables changed without invalidation, a result the architecture equally permits).
  use_tlb = false;
  translate_stages(cd_index);
}

void Translation::success(uint64_t pa, const S1Result* s1, const S2Result* s2) {
  o.kind = OutcomeKind::Success;
  o.pa = pa;
  Permissions p{true, true, true};
  Attrs a = replace_attrs(default_input_attrs(), ste.mtcfg, ste.memattr, ste.alloccfg, ste.shcfg);
  if (s1) {
    const S1Perms sp = stage1_perms(s1->desc, cd->had[s1->tt] ? 0 : s1->table_bits, ste.world == World::El2, cd->wxn,
                                    cd->pan, priv);
    p = Permissions{sp.r, sp.w, sp.x};
    Attrs s1a = decode_mair(static_cast<unsigned>((cd->mair >> (8 * s1desc::AttrIndx.get(s1->desc))) & 0xFF));
    s1a.sh = static_cast<uint8_t>(s1desc::SH.get(s1->desc));
    a = stage1_attrs(a, s1a);
  }
  if (s2) {
    const S2Perms sp = stage2_perms(s2->desc, f.xnx, priv);
    p.read = p.read && sp.r;
    p.write = p.write && sp.w;
    p.exec = p.exec && sp.x;
    Attrs s2a = decode_s2_memattr(static_cast<unsigned>(s2desc::MemAttr.get(s2->desc)));
    s2a.sh = static_cast<uint8_t>(s2desc::SH.get(s2->desc));
    a = combine_s2(a, s2a);
  }
  o.perms = p;
  encode_attrs(a, o.attrs);
  o.attrs.instr = instr;
  o.attrs.priv = priv;
}

// --- The model's entry points ----------------------------------------------------------------------------

bool OptimizedSmmu::smmu_enabled() const { return regf::CR0_SMMUEN.get(regs_.cr0); }

void OptimizedSmmu::translate_one(const Transaction& t, WalkObserver* obs, Outcome& o) {
  Translation tr(*this, t, obs, o);
  tr.run();
  if (o.event && o.recorded) record_event(*o.event, obs);
}

Outcome OptimizedSmmu::translate(const Transaction& t, WalkObserver* observer) {
  Outcome o;
  WalkObserver* obs = observer ? observer : observer_;
  if (obs || !fast_translate(t, o)) translate_one(t, obs, o);
  return o;
}

void OptimizedSmmu::translate_batch(std::span<const Transaction> in, std::span<Outcome> out) {
  const size_t n = std::min(in.size(), out.size());
  if (observer_) {  // observer work only when an observer is set: the full flow reports every step
    for (size_t i = 0; i < n; ++i) translate_one(in[i], observer_, out[i]);
    return;
  }
  // The memo is larger than the caches nearest the core: fetch the slot a later transaction will look at
  // while this one is translated.
  constexpr size_t kAhead = 16;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) prefetch_memo(in[i + kAhead]);
    if (!fast_translate(in[i], out[i])) translate_one(in[i], nullptr, out[i]);
  }
}

}  // namespace smmu::opt
