// Google Benchmark: translations per second of each model on each named workload, through the batch API,
// and the optimized-to-reference ratio measured in the same run.
#include <benchmark/benchmark.h>

#include <map>

#include <fmt/format.h>

#include "bench/workloads.h"
#include "harness/cli/models.h"

namespace {

using namespace smmu;

class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rate[r.benchmark_name()] = it->second;
    }
  }
  std::map<std::string, double> rate;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::vector<std::string> models;
  for (const std::string& name : harness::model_names())
    if (name.find(':') == std::string::npos) models.push_back(name);
  for (const auto& w : bench::workloads()) {
    for (const std::string& m : models) {
      benchmark::RegisterBenchmark(fmt::format("{}/{}", w.name, m).c_str(), [w, m](benchmark::State& state) {
        std::string err;
        auto spec = harness::model_by_name(m, err);
        bench::Prepared p(w.name, spec->make);
        for (auto _ : state) benchmark::DoNotOptimize(p.run_once());
        state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(p.transactions()));
      })->Unit(benchmark::kMillisecond);
    }
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  fmt::print("\n{:<14} {:>16} {:>16} {:>8}\n", "workload", "ref/s", "opt/s", "opt/ref");
  for (const auto& w : bench::workloads()) {
    const double ref = reporter.rate[w.name + "/ref"], opt = reporter.rate[w.name + "/opt"];
    fmt::print("{:<14} {:>16.0f} {:>16.0f} {:>8.1f}\n", w.name, ref, opt, ref > 0 ? opt / ref : 0.0);
  }
  return 0;
}
