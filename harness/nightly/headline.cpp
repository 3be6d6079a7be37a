#include "harness/nightly/headline.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

namespace smmu::nightly {

using nlohmann::json;

int conform_count(const json& conform, const char* status) {
  const json& c = conform.contains("counts") ? conform["counts"] : json();
  return c.is_object() ? c.value(status, 0) : 0;
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

// Makes j[key] a value of `like`'s type (`like` itself when it is missing or of another type).
json& ensure(json& j, const char* key, const json& like) {
  if (!j.is_object()) j = json::object();
  json& v = j[key];
  if (v.type() != like.type()) v = like;
  return v;
}

void each(json& array, const std::function<void(json&)>& f) {
  for (json& e : array) {
    if (!e.is_object()) e = json::object();
    f(e);
  }
}

}  // namespace

json normalized(const json& summary) {
  json s = summary.is_object() ? summary : json::object();
  const json arr = json::array(), obj = json::object();
  each(ensure(s, "stages", arr), [](json&) {});
  each(ensure(s, "findings", arr), [](json&) {});
  each(ensure(s, "regressions", arr), [](json&) {});
  for (const char* k : {"corpus", "proofs", "bench", "campaign", "coverage", "verdict"}) ensure(s, k, obj);
  for (auto& [model, c] : ensure(s, "conformance", obj).items()) {
    each(ensure(c, "vectors", arr), [&](json& v) { ensure(v, "problems", arr); });
    ensure(c, "counts", obj);
  }
  for (const char* which : {"run", "diff"}) each(ensure(ensure(s["corpus"], which, obj), "scenarios", arr), [](json&) {});
  each(ensure(s["proofs"], "plans", arr), [&](json& p) {
    each(ensure(p, "invariants", arr), [&](json& i) {
      if (i.contains("replay")) ensure(ensure(i, "replay", obj), "files", arr);
    });
  });
  ensure(s["bench"], "models", arr);
  each(ensure(s["bench"], "workloads", arr), [&](json& w) {
    ensure(w, "rates", obj);
    ensure(w, "ratios", obj);
  });
  each(ensure(s["campaign"], "progress", arr), [](json&) {});
  ensure(s["verdict"], "reasons", arr);
  if (!s.contains("baseline") || !s["baseline"].is_string()) s["baseline"] = nullptr;
  if (!s.contains("seed")) s["seed"] = nullptr;
  return s;
}

std::string headline(const json& raw_summary, const json& stage) {
  const json summary = normalized(raw_summary);
  const std::string name = stage.value("stage", std::string{});
  const std::string status = stage.value("status", std::string{});
  if (status == "skipped" || status == "timed_out" || status == "error") return stage.value("note", std::string{});
  if (name.starts_with("conform-")) {
    const std::string model = name.substr(8);
    if (!summary["conformance"].contains(model)) return "";
    const json& c = summary["conformance"][model];
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
    const json& lines = summary["coverage"].value("/line_coverage/total/lines"_json_pointer, json());
    if (lines.is_object())
      return fmt::format("reference/ line coverage under the suite: {:.1f}%", lines.value("percent", 0.0));
    return "spec coverage only (no coverage build)";
  }
  return "";
}

}  // namespace smmu::nightly
