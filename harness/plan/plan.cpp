#include "harness/plan/plan.h"

#include <functional>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/diff/diff_runner.h"
#include "harness/diff/sync_tracker.h"
#include "harness/runner/runner.h"
#include "reference/smmu.h"
#include "specs/lookup.h"

namespace smmu::plan {

const char* invariant_name(smmucheck::Invariant i) {
  switch (i) {
    case smmucheck::CONTINUITY: return "continuity";
    case smmucheck::FOOTPRINT: return "footprint";
    case smmucheck::ISOLATION: return "isolation";
    case smmucheck::HITLESS: return "hitless";
    case smmucheck::LEGAL_PROGRAMMING: return "legal-programming";
    case smmucheck::WRITE_CONTAINMENT: return "write-containment";
    case smmucheck::DMA_CONTAINMENT: return "dma-containment";
    case smmucheck::CACHING: return "caching";
    default: return "?";
  }
}

std::optional<LoadedPlan> load_plan(const std::string& path, std::vector<harness::InputError>& errors) {
  std::string text;
  if (!harness::read_file(path, text, errors)) return std::nullopt;
  return parse_plan(text, path, errors);
}

void set_kexec_seed(LoadedPlan& p, uint64_t seed) {
  p.msg.mutable_step(p.kexec_step)->mutable_kexec()->set_seed(seed);
  p.scenario.msg.mutable_step(p.kexec_step)->mutable_kexec()->set_seed(seed);
}

std::optional<LoadedPlan> parse_plan(std::string_view text, const std::string& path,
                                     std::vector<harness::InputError>& errors) {
  LoadedPlan p;
  google::protobuf::TextFormat::ParseInfoTree tree;
  if (!harness::parse_text(text, path, p.msg, tree, errors)) return std::nullopt;
  const auto* desc = p.msg.GetDescriptor();
  auto where = [&](const char* field, int index) {
    auto loc = tree.GetLocation(desc->FindFieldByName(field), index);
    return std::pair<int, int>{loc.line + 1, loc.column + 1};
  };
  const size_t before = errors.size();
  auto error = [&](const char* field, int index, std::string message) {
    auto [line, column] = where(field, index);
    errors.push_back({path, line, column, std::move(message)});
  };

  smmucheck::Scenario s;
  s.set_name(p.msg.name());
  s.set_description(p.msg.description());
  *s.mutable_features() = p.msg.features();
  std::vector<int> lines, columns;
  for (int i = 0; i < p.msg.step_size(); ++i) {
    *s.add_step() = p.msg.step(i);
    auto [line, column] = where("step", i);
    lines.push_back(line);
    columns.push_back(column);
    if (p.msg.step(i).has_kexec()) {
      if (p.kexec_step >= 0) error("step", i, fmt::format("step {}: a second kexec step (the first is step {})", i, p.kexec_step));
      else p.kexec_step = i;
    }
  }
  if (p.kexec_step < 0) errors.push_back({path, 0, 0, "the plan has no kexec step (step { kexec { seed: N } })"});
  if (p.msg.stream_size() == 0 && p.msg.expect_size() == 0)
    errors.push_back({path, 0, 0, "the plan names no surviving stream and expects no verdict"});
  for (int i = 0; i < p.msg.stream_size(); ++i)
    for (uint32_t b : p.msg.stream(i).breaking_step())
      if (int(b) >= p.msg.step_size()) error("stream", i, fmt::format("stream {}: breaking_step {} is not a step", i, b));
  for (int i = 0; i < p.msg.reclaim_size(); ++i) {
    const auto& r = p.msg.reclaim(i);
    if (int(r.after_step()) >= p.msg.step_size() || int(r.after_step()) < p.kexec_step)
      error("reclaim", i, fmt::format("reclaim {}: after_step {} is not a step of the new kernel", i, r.after_step()));
    if (r.what_case() == smmucheck::Reclaim::WHAT_NOT_SET) error("reclaim", i, fmt::format("reclaim {}: names nothing", i));
  }
  for (int i = 0; i < p.msg.preserve_size(); ++i)
    if (p.msg.preserve(i).what_case() == smmucheck::PlanPreserve::WHAT_NOT_SET)
      error("preserve", i, fmt::format("preserve {}: names nothing", i));
  std::set<int> seen;
  for (int i = 0; i < p.msg.expect_size(); ++i)
    if (!seen.insert(p.msg.expect(i).invariant()).second)
      error("expect", i, fmt::format("expect {}: {} is expected twice", i, invariant_name(p.msg.expect(i).invariant())));
  auto [fline, fcolumn] = where("features", -1);
  auto sc = harness::checked_scenario(std::move(s), path, lines, columns, fline, fcolumn, errors);
  if (!sc || errors.size() != before) return std::nullopt;
  p.scenario = std::move(*sc);
  return p;
}

namespace {

std::set<uint64_t> pages_in(uint64_t base, uint64_t size) {
  std::set<uint64_t> out;
  for (uint64_t a = base & ~uint64_t{0xFFF}; size && a < base + size; a += 0x1000) out.insert(a >> 12);
  return out;
}

// The pages a Preserve names, from the driver's allocations (and, for `everything`, every page written).
std::set<uint64_t> preserved_pages(const smmucheck::PlanPreserve& p, const driver::Driver& d, const harness::SparseMemory& mem) {
  using W = smmucheck::PlanPreserve;
  std::string owner;
  switch (p.what_case()) {
    case W::kStreamTable: owner = "stream_table"; break;
    case W::kCommandQueue: owner = "command_queue"; break;
    case W::kEventQueue: owner = "event_queue"; break;
    case W::kDomainStage1: owner = fmt::format("domain {} stage1", p.domain_stage1()); break;
    case W::kDomainCd: owner = fmt::format("domain {} cd", p.domain_cd()); break;
    case W::kDomainStage2: owner = fmt::format("domain {} stage2", p.domain_stage2()); break;
    case W::kCdTable: owner = fmt::format("cd_table {}", p.cd_table()); break;
    case W::kRange: return pages_in(p.range().base(), p.range().size());
    case W::kEverything: {  // every page written, and every page the driver allocated (written or still zero)
      std::set<uint64_t> all;
      mem.for_each_page([&](uint64_t base, const uint8_t*) { all.insert(base >> 12); });
      for (const auto& a : d.allocations()) all.merge(pages_in(a.base, a.size));
      return all;
    }
    default: break;
  }
  std::set<uint64_t> out;
  const std::string domain = p.what_case() == W::kDomain ? fmt::format("domain {} ", p.domain()) : "";
  for (const auto& a : d.allocations())
    if (domain.empty() ? a.owner == owner : a.owner.rfind(domain, 0) == 0) out.merge(pages_in(a.base, a.size));
  if (out.empty() && p.what_case() != W::kRange)
    throw std::runtime_error(fmt::format("preserve {}: the driver allocated no such thing",
                                         domain.empty() ? owner : "domain " + std::to_string(p.domain())));
  return out;
}

std::set<uint64_t> reclaimed_pages(const smmucheck::Reclaim& r, const ref::Registers& regs) {
  using W = smmucheck::Reclaim;
  switch (r.what_case()) {
    case W::kEventQueue:
      return pages_in(regf::QUEUE_BASE_ADDR.in_place(regs.eventq_base),
                      uint64_t{32} << regf::QUEUE_BASE_LOG2SIZE.get(regs.eventq_base));
    case W::kCommandQueue:
      return pages_in(regf::QUEUE_BASE_ADDR.in_place(regs.cmdq_base),
                      uint64_t{16} << regf::QUEUE_BASE_LOG2SIZE.get(regs.cmdq_base));
    case W::kRange: return pages_in(r.range().base(), r.range().size());
    default: return {};
  }
}

// What the reference consumed and read: completed CMD_SYNCs end write groups; footprints feed the caching
// obligation.
class PlanObserver final : public WalkObserver {
 public:
  explicit PlanObserver(harness::SyncTracker& t) : tracker_(t) {}
  void table_read(const TableRead& r) override {
    reads.push_back(r);
    tracker_.on_read(r);
  }
  bool wants_decisions() const override { return false; }
  void command(const CommandReport& c) override {
    tracker_.on_command(c);
    if (c.opcode == static_cast<uint8_t>(Opcode::CMD_SYNC) && c.error == 0 && on_sync) on_sync();
  }
  std::vector<TableRead> reads;
  std::function<void()> on_sync;  // a CMD_SYNC completed (a driver step may hold several)

