// Random handovers in the concrete simulator, differentially: random old-kernel configurations (linear or
// 2-level stream tables; stage-1, stage-2 and nested domains), random preservation sets, a kexec with a
// random seed, DMA before, during and after it, the new kernel's adopt (keeping or re-pointing queues) and
// its own domains. The optimized model must agree with the reference under the caching rule whatever the
// junk (the scramble counts as uncovered writes), and no step may be an input error: the driver's intents
// stay valid for every preservation set.
#include "tests/kexec/kexec_helpers.h"

#include <random>

#include "optimized/smmu.h"

namespace smmu::test {
namespace {

using namespace harness;

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  smmucheck::Scenario make();

 private:
  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  smmucheck::Step& step() { return *s_.add_step(); }
  smmucheck::Driver& driver() { return *step().mutable_driver(); }
  void domains(uint32_t first, uint32_t count, uint64_t pa_base);
  void dmas(int n);

  std::mt19937 rng_;
  smmucheck::Scenario s_;
  std::vector<uint32_t> sids_;
  std::vector<uint32_t> domain_ids_;
};

void Gen::domains(uint32_t first, uint32_t count, uint64_t pa_base) {
  for (uint32_t d = first; d < first + count; ++d) {
    auto* dom = driver().mutable_domain();
    dom->set_id(d);
    const auto stage = static_cast<smmucheck::Stage>(pick(3));
    dom->set_stage(stage);
    dom->set_asid(d);
    dom->set_vmid(d);
    for (uint32_t k = 0, n = 1 + pick(3); k < n; ++k) {
      auto* m = driver().mutable_map();
      m->set_domain(d);
      m->set_iova(0x10000000 + k * 0x1000);
      m->set_pa(pa_base + d * 0x100000 + k * 0x1000);
      m->set_perms(stage == smmucheck::STAGE2 ? "rw" : "rwu");
    }
    for (uint32_t n = 1 + pick(2); n > 0; --n) {
      const uint32_t sid = pick(256);
      auto* a = driver().mutable_attach();
      a->set_sid(sid);
      a->set_domain(d);
      sids_.push_back(sid);
    }
  }
}

void Gen::dmas(int n) {
  for (int i = 0; i < n; ++i) {
    auto* d = step().mutable_dma();
    d->set_sid(!sids_.empty() && chance(0.8) ? sids_[pick(uint32_t(sids_.size()))] : pick(256));
    d->set_addr(0x10000000 + pick(4) * 0x1000 + pick(512) * 8);
    d->set_access(chance(0.5) ? smmucheck::READ : smmucheck::WRITE);
  }
}

smmucheck::Scenario Gen::make() {
  auto* init = driver().mutable_init();
  init->set_strtab_split(std::array<uint32_t, 3>{0, 6, 8}[pick(3)]);
  domains(1, 1 + pick(3), 0x80000000);
  dmas(3);
  auto* p = driver().mutable_preserve();
  p->set_stream_table(chance(0.8));
  const bool cmdq = chance(0.7), eventq = chance(0.7);
  p->set_cmdq(cmdq);
  p->set_eventq(eventq);
  for (uint32_t d = 1; d <= 3; ++d)
    if (chance(0.6)) {
      auto* pd = p->add_domain();
      pd->set_id(d);
      pd->set_skip_stage1(chance(0.2));
      pd->set_skip_stage2(chance(0.2));
    }
  for (uint32_t sid : sids_)
    if (chance(0.5)) p->add_stream(sid);
  if (chance(0.7)) {
    auto* r = p->add_range();
    r->set_base(0x80000000);
    r->set_size(0x400000);
  }
  // preserve names domains that may not exist: drop those (an unknown domain is an input error, tested elsewhere).
  const int domains_made = [&] {
    int n = 0;
    for (const auto& st : s_.step())
      if (st.has_driver() && st.driver().has_domain()) ++n;
    return n;
  }();
  auto* doms = p->mutable_domain();
  doms->erase(std::remove_if(doms->begin(), doms->end(), [&](const auto& pd) { return int(pd.id()) > domains_made; }),
              doms->end());
  step().mutable_kexec()->set_seed(rng_());
  dmas(4);
  auto* a = driver().mutable_adopt();
  // A queue not explicitly preserved may share a preserved page or not: re-pointing is always valid.
  a->set_cmdq(cmdq && chance(0.5) ? smmucheck::KEEP : smmucheck::REPOINT);
  a->set_eventq(eventq && chance(0.5) ? smmucheck::KEEP : smmucheck::REPOINT);
  a->set_no_invalidate(chance(0.3));
  dmas(3);
  if (chance(0.3)) {
    auto* o = step().mutable_owner();
    o->set_base(0x80000000);
    o->set_size(0x100000);
    o->set_kind(p->range_size() ? smmucheck::RECLAIMED : smmucheck::NOT_PRESERVED);
  }
  sids_.clear();
  domains(1, 1 + pick(2), 0x90000000);  // the new kernel's own domains
  for (int n = pick(3); n > 0 && !sids_.empty(); --n) {
    auto* d = driver().mutable_detach();
    d->set_sid(sids_[pick(uint32_t(sids_.size()))]);
    d->set_bypass(chance(0.3));
  }
  dmas(4);
  return s_;
}

TEST(KexecRandomHandovers, OptimizedAgreesAndIntentsStayValid) {
  const ModelFactory opt = [](const Features& f, Memory& m) { return std::make_unique<opt::OptimizedSmmu>(f, m); };
  int checked = 0, stale = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    LoadedScenario s;
    s.path = "random-handover-" + std::to_string(seed);
    s.msg = Gen(seed).make();
    s.step_line.assign(size_t(s.msg.step_size()), 0);
    auto r = run_diff(s, {{"opt", opt}, {"optbatch", opt, true}});
    ASSERT_TRUE(std::holds_alternative<DiffResult>(r)) << s.path << ": " << std::get<std::string>(r) << "\n"
                                                        << s.msg.DebugString();
    const auto& d = std::get<DiffResult>(r);
    EXPECT_TRUE(d.divergences.empty()) << s.path << ": " << d.divergences[0].signature << " at step "
                                       << d.divergences[0].step << "\n" << s.msg.DebugString();
    checked += d.exact + d.stale;
    stale += d.stale;
  }
  EXPECT_GT(checked, 60 * 10);  // most DMAs are compared, not left unchecked
  EXPECT_GT(stale, 0);          // and the scramble does make some of them permitted-stale
}

}  // namespace
}  // namespace smmu::test
