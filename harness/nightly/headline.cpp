#include "harness/nightly/headline.h"

#include <algorithm>

#include <fmt/format.h>

namespace smmu::nightly {

using nlohmann::json;

int conform_count(const json& conform, const char* status) {
  const json& c = conform.contains("counts") ? conform["counts"] : json();
  return c.is_object() ? c.value(status, 0) : 0;
}

std::string problem_text(const json& p) {
  if (p.contains("skip")) return "skipped: " + p["skip"].get<std::string>();
  if (p.contains("error")) return "error: " + p["error"].get<std::string>();
  return fmt::format("step {} (line {}): {}: expected {}, got {}", p.value("step", -1), p.value("line", 0),
                     p.value("what", std::string{}), p.contains("expected") ? p["expected"].dump() : "-",
                     p.contains("actual") ? p["actual"].dump() : "-");
}

namespace {

std::map<std::string, int> count_statuses(const json& scenarios) {
  std::map<std::string, int> n;
  if (scenarios.is_array())
    for (const json& s : scenarios) ++n[s.value("status", std::string{"?"})];
  return n;
}

std::string list_counts(const std::map<std::string, int>& n) {
  std::string out;
  for (const auto& [k, v] : n) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", v, k);
  return out.empty() ? "none" : out;
}

}  // namespace

std::string headline(const json& summary, const json& stage) {
  const std::string name = stage.value("stage", std::string{});
  const std::string status = stage.value("status", std::string{});
  if (status == "skipped" || status == "timed_out" || status == "error") return stage.value("note", std::string{});
  if (name.starts_with("conform-")) {
    const json& c = summary["conformance"][name.substr(8)];
    return fmt::format("{} vectors: {} pass, {} fail, {} skip, {} error", c["vectors"].size(), conform_count(c, "pass"),
                       conform_count(c, "fail"), conform_count(c, "skip"), conform_count(c, "error"));
  }
  if (name == "corpus-run" || name == "corpus-diff") {
    const json& c = summary["corpus"][name == "corpus-run" ? "run" : "diff"];
    return fmt::format("{} scenarios: {}", c["scenarios"].size(), list_counts(count_statuses(c["scenarios"])));
  }
  if (name == "prove") {
    int inv = 0, ok = 0;
    for (const json& p : summary["proofs"]["plans"])
      for (const json& i : p["invariants"]) ++inv, ok += i.value("as_expected", false);
    return fmt::format("{} plans, {} invariants: {} with the expected verdict", summary["proofs"]["plans"].size(), inv, ok);
  }
  if (name == "bench") {
    double lo = 0, hi = 0;
    bool any = false;
    for (const json& w : summary["bench"]["workloads"])
      for (const auto& [k, r] : w["ratios"].items()) {
        const double v = r.get<double>();
        lo = any ? std::min(lo, v) : v, hi = any ? std::max(hi, v) : v, any = true;
      }
    return any ? fmt::format("{} workloads; optimized/reference throughput {:.1f}x to {:.1f}x",
                             summary["bench"]["workloads"].size(), lo, hi)
               : "no workload measured";
  }
  if (name == "campaign") {
    const json& p = summary["campaign"]["progress"];
    if (!p.is_array() || p.empty()) return "no progress line";
    const json& last = p.back();
    return fmt::format("{} execs in {} s, {} exec/s, {} edges, {} findings", last.value("execs", 0),
                       last.value("t", 0), last.value("exec_per_sec", 0), last.value("cov", 0),
                       last.value("findings", 0));
  }
  if (name == "triage") {
    int fresh = 0, repro = 0;
    for (const json& f : summary["findings"]) fresh += f.value("new", false), repro += f.value("reproduces", false);
    return fmt::format("{} signatures, {} reproduce, {} new", summary["findings"].size(), repro, fresh);
  }
  if (name == "coverage") {
    const json& total = summary["coverage"]["line_coverage"]["total"];
    if (total.is_object() && total.contains("lines"))
      return fmt::format("reference/ line coverage under the suite: {:.1f}%", total["lines"].value("percent", 0.0));
    return "spec coverage only (no coverage build)";
  }
  return "";
}

}  // namespace smmu::nightly
