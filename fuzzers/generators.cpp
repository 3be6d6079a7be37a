#include "fuzzers/generators.h"

#include <array>
#include <string>

#include "fuzzers/interesting.h"
#include "specs/lookup.h"

namespace smmu::fuzz {

namespace {

uint64_t masked(const Field& f, uint64_t v) { return f.width() >= 64 ? v : v & f.mask(); }
uint64_t ia_mask(unsigned bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// The StreamIDs worth attaching: small ones, the ends of the table and of the 2-level split.
uint32_t pick_sid(const Tracked& t, uint8_t b) {
  const uint32_t n = uint32_t{1} << std::min(t.strtab_log2, 31u);
  if ((b & 3) == 0 && !t.streams.empty()) {
    auto it = t.streams.begin();
    std::advance(it, (b >> 2) % t.streams.size());
    return it->first;
  }
  const unsigned k = (b >> 2) % (kStreamIds.size() + 3);
  uint32_t sid = k < kStreamIds.size() ? kStreamIds[k]
               : k == kStreamIds.size() ? n - 1
               : k == kStreamIds.size() + 1 ? (uint32_t{1} << std::min(t.split, 31u))
                                            : (uint32_t{1} << std::min(t.split, 31u)) - 1;
  return sid % n;
}

// Emits an attach or detach; when it made a new L1STD valid (a 2-level stream table), invalidates the
// whole span it covers: any StreamID of the span may have cached the invalid L1STD (§3.21.1, §4.3.2).
void emit_stream_op(ScenarioBuilder& b, const smmucheck::Step& s, uint32_t sid) {
  const Tracked& t = b.tracked();
  const unsigned split = std::min(t.split, 31u);
  const bool new_span = split && !t.l2_spans.count(sid >> split);
  if (b.emit(s) && new_span)
    emit_commands(b, {make_command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::StreamID, sid}, {&cmd::Range, split - 1}})});
}

void generate_init(ByteReader& r, ScenarioBuilder& b) {
  const Features& f = b.tracked().features;
  const uint8_t b0 = r.u8(), b1 = r.u8();
  smmucheck::Step s;
  auto* i = s.mutable_driver()->mutable_init();
  // Linear tables mostly; 2-level with each SPLIT (§3.3.2) where the SMMU has them.
  static constexpr std::array<unsigned, 8> kSplits{0, 0, 0, 0, 8, 6, 10, 8};
  const unsigned split = kSplits[b0 & 7];
  if (f.st_level != 0 || (b1 & 0xf0) == 0xf0) i->set_strtab_split(split);
  static constexpr std::array<unsigned, 8> kLog2{0, 0, 0, 0, 5, 10, 16, 2};
  unsigned log2 = kLog2[(b0 >> 3) & 7];
  if (log2 == 0 && f.sidsize < 8) log2 = f.sidsize;
  i->set_strtab_log2size(std::min<unsigned>(log2, f.sidsize));
  const unsigned cq = kQueueLog2[(b0 >> 6) % kQueueLog2.size()];
  if (cq == 0 || (cq >= 2 && cq <= f.cmdqs)) i->set_cmdq_log2size(cq);
  const unsigned eq = kQueueLog2[(b1 & 7) % kQueueLog2.size()];
  if (eq == 0 || (eq <= f.eventqs && eq >= 1)) i->set_eventq_log2size(eq);
  i->set_no_recinvsid((b1 & 0x78) == 0x78);
  if (!b.emit(s)) {
    // The choices did not fit the features: the driver's defaults, within SIDSIZE.
    smmucheck::Step d;
    d.mutable_driver()->mutable_init()->set_strtab_log2size(std::min<unsigned>(8, f.sidsize));
    b.emit(d);
  }
}

