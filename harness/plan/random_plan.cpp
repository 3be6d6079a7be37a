#include "harness/plan/random_plan.h"

#include <google/protobuf/text_format.h>

#include <fmt/format.h>

#include "harness/diff/diff_runner.h"
#include "harness/plan/concrete.h"
#include "optimized/smmu.h"

#include <array>
#include <map>
#include <set>
#include <vector>

namespace smmu::plan {

const char* fault_name(Fault f) {
  switch (f) {
    case Fault::None: return "none";
    case Fault::StreamNotReset: return "stream-not-reset";
    case Fault::TablesNotPreserved: return "tables-not-preserved";
    case Fault::TargetsNotPreserved: return "targets-not-preserved";
    case Fault::StrtabBaseWritten: return "strtab-base-written";
    case Fault::EventqReclaimed: return "eventq-reclaimed";
    case Fault::RewriteWithoutSync: return "rewrite-without-sync";
  }
  return "?";
}

namespace {

constexpr uint64_t kIova = 0x10000000;
constexpr uint64_t kTargets = 0x80000000;  // domain d's DMA targets: kTargets + d * kTargetSpan
constexpr uint64_t kTargetSpan = 0x10000;

struct Stream {
  uint32_t sid;
  uint32_t domain;
  std::optional<uint32_t> ssid;
  bool survives = false;
};

class Builder {
 public:
  Builder(Choices& c, bool allow_faults) : c_(c) {
    if (allow_faults && c_.chance(50)) out_.fault = Fault(1 + c_.below(6));
  }
  RandomPlan build();

 private:
  smmucheck::Step& step() { return *plan().add_step(); }
  smmucheck::Driver& driver() { return *step().mutable_driver(); }
  smmucheck::Plan& plan() { return out_.plan; }
  void dma(const Stream& s, uint64_t page) {
    auto* d = step().mutable_dma();
    d->set_sid(s.sid);
    d->set_addr(kIova + page * 0x1000 + 8 * c_.below(512));
    if (s.ssid) d->set_ssid(*s.ssid);
    d->set_access(c_.chance(50) ? smmucheck::READ : smmucheck::WRITE);
  }
  void survivors_dma() {
    for (const Stream& s : streams_)
      if (s.survives) dma(s, c_.below(pages_.at(s.domain)));
  }
  void map_domain(uint32_t id, smmucheck::Stage stage, unsigned pages, uint64_t target_domain);
  // Turns the fault into None when the plan has nothing it applies to.
  void drop_fault() { out_.fault = Fault::None; }

