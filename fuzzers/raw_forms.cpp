#include "fuzzers/raw_forms.h"

#include <array>
#include <iterator>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "fuzzers/builder.h"
#include "specs/layout.h"
#include "specs/lookup.h"

namespace smmu::fuzz {

namespace {

constexpr size_t kMaxCommands = 256;
constexpr size_t kMaxQwords = 4096;
constexpr size_t kMaxFields = 16;
constexpr std::string_view kPermChars = "rwxu";
constexpr std::array<const char*, 4> kMemtypes{"", "normal", "device", "nc"};

uint64_t masked(const Field& f, uint64_t v) { return f.width() >= 64 ? v : v & f.mask(); }

std::string_view short_name(const char* full) {
  std::string_view n = full;
  const size_t dot = n.find('.');
  return dot == std::string_view::npos ? n : n.substr(dot + 1);
}

template <class T, size_t N>
std::optional<size_t> index_where(const T (&table)[N], auto pred) {
  for (size_t i = 0; i < N; ++i)
    if (pred(table[i])) return i;
  return std::nullopt;
}

// The IDR fields a scenario's features may name, then "version".
const std::vector<const Field*>& feature_fields() {
  static const std::vector<const Field*> fields = [] {
    std::vector<const Field*> v;
    for (const Field& f : regf::kFields) {
      std::string_view n = f.name;
      if (n.starts_with("IDR0.") || n.starts_with("IDR1.") || n.starts_with("IDR3.") || n.starts_with("IDR5.") ||
          n.starts_with("AIDR."))
        v.push_back(&f);
    }
    return v;
  }();
  return fields;
}

// A register field by table index, named in full ("CR0.SMMUEN") or short ("SMMUEN"), its value masked to
// the field the name resolves to for `reg`.
void read_register_field(ByteReader& r, const std::string& reg, smmucheck::FieldValue& fv) {
  const Field& f = regf::kFields[r.varint() % std::size(regf::kFields)];
  const bool full = r.u8() & 1;
  fv.set_name(full ? std::string(f.name) : std::string(short_name(f.name)));
  const Field* resolved = resolve_register_field(fv.name(), reg);
  const uint64_t v = r.varint();
  fv.set_value(resolved ? masked(*resolved, v) : v);
}

bool write_register_field(const smmucheck::FieldValue& fv, ByteWriter& w, std::string& why) {
  const bool full = fv.name().find('.') != std::string::npos;
  auto i = index_where(regf::kFields, [&](const Field& f) { return full ? fv.name() == f.name : fv.name() == short_name(f.name); });
  if (!i) {
    why = fmt::format("register field '{}' is not in specs/fields/reg_fields.def", fv.name());
    return false;
  }
  w.varint(*i);
  w.u8(full);
  w.varint(fv.value());
  return true;
}

void read_reg_access(ByteReader& r, uint8_t flags, std::string* reg, bool* has_offset, uint32_t* offset) {
  if (flags & 1) *reg = reg::kRegisters[r.varint() % std::size(reg::kRegisters)].name;
  *has_offset = flags & 4;
  if (*has_offset) *offset = r.u32();
}

bool write_reg_name(const std::string& name, ByteWriter& w, std::string& why) {
  auto i = index_where(reg::kRegisters, [&](const Register& x) { return name == x.name; });
  if (!i) {
    why = fmt::format("register '{}' is not in specs/fields/registers.def", name);
    return false;
  }
  w.varint(*i);
  return true;
}

}  // namespace

void read_raw_command(ByteReader& r, smmucheck::Command& c) {
  const unsigned form = r.u8() % 3;
  if (form == 0) {
    c.add_raw(r.varint());
    c.add_raw(r.varint());
    return;
  }
  const char* name = kOpcodes[r.varint() % std::size(kOpcodes)].name;
  c.set_opcode(form == 1 ? std::string(name) : std::string(name + 4));  // "CMD_SYNC" or "SYNC"
  for (size_t n = r.count(kMaxFields), i = 0; i < n; ++i) {
    const Field& f = cmd::kFields[r.varint() % std::size(cmd::kFields)];
    auto* fv = c.add_field();
    fv->set_name(f.name);
    fv->set_value(masked(f, r.varint()));
  }
}

smmucheck::Step read_raw_step(RawKind kind, ByteReader& r) {
  smmucheck::Step s;
  switch (kind) {
    case RawKind::MmioWrite: {
      auto* m = s.mutable_mmio_write();
      const uint8_t flags = r.u8();
      std::string reg;
      bool has_offset = false;
      uint32_t offset = 0;
      read_reg_access(r, flags, &reg, &has_offset, &offset);
      m->set_reg(reg);
      if (has_offset) m->set_offset(offset);
      if (flags & 2) m->set_size(flags & 16 ? 8 : 4);
      if (flags & 8) {
        m->set_value(r.varint());
      } else {
        for (size_t n = r.count(kMaxFields), i = 0; i < n; ++i) read_register_field(r, reg, *m->add_field());
      }
      break;
    }
    case RawKind::MmioRead: {
      auto* m = s.mutable_mmio_read();
      const uint8_t flags = r.u8();
      std::string reg;
      bool has_offset = false;
      uint32_t offset = 0;
      read_reg_access(r, flags, &reg, &has_offset, &offset);
      m->set_reg(reg);
      if (has_offset) m->set_offset(offset);
      if (flags & 2) m->set_size(flags & 16 ? 8 : 4);
      break;
    }
    case RawKind::MemWrite: {
      auto* m = s.mutable_mem_write();
      m->set_addr(r.varint());
      for (size_t n = r.count(kMaxQwords), i = 0; i < n; ++i) m->add_qword(r.varint());
      break;
    }
    case RawKind::MemRead: {
      auto* m = s.mutable_mem_read();
      m->set_addr(r.varint());
      m->set_size(std::array<uint32_t, 3>{0, 4, 8}[r.u8() % 3]);
      break;
    }
    case RawKind::Commands:
      for (size_t n = r.count(kMaxCommands), i = 0; i < n; ++i) read_raw_command(r, *s.mutable_commands()->add_cmd());
      if (!s.has_commands()) s.mutable_commands();
      break;
    case RawKind::Dma: {
      auto* d = s.mutable_dma();
      d->set_sid(r.u32());
      const uint8_t flags = r.u8();
      if (flags & 1) d->set_ssid(r.u32());
      d->set_priv(flags & 2);
      d->set_access(static_cast<smmucheck::Access>(((flags >> 2) & 3) % 3));
      d->set_addr(r.varint());
      break;
    }
    case RawKind::Init: {
      auto* i = s.mutable_driver()->mutable_init();
      i->set_no_recinvsid(r.u8() & 1);
      i->set_table_base(r.varint());
      i->set_strtab_log2size(r.u32());
      i->set_strtab_split(r.u32());
      i->set_cmdq_log2size(r.u32());
      i->set_eventq_log2size(r.u32());
      break;
    }
    case RawKind::Domain: {
      auto* d = s.mutable_driver()->mutable_domain();
      d->set_id(r.u32());
      d->set_stage(static_cast<smmucheck::Stage>(r.u8() % 3));
      d->set_granule(r.u32());
      d->set_ia_bits(r.u32());
      d->set_asid(r.u32());
      d->set_vmid(r.u32());
      d->set_s2_ia_bits(r.u32());
      break;
    }
    case RawKind::Attach: {
      auto* a = s.mutable_driver()->mutable_attach();
      a->set_sid(r.u32());
      a->set_domain(r.u32());
      if (r.u8() & 1) a->set_ssid(r.u32());
      a->set_cdmax(r.u32());
      a->set_s1dss(r.u32());
      break;
    }
    case RawKind::Map: {
      auto* m = s.mutable_driver()->mutable_map();
      m->set_domain(r.u32());
      m->set_iova(r.varint());
      m->set_pa(r.varint());
      m->set_size(r.varint());
      std::string perms;
      for (size_t n = r.u8() % 8, i = 0; i < n; ++i) perms += kPermChars[r.u8() % kPermChars.size()];
      m->set_perms(perms);
      m->set_memtype(kMemtypes[r.u8() % kMemtypes.size()]);
      if (r.u8() & 1) m->set_ipa(r.varint());
      break;
    }
    case RawKind::Unmap: {
      auto* u = s.mutable_driver()->mutable_unmap();
      u->set_domain(r.u32());
      u->set_iova(r.varint());
      u->set_size(r.varint());
      break;
    }
    case RawKind::Detach: {
      auto* d = s.mutable_driver()->mutable_detach();
      d->set_sid(r.u32());
      d->set_bypass(r.u8() & 1);
      break;
    }
    case RawKind::kCount: break;
  }
  return s;
}

std::optional<RawKind> write_raw_step(const smmucheck::Step& s, ByteWriter& w, std::string& why) {
  switch (s.op_case()) {
    case smmucheck::Step::kMmioWrite: {
      const auto& m = s.mmio_write();
      if (m.has_size() && m.size() != 4 && m.size() != 8) return why = "mmio_write size is not 4 or 8", std::nullopt;
      const bool named = !m.reg().empty();
      w.u8(named | (m.has_size() << 1) | (m.has_offset() << 2) | (m.has_value() << 3) | ((m.size() == 8) << 4));
      if (named && !write_reg_name(m.reg(), w, why)) return std::nullopt;
      if (m.has_offset()) w.varint(m.offset());
      if (m.has_value()) {
        w.varint(m.value());
      } else {
        if (m.field_size() > int(kMaxFields)) return why = "a register write with more than 16 fields", std::nullopt;
        w.varint(m.field_size());
        for (const auto& fv : m.field())
          if (!write_register_field(fv, w, why)) return std::nullopt;
      }
      return RawKind::MmioWrite;
    }
    case smmucheck::Step::kMmioRead: {
      const auto& m = s.mmio_read();
      if (m.has_size() && m.size() != 4 && m.size() != 8) return why = "mmio_read size is not 4 or 8", std::nullopt;
      const bool named = !m.reg().empty();
      w.u8(named | (m.has_size() << 1) | (m.has_offset() << 2) | ((m.size() == 8) << 4));
      if (named && !write_reg_name(m.reg(), w, why)) return std::nullopt;
      if (m.has_offset()) w.varint(m.offset());
      return RawKind::MmioRead;
    }
    case smmucheck::Step::kMemWrite:
      if (s.mem_write().qword_size() > int(kMaxQwords)) return why = "a mem_write of more than 4096 qwords", std::nullopt;
      w.varint(s.mem_write().addr());
      w.varint(s.mem_write().qword_size());
      for (uint64_t q : s.mem_write().qword()) w.varint(q);
      return RawKind::MemWrite;
    case smmucheck::Step::kMemRead: {
      const uint32_t size = s.mem_read().size();
      if (size != 0 && size != 4 && size != 8) return why = "mem_read size is not 4 or 8", std::nullopt;
      w.varint(s.mem_read().addr());
      w.u8(size == 0 ? 0 : size == 4 ? 1 : 2);
      return RawKind::MemRead;
    }
    case smmucheck::Step::kCommands:
      if (s.commands().cmd_size() > int(kMaxCommands)) return why = "more than 256 commands in one step", std::nullopt;
      w.varint(s.commands().cmd_size());
      for (const auto& c : s.commands().cmd()) {
        if (c.raw_size() > 0) {
          if (c.raw_size() != 2 || !c.opcode().empty() || c.field_size() > 0)
            return why = "a raw command that is not exactly two qwords", std::nullopt;
          w.u8(0);
          w.varint(c.raw(0));
          w.varint(c.raw(1));
          continue;
        }
        const bool full = c.opcode().starts_with("CMD_");
        auto i = index_where(kOpcodes, [&](const OpcodeInfo& o) { return c.opcode() == (full ? o.name : o.name + 4); });
        if (!i) return why = fmt::format("opcode '{}' is not in specs/fields/cmd_opcodes.def", c.opcode()), std::nullopt;
        w.u8(full ? 1 : 2);
        w.varint(*i);
        if (c.field_size() > int(kMaxFields)) return why = "a command with more than 16 fields", std::nullopt;
        w.varint(c.field_size());
        for (const auto& fv : c.field()) {
          auto f = index_where(cmd::kFields, [&](const Field& x) { return fv.name() == x.name; });
          if (!f) return why = fmt::format("command field '{}' is not in specs/fields/cmd.def", fv.name()), std::nullopt;
          w.varint(*f);
          w.varint(fv.value());
        }
      }
      return RawKind::Commands;
    case smmucheck::Step::kDma: {
      const auto& d = s.dma();
      if (d.access() < 0 || d.access() > 2) return why = "dma access is not READ, WRITE or INSTR", std::nullopt;
      w.varint(d.sid());
      w.u8(d.has_ssid() | (d.priv() << 1) | (d.access() << 2));
      if (d.has_ssid()) w.varint(d.ssid());
      w.varint(d.addr());
      return RawKind::Dma;
    }
    case smmucheck::Step::kDriver: {
      const auto& op = s.driver();
      switch (op.op_case()) {
        case smmucheck::Driver::kInit: {
          const auto& i = op.init();
          w.u8(i.no_recinvsid());
          for (uint64_t v : {uint64_t(i.table_base()), uint64_t(i.strtab_log2size()), uint64_t(i.strtab_split()),
                             uint64_t(i.cmdq_log2size()), uint64_t(i.eventq_log2size())})
            w.varint(v);
          return RawKind::Init;
        }
        case smmucheck::Driver::kDomain: {
          const auto& d = op.domain();
          if (d.stage() < 0 || d.stage() > 2) return why = "domain stage is not STAGE1, STAGE2 or NESTED", std::nullopt;
          w.varint(d.id());
          w.u8(static_cast<uint8_t>(d.stage()));
          for (uint32_t v : {d.granule(), d.ia_bits(), d.asid(), d.vmid(), d.s2_ia_bits()}) w.varint(v);
          return RawKind::Domain;
        }
        case smmucheck::Driver::kAttach: {
          const auto& a = op.attach();
          w.varint(a.sid());
          w.varint(a.domain());
          w.u8(a.has_ssid());
          if (a.has_ssid()) w.varint(a.ssid());
          w.varint(a.cdmax());
          w.varint(a.s1dss());
          return RawKind::Attach;
        }
        case smmucheck::Driver::kMap: {
          const auto& m = op.map();
          w.varint(m.domain());
          w.varint(m.iova());
          w.varint(m.pa());
          w.varint(m.size());
          if (m.perms().size() > 7 || m.perms().find_first_not_of(kPermChars) != std::string::npos)
            return why = fmt::format("map perms '{}' (the codec carries up to 7 of r, w, x, u)", m.perms()), std::nullopt;
          w.u8(static_cast<uint8_t>(m.perms().size()));
          for (char c : m.perms()) w.u8(static_cast<uint8_t>(kPermChars.find(c)));
          auto mt = std::find(kMemtypes.begin(), kMemtypes.end(), m.memtype());
          if (mt == kMemtypes.end()) return why = fmt::format("map memtype '{}'", m.memtype()), std::nullopt;
          w.u8(static_cast<uint8_t>(mt - kMemtypes.begin()));
          w.u8(m.has_ipa());
          if (m.has_ipa()) w.varint(m.ipa());
          return RawKind::Map;
        }
        case smmucheck::Driver::kUnmap:
          w.varint(op.unmap().domain());
          w.varint(op.unmap().iova());
          w.varint(op.unmap().size());
          return RawKind::Unmap;
        case smmucheck::Driver::kDetach:
          w.varint(op.detach().sid());
          w.u8(op.detach().bypass());
          return RawKind::Detach;
        case smmucheck::Driver::kPreserve:
        case smmucheck::Driver::kAdopt:
          return why = "kexec driver intents (preserve, adopt: the codec has no live-update steps)", std::nullopt;
        default: return why = "a driver step without an operation", std::nullopt;
      }
    }
    case smmucheck::Step::kKexec:
    case smmucheck::Step::kOwner:
    case smmucheck::Step::kPreservedStream:
      return why = "kexec steps (kexec, owner, preserved_stream: the codec has no live-update steps)", std::nullopt;
    default: return why = "a step without an operation", std::nullopt;
  }
}

void read_raw_features(ByteReader& r, smmucheck::Features& f) {
  const uint8_t mask = r.u8();
  if (mask & 1) f.set_idr0(r.u32());
  if (mask & 2) f.set_idr1(r.u32());
  if (mask & 4) f.set_idr3(r.u32());
  if (mask & 8) f.set_idr5(r.u32());
  if (mask & 16) f.set_aidr(r.u32());
  const auto& fields = feature_fields();
  for (size_t n = r.count(64), i = 0; i < n; ++i) {
    const size_t k = r.varint() % (fields.size() + 1);
    auto* fv = f.add_set();
    if (k == fields.size()) {
      fv->set_name("version");
      fv->set_value(r.varint() % 4);
    } else {
      fv->set_name(fields[k]->name);
      fv->set_value(masked(*fields[k], r.varint()));
    }
  }
}

bool write_raw_features(const smmucheck::Features& f, ByteWriter& w, std::string& why) {
  w.u8(f.has_idr0() | (f.has_idr1() << 1) | (f.has_idr3() << 2) | (f.has_idr5() << 3) | (f.has_aidr() << 4));
  for (auto [has, v] : {std::pair{f.has_idr0(), f.idr0()}, {f.has_idr1(), f.idr1()}, {f.has_idr3(), f.idr3()},
                        {f.has_idr5(), f.idr5()}, {f.has_aidr(), f.aidr()}})
    if (has) w.varint(v);
  const auto& fields = feature_fields();
  if (f.set_size() > 64) return why = "more than 64 feature overrides", false;
  w.varint(f.set_size());
  for (const auto& fv : f.set()) {
    size_t k = fields.size();
    if (fv.name() != "version") {
      auto it = std::find_if(fields.begin(), fields.end(), [&](const Field* x) { return fv.name() == x->name; });
      if (it == fields.end()) return why = fmt::format("feature '{}' is not an IDR0/1/3/5 or AIDR field", fv.name()), false;
      k = size_t(it - fields.begin());
    }
    w.varint(k);
    w.varint(fv.value());
  }
  return true;
}

void read_raw_memory(ByteReader& r, smmucheck::Scenario& s) {
  for (size_t n = r.count(256), i = 0; i < n; ++i) {
    smmucheck::MemWrite m;
    m.set_addr(r.varint());
    for (size_t q = r.count(kMaxQwords), j = 0; j < q; ++j) m.add_qword(r.varint());
    if (m.qword_size() > 0) *s.add_memory() = m;
  }
  for (size_t n = r.count(64), i = 0; i < n; ++i) {
    auto* a = s.add_abort();
    a->set_base(r.varint());
    a->set_size(r.varint());
  }
}

bool write_raw_memory(const smmucheck::Scenario& s, ByteWriter& w, std::string& why) {
  if (s.memory_size() > 256 || s.abort_size() > 64) return why = "more than 256 memory entries or 64 abort ranges", false;
  w.varint(s.memory_size());
  for (const auto& m : s.memory()) {
    if (m.qword_size() == 0 || m.qword_size() > int(kMaxQwords)) return why = "a memory entry of 0 or more than 4096 qwords", false;
    w.varint(m.addr());
    w.varint(m.qword_size());
    for (uint64_t q : m.qword()) w.varint(q);
  }
  w.varint(s.abort_size());
  for (const auto& a : s.abort()) {
    w.varint(a.base());
    w.varint(a.size());
  }
  return true;
}

}  // namespace smmu::fuzz