void generate_domain(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  const Features& f = t.features;
  const uint8_t b0 = r.u8(), b1 = r.u8();
  uint32_t id = 0;
  for (const auto& d : t.domains) id = std::max(id, d.id + 1);
  smmucheck::Step s;
  auto* d = s.mutable_driver()->mutable_domain();
  d->set_id(id);
  // Distinct ASIDs and VMIDs: two domains sharing a tag may share TLB entries, which the caching rule
  // does not model (a driver bug, not an SMMU one).
  d->set_asid(id + 1);
  d->set_vmid(id + 1);
  smmucheck::Stage stage = smmucheck::STAGE1;
  if (f.s1p && f.s2p) stage = std::array{smmucheck::STAGE1, smmucheck::STAGE1, smmucheck::STAGE2, smmucheck::NESTED}[b0 & 3];
  else if (f.s2p) stage = smmucheck::STAGE2;
  d->set_stage(stage);
  std::vector<uint32_t> granules;
  for (uint32_t g : {4096u, 4096u, 4096u, 16384u, 65536u})
    if (f.granule_supported(g == 4096 ? 12 : g == 16384 ? 14 : 16)) granules.push_back(g);
  if (!granules.empty()) {
    const uint32_t g = granules[(b0 >> 2) % granules.size()];
    if (g != 4096) d->set_granule(g);
  }
  if ((b1 & 3) == 3) d->set_ia_bits(kIaBits[(b1 >> 2) % kIaBits.size()]);
  if (stage == smmucheck::NESTED && (b1 >> 6) == 3) d->set_s2_ia_bits(kIaBits[(b0 >> 4) % kIaBits.size()]);
  if (b.emit(s)) return;
  d->clear_ia_bits();
  d->clear_s2_ia_bits();
  b.emit(s);
}

void generate_map(ByteReader& r, ScenarioBuilder& b, std::optional<uint32_t> domain = std::nullopt) {
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8(), b2 = r.u8(), b3 = r.u8(), b4 = r.u8();
  if (t.domains.empty()) return;
  const DomainInfo* dp = domain ? t.domain(*domain) : &t.domains[b0 % t.domains.size()];
  if (!dp) return;
  const DomainInfo d = *dp;  // the builder's vectors grow below
  const unsigned g = d.granule;
  uint64_t size = level_size(g, 3);
  if ((b1 & 7) >= 5 && d.start <= 2) size = level_size(g, 2);
  if ((b1 & 7) == 7 && d.start <= 1 && g == 12) size = level_size(g, 1);
  const unsigned slot = (b2 >> 2) % 16;
  uint64_t iova = 0;
  switch (b2 & 3) {
    case 0: iova = 0x1000'0000 + slot * size; break;
    case 1: iova = slot * size; break;
    case 2: iova = ia_mask(d.ia_bits) + 1 - (slot + 1) * size; break;  // the top of the input range
    default: iova = 0x8000'0000 + slot * size; break;
  }
  iova &= ia_mask(d.ia_bits) & ~(size - 1);
  const int level = size == level_size(g, 3) ? 3 : size == level_size(g, 2) ? 2 : 1;
  if (level < 3 && d.tabled.count(iova | uint64_t(level))) size = level_size(g, 3);  // a table is there
  const unsigned oas = t.features.oas_bits();
  const unsigned pslot = (b3 >> 3) % 32;
  uint64_t pa = 0;
  switch (b3 & 7) {
    case 0: case 1: case 2: pa = 0x8000'0000 + pslot * size; break;
    case 3: case 4: pa = 0x1'0000'0000 + pslot * size; break;
    case 5: pa = (uint64_t{1} << oas) - (pslot + 1) * size; break;  // the top of the output range
    case 6: pa = 0x9000'0000 + pslot * size; break;
    default: pa = (uint64_t{1} << oas) + pslot * size; break;  // beyond the OAS: an address size fault
  }
  pa &= ~(size - 1);
  // A correct driver unmaps what the new mapping overlaps (and the unmap invalidates it).
  ready_command_queue(b);
  for (const MappingInfo* m : live_mappings(t, d.id)) {
    if (m->iova < iova + size && iova < m->iova + m->size) {
      smmucheck::Step u;
      auto* o = u.mutable_driver()->mutable_unmap();
      o->set_domain(d.id);
      o->set_iova(m->iova);
      if (m->size != level_size(g, 3)) o->set_size(m->size);
      b.emit(u);
    }
  }
  smmucheck::Step s;
  auto* m = s.mutable_driver()->mutable_map();
  m->set_domain(d.id);
  m->set_iova(iova);
  m->set_pa(pa);
  if (size != level_size(g, 3)) m->set_size(size);
  static constexpr std::array<const char*, 8> kPerms{"", "rw", "r", "rwx", "rwu", "ru", "rx", "w"};
  m->set_perms(kPerms[b4 & 7]);
  static constexpr std::array<const char*, 8> kMemtypes{"", "", "", "", "normal", "", "device", "nc"};
  m->set_memtype(kMemtypes[(b4 >> 3) & 7]);
  if (d.stage == smmucheck::NESTED) {
    // Fresh intermediate addresses: stage 2 is never unmapped, so reusing one would need a TLBI.
    const uint64_t ipa = (d.next_ipa + size - 1) & ~(size - 1);
    m->set_ipa(ipa);
  }
  b.emit(s);
}