  Choices& c_;
  RandomPlan out_;
  std::vector<Stream> streams_;
  std::map<uint32_t, unsigned> pages_;  // pages mapped per domain
  std::map<uint32_t, smmucheck::Stage> stage_;
  int rewrite_step_ = -1;
  uint32_t moved_sid_ = ~0u;
};

void Builder::map_domain(uint32_t id, smmucheck::Stage stage, unsigned pages, uint64_t target_domain) {
  auto* dom = driver().mutable_domain();
  dom->set_id(id);
  dom->set_stage(stage);
  dom->set_asid(id);
  dom->set_vmid(id);
  for (unsigned k = 0; k < pages; ++k) {
    auto* m = driver().mutable_map();
    m->set_domain(id);
    m->set_iova(kIova + k * 0x1000);
    m->set_pa(kTargets + target_domain * kTargetSpan + k * 0x1000);
    m->set_perms(stage == smmucheck::STAGE2 ? "rw" : "rwu");
  }
}

RandomPlan Builder::build() {
  plan().set_name("random-plan");
  auto* init = driver().mutable_init();
  init->set_strtab_split(std::array<uint32_t, 3>{0, 6, 8}[c_.below(3)]);
  // The old kernel: domains, each with one or two streams (StreamIDs distinct, some attached as a PASID).
  const uint32_t domains = 1 + c_.below(3);
  std::set<uint32_t> used{200};  // StreamID 200 is never configured
  for (uint32_t d = 1; d <= domains; ++d) {
    const auto stage = static_cast<smmucheck::Stage>(c_.below(3));
    stage_[d] = stage;
    pages_[d] = 1 + c_.below(2);
    map_domain(d, stage, pages_[d], d);
    for (uint32_t n = 1 + c_.below(2); n > 0; --n) {
      uint32_t sid = c_.below(256);
      while (used.count(sid)) sid = (sid + 1) % 256;
      used.insert(sid);
      Stream s{sid, d, std::nullopt};
      if (stage == smmucheck::STAGE1 && c_.chance(25)) s.ssid = 1 + c_.below(3);
      auto* a = driver().mutable_attach();
      a->set_sid(sid);
      a->set_domain(d);
      if (s.ssid) {
        a->set_ssid(*s.ssid);
        a->set_cdmax(2);
      }
      streams_.push_back(s);
    }
  }
  for (const Stream& s : streams_) dma(s, 0);
  bool any = false;
  for (Stream& s : streams_) any |= (s.survives = c_.chance(60));
  if (!any) streams_[c_.below(uint32_t(streams_.size()))].survives = true;

  // Shutdown: every stream that does not survive is reset to abort, but one sharing a survivor's domain with
  // the fault.
  std::set<uint32_t> surviving_domains;
  for (const Stream& s : streams_)
    if (s.survives) surviving_domains.insert(s.domain);
  const Stream* not_reset = nullptr;
  if (out_.fault == Fault::StreamNotReset)
    for (const Stream& s : streams_)
      if (!s.survives && surviving_domains.count(s.domain) && !s.ssid) not_reset = &s;
  if (out_.fault == Fault::StreamNotReset && !not_reset) drop_fault();
  for (const Stream& s : streams_)
    if (!s.survives && &s != not_reset) driver().mutable_detach()->set_sid(s.sid);

  // The preservation set.
  auto preserve = [&] { return plan().add_preserve(); };
  preserve()->set_stream_table(true);
  preserve()->set_command_queue(true);
  preserve()->set_event_queue(true);
  const uint32_t victim = *std::next(surviving_domains.begin(), c_.below(uint32_t(surviving_domains.size())));
  for (uint32_t d : surviving_domains) {
    if (!(out_.fault == Fault::TablesNotPreserved && d == victim)) preserve()->set_domain(d);
    if (!(out_.fault == Fault::TargetsNotPreserved && d == victim)) {
      auto* r = preserve()->mutable_range();
      r->set_base(kTargets + d * kTargetSpan);
      r->set_size(kTargetSpan);
    }
  }
  for (const Stream& s : streams_)
    if (s.survives && s.ssid) preserve()->set_cd_table(s.sid);

  step().mutable_kexec()->set_seed(uint64_t{c_.below(1u << 16)} << 16 | c_.below(1u << 16));
  survivors_dma();  // during the window: the old configuration, nothing invalidated yet

  // The new kernel: adopt the live SMMU, keeping or re-pointing each queue.
  auto* a = driver().mutable_adopt();
  const bool keep_eventq = out_.fault == Fault::EventqReclaimed || c_.chance(50);
  a->set_eventq(keep_eventq ? smmucheck::KEEP : smmucheck::REPOINT);
  a->set_cmdq(c_.chance(50) ? smmucheck::KEEP : smmucheck::REPOINT);
  if (out_.fault == Fault::EventqReclaimed) {
    auto* r = plan().add_reclaim();
    r->set_event_queue(true);
    r->set_after_step(uint32_t(plan().step_size() - 1));
  }
  if (out_.fault == Fault::StrtabBaseWritten) {
    auto* w = step().mutable_mmio_write();
    w->set_reg("STRTAB_BASE");
    w->set_value(0x40000000);
  }
  survivors_dma();

  // Sometimes a surviving stream moves to a domain of the new kernel with the same mapping (its targets stay).
  const Stream* moved = nullptr;
  for (const Stream& s : streams_)
    if (s.survives && !s.ssid && stage_[s.domain] != smmucheck::STAGE1) moved = &s;
  if (out_.fault == Fault::RewriteWithoutSync && !moved) drop_fault();
  if (moved && (out_.fault == Fault::RewriteWithoutSync || c_.chance(30))) {
    map_domain(100, stage_[moved->domain], pages_[moved->domain], moved->domain);
    auto* r = driver().mutable_rewrite();
    r->set_sid(moved->sid);
    r->set_domain(100);
    r->set_order(out_.fault == Fault::RewriteWithoutSync ? smmucheck::IN_ORDER_NO_SYNC : smmucheck::WRITER_HITLESS);
    rewrite_step_ = plan().step_size() - 1;
    moved_sid_ = moved->sid;
    dma(*moved, 0);
  }
  survivors_dma();
  for (const Stream& s : streams_)
    if (!s.survives) dma(s, 0);
  dma(Stream{200, 0, std::nullopt}, 0);  // never configured: C_BAD_STE, recorded in the event queue

  for (const Stream& s : streams_)
    if (s.survives) {
      auto* ps = plan().add_stream();
      ps->set_sid(s.sid);
      if (s.ssid) ps->set_ssid(*s.ssid);
      if (s.sid == moved_sid_ && rewrite_step_ >= 0) ps->add_breaking_step(uint32_t(rewrite_step_));
    }
  switch (out_.fault) {
    case Fault::None: break;
    case Fault::StreamNotReset: out_.breaks = smmucheck::ISOLATION; break;
    case Fault::TablesNotPreserved: out_.breaks = smmucheck::FOOTPRINT; break;
    case Fault::TargetsNotPreserved: out_.breaks = smmucheck::DMA_CONTAINMENT; break;
    case Fault::StrtabBaseWritten: out_.breaks = smmucheck::LEGAL_PROGRAMMING; break;
    case Fault::EventqReclaimed: out_.breaks = smmucheck::WRITE_CONTAINMENT; break;
    case Fault::RewriteWithoutSync: out_.breaks = smmucheck::CACHING; break;
  }
  return out_;
}

}  // namespace

RandomPlan random_plan(Choices& c, bool allow_faults) { return Builder(c, allow_faults).build(); }

std::optional<std::string> check_random_plan(const RandomPlan& rp, uint64_t seed) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(rp.plan, &text);
  auto problem = [&](const std::string& what) {
    return fmt::format("{} (fault: {})\n{}", what, fault_name(rp.fault), text);
  };
  std::vector<harness::InputError> errors;
  auto plan = parse_plan(text, "random plan", errors);
  if (!plan) return problem("the generator made a plan that does not load: " + errors[0].to_string());
  PlanRun run;
  try {
    run = run_plan(*plan);
  } catch (const std::exception& e) {
    return problem(std::string("the generator made a plan the simulator cannot run: ") + e.what());
  }
  for (const ConcreteVerdict& v : check_concretely(*plan, run, {.seed = seed})) {
    if (rp.breaks == v.invariant && !v.violation)
      return problem(fmt::format("the fault is not caught: {} holds", invariant_name(v.invariant)));
    if (rp.fault == Fault::None && v.violation)
      return problem(fmt::format("a correct plan violates {}: {}", invariant_name(v.invariant), *v.violation));
  }
  const harness::ModelFactory opt = [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); };
  auto d = harness::run_diff(concrete_scenario(*plan, run), {{"opt", opt}});
  if (auto* err = std::get_if<std::string>(&d)) return problem("the differential runner stopped: " + *err);
  const auto& r = std::get<harness::DiffResult>(d);
  if (!r.divergences.empty())
    return problem(fmt::format("the optimized model diverges: {} at step {}", r.divergences[0].signature, r.divergences[0].step));
  return std::nullopt;
}

}  // namespace smmu::plan
