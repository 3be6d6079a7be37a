#include "bench/workloads.h"

#include <chrono>
#include <stdexcept>
#include <random>

#include "harness/driver/driver.h"
#include "specs/layout.h"

namespace smmu::bench {

namespace {

constexpr size_t kChunk = 4096;

smmucheck::Step driver_step(const std::function<void(smmucheck::Driver&)>& fill) {
  smmucheck::Step s;
  fill(*s.mutable_driver());
  return s;
}

// Builds the workload's configuration as driver steps, and its transactions.
smmucheck::Scenario configuration(const std::string& name, std::vector<Transaction>& txns, uint64_t seed) {
  smmucheck::Scenario sc;
  std::mt19937_64 rng(seed);
  *sc.add_step() = driver_step([](auto& d) { d.mutable_init()->set_strtab_log2size(10); });
  auto domain = [&](uint32_t id, smmucheck::Stage stage) {
    *sc.add_step() = driver_step([&](auto& d) {
      auto* m = d.mutable_domain();
      m->set_id(id);
      m->set_stage(stage);
      m->set_asid(id);
      m->set_vmid(id);
    });
  };
  auto map = [&](uint32_t id, uint64_t iova, uint64_t pa) {
    *sc.add_step() = driver_step([&](auto& d) {
      auto* m = d.mutable_map();
      m->set_domain(id);
      m->set_iova(iova);
      m->set_pa(pa);
      m->set_perms("rwu");
    });
  };
  auto attach = [&](uint32_t sid, uint32_t id) {
    *sc.add_step() = driver_step([&](auto& d) {
      d.mutable_attach()->set_sid(sid);
      d.mutable_attach()->set_domain(id);
    });
  };
  const bool nested = name == "nested";
  const uint32_t streams = name == "random_4k" ? 256 : nested ? 16 : name == "streaming" ? 1 : 64;
  const uint32_t pages = name == "random_4k" ? 1024 : nested ? 64 : name == "streaming" ? 4096 : 256;
  for (uint32_t s = 0; s < streams; ++s) {
    domain(s + 1, nested ? smmucheck::NESTED : smmucheck::STAGE1);
    for (uint32_t p = 0; p < pages; ++p) map(s + 1, 0x1000'0000 + (uint64_t{p} << 12), 0x1'0000'0000 + (uint64_t{s} << 28) + (uint64_t{p} << 12));
    attach(s, s + 1);
  }
  const size_t n = name == "streaming" ? pages * 16 : 1 << 16;
  for (size_t i = 0; i < n; ++i) {
    Transaction t;
    if (name == "streaming") {
      t.sid = 0;
      t.addr = 0x1000'0000 + i * 256;  // sequential, 16 beats a page
    } else {
      t.sid = static_cast<uint32_t>(rng() % streams);
      t.addr = 0x1000'0000 + ((rng() % pages) << 12) + (rng() % 4096 & ~uint64_t{7});
    }
    t.read = rng() % 2;
    txns.push_back(t);
  }
  return sc;
}

}  // namespace

const std::vector<Workload>& workloads() {
  static const std::vector<Workload> w = {
      {"iotlb_hits", "64 streams x 256 pages each, caches warm, random order"},
      {"streaming", "one stream, sequential DMA through 4096 pages"},
      {"random_4k", "256 streams x 1024 pages, random pages: mostly misses"},
      {"nested", "16 nested streams x 64 pages, random order"},
      {"mixed_inval", "iotlb_hits with a TLBI by address and CMD_SYNC every 1024 translations"},
  };
  return w;
}

struct Prepared::Impl {
  harness::LoadedScenario scenario;
  std::unique_ptr<harness::ScenarioRun> run;
};

Prepared::Prepared(const std::string& workload, const harness::ModelFactory& make, uint64_t seed)
    : impl_(std::make_unique<Impl>()), workload_(workload) {
  const std::string base = workload == "mixed_inval" ? "iotlb_hits" : workload;
  impl_->scenario.msg = configuration(base, txns_, seed);
  impl_->scenario.path = "(bench " + workload + ")";
  impl_->scenario.step_line.assign(size_t(impl_->scenario.msg.step_size()), 0);
  impl_->run = std::make_unique<harness::ScenarioRun>(impl_->scenario, make);
  for (int i = 0; i < impl_->scenario.msg.step_size(); ++i) {
    auto r = impl_->run->run_step(i);
    if (auto* err = std::get_if<std::string>(&r)) throw std::runtime_error("bench set-up: " + *err);
  }
  out_.resize(txns_.size());
  run_once();  // warm the caches
  for (const Outcome& o : out_) successes_ += o.kind == OutcomeKind::Success;
}

Prepared::~Prepared() = default;

SmmuModel& Prepared::model() { return impl_->run->model(); }

size_t Prepared::run_once() {
  SmmuModel& m = model();
  const size_t chunk = workload_ == "mixed_inval" ? 1024 : kChunk;
  for (size_t i = 0; i < txns_.size(); i += chunk) {
    const size_t n = std::min(chunk, txns_.size() - i);
    if (workload_ == "mixed_inval") {
      // Every 1024 translations (a quarter chunk each way): a TLBI_NH_VA of one page and a CMD_SYNC.
      smmucheck::Commands c;
      const uint32_t s = static_cast<uint32_t>(round_++ % 64);
      auto cmd = driver::make_command(static_cast<uint8_t>(Opcode::CMD_TLBI_NH_VA),
                                      {{&cmd::ASID, s + 1}, {&cmd::VMID, s + 1}, {&cmd::VA, (0x1000'0000 >> 12) + round_ % 256}});
      auto* a = c.add_cmd();
      a->add_raw(cmd[0]);
      a->add_raw(cmd[1]);
      auto sync = driver::make_command(static_cast<uint8_t>(Opcode::CMD_SYNC), {});
      auto* b = c.add_cmd();
      b->add_raw(sync[0]);
      b->add_raw(sync[1]);
      smmucheck::Step st;
      *st.mutable_commands() = c;
      impl_->run->apply_primitive(st);
    }
    m.translate_batch(std::span<const Transaction>(txns_.data() + i, n), std::span<Outcome>(out_.data() + i, n));
  }
  return txns_.size();
}

Measurement measure(Prepared& p, double seconds) {
  using clock = std::chrono::steady_clock;
  Measurement m;
  const auto start = clock::now();
  double elapsed = 0;
  do {
    p.run_once();
    m.translations += p.transactions();
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  m.translations_per_second = double(m.translations) / elapsed;
  return m;
}

}  // namespace smmu::bench