void generate_attach(ByteReader& r, ScenarioBuilder& b, std::optional<uint32_t> domain = std::nullopt) {
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8(), b2 = r.u8();
  if (t.domains.empty()) return;
  const DomainInfo& d = domain && t.domain(*domain) ? *t.domain(*domain) : t.domains[b1 % t.domains.size()];
  ready_command_queue(b);
  smmucheck::Step s;
  auto* a = s.mutable_driver()->mutable_attach();
  a->set_sid(pick_sid(t, b0));
  a->set_domain(d.id);
  const unsigned ssidsize = t.features.ssidsize;
  if (d.has_s1() && ssidsize > 0 && (b2 & 3) == 0) {
    auto it = t.cd_table_cdmax.find(a->sid());
    unsigned cdmax = it != t.cd_table_cdmax.end() ? it->second
                   : std::min<unsigned>(std::array<unsigned, 4>{1, 2, 4, 10}[(b2 >> 2) & 3], ssidsize);
    a->set_cdmax(cdmax);
    const uint32_t top = (uint32_t{1} << cdmax) - 1;
    a->set_ssid(std::array<uint32_t, 4>{1, 2, 0, top}[(b2 >> 4) & 3] & top);
    a->set_s1dss(std::array<uint32_t, 4>{0, 1, 2, 0}[(b2 >> 6) & 3]);
  }
  emit_stream_op(b, s, a->sid());
}

void generate_detach(ByteReader& r, ScenarioBuilder& b) {
  const uint8_t b0 = r.u8();
  ready_command_queue(b);
  smmucheck::Step s;
  s.mutable_driver()->mutable_detach()->set_sid(pick_sid(b.tracked(), b0));
  s.mutable_driver()->mutable_detach()->set_bypass(r.u8() & 1);
  emit_stream_op(b, s, s.driver().detach().sid());
}

void generate_unmap(ByteReader& r, ScenarioBuilder& b) {
  const auto live = live_mappings(b.tracked());
  const uint8_t b0 = r.u8();
  if (live.empty()) return (void)ensure_mapped_stream(r, b);
  const MappingInfo& m = *live[b0 % live.size()];
  ready_command_queue(b);
  smmucheck::Step s;
  auto* u = s.mutable_driver()->mutable_unmap();
  u->set_domain(m.domain);
  u->set_iova(m.iova);
  if (m.size != level_size(b.tracked().domain(m.domain)->granule, 3)) u->set_size(m.size);
  b.emit(s);
}

// An offset into a mapping of `size` bytes, at its interesting places.
uint64_t pick_offset(ByteReader& r, uint8_t mode, uint64_t size, unsigned granule) {
  switch (mode & 7) {
    case 0: return 0;
    case 1: return size - 8;
    case 2: return ((mode >> 3) * 8) % size;
    case 3: return (uint64_t{1} << granule) * ((mode >> 3) & 3) % size;
    case 4: return size;      // just past the end
    case 5: return size - 1;  // the last byte
    default: return r.varint() % size;
  }
}

void generate_dma_mapped(ByteReader& r, ScenarioBuilder& b, bool burst) {
  if (!ensure_mapped_stream(r, b)) return;
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8(), b2 = r.u8(), b3 = r.u8();
  if (!regf::CR0_SMMUEN.get(t.cr0) && (b3 & 0xc0)) emit_register_write(b, "CR0", t.cr0 | 0xd);
  const auto targets = mapped_targets(t);
  const Target tg = targets[b0 % targets.size()];
  const auto maps = live_mappings(t, tg.domain);
  const MappingInfo m = *maps[b1 % maps.size()];
  const unsigned g = t.domain(tg.domain)->granule;
  std::optional<uint32_t> ssid = tg.ssid;
  if ((b3 & 0x38) == 0x38) ssid = ssid ? std::nullopt : std::optional<uint32_t>(0);  // S1DSS and SSV paths
  if (!burst) return emit_dma(b, tg.sid, ssid, m.iova + pick_offset(r, b2, m.size, g), b3);
  // A run of DMAs (the batch path translates a run in one call): strided through the mapping.
  const unsigned n = 2 + (b2 & 7);
  const uint64_t stride = std::array<uint64_t, 4>{8, 64, uint64_t{1} << g, m.size / n}[(b2 >> 3) & 3];
  for (unsigned k = 0; k < n; ++k) emit_dma(b, tg.sid, ssid, m.iova + (k * std::max<uint64_t>(stride, 8)) % m.size, b3 ^ (k << 1));
}