 private:
  harness::SyncTracker& tracker_;
};

// Register writes the architecture guards (§6.3.24, §6.3.25, §6.3.26, §6.3.29: written only while the
// guarding enable is 0; CONSTRAINED UNPREDICTABLE or IGNORED otherwise), and the project's rule that SMMUEN
// stays 1 through the handover (ARCHITECTURE.md invariant 5).
std::optional<IllegalWrite> illegal_write(int step, const smmucheck::MmioWrite& w, const ref::Registers& regs) {
  const harness::MmioAccess a = harness::mmio_access(w);
  // The register at the offset, or the 64-bit register whose upper half it is.
  const Register* r = register_at(a.offset) ? register_at(a.offset) : register_at(a.offset & ~uint32_t{4});
  if (!r) return std::nullopt;
  const uint32_t cr0 = regs.cr0 | regs.cr0ack;
  const std::string name = r->name;
  auto illegal = [&](std::string what, const char* guard) { return IllegalWrite{step, std::move(what), r->offset, guard}; };
  if ((name == "STRTAB_BASE" || name == "STRTAB_BASE_CFG") && regf::CR0_SMMUEN.get(cr0))
    return illegal(fmt::format("{} written while CR0.SMMUEN = 1 (§6.3.24: guarded by SMMUEN, CONSTRAINED UNPREDICTABLE or ignored)", name), "SMMUEN");
  if (name == "CMDQ_BASE" && regf::CR0_CMDQEN.get(cr0))
    return illegal("CMDQ_BASE written while CR0.CMDQEN = 1 (§6.3.26: guarded by CMDQEN)", "CMDQEN");
  if (name == "EVENTQ_BASE" && regf::CR0_EVENTQEN.get(cr0))
    return illegal("EVENTQ_BASE written while CR0.EVENTQEN = 1 (§6.3.29: guarded by EVENTQEN)", "EVENTQEN");
  if (name == "CR0" && regf::CR0_SMMUEN.get(regs.cr0ack) && !regf::CR0_SMMUEN.get(a.value))
    return illegal("CR0.SMMUEN cleared: DMA stops (the handover keeps SMMUEN = 1 throughout)", "SMMUEN");
  return std::nullopt;
}

}  // namespace

PlanRun run_plan(const LoadedPlan& p) {
  PlanRun out;
  out.features = p.scenario.features;
  harness::SyncTracker tracker;
  PlanObserver obs(tracker);
  harness::ScenarioRun run(p.scenario, harness::reference_factory(), &obs);
  auto& ref = dynamic_cast<ref::ReferenceSmmu&>(run.model());
  std::set<uint64_t> written;
  auto state = [&](int step, std::string label) {
    return State{step, std::move(label), ref.registers(), run.memory(), written};
  };

  int current = 0;
  bool after_kexec = false;
  WriteGroup group;
  unsigned writes_since_state = 0;  // memory writes since the last state recorded after the kexec
  run.on_mem_write = [&](uint64_t pa, uint64_t before, uint64_t after) {
    tracker.on_write(pa, before, after, /*junk=*/current == p.kexec_step && !after_kexec);
    if (!after_kexec) return;
    if (group.words.empty()) {
      group.before = state(current, fmt::format("during step {}", current));
      group.before.mem.poke64(pa, before);
    }
    written.insert(pa >> 3);
    ++writes_since_state;
    auto [it, fresh] = group.words.try_emplace(pa, before, after);
    if (!fresh) it->second.second = after;
  };
  run.on_kexec = [&] { tracker.on_kexec(run.kexec_history()); };
  // A completed CMD_SYNC ends the write group: its writes are all visible, and the state is one the SMMU may
  // observe (in the middle of a driver step, such as the hitless writer's, too).
  obs.on_sync = [&] {
    if (!after_kexec || group.words.empty()) return;
    group.step = current;
    out.groups.push_back(std::move(group));
    group = WriteGroup{};
    out.after.push_back(state(current, fmt::format("after a CMD_SYNC of step {}", current)));
    writes_since_state = 0;
  };
  run.on_primitive = [&](const smmucheck::Step& s) {
    // What software wrote is known, even where it wrote the value that was there (the runner reports only
    // changes): a new kernel zeroing a page whose junk was already zero still owns those words.
    if (after_kexec && s.has_mem_write())
      for (int q = 0; q < s.mem_write().qword_size(); ++q) {
        const uint64_t a = s.mem_write().addr() + 8 * uint64_t(q);
        written.insert(a >> 3);
        written.insert((a + 7) >> 3);
      }
    if (s.has_mmio_write())
      if (auto w = illegal_write(current, s.mmio_write(), ref.registers())) out.illegal.push_back(*w);
  };

  auto set_owner = [&](uint64_t page, smmucheck::OwnerKind kind) {
    smmucheck::Step owner;
    owner.mutable_owner()->set_base(page << 12);
    owner.mutable_owner()->set_size(0x1000);
    owner.mutable_owner()->set_kind(kind);
    if (auto err = run.apply_primitive(owner)) throw std::runtime_error(fmt::format("step {}: {}", current, *err));
  };
  auto reclaim = [&](int i) {
    for (const auto& rc : p.msg.reclaim())
      if (int(rc.after_step()) == i)
        for (uint64_t pg : reclaimed_pages(rc, ref.registers()))
          if (out.reclaimed.emplace(pg, i).second && out.preserved.count(pg)) set_owner(pg, smmucheck::RECLAIMED);
  };
  for (int i = 0; i < p.msg.step_size(); ++i) {
    current = i;
    const smmucheck::Step& step = p.msg.step(i);
    if (i == p.kexec_step) {
      out.at_kexec = state(i, "before the kexec");
      for (const auto& pr : p.msg.preserve()) out.preserved.merge(preserved_pages(pr, run.driver(), run.memory()));
      // The concrete kexec (harness/kexec): every page not handed over is scrambled from the step's seed; the
      // runner then checks the SMMU's writes and the surviving streams' DMA against what was preserved.
      for (uint64_t pg : out.preserved) set_owner(pg, smmucheck::PRESERVED);
      for (const auto& ps : p.msg.stream()) {
        smmucheck::Step st;
        st.mutable_preserved_stream()->set_sid(ps.sid());
        if (auto err = run.apply_primitive(st)) throw std::runtime_error(fmt::format("step {}: {}", i, *err));
      }
      if (auto k = run.run_step(i); std::holds_alternative<std::string>(k))
        throw std::runtime_error(fmt::format("step {}: {}", i, std::get<std::string>(k)));
      after_kexec = true;
      reclaim(i);
      out.after.push_back(state(i, "after the kexec"));
      continue;
    }
    if (step.has_mmio_write())
      if (auto w = illegal_write(i, step.mmio_write(), ref.registers())) out.illegal.push_back(*w);
    obs.reads.clear();
    auto r = run.run_step(i);
    if (auto* err = std::get_if<std::string>(&r))
      throw std::runtime_error(fmt::format("step {}: {}", i, *err));
    if (!after_kexec) continue;
    for (const kexec::Violation& v : std::get<harness::StepObservation>(r).violations) out.violations.push_back({i, v});
    reclaim(i);
    // The caching obligation: a DMA of the new kernel's traffic relies on what its walk read. It concerns
    // what software changed (either kernel, in memory handed over, or the new kernel in its own): a word the
    // kexec scrambled and nobody wrote since is junk, and relying on junk is the footprint's concern.
    if (step.has_dma()) {
      for (const TableRead& t : obs.reads)
        if (t.value && (out.preserved.count(t.pa >> 12) || written.count(t.pa >> 3)) &&
            tracker.permitted_values(t, /*junk_counts=*/false).size() > 1) {
          out.uncovered.push_back({i, step.dma().sid(), step.dma().addr(), t.pa});
          break;
        }
    }
    const State& last = out.after.back();
    const bool changed = last.regs.strtab_base != ref.registers().strtab_base ||
                         last.regs.cr0 != ref.registers().cr0 || last.regs.eventq_base != ref.registers().eventq_base ||
                         last.regs.irq_ctrl != ref.registers().irq_ctrl || writes_since_state > 0 || step.has_mmio_write();
    if (changed && group.words.empty()) {
      out.after.push_back(state(i, fmt::format("after step {}", i)));
      writes_since_state = 0;
    }
  }
  if (!group.words.empty()) {  // writes no CMD_SYNC completed: still a group the SMMU may see in any mix
    group.step = p.msg.step_size() - 1;
    out.groups.push_back(std::move(group));
    out.after.push_back(state(p.msg.step_size() - 1, "at the end, writes not synchronized"));
  }
  return out;
}

harness::LoadedScenario concrete_scenario(const LoadedPlan& p, const PlanRun& run, int last_step) {
  harness::LoadedScenario out = p.scenario;
  out.msg.clear_step();
  out.step_line.clear();
  auto add = [&](const smmucheck::Step& s, int line) {
    *out.msg.add_step() = s;
    out.step_line.push_back(line);
  };
  // Runs of consecutive pages, as owner steps.
  auto owners = [&](const std::vector<uint64_t>& pages, smmucheck::OwnerKind kind, int line) {
    for (size_t i = 0; i < pages.size();) {
      size_t j = i + 1;
      while (j < pages.size() && pages[j] == pages[j - 1] + 1) ++j;
      smmucheck::Step s;
      s.mutable_owner()->set_base(pages[i] << 12);
      s.mutable_owner()->set_size((j - i) << 12);
      s.mutable_owner()->set_kind(kind);
      add(s, line);
      i = j;
    }
  };
  const int end = last_step < 0 ? p.scenario.msg.step_size() : std::min(last_step + 1, p.scenario.msg.step_size());
  for (int i = 0; i < end; ++i) {
    const int line = p.scenario.step_line[size_t(i)];
    if (i == p.kexec_step) {
      owners({run.preserved.begin(), run.preserved.end()}, smmucheck::PRESERVED, line);
      for (const auto& ps : p.msg.stream()) {
        smmucheck::Step s;
        s.mutable_preserved_stream()->set_sid(ps.sid());
        add(s, line);
      }
    }
    add(p.scenario.msg.step(i), line);
    std::vector<uint64_t> reclaimed;
    for (const auto& [page, when] : run.reclaimed)
      if (when == i && run.preserved.count(page)) reclaimed.push_back(page);
    owners(reclaimed, smmucheck::RECLAIMED, line);
  }
  return out;
}

}  // namespace smmu::plan
