#include "harness/driver/driver.h"
#include "harness/driver/hitless.h"

#include <fmt/format.h>

#include "specs/lookup.h"

namespace smmu::driver {

namespace {

constexpr uint64_t kDefaultTableBase = 0x4000'0000;
constexpr uint64_t kTableRegion = 0x400'0000;  // 64 MiB of table memory per scenario

// The memory types a mapping can ask for: the MAIR index of make_cd's MAIR (0 Device-nGnRE, 1 Normal
// WB, 2 Normal NC) and the stage-2 MemAttr encoding (Arm ARM D8.5).
struct MemType {
  unsigned attr_index, s2memattr;
};
std::optional<MemType> memtype(const std::string& s) {
  if (s.empty() || s == "normal") return MemType{1, 0b1111};
  if (s == "device") return MemType{0, 0b0001};
  if (s == "nc") return MemType{2, 0b0101};
  return std::nullopt;
}

uint64_t field_value(uint64_t word, const Field& f, uint64_t v) {
  f.set(word, v);
  return word;
}

}  // namespace

smmucheck::Step mmio_write_step(const char* reg, uint64_t value, std::string comment) {
  smmucheck::Step s;
  s.set_comment(std::move(comment));
  s.mutable_mmio_write()->set_reg(reg);
  s.mutable_mmio_write()->set_value(value);
  return s;
}

std::array<uint64_t, 2> make_command(uint8_t opcode, std::initializer_list<std::pair<const Field*, uint64_t>> fields) {
  std::array<uint64_t, 2> c{};
  cmd::Opcode.set(std::span<uint64_t>(c), opcode);
  for (auto [f, v] : fields) f->set(std::span<uint64_t>(c), v);
  return c;
}

smmucheck::Step command_step(std::vector<std::array<uint64_t, 2>> cmds, std::string comment) {
  smmucheck::Step s;
  s.set_comment(std::move(comment));
  for (const auto& c : cmds) {
    auto* m = s.mutable_commands()->add_cmd();
    m->add_raw(c[0]);
    m->add_raw(c[1]);
  }
  return s;
}

namespace {
std::array<uint64_t, 2> sync() { return make_command(static_cast<uint8_t>(Opcode::CMD_SYNC), {}); }
// Leaf = 1 invalidates the STE only; after writing an L1STD the driver needs Leaf = 0 (§4.3.1, §5.1.1).
std::array<uint64_t, 2> cfgi_ste(uint32_t sid, bool leaf = true) {
  return make_command(static_cast<uint8_t>(Opcode::CMD_CFGI_STE), {{&cmd::StreamID, sid}, {&cmd::Leaf, leaf}});
}
}  // namespace

void Driver::Recorder::poke64(uint64_t pa, uint64_t value) {
  shadow_.poke64(pa, value);
  if (!sink) return;
  // Coalesce with the previous write when it ends where this one starts.
  if (!sink->empty() && sink->back().has_mem_write() && sink->back().comment().empty()) {
    auto* w = sink->back().mutable_mem_write();
    if (w->addr() + 8 * uint64_t(w->qword_size()) == pa) {
      w->add_qword(value);
      return;
    }
  }
  smmucheck::Step s;
  s.mutable_mem_write()->set_addr(pa);
  s.mutable_mem_write()->add_qword(value);
  sink->push_back(std::move(s));
}

std::optional<std::string> Driver::expand(const smmucheck::Driver& op, std::vector<smmucheck::Step>& out) {
  rec_.sink = &out;
  std::optional<std::string> err;
  try {
    switch (op.op_case()) {
      case smmucheck::Driver::kInit: err = init(op.init(), out); break;
      case smmucheck::Driver::kDomain: err = domain(op.domain(), out); break;
      case smmucheck::Driver::kAttach: err = attach(op.attach(), out); break;
      case smmucheck::Driver::kMap: err = map(op.map(), out); break;
      case smmucheck::Driver::kUnmap: err = unmap(op.unmap(), out); break;
      case smmucheck::Driver::kDetach: err = detach(op.detach(), out); break;
      case smmucheck::Driver::kRewrite: err = rewrite(op.rewrite(), out); break;
      case smmucheck::Driver::kPreserve: err = preserve(op.preserve(), out); break;
      case smmucheck::Driver::kAdopt: err = adopt(op.adopt(), out); break;
      default: err = "driver step has no operation";
    }
  } catch (const std::exception& e) {
    err = e.what();  // the table builders' own errors (out of table memory, bad size)
  }
  rec_.sink = nullptr;
  return err;
}

std::optional<std::string> Driver::init(const smmucheck::Init& op, std::vector<smmucheck::Step>& out) {
  if (strtab_) return "the SMMU is already initialised";
  table_base_ = op.table_base() ? op.table_base() : kDefaultTableBase;
  table_size_ = kTableRegion;
  alloc_ = std::make_unique<Allocator>(table_base_, table_base_ + table_size_);
  const unsigned log2size = op.strtab_log2size() ? op.strtab_log2size() : 8;
  if (log2size > features_.sidsize) return fmt::format("strtab_log2size {} exceeds IDR1.SIDSIZE {}", log2size, features_.sidsize);
  const unsigned split = op.strtab_split();
  if (split != 0 && split != 6 && split != 8 && split != 10) return "strtab_split is 0 (linear), 6, 8 or 10";
  {
    Allocator::Owner owner(*alloc_, "stream_table");
    strtab_ = std::make_unique<StreamTable>(split ? StreamTable::two_level(rec_, *alloc_, log2size, split)
                                                  : StreamTable::linear(rec_, *alloc_, log2size));
  }
  const unsigned cmdq_log2 = op.cmdq_log2size() ? op.cmdq_log2size() : 6;
  const unsigned evtq_log2 = op.eventq_log2size() ? op.eventq_log2size() : 6;
  if (cmdq_log2 > features_.cmdqs || evtq_log2 > features_.eventqs) return "queue size exceeds IDR1.CMDQS/EVENTQS";
  const uint64_t cmdq = alloc_->alloc(16ull << cmdq_log2, std::max<uint64_t>(32, 16ull << cmdq_log2), "command_queue");
  const uint64_t evtq = alloc_->alloc(32ull << evtq_log2, 32ull << evtq_log2, "event_queue");
  cmdq_ = {cmdq, 16ull << cmdq_log2};
  eventq_ = {evtq, 32ull << evtq_log2};
  uint64_t base = 0;
  regf::QUEUE_BASE_ADDR.set(base, cmdq >> 5);
  regf::QUEUE_BASE_LOG2SIZE.set(base, cmdq_log2);
  out.push_back(mmio_write_step("CMDQ_BASE", base, "driver init: command queue"));
  out.push_back(mmio_write_step("CMDQ_PROD", 0));
  out.push_back(mmio_write_step("CMDQ_CONS", 0));
  base = 0;
  regf::QUEUE_BASE_ADDR.set(base, evtq >> 5);
  regf::QUEUE_BASE_LOG2SIZE.set(base, evtq_log2);
  out.push_back(mmio_write_step("EVENTQ_BASE", base, "driver init: event queue"));
  out.push_back(mmio_write_step("EVENTQ_PROD", 0));
  out.push_back(mmio_write_step("EVENTQ_CONS", 0));
  out.push_back(mmio_write_step("STRTAB_BASE", strtab_->base(), "driver init: stream table"));
  out.push_back(mmio_write_step("STRTAB_BASE_CFG", strtab_->base_cfg()));
  out.push_back(mmio_write_step("CR2", field_value(0, regf::CR2_RECINVSID, !op.no_recinvsid())));
  uint64_t cr0 = field_value(0, regf::CR0_CMDQEN, 1);
  out.push_back(mmio_write_step("CR0", cr0, "driver init: enable the command queue, invalidate everything"));
  out.push_back(command_step({make_command(static_cast<uint8_t>(Opcode::CMD_CFGI_STE_RANGE), {{&cmd::Range, 31}}),
                              make_command(static_cast<uint8_t>(Opcode::CMD_TLBI_NSNH_ALL), {}), sync()}));
  regf::CR0_EVENTQEN.set(cr0, 1);
  out.push_back(mmio_write_step("CR0", cr0, "driver init: enable the event queue"));
  regf::CR0_SMMUEN.set(cr0, 1);
  out.push_back(mmio_write_step("CR0", cr0, "driver init: enable translation"));
  return std::nullopt;
}

std::optional<std::string> Driver::domain(const smmucheck::Domain& op, std::vector<smmucheck::Step>& out) {
  if (!strtab_) return "driver init must come first";
  if (domains_.count(op.id())) return fmt::format("domain {} already exists", op.id());
  DomainState d;
  d.config = op;
  const uint32_t gsize = op.granule() ? op.granule() : 4096;
  d.granule = gsize == 4096 ? 12 : gsize == 16384 ? 14 : gsize == 65536 ? 16 : 0;
  if (!d.granule) return fmt::format("granule {} is not 4096, 16384 or 65536", gsize);
  if (!features_.granule_supported(d.granule)) return fmt::format("the features lack the {} granule", gsize);
  const bool s1 = op.stage() != smmucheck::STAGE2, s2 = op.stage() != smmucheck::STAGE1;
  // Input sizes the driver's tables can resolve: more bits than one page's offset, at most 52 (Arm ARM D8.1).
  for (const uint32_t bits : {op.ia_bits(), op.s2_ia_bits()})
    if (bits && (bits <= d.granule || bits > 52))
      return fmt::format("ia_bits {} is out of range: a {} granule needs {}..52", bits, gsize, d.granule + 1);
  if (s2) {
    const unsigned ia = op.stage() == smmucheck::NESTED ? (op.s2_ia_bits() ? op.s2_ia_bits() : 40)
                                                        : (op.ia_bits() ? op.ia_bits() : 40);
    // The start level that resolves at most 16 concatenated tables' worth of bits (Arm ARM D8.2).
    int start = 3;
    while (start > 0 && ia > (d.granule + (3 - start) * (d.granule - 3)) + (d.granule - 3) + 4) --start;
    Allocator::Owner owner(*alloc_, fmt::format("domain {} stage2", op.id()));
    d.s2 = std::make_unique<PageTable>(rec_, *alloc_, d.granule, ia, start);
    if (op.stage() == smmucheck::NESTED) {
      // Stage 2 maps the driver's table memory one to one, so the guest's CD and tables are reachable.
      const uint64_t block = uint64_t{1} << (d.granule + (d.granule - 3));  // a level-2 block
      for (uint64_t a = table_base_ & ~(block - 1); a < table_base_ + table_size_; a += block)
        d.s2->map(a, a, block, s2_leaf_bits({}));
    }
  }
  if (s1) {
    const unsigned ia = op.ia_bits() ? op.ia_bits() : 39;
    Allocator::Owner owner(*alloc_, fmt::format("domain {} stage1", op.id()));
    d.s1 = std::make_unique<PageTable>(rec_, *alloc_, d.granule, ia);
    d.cd = alloc_->alloc(64, 64, fmt::format("domain {} cd", op.id()));
    const Words8 cd = make_cd({.ttb0 = d.s1->root(), .granule0 = d.granule, .t0sz = 64 - ia,
                               .ips = features_.oas, .asid = static_cast<uint16_t>(op.asid())});
    for (unsigned i = 0; i < 8; ++i) rec_.poke64(d.cd + 8 * i, cd[i]);
  }
  domains_.emplace(op.id(), std::move(d));
  return std::nullopt;
}

void Driver::write_ste(uint32_t sid, const Words8& ste, std::vector<smmucheck::Step>& out) {
  const bool new_l1 = strtab_->needs_l2(sid);  // ste_address() writes the L1STD
  Allocator::Owner owner(*alloc_, "stream_table");  // a 2-level table's L2 array
  const uint64_t pa = strtab_->ste_address(sid);
  if (ste::V.get(shadow_.peek64(pa))) {  // break before make
    rec_.poke64(pa, 0);
    out.push_back(command_step({cfgi_ste(sid), sync()}, fmt::format("driver: STE {:#x} made invalid", sid)));
  }
  for (unsigned i = 1; i < 8; ++i) rec_.poke64(pa + 8 * i, ste[i]);
  rec_.poke64(pa, ste[0]);
  out.push_back(command_step({cfgi_ste(sid, !new_l1), sync()},
                             fmt::format("driver: STE {:#x} written{}", sid, new_l1 ? " with its L1STD" : "")));
}

std::optional<std::string> Driver::attach(const smmucheck::Attach& op, std::vector<smmucheck::Step>& out) {
  if (!strtab_) return "driver init must come first";
  auto it = domains_.find(op.domain());
  if (it == domains_.end()) return fmt::format("no domain {}", op.domain());
  if (op.sid() >> strtab_->log2size()) return fmt::format("StreamID {:#x} is beyond the stream table", op.sid());
  DomainState& d = it->second;
  S1Config s1{.context_ptr = d.cd};
  if (op.has_ssid()) {
    if (op.cdmax() == 0 || op.ssid() >> op.cdmax()) return "attach with ssid needs cdmax > 0 covering the ssid";
    if (op.cdmax() > features_.ssidsize) return fmt::format("cdmax {} exceeds IDR1.SSIDSIZE {}", op.cdmax(), features_.ssidsize);
    auto& t = cd_tables_[op.sid()];
    Allocator::Owner owner(*alloc_, fmt::format("cd_table {}", op.sid()));
    if (!t) t = std::make_unique<CdTable>(rec_, *alloc_, op.cdmax(), 0);
    else if (t->cdmax() != op.cdmax())
      return fmt::format("StreamID {:#x} already has a CD table of 2^{} CDs", op.sid(), t->cdmax());
    Words8 cd{};
    for (unsigned i = 0; i < 8; ++i) cd[i] = shadow_.peek64(d.cd + 8 * i);
    t->set_cd(op.ssid(), cd);
    s1 = {.context_ptr = t->context_ptr(), .cdmax = op.cdmax(), .s1dss = op.s1dss()};
  }
  write_ste(op.sid(), ste_for(d, s1), out);
  return std::nullopt;
}

Words8 Driver::ste_for(const DomainState& d, const S1Config& s1) const {
  Words8 ste{};
  S2Config s2;
  if (d.s2) {
    const unsigned ia = d.s2->ia_bits();
    const int start = d.s2->start_level();
    // S2SL0 (VTCR_EL2.SL0 encoding): 4KB 0/1/2/3 = level 2/1/0/3; 16KB and 64KB 0/1/2 = level 3/2/1.
    const unsigned sl0 = d.granule == 12 ? (start == 3 ? 3 : 2 - start) : 3 - start;
    s2 = {.ttb = d.s2->root(), .granule = d.granule, .t0sz = 64 - ia, .sl0 = sl0, .ps = features_.oas,
          .vmid = static_cast<uint16_t>(d.config.vmid())};
  }
  switch (d.config.stage()) {
    case smmucheck::STAGE1:
      // §5.2 S2VMID: NS-EL1 stage-1 translations are tagged with S2VMID when stage 2 is implemented.
      ste = with(ste_stage1(s1), {{ste::S2VMID, d.config.vmid()}});
      break;
    case smmucheck::STAGE2: ste = ste_stage2(s2); break;
    default: ste = ste_nested(s1, s2); break;
  }
  return ste;
}

std::optional<std::string> Driver::rewrite(const smmucheck::Rewrite& op, std::vector<smmucheck::Step>& out) {
  if (!strtab_) return "driver init must come first";
  auto it = domains_.find(op.domain());
  if (it == domains_.end()) return fmt::format("no domain {}", op.domain());
  if (op.sid() >> strtab_->log2size()) return fmt::format("StreamID {:#x} is beyond the stream table", op.sid());
  const DomainState& d = it->second;
  EntryKind kind = EntryKind::Ste;
  uint64_t pa = 0;
  Words8 now{}, next{};
  if (op.has_cd_of_domain()) {
    auto target = domains_.find(op.cd_of_domain());
    if (target == domains_.end() || !target->second.cd) return fmt::format("domain {} has no CD", op.cd_of_domain());
    if (!d.cd) return fmt::format("domain {} has no CD", op.domain());
    kind = EntryKind::Cd;
    pa = target->second.cd;
    for (unsigned i = 0; i < 8; ++i) next[i] = shadow_.peek64(d.cd + 8 * i);
  } else {
    if (strtab_->needs_l2(op.sid())) return fmt::format("StreamID {:#x} has no live STE to rewrite", op.sid());
    pa = strtab_->ste_address(op.sid());
    next = ste_for(d, S1Config{.context_ptr = d.cd});
  }
  for (unsigned i = 0; i < 8; ++i) now[i] = shadow_.peek64(pa + 8 * i);
  const auto cfgi = kind == EntryKind::Ste
                        ? cfgi_ste(op.sid())
                        : make_command(static_cast<uint8_t>(Opcode::CMD_CFGI_CD),
                                       {{&cmd::StreamID, op.sid()}, {&cmd::SubstreamID, 0}, {&cmd::Leaf, 1}});
  switch (op.order()) {
    case smmucheck::WRITER_HITLESS:
      for (auto& st : rewrite_entry(kind, pa, op.sid(), 0, now, next, UsedContext{features_})) out.push_back(std::move(st));
      for (unsigned i = 0; i < 8; ++i) shadow_.poke64(pa + 8 * i, next[i]);
      break;
    case smmucheck::IN_ORDER:
    case smmucheck::IN_ORDER_NO_SYNC: {
      for (unsigned i = 0; i < 8; ++i) rec_.poke64(pa + 8 * i, next[i]);
      std::vector<std::array<uint64_t, 2>> cmds{cfgi};
      if (op.order() == smmucheck::IN_ORDER) cmds.push_back(sync());
      out.push_back(command_step(std::move(cmds), fmt::format("driver: {} rewritten in order{}",
                                                              kind == EntryKind::Ste ? "STE" : "CD",
                                                              op.order() == smmucheck::IN_ORDER ? "" : ", no CMD_SYNC")));
      break;
    }
    default: return "rewrite order is WRITER_HITLESS, IN_ORDER or IN_ORDER_NO_SYNC";
  }
  return std::nullopt;
}

std::optional<std::string> Driver::map(const smmucheck::Map& op, std::vector<smmucheck::Step>& out) {
  auto it = domains_.find(op.domain());
  if (it == domains_.end()) return fmt::format("no domain {}", op.domain());
  DomainState& d = it->second;
  const uint64_t size = op.size() ? op.size() : uint64_t{1} << d.granule;
  if ((op.iova() | op.pa()) & (size - 1))
    return fmt::format("iova {:#x} and pa {:#x} must be aligned to the size {:#x}", op.iova(), op.pa(), size);
  const auto mt = memtype(op.memtype());
  if (!mt) return fmt::format("memtype '{}' is not normal, device or nc", op.memtype());
  const std::string perms = op.perms().empty() ? "rw" : op.perms();
  for (char c : perms)
    if (c != 'r' && c != 'w' && c != 'x' && c != 'u') return fmt::format("perms '{}': use r, w, x and u", perms);
  const bool w = perms.find('w') != std::string::npos, x = perms.find('x') != std::string::npos;
  const bool r = perms.find('r') != std::string::npos, u = perms.find('u') != std::string::npos;
  if (d.s1) {
    Allocator::Owner owner(*alloc_, fmt::format("domain {} stage1", op.domain()));
    const uint64_t out_addr = d.s2 ? (op.has_ipa() ? op.ipa() : op.pa()) : op.pa();
    const S1Leaf leaf{.ap = (w ? 0u : 2u) | (u ? 1u : 0u), .attr_index = mt->attr_index, .uxn = !x, .pxn = !x};
    d.s1->map(op.iova(), out_addr, size, s1_leaf_bits(leaf));
  }
  if (d.s2) {
    Allocator::Owner owner(*alloc_, fmt::format("domain {} stage2", op.domain()));
    const uint64_t in = d.s1 ? (op.has_ipa() ? op.ipa() : op.pa()) : op.iova();
    const S2Leaf leaf{.s2ap = (r ? 1u : 0u) | (w ? 2u : 0u), .memattr = mt->s2memattr, .xn = x ? 0u : 2u};
    d.s2->map(in, op.pa(), size, s2_leaf_bits(leaf));
  }
  return std::nullopt;
}

std::optional<std::string> Driver::unmap(const smmucheck::Unmap& op, std::vector<smmucheck::Step>& out) {
  auto it = domains_.find(op.domain());
  if (it == domains_.end()) return fmt::format("no domain {}", op.domain());
  DomainState& d = it->second;
  const uint64_t size = op.size() ? op.size() : uint64_t{1} << d.granule;
  PageTable& pt = d.s1 ? *d.s1 : *d.s2;
  const int level = pt.leaf_level(size);
  if (level < 0) return fmt::format("size {:#x} is not a page or block size of the domain", size);
  const uint64_t pa = pt.existing_descriptor_address(op.iova(), level);
  if (!pa) return fmt::format("iova {:#x} is not mapped at that size", op.iova());
  rec_.poke64(pa, 0);
  std::vector<std::array<uint64_t, 2>> cmds;
  if (d.s1) {
    cmds.push_back(make_command(static_cast<uint8_t>(Opcode::CMD_TLBI_NH_VA),
                                {{&cmd::ASID, d.config.asid()}, {&cmd::VMID, d.config.vmid()}, {&cmd::Leaf, 1},
                                 {&cmd::VA, op.iova() >> 12}}));
  } else {
    cmds.push_back(make_command(static_cast<uint8_t>(Opcode::CMD_TLBI_S2_IPA),
                                {{&cmd::VMID, d.config.vmid()}, {&cmd::Leaf, 1}, {&cmd::IPA, op.iova() >> 12}}));
  }
  cmds.push_back(sync());
  out.push_back(command_step(std::move(cmds), fmt::format("driver: unmap {:#x}", op.iova())));
  return std::nullopt;
}

std::optional<std::string> Driver::detach(const smmucheck::Detach& op, std::vector<smmucheck::Step>& out) {
  if (!strtab_) return "driver init must come first";
  if (op.sid() >> strtab_->log2size()) return fmt::format("StreamID {:#x} is beyond the stream table", op.sid());
  write_ste(op.sid(), op.bypass() ? ste_bypass() : ste_abort(), out);
  return std::nullopt;
}

}  // namespace smmu::driver