void generate_dma_stray(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8(), b2 = r.u8(), b3 = r.u8();
  uint32_t sid = 0;
  switch (b0 & 3) {
    case 0: sid = pick_sid(t, b0 & 0xfc); break;
    case 1: sid = kStreamIds[(b0 >> 2) % kStreamIds.size()]; break;
    case 2: sid = (uint32_t{1} << std::min(t.strtab_log2, 31u)) + ((b0 >> 2) & 3); break;  // beyond the table
    default: sid = r.u32(); break;
  }
  const auto maps = live_mappings(t);
  const MappingInfo* m = maps.empty() ? nullptr : maps[b2 % maps.size()];
  const uint64_t base = m ? m->iova : 0x1000'0000;
  uint64_t addr = 0;
  switch (b1 & 7) {
    case 0: addr = kAddresses[b2 % kAddresses.size()]; break;
    case 1: addr = base + (m ? m->size : 0x1000); break;
    case 2: addr = nudge(base, b2 >> 4); break;
    case 3: addr = m ? ia_mask(t.domain(m->domain)->ia_bits) + 1 - 8 : 0x7f'ffff'fff8; break;
    case 4: addr = r.varint(); break;
    case 5: addr = base | 0xffff'0000'0000'0000; break;  // the upper (TTB1) range
    case 6: addr = base | (uint64_t{0x5a} << 56); break; // a tag in the top byte
    default: addr = base | (uint64_t{1} << (40 + (b2 & 15))); break;
  }
  std::optional<uint32_t> ssid;
  if ((b3 & 3) == 2) ssid = kSubstreamIds[(b3 >> 2) % kSubstreamIds.size()];
  if ((b3 & 3) == 3) ssid = uint32_t{1} << std::min(t.features.ssidsize, uint8_t(31));  // beyond SSIDSIZE
  emit_dma(b, sid, ssid, addr, b3 >> 2);
}

}  // namespace

smmucheck::Command make_command(Opcode op, FieldSet fields) {
  smmucheck::Command c;
  c.set_opcode(opcode_name(static_cast<uint8_t>(op)));
  for (auto [f, v] : fields) {
    if (!masked(*f, v)) continue;
    auto* fv = c.add_field();
    fv->set_name(f->name);
    fv->set_value(masked(*f, v));
  }
  return c;
}

void emit_mem_write(ScenarioBuilder& b, uint64_t pa, uint64_t value) {
  smmucheck::Step s;
  s.mutable_mem_write()->set_addr(pa);
  s.mutable_mem_write()->add_qword(value);
  b.emit(s);
}

void emit_register_write(ScenarioBuilder& b, const char* reg, uint64_t value) {
  smmucheck::Step s;
  s.mutable_mmio_write()->set_reg(reg);
  s.mutable_mmio_write()->set_value(value);
  b.emit(s);
}

void emit_dma(ScenarioBuilder& b, uint32_t sid, std::optional<uint32_t> ssid, uint64_t addr, uint8_t bits) {
  smmucheck::Step s;
  auto* d = s.mutable_dma();
  d->set_sid(sid);
  if (ssid) d->set_ssid(*ssid);
  d->set_addr(addr);
  d->set_access(std::array{smmucheck::READ, smmucheck::READ, smmucheck::WRITE, smmucheck::INSTR}[bits & 3]);
  d->set_priv(bits & 4);
  b.emit(s);
}

