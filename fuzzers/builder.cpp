#include "fuzzers/builder.h"

#include "fuzzers/interesting.h"
#include "harness/runner/runner.h"
#include "harness/scenario/load.h"
#include "specs/lookup.h"

namespace smmu::fuzz {

namespace {

bool fits(const Field& f, uint64_t v) { return f.width() >= 64 || (v >> f.width()) == 0; }

// The start level of the driver's tables (harness/driver: PageTable and Driver::domain), so that the
// builder refuses what the driver could not build rather than letting it compute a shift out of range.
int stage1_start(unsigned g, unsigned ia) { return 3 - int((ia - 1 - g) / (g - 3)); }
int stage2_start(unsigned g, unsigned ia) {
  int start = 3;
  while (start > 0 && ia > (g + (3 - start) * (g - 3)) + (g - 3) + 4) --start;
  return start;
}
bool stage1_ia_ok(unsigned g, unsigned ia) { return ia > g && ia <= std::min(52u, g + 4 * (g - 3)); }
bool stage2_ia_ok(unsigned g, unsigned ia) { return ia > g && ia <= 52; }
bool leaf_ok(unsigned g, int start, uint64_t size) {
  for (int l = 3; l >= start; --l)
    if (size == level_size(g, l)) return true;
  return false;
}
unsigned granule_shift(uint32_t bytes) {
  return bytes == 0 || bytes == 4096 ? 12 : bytes == 16384 ? 14 : bytes == 65536 ? 16 : 0;
}
}  // namespace

const Field* resolve_register_field(std::string_view name, std::string_view reg) {
  // register_field() (specs/lookup.cpp) recurses without end on an unknown short name of a queue base or
  // IRQ_CFGn register; those shared layouts are looked up here directly.
  if (name.find('.') == std::string_view::npos && !reg.empty()) {
    std::string_view shared;
    if (reg.ends_with("_BASE") && reg != "STRTAB_BASE") shared = "QUEUE_BASE";
    for (std::string_view cfg : {"IRQ_CFG0", "IRQ_CFG1", "IRQ_CFG2"})
      if (reg.ends_with(cfg)) shared = cfg;
    if (!shared.empty()) {
      const std::string own = std::string(reg) + "." + std::string(name);
      if (const Field* f = field_by_name(regf::kFields, own)) return f;
      return field_by_name(regf::kFields, std::string(shared) + "." + std::string(name));
    }
  }
  return register_field(name, reg);
}

bool register_field_ok(const std::string& reg, const std::string& name, uint64_t value) {
  const Field* f = resolve_register_field(name, reg);
  return f && fits(*f, value);
}

const DomainInfo* Tracked::domain(uint32_t id) const {
  for (const DomainInfo& d : domains)
    if (d.id == id) return &d;
  return nullptr;
}

ScenarioBuilder::ScenarioBuilder(size_t max_steps) : max_steps_(max_steps) {
  std::vector<std::string> problems;
  t_.features = harness::requested_features(smmucheck::Features{}, problems);
  driver_ = std::make_unique<driver::Driver>(t_.features);
}

void ScenarioBuilder::set_features(const smmucheck::Features& f) {
  *scenario_.mutable_features() = f;
  std::vector<std::string> problems;
  t_.features = harness::requested_features(f, problems);
  driver_ = std::make_unique<driver::Driver>(t_.features);
}

void ScenarioBuilder::add_memory(const smmucheck::MemWrite& w) {
  if (w.qword_size() == 0) return;
  apply_mem_write(w);
  *scenario_.add_memory() = w;
}

void ScenarioBuilder::add_abort(const smmucheck::Range& r) { *scenario_.add_abort() = r; }

bool ScenarioBuilder::valid_primitive(smmucheck::Step& s) const {
  auto size_ok = [](bool has, uint32_t size) { return !has || size == 4 || size == 8; };
  switch (s.op_case()) {
    case smmucheck::Step::kMmioWrite: {
      const auto& w = s.mmio_write();
      if (!w.has_offset() && !register_by_name(w.reg())) return false;
      if (!size_ok(w.has_size(), w.size()) || w.has_value() == (w.field_size() > 0)) return false;
      for (const auto& fv : w.field())
        if (!register_field_ok(w.reg(), fv.name(), fv.value())) return false;
      return true;
    }
    case smmucheck::Step::kMmioRead: {
      const auto& r = s.mmio_read();
      return (r.has_offset() || register_by_name(r.reg())) && size_ok(r.has_size(), r.size());
    }
    case smmucheck::Step::kMemWrite: return s.mem_write().qword_size() > 0;
    case smmucheck::Step::kMemRead: return s.mem_read().size() == 0 || s.mem_read().size() == 4 || s.mem_read().size() == 8;
    case smmucheck::Step::kCommands:
      if (s.commands().cmd_size() == 0) return false;
      for (const auto& c : s.commands().cmd()) {
        if (c.raw_size() > 0 ? (c.raw_size() != 2 || !c.opcode().empty() || c.field_size() > 0)
                             : !opcode_by_name(c.opcode()))
          return false;
        for (const auto& fv : c.field()) {
          const Field* f = field_by_name(cmd::kFields, fv.name());
          if (!f || !fits(*f, fv.value())) return false;
        }
      }
      return true;
    case smmucheck::Step::kDma: return true;
    default: return false;  // kexec needs the live-update simulator; a step needs an operation
  }
}

bool ScenarioBuilder::driver_precheck(const smmucheck::Driver& op) const {
  const Features& f = t_.features;
  switch (op.op_case()) {
    case smmucheck::Driver::kInit: {
      const auto& i = op.init();
      const unsigned log2 = i.strtab_log2size() ? i.strtab_log2size() : 8;
      const unsigned split = i.strtab_split();
      return !t_.initialized && log2 <= f.sidsize && log2 <= 31 && (split == 0 || split == 6 || split == 8 || split == 10) &&
             (i.cmdq_log2size() ? i.cmdq_log2size() : 6) <= f.cmdqs &&
             (i.eventq_log2size() ? i.eventq_log2size() : 6) <= f.eventqs;
    }
    case smmucheck::Driver::kDomain: {
      const auto& d = op.domain();
      const unsigned g = granule_shift(d.granule());
      if (!t_.initialized || t_.domain(d.id()) || !g || !f.granule_supported(g) || d.stage() > smmucheck::NESTED) return false;
      const bool s1 = d.stage() != smmucheck::STAGE2;
      const unsigned ia = d.ia_bits() ? d.ia_bits() : (s1 ? 39 : 40);
      const unsigned s2ia = d.s2_ia_bits() ? d.s2_ia_bits() : 40;
      if (d.stage() == smmucheck::STAGE1) return stage1_ia_ok(g, ia);
      if (d.stage() == smmucheck::STAGE2) return stage2_ia_ok(g, ia);
      return stage1_ia_ok(g, ia) && stage2_ia_ok(g, s2ia);
    }
    case smmucheck::Driver::kAttach: {
      const auto& a = op.attach();
      if (!t_.initialized || !t_.domain(a.domain()) || (a.sid() >> t_.strtab_log2)) return false;
      if (!a.has_ssid()) return true;
      if (a.cdmax() == 0 || a.cdmax() > f.ssidsize || a.cdmax() > 20 || (a.ssid() >> a.cdmax())) return false;
      auto it = t_.cd_table_cdmax.find(a.sid());
      return it == t_.cd_table_cdmax.end() || it->second == a.cdmax();
    }
    case smmucheck::Driver::kMap: {
      const auto& m = op.map();
      const DomainInfo* d = t_.domain(m.domain());
      if (!d) return false;
      const uint64_t size = m.size() ? m.size() : uint64_t{1} << d->granule;
      if ((m.iova() | m.pa() | (m.has_ipa() ? m.ipa() : 0)) & (size - 1)) return false;
      if (!leaf_ok(d->granule, d->start, size)) return false;
      if (d->stage == smmucheck::NESTED && !leaf_ok(d->granule, d->s2_start, size)) return false;
      const std::string& mt = m.memtype();
      if (!(mt.empty() || mt == "normal" || mt == "device" || mt == "nc")) return false;
      return m.perms().find_first_not_of("rwxu") == std::string::npos;
    }
    case smmucheck::Driver::kUnmap: {
      const DomainInfo* d = t_.domain(op.unmap().domain());
      return d && leaf_ok(d->granule, d->start, op.unmap().size() ? op.unmap().size() : uint64_t{1} << d->granule);
    }
    case smmucheck::Driver::kDetach: return t_.initialized && !(op.detach().sid() >> t_.strtab_log2);
    default: return false;
  }
}

void ScenarioBuilder::rebuild_driver() {
  driver_ = std::make_unique<driver::Driver>(t_.features);
  std::vector<smmucheck::Step> ignored;
  for (const auto& op : accepted_) {
    ignored.clear();
    driver_->expand(op, ignored);
  }
}

bool ScenarioBuilder::emit(smmucheck::Step s) {
  if (full()) return false;
  if (s.has_driver()) {
    if (!driver_precheck(s.driver())) return false;
    std::vector<smmucheck::Step> expanded;
    if (driver_->expand(s.driver(), expanded) || !commands_fit(expanded)) {
      rebuild_driver();  // the failed intent may have changed the shadow half way
      return false;
    }
    accepted_.push_back(s.driver());
    track_driver(s.driver(), expanded);
  } else {
    if (!valid_primitive(s)) return false;
    // The runner cannot publish more commands than the queue has free entries (it stops the run).
    if (s.has_commands() && !t_.cmdq.publish(s.commands(), t_.image, t_.features)) return false;
    if (s.has_mem_write()) apply_mem_write(s.mem_write());
    if (s.has_mmio_write()) apply_mmio_write(s.mmio_write());
  }
  *scenario_.add_step() = std::move(s);
  return true;
}

void ScenarioBuilder::apply_mem_write(const smmucheck::MemWrite& w) {
  for (int i = 0; i < w.qword_size(); ++i) t_.image.poke64(w.addr() + 8 * uint64_t(i), w.qword(i));
}

namespace {
// The image with a layer of writes on top, for a dry run of the command queue.
class Overlay final : public harness::TableMemory {
 public:
  explicit Overlay(const harness::SparseMemory& under) : under_(under) {}
  uint64_t peek64(uint64_t pa) const override {
    auto it = written_.find(pa);
    return it != written_.end() ? it->second : under_.peek64(pa);
  }
  void poke64(uint64_t pa, uint64_t value) override { written_[pa] = value; }

