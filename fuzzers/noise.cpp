// The noise generators: what goes wrong in real drivers and what the architecture must still handle.
// Missing, partial and unsynchronized invalidations; bit flips and field changes in the STEs, CDs and
// descriptors the driver wrote (at the addresses it used); illegal commands followed by a driver's
// recovery; register writes a driver should not make.
#include <array>
#include <iterator>
#include <span>

#include "fuzzers/generators.h"
#include "fuzzers/interesting.h"
#include "harness/runner/runner.h"
#include "specs/lookup.h"

namespace smmu::fuzz {

namespace {

constexpr uint64_t kMsiBase = 0x5000'0000;  // MSI targets: ordinary memory nobody else uses

const WordRef* pick_word(const std::vector<WordRef>& v, uint8_t b) { return v.empty() ? nullptr : &v[b % v.size()]; }

// A new value for field `f` of `word`: the ends of its range, its neighbours, or anything.
uint64_t field_value(ByteReader& r, const Field& f, uint64_t word) {
  const uint64_t cur = f.get(word), max = f.mask();
  switch (r.u8() & 7) {
    case 0: return 0;
    case 1: return 1;
    case 2: return max;
    case 3: return max - 1;
    case 4: return cur ^ 1;
    case 5: return cur + 1;
    case 6: return 2;
    default: return r.varint();
  }
}

std::span<const Field> fields_of(Changed what, bool stage2) {
  switch (what) {
    case Changed::Ste: return ste::kFields;
    case Changed::Cd: return cd::kFields;
    default: return stage2 ? std::span<const Field>(s2desc::kFields) : std::span<const Field>(s1desc::kFields);
  }
}

// A TLBI that removes `m`'s leaf from the TLB of its domain (a correct driver's unmap).
smmucheck::Command tlbi_for(const Tracked& t, const MappingInfo& m, uint64_t va_delta = 0, uint32_t tag_delta = 0) {
  const DomainInfo& d = *t.domain(m.domain);
  if (d.has_s1())
    return make_command(Opcode::CMD_TLBI_NH_VA, {{&cmd::ASID, d.asid + tag_delta}, {&cmd::VMID, d.vmid}, {&cmd::Leaf, 1},
                                                 {&cmd::VA, (m.iova + va_delta) >> 12}});
  return make_command(Opcode::CMD_TLBI_S2_IPA, {{&cmd::VMID, d.vmid + tag_delta}, {&cmd::Leaf, 1}, {&cmd::IPA, (m.iova + va_delta) >> 12}});
}

void generate_flip(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8(), mode = r.u8();
  std::array<std::pair<Changed, const std::vector<WordRef>*>, 3> pools{
      {{Changed::Ste, &t.stes}, {Changed::Cd, &t.cds}, {Changed::Descriptor, &t.descriptors}}};
  Changed what = pools[b0 % 3].first;
  const WordRef* ref = pick_word(*pools[b0 % 3].second, b1);
  for (unsigned k = 1; !ref && k < 3; ++k) {
    what = pools[(b0 + k) % 3].first;
    ref = pick_word(*pools[(b0 + k) % 3].second, b1);
  }
  if (!ref) return (void)ensure_mapped_stream(r, b);
  const WordRef target = *ref;
  const DomainInfo* d = t.domain(target.domain);
  const bool stage2 = what == Changed::Descriptor && d && d->stage == smmucheck::STAGE2;
  const unsigned qwords = what == Changed::Descriptor ? 1 : 8;
  uint64_t pa = target.pa + 8 * ((mode >> 2) % qwords);
  uint64_t value = 0;
  switch (mode & 3) {
    case 0: value = t.image.peek64(pa) ^ (uint64_t{1} << (r.u8() % 64)); break;
    case 1: {  // a field of the structure set to an interesting value
      const auto fields = fields_of(what, stage2);
      const Field& f = fields[r.u8() % fields.size()];
      pa = target.pa + 8 * f.qword;
      value = t.image.peek64(pa);
      f.set(value, field_value(r, f, value));
      break;
    }
    case 2: value = t.image.peek64(pa) ^ (uint64_t{3} << (r.u8() % 63)); break;
    default: value = r.varint(); break;
  }
  emit_mem_write(b, pa, value);
  // Mostly invalidated as a driver would (the next DMA is compared exactly); now and then not, or without
  // the CMD_SYNC, so the old value may stay cached (permitted-stale).
  switch (r.u8() & 15) {
    case 0: return;
    case 1: return emit_commands(b, precise_invalidation(b.tracked(), what, target), false);
    case 2: case 3: case 4: return emit_commands(b, big_hammer(b.tracked()));
    default: return emit_commands(b, precise_invalidation(b.tracked(), what, target));
  }
}

void generate_stale(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8();
  const auto maps = live_mappings(t);
  if (maps.empty() || !maps[b1 % maps.size()]->leaf) return (void)ensure_mapped_stream(r, b);
  const MappingInfo m = *maps[b1 % maps.size()];
  const uint64_t old = t.image.peek64(m.leaf);
  uint64_t moved = old;
  s1desc::Address.set(moved, s1desc::Address.get(old) ^ (m.size >> 12) * (1 + (b1 >> 5)));  // another output
  switch (b0 & 7) {
    case 0: return emit_mem_write(b, m.leaf, moved);                           // remapped, no TLBI
    case 1: return emit_mem_write(b, m.leaf, 0);                               // unmapped, no TLBI
    case 2:                                                                     // TLBI without CMD_SYNC
      emit_mem_write(b, m.leaf, moved);
      return emit_commands(b, {tlbi_for(t, m)}, false);
    case 3:                                                                     // TLBI of the wrong page or tag
      emit_mem_write(b, m.leaf, moved);
      return emit_commands(b, {(b0 & 8) ? tlbi_for(t, m, 0, 1) : tlbi_for(t, m, m.size)});
    case 4: {                                                                   // STE Config changed, no CFGI
      if (t.streams.empty()) return;
      const auto it = std::next(t.streams.begin(), b1 % t.streams.size());
      if (!it->second.ste) return;
      uint64_t q0 = t.image.peek64(it->second.ste);
      ste::Config.set(q0, (b0 & 8) ? 0b100 : 0b000);
      return emit_mem_write(b, it->second.ste, q0);
    }
    case 5: {                                                                   // TTL hint of the wrong level
      emit_mem_write(b, m.leaf, 0);
      smmucheck::Command c = tlbi_for(t, m);
      auto* f = c.add_field();
      f->set_name("TTL");
      f->set_value(1 + (b0 >> 4) % 3);
      auto* tg = c.add_field();
      tg->set_name("TG");
      tg->set_value(t.domain(m.domain)->granule == 12 ? 1 : t.domain(m.domain)->granule == 14 ? 2 : 3);
      return emit_commands(b, {c});
    }
    case 6: {                                                                   // CFGI_CD of another SubstreamID
      const WordRef* cdref = pick_word(t.cds, b1);
      if (!cdref) return;
      const WordRef ref = *cdref;
      uint64_t q = t.image.peek64(ref.pa);
      cd::T0SZ.set(q, cd::T0SZ.get(q) + 1);
      emit_mem_write(b, ref.pa, q);
      return emit_commands(b, {make_command(Opcode::CMD_CFGI_CD, {{&cmd::StreamID, ref.sid},
                                                                  {&cmd::SubstreamID, ref.ssid.value_or(0) + 1}, {&cmd::Leaf, 1}})});
    }
    default:                                                                    // remapped in place, invalidated
      emit_mem_write(b, m.leaf, moved);
      return emit_commands(b, {tlbi_for(t, m)});
  }
}

void generate_invalidate(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  if (!t.initialized) return (void)ensure_mapped_stream(r, b);
  const uint8_t b0 = r.u8(), b1 = r.u8(), b2 = r.u8();
  const Features& f = t.features;
  const DomainInfo* d = t.domains.empty() ? nullptr : &t.domains[b2 % t.domains.size()];
  const uint32_t asid = d ? d->asid : b2, vmid = d ? d->vmid : b2;
  const auto maps = live_mappings(t);
  const MappingInfo* m = maps.empty() ? nullptr : maps[b1 % maps.size()];
  const uint64_t page = m ? m->iova >> 12 : b1;
  const uint32_t sid = t.streams.empty() ? b1 : std::next(t.streams.begin(), b1 % t.streams.size())->first;
  const unsigned tg = !d ? 1 : d->granule == 12 ? 1 : d->granule == 14 ? 2 : 3;
  smmucheck::Command c;
  switch (b0 % 16) {
    case 0: c = make_command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::Range, 31}}); break;
    case 1: c = make_command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, sid}, {&cmd::Leaf, b1 & 1}}); break;
    case 2: c = make_command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::StreamID, sid}, {&cmd::Range, b1 % 8}}); break;
    case 3: c = make_command(Opcode::CMD_CFGI_CD, {{&cmd::StreamID, sid}, {&cmd::SubstreamID, b2 & 3}, {&cmd::Leaf, b1 & 1}}); break;
    case 4: c = make_command(Opcode::CMD_CFGI_CD_ALL, {{&cmd::StreamID, sid}}); break;
    case 5: c = make_command(Opcode::CMD_TLBI_NH_ALL, {{&cmd::VMID, vmid}}); break;
    case 6: c = make_command(Opcode::CMD_TLBI_NH_ASID, {{&cmd::ASID, asid}, {&cmd::VMID, vmid}}); break;
    case 7: c = make_command(Opcode::CMD_TLBI_NH_VA, {{&cmd::ASID, asid}, {&cmd::VMID, vmid}, {&cmd::VA, page}, {&cmd::Leaf, b1 & 1}}); break;
    case 8:  // a range TLBI (§4.4.1.1): (NUM + 1) * 2^SCALE granules from VA
      c = make_command(Opcode::CMD_TLBI_NH_VA, {{&cmd::ASID, asid}, {&cmd::VMID, vmid}, {&cmd::VA, page}, {&cmd::TG, tg},
                                                {&cmd::NUM, b1 % 32}, {&cmd::SCALE, b2 % 8}, {&cmd::TTL, (b1 >> 5) & 3}});
      break;
    case 9: c = make_command(Opcode::CMD_TLBI_NH_VAA, {{&cmd::VMID, vmid}, {&cmd::VA, page}, {&cmd::Leaf, b1 & 1}}); break;
    case 10:
      c = make_command(Opcode::CMD_TLBI_S2_IPA, {{&cmd::VMID, vmid}, {&cmd::IPA, page}, {&cmd::Leaf, b1 & 1}, {&cmd::TG, (b2 & 1) ? tg : 0},
                                                 {&cmd::NUM, b1 % 32}, {&cmd::TTL, 1 + (b2 >> 6) % 3}});
      break;
    case 11: c = make_command(Opcode::CMD_TLBI_S12_VMALL, {{&cmd::VMID, vmid}}); break;
    case 12: c = make_command(Opcode::CMD_TLBI_NSNH_ALL); break;
    case 13: c = make_command(std::array{Opcode::CMD_TLBI_EL2_ALL, Opcode::CMD_TLBI_EL2_ASID, Opcode::CMD_TLBI_EL2_VA,
                                         Opcode::CMD_TLBI_EL2_VAA}[b1 & 3],
                              {{&cmd::ASID, asid}, {&cmd::VA, page}, {&cmd::Leaf, b2 & 1}});
      break;
    case 14:  // CMD_SYNC signalling completion by MSI (§4.7.3) or with a SEV
      c = make_command(Opcode::CMD_SYNC, {{&cmd::CS, 1 + (b1 & 1)}, {&cmd::MSIAddress, (kMsiBase + 8 * (b2 % 16)) >> 2},
                                          {&cmd::MSIData, 0xd0d0'0000u + b2}, {&cmd::MSH, 3}, {&cmd::MSIAttr, 1}});
      return emit_commands(b, {c}, false);
    default:
      c = make_command((b1 & 1) ? Opcode::CMD_PREFETCH_ADDR : Opcode::CMD_PREFETCH_CONFIG,
                       {{&cmd::StreamID, sid}, {&cmd::PrefetchAddr, page}, {&cmd::PrefetchSize, b2 % 8}});
      break;
  }
  // Commands the SMMU would reject go to the odd-command generator; here the invalidations are legal.
  if (command_illegal(harness::encode_command(c), f)) c = make_command(Opcode::CMD_TLBI_NSNH_ALL);
  emit_commands(b, {c}, (b2 & 0x30) != 0x30);
}

void generate_odd_command(ByteReader& r, ScenarioBuilder& b) {
  if (!b.tracked().initialized) return (void)ensure_mapped_stream(r, b);
  const uint8_t b0 = r.u8(), b1 = r.u8();
  smmucheck::Command c;
  switch (b0 & 3) {
    case 0: {  // certainly illegal (§4.1.3): reserved opcodes, Secure-only and EL3 commands, reserved fields
      static constexpr std::array<uint8_t, 8> kReserved{0x00, 0x08, 0x0f, 0x14, 0x18, 0x1a, 0x47, 0xff};
      switch (b1 & 3) {
        case 0: c.add_raw(kReserved[(b1 >> 2) % kReserved.size()]); c.add_raw(0); break;
        case 1: c = make_command(Opcode::CMD_SYNC, {{&cmd::CS, 3}}); break;
        case 2: c = make_command(Opcode::CMD_CFGI_STE, {{&cmd::SSec, 1}, {&cmd::StreamID, b1 >> 2}}); break;
        default: c = make_command(Opcode::CMD_TLBI_NH_VA, {{&cmd::TG, 1}, {&cmd::VA, 0x10000}}); break;  // NUM=SCALE=TTL=0
      }
      break;
    }
    case 1: {  // a known opcode with random fields
      c.set_opcode(kOpcodes[b1 % std::size(kOpcodes)].name);
      for (unsigned n = 1 + (b0 >> 2) % 3, i = 0; i < n; ++i) {
        const Field& f = cmd::kFields[r.u8() % std::size(cmd::kFields)];
        auto* fv = c.add_field();
        fv->set_name(f.name);
        fv->set_value(f.width() >= 64 ? r.varint() : r.varint() & f.mask());
      }
      break;
    }
    case 2:  // two raw qwords
      c.add_raw(r.varint());
      c.add_raw(r.varint());
      break;
    default: {  // a run of CMD_SYNCs that carries PROD across the wrap
      const Tracked& t = b.tracked();
      std::vector<smmucheck::Command> syncs(1 + b1 % t.cmdq.entries(), make_command(Opcode::CMD_SYNC));
      return emit_commands(b, syncs, false);
    }
  }
  emit_commands(b, {c}, (b0 & 4) != 0);
  // A driver notices CMDQ_ERR and recovers, mostly; a stopped queue is worth seeing too.
  if ((b0 & 0x30) != 0x30) emit_recovery(b);
}

void generate_odd_register(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8();
  const uint64_t v = r.varint();
  switch (b0 % 12) {
    case 0: return emit_register_write(b, "GBPA", (1u << 31) | (v & 0x1f3f1f));  // Update with new attributes
    case 1: {
      static constexpr std::array<uint32_t, 5> kBits{1, 4, 8, 16, 0x40};  // SMMUEN, EVENTQEN, CMDQEN, ATSCHK, VMW
      emit_register_write(b, "CR0", t.cr0 ^ kBits[b1 % kBits.size()]);
      if (b1 & 0x80) emit_register_write(b, "CR0", b.tracked().cr0 ^ kBits[b1 % kBits.size()]);
      return;
    }
    case 2: return emit_register_write(b, "CR2", b1 & 7);
    case 3: return emit_register_write(b, "STRTAB_BASE", v);  // ignored while SMMUEN = 1 (§6.3.24)
    case 4: return emit_register_write(b, "STRTAB_BASE_CFG", v & 0x3ffff);
    case 5: return emit_register_write(b, (b1 & 1) ? "CMDQ_BASE" : "EVENTQ_BASE", v);
    case 6: return emit_register_write(b, "EVENTQ_CONS", b1);  // software consumes event records
    case 7: return emit_register_write(b, "GERRORN", t.cmdq.gerrorn ^ (1u << (b1 % 11)));
    case 8:
      emit_register_write(b, (b1 & 1) ? "GERROR_IRQ_CFG0" : "EVENTQ_IRQ_CFG0", kMsiBase + 0x100 + 4 * (b1 & 0x3c));
      emit_register_write(b, (b1 & 1) ? "GERROR_IRQ_CFG1" : "EVENTQ_IRQ_CFG1", 0xe0e0'0000u + b1);
      return emit_register_write(b, "IRQ_CTRL", (b1 >> 1) & 7);
    case 9: {
      smmucheck::Step s;
      auto* m = s.mutable_mmio_write();
      m->set_offset(kOddOffsets[b1 % kOddOffsets.size()]);
      m->set_size((b1 & 0x80) ? 8 : 4);
      m->set_value(v);
      b.emit(s);
      return;
    }
    case 10: {  // the upper half of a 64-bit register, or a 64-bit access to a 32-bit one
      smmucheck::Step s;
      auto* m = s.mutable_mmio_write();
      static constexpr std::array<uint32_t, 6> kOffsets{0x84, 0x94, 0xa4, 0x6c, 0x20, 0x44};
      m->set_offset(kOffsets[b1 % kOffsets.size()]);
      m->set_size(b1 % kOffsets.size() >= 4 ? 8 : 4);
      m->set_value(v);
      b.emit(s);
      return;
    }
    default: {  // a register written by named fields
      smmucheck::Step s;
      auto* m = s.mutable_mmio_write();
      m->set_reg("CR1");
      for (const char* name : {"TABLE_SH", "QUEUE_SH"}) {
        auto* fv = m->add_field();
        fv->set_name(name);
        fv->set_value(b1 & 3);
      }
      b.emit(s);
      return;
    }
  }
}

void generate_register_read(ByteReader& r, ScenarioBuilder& b) {
  const uint8_t b0 = r.u8();
  smmucheck::Step s;
  auto* m = s.mutable_mmio_read();
  if (b0 & 0x80) {
    m->set_offset(kOddOffsets[b0 % kOddOffsets.size()]);
  } else {
    m->set_reg(reg::kRegisters[b0 % std::size(reg::kRegisters)].name);
    if (b0 & 0x40) m->set_size(8);
  }
  b.emit(s);
}

void generate_memory_read(ByteReader& r, ScenarioBuilder& b) {
  const Tracked& t = b.tracked();
  const uint8_t b0 = r.u8(), b1 = r.u8();
  smmucheck::Step s;
  auto* m = s.mutable_mem_read();
  switch (b0 & 3) {
    case 0: case 1: m->set_addr(t.eventq_base + 32 * (b1 % (1u << std::min(t.eventq_log2, 8u))) + 8 * (b0 >> 6)); break;
    case 2: m->set_addr(kMsiBase + 8 * (b1 % 16)); break;
    default: m->set_addr(kMsiBase + 0x100 + 4 * (b1 & 0x3c)); break;
  }
  if (b0 & 4) m->set_size(4);
  b.emit(s);
}

}  // namespace

std::vector<smmucheck::Command> precise_invalidation(const Tracked& t, Changed what, const WordRef& ref) {
  switch (what) {
    case Changed::Ste: return {make_command(Opcode::CMD_CFGI_STE, {{&cmd::StreamID, ref.sid}, {&cmd::Leaf, 1}})};
    case Changed::Cd: {
      if (ref.ssid)
        return {make_command(Opcode::CMD_CFGI_CD, {{&cmd::StreamID, ref.sid}, {&cmd::SubstreamID, *ref.ssid}, {&cmd::Leaf, 1}})};
      std::vector<smmucheck::Command> out;
      for (const auto& [sid, st] : t.streams)
        if (st.kind == StreamInfo::kDomain && st.domain == ref.domain && out.size() < 4)
          out.push_back(make_command(Opcode::CMD_CFGI_CD_ALL, {{&cmd::StreamID, sid}}));
      return out;
    }
    default: {
      const DomainInfo* d = t.domain(ref.domain);
      if (!d) return big_hammer(t);
      if (d->stage == smmucheck::STAGE1)
        return {make_command(Opcode::CMD_TLBI_NH_ASID, {{&cmd::ASID, d->asid}, {&cmd::VMID, d->vmid}})};
      return {make_command(Opcode::CMD_TLBI_S12_VMALL, {{&cmd::VMID, d->vmid}})};
    }
  }
}

std::vector<smmucheck::Command> big_hammer(const Tracked& t) {
  std::vector<smmucheck::Command> out{make_command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::Range, 31}}),
                                      make_command(Opcode::CMD_TLBI_NSNH_ALL)};
  if (t.features.hyp && t.features.s1p && t.features.s2p) out.push_back(make_command(Opcode::CMD_TLBI_EL2_ALL));
  return out;
}

void run_noise(Generator g, ByteReader& r, ScenarioBuilder& b) {
  switch (g) {
    case Generator::Flip: return generate_flip(r, b);
    case Generator::Stale: return generate_stale(r, b);
    case Generator::Invalidate: return generate_invalidate(r, b);
    case Generator::OddCommand: return generate_odd_command(r, b);
    case Generator::OddRegister: return generate_odd_register(r, b);
    case Generator::RegisterRead: return generate_register_read(r, b);
    case Generator::MemoryRead: return generate_memory_read(r, b);
    default: return;
  }
}

}  // namespace smmu::fuzz
