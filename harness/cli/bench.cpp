// `smmucheck bench`: translations per second of the reference and the other models on the named workloads,
// through the batch API, with each model's ratio to the reference measured in the same run.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/workloads.h"
#include "harness/cli/commands.h"
#include "harness/cli/models.h"
#include "optimized/smmu.h"

namespace smmu::harness {

int bench_models(double seconds, const std::vector<std::string>& only, bool json) {
  // With --json the JSON goes to stdout and the table to stderr.
  FILE* text = json ? stderr : stdout;
  nlohmann::json rows = nlohmann::json::array();
  std::vector<ModelSpec> models;
  for (const std::string& name : model_names()) {
    if (name.find(':') != std::string::npos) continue;  // the batch API is what every run uses
    std::string err;
    auto m = model_by_name(name, err);
    // A peer that must see each scenario first (QEMU, through its prepare hook) runs scenarios, not the
    // workloads' raw transaction streams: it is not benchmarked here.
    if (!m || m->prepare) continue;
    models.push_back(std::move(*m));
  }
  fmt::print(text, "{:<12}", "workload");
  for (const auto& m : models) fmt::print(text, " {:>14}", m.name + " tr/s");
  for (size_t i = 1; i < models.size(); ++i) fmt::print(text, " {:>10}", models[i].name + "/ref");
  fmt::print(text, " {:>8}\n", "success");
  for (const auto& w : bench::workloads()) {
    if (!only.empty() && std::find(only.begin(), only.end(), w.name) == only.end()) continue;
    std::vector<double> rate;
    double success = 0;
    for (const auto& m : models) {
      bench::Prepared p(w.name, m.make);
      rate.push_back(bench::measure(p, seconds).translations_per_second);
      if (rate.size() == 1) success = double(p.warm_successes()) / double(p.transactions());
    }
    fmt::print(text, "{:<12}", w.name);
    for (double r : rate) fmt::print(text, " {:>14.0f}", r);
    for (size_t i = 1; i < rate.size(); ++i) fmt::print(text, " {:>10.1f}", rate[0] > 0 ? rate[i] / rate[0] : 0.0);
    fmt::print(text, " {:>7.0f}%\n", 100 * success);
    nlohmann::json rates, ratios;
    for (size_t i = 0; i < rate.size(); ++i) {
      rates[models[i].name] = rate[i];
      if (i > 0) ratios[models[i].name + "/ref"] = rate[0] > 0 ? rate[i] / rate[0] : 0.0;
    }
    rows.push_back({{"workload", w.name}, {"rates", rates}, {"ratios", ratios}, {"success", success}});
  }
  // Memory per cached entry of the optimized model (slot sizes of its open-addressing tables).
  const opt::OptimizedSmmu::Sizes sz;
  fmt::print(text, "optimized caches: IOTLB {} slots x {} B, walk cache {} x {} B, STE cache {} x {} B, CD cache {} x {} B\n",
             1u << sz.tlb_log2, opt::Tlb::bytes_per_entry(), 1u << sz.walk_cache_log2, opt::WalkCache::bytes_per_entry(),
             1u << sz.ste_cache_log2, opt::ConfigCache::ste_bytes_per_entry(), 1u << sz.cd_cache_log2,
             opt::ConfigCache::cd_bytes_per_entry());
  if (json) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& m : models) names.push_back(m.name);
    fmt::print("{}\n", nlohmann::json{{"models", names}, {"seconds_per_measurement", seconds}, {"workloads", rows}}.dump(2));
  }
  return kExitOk;
}

}  // namespace smmu::harness