 private:
  const harness::SparseMemory& under_;
  std::map<uint64_t, uint64_t> written_;
};
}  // namespace

bool ScenarioBuilder::commands_fit(const std::vector<smmucheck::Step>& expanded) const {
  CommandQueueModel q = t_.cmdq;
  Overlay mem(t_.image);
  for (const auto& p : expanded) {
    if (p.has_mmio_write()) {
      const harness::MmioAccess a = harness::mmio_access(p.mmio_write());
      q.register_write(a.offset, a.value, mem, t_.features);
    }
    if (p.has_commands() && !q.publish(p.commands(), mem, t_.features)) return false;
  }
  return true;
}

void ScenarioBuilder::apply_mmio_write(const smmucheck::MmioWrite& w) {
  const harness::MmioAccess a = harness::mmio_access(w);
  if (a.offset == reg::CR0.offset) t_.cr0 = static_cast<uint32_t>(a.value);
  if (a.offset == reg::EVENTQ_BASE.offset && !regf::CR0_EVENTQEN.get(t_.cr0))
    t_.eventq_base = regf::QUEUE_BASE_ADDR.in_place(a.value);
  t_.cmdq.register_write(a.offset, a.value, t_.image, t_.features);
}

void ScenarioBuilder::track_driver(const smmucheck::Driver& op, const std::vector<smmucheck::Step>& expanded) {
  std::vector<const smmucheck::MemWrite*> writes;
  for (const auto& p : expanded) {
    if (p.has_mem_write()) {
      apply_mem_write(p.mem_write());
      writes.push_back(&p.mem_write());
    }
    if (p.has_mmio_write()) apply_mmio_write(p.mmio_write());
    if (p.has_commands()) t_.cmdq.publish(p.commands(), t_.image, t_.features);
  }
  const uint64_t last = writes.empty() ? 0 : writes.back()->addr() + 8 * uint64_t(writes.back()->qword_size() - 1);
  if (t_.split && (op.has_attach() || op.has_detach()))
    t_.l2_spans.insert((op.has_attach() ? op.attach().sid() : op.detach().sid()) >> std::min(t_.split, 31u));
  if (t_.split && (op.has_attach() || op.has_detach()))
    t_.l2_spans.insert((op.has_attach() ? op.attach().sid() : op.detach().sid()) >> std::min(t_.split, 31u));
  switch (op.op_case()) {
    case smmucheck::Driver::kInit: {
      const auto& i = op.init();
      t_.initialized = true;
      t_.strtab_log2 = i.strtab_log2size() ? i.strtab_log2size() : 8;
      t_.split = i.strtab_split();
      t_.eventq_log2 = i.eventq_log2size() ? i.eventq_log2size() : 6;
      break;
    }
    case smmucheck::Driver::kDomain: {
      const auto& o = op.domain();
      DomainInfo d;
      d.id = o.id();
      d.stage = o.stage();
      d.granule = granule_shift(o.granule());
      d.ia_bits = o.ia_bits() ? o.ia_bits() : (d.has_s1() ? 39 : 40);
      d.s2_ia_bits = d.stage == smmucheck::NESTED ? (o.s2_ia_bits() ? o.s2_ia_bits() : 40) : d.ia_bits;
      d.start = d.has_s1() ? stage1_start(d.granule, d.ia_bits) : stage2_start(d.granule, d.ia_bits);
      d.s2_start = stage2_start(d.granule, d.s2_ia_bits);
      d.asid = o.asid();
      d.vmid = o.vmid();
      if (d.has_s1() && !writes.empty() && writes.back()->qword_size() >= 8) {
        d.cd = writes.back()->addr() + 8 * uint64_t(writes.back()->qword_size() - 8);
        t_.cds.push_back({.pa = d.cd, .domain = d.id});
      }
      t_.domains.push_back(d);
      break;
    }
    case smmucheck::Driver::kAttach: {
      const auto& a = op.attach();
      StreamInfo& st = t_.streams[a.sid()];
      const bool had_table = st.kind == StreamInfo::kDomain && !st.ssids.empty();
      st.kind = StreamInfo::kDomain;
      st.domain = a.domain();
      st.ste = writes.empty() ? 0 : writes.back()->addr();
      if (a.has_ssid()) {
        t_.cd_table_cdmax[a.sid()] = a.cdmax();
        if (!had_table) st.ssids.clear();
        std::erase_if(st.ssids, [&](const auto& p) { return p.first == a.ssid(); });
        st.ssids.emplace_back(a.ssid(), a.domain());
        for (const auto* w : writes)
          if (w->qword_size() == 8) {
            t_.cds.push_back({.pa = w->addr(), .sid = a.sid(), .domain = a.domain(), .ssid = a.ssid()});
            break;
          }
      } else {
        st.ssids.clear();
      }
      if (std::none_of(t_.stes.begin(), t_.stes.end(), [&](const WordRef& r) { return r.pa == st.ste; }))
        t_.stes.push_back({.pa = st.ste, .sid = a.sid()});
      break;
    }
    case smmucheck::Driver::kMap: {
      const auto& m = op.map();
      DomainInfo* d = nullptr;
      for (auto& x : t_.domains)
        if (x.id == m.domain()) d = &x;
      const uint64_t size = m.size() ? m.size() : uint64_t{1} << d->granule;
      for (auto& old : t_.mappings)
        if (old.domain == m.domain() && old.iova == m.iova() && old.size == size) old.live = false;
      t_.mappings.push_back({.domain = m.domain(), .iova = m.iova(), .size = size, .pa = m.pa(), .leaf = last,
                             .perms = m.perms()});
      for (int l = d->start; l <= 3 && level_size(d->granule, l) > size; ++l)
        d->tabled.insert((m.iova() & ~(level_size(d->granule, l) - 1)) | uint64_t(l));
      if (m.has_ipa()) d->next_ipa = std::max(d->next_ipa, m.ipa() + size);
      for (const auto* w : writes)
        for (int i = 0; i < w->qword_size(); ++i) t_.descriptors.push_back({.pa = w->addr() + 8 * uint64_t(i), .domain = d->id});
      break;
    }
    case smmucheck::Driver::kUnmap: {
      const auto& u = op.unmap();
      const DomainInfo* d = t_.domain(u.domain());
      const uint64_t size = u.size() ? u.size() : uint64_t{1} << d->granule;
      for (auto& m : t_.mappings)
        if (m.domain == u.domain() && m.iova == u.iova() && m.size == size) m.live = false;
      break;
    }
    case smmucheck::Driver::kDetach: {
      StreamInfo& st = t_.streams[op.detach().sid()];
      st.kind = op.detach().bypass() ? StreamInfo::kBypass : StreamInfo::kAbort;
      st.ssids.clear();
      st.ste = writes.empty() ? st.ste : writes.back()->addr();
      break;
    }
    default: break;
  }
}

}  // namespace smmu::fuzz