void emit_recovery(ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  if (!t.cmdq.stalled()) return;
  const uint64_t at = t.cmdq.slot(t.cmdq.cons);
  if (command_illegal({t.image.peek64(at), t.image.peek64(at + 8)}, t.features)) {
    smmucheck::Step fix;
    fix.mutable_mem_write()->set_addr(at);
    fix.mutable_mem_write()->add_qword(static_cast<uint64_t>(Opcode::CMD_SYNC));
    fix.mutable_mem_write()->add_qword(0);
    b.emit(fix);
  }
  emit_register_write(b, "GERRORN", (t.cmdq.gerrorn & ~1u) | (t.cmdq.gerror & 1));
}

void ready_command_queue(ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  if (!t.initialized) return;
  if (!regf::CR0_CMDQEN.get(t.cr0)) emit_register_write(b, "CR0", t.cr0 | regf::CR0_CMDQEN.mask_in_place());
  for (int attempt = 0; attempt < 4 && t.cmdq.stalled(); ++attempt) emit_recovery(b);
}

void emit_commands(ScenarioBuilder& b, std::vector<smmucheck::Command> cmds, bool sync) {
  const Tracked& t = b.tracked();
  if (!t.initialized) return;
  ready_command_queue(b);
  if (sync) cmds.push_back(make_command(Opcode::CMD_SYNC));
  for (size_t i = 0; i < cmds.size();) {
    const size_t room = t.cmdq.room();
    if (room == 0) return;
    smmucheck::Step s;
    for (size_t k = i; k < std::min(cmds.size(), i + room); ++k) *s.mutable_commands()->add_cmd() = cmds[k];
    i += room;
    b.emit(s);
  }
}

std::vector<const MappingInfo*> live_mappings(const Tracked& t, std::optional<uint32_t> domain) {
  std::vector<const MappingInfo*> out;
  for (const auto& m : t.mappings)
    if (m.live && (!domain || m.domain == *domain)) out.push_back(&m);
  return out;
}

std::vector<Target> mapped_targets(const Tracked& t) {
  std::vector<Target> out;
  auto has_maps = [&](uint32_t d) {
    return std::any_of(t.mappings.begin(), t.mappings.end(), [&](const MappingInfo& m) { return m.live && m.domain == d; });
  };
  for (const auto& [sid, st] : t.streams) {
    if (st.kind != StreamInfo::kDomain) continue;
    if (st.ssids.empty() && has_maps(st.domain)) out.push_back({sid, std::nullopt, st.domain});
    for (auto [ssid, d] : st.ssids)
      if (has_maps(d)) out.push_back({sid, ssid, d});
  }
  return out;
}

bool ensure_mapped_stream(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  if (!t.initialized) return generate_init(r, b), false;
  if (t.domains.empty()) return generate_domain(r, b), false;
  if (!mapped_targets(t).empty()) return true;
  for (const auto& [sid, st] : t.streams)
    if (st.kind == StreamInfo::kDomain) return generate_map(r, b, st.ssids.empty() ? st.domain : st.ssids[0].second), false;
  const auto maps = live_mappings(t);
  if (maps.empty()) return generate_map(r, b), false;
  generate_attach(r, b, maps[0]->domain);
  return false;
}

void run_generator(Generator g, ByteReader& r, ScenarioBuilder& b) {
  switch (g) {
    case Generator::DmaMapped: return generate_dma_mapped(r, b, false);
    case Generator::DmaBurst: return generate_dma_mapped(r, b, true);
    case Generator::DmaStray:
      if (!b.tracked().initialized) return (void)ensure_mapped_stream(r, b);
      return generate_dma_stray(r, b);
    case Generator::Map:
      if (b.tracked().domains.empty()) return (void)ensure_mapped_stream(r, b);
      return generate_map(r, b);
    case Generator::Unmap: return generate_unmap(r, b);
    case Generator::Domain:
      if (!b.tracked().initialized) return (void)ensure_mapped_stream(r, b);
      if (b.tracked().domains.size() >= 8) return generate_map(r, b);
      return generate_domain(r, b);
    case Generator::Attach:
      if (b.tracked().domains.empty()) return (void)ensure_mapped_stream(r, b);
      return generate_attach(r, b);
    case Generator::Detach:
      if (!b.tracked().initialized) return (void)ensure_mapped_stream(r, b);
      return generate_detach(r, b);
    default: return run_noise(g, r, b);
  }
}

}  // namespace smmu::fuzz
