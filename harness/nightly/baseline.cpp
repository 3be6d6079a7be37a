#include "harness/nightly/baseline.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "harness/campaign/safe_name.h"

namespace smmu::nightly {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A JSON array of objects as a map by the value of `key` (entries without it are left out).
std::map<std::string, json> by_key(const json& array, const char* key) {
  std::map<std::string, json> out;
  if (!array.is_array()) return out;
  for (const json& e : array)
    if (e.is_object() && e.contains(key) && e[key].is_string()) out[e[key].get<std::string>()] = e;
  return out;
}

const json& at_path(const json& j, std::initializer_list<const char*> path) {
  static const json null;
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return null;
    p = &(*p)[k];
  }
  return *p;
}

std::string status_of(const json& e, const char* key = "status") {
  return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : "";
}

// Entries of `was` with a passing status that `now` has with a failing one.
void compare(const json& was_array, const json& now_array, const char* key, const std::string& kind,
             const std::string& pass, const std::vector<std::string>& failing, const std::string& model,
             std::vector<json>& out) {
  const auto was = by_key(was_array, key), now = by_key(now_array, key);
  for (const auto& [id, w] : was) {
    const auto n = now.find(id);
    if (n == now.end() || status_of(w) != pass) continue;
    const std::string s = status_of(n->second);
    if (std::find(failing.begin(), failing.end(), s) == failing.end()) continue;
    json r = {{"kind", kind}, {"id", id}, {"was", pass}, {"now", s}};
    if (!model.empty()) r["model"] = model;
    out.push_back(std::move(r));
  }
}

}  // namespace

std::vector<json> regressions(const json& now, const json& baseline) {
  std::vector<json> out;
  const json& was_conf = at_path(baseline, {"conformance"});
  if (was_conf.is_object())
    for (const auto& [model, was] : was_conf.items())
      compare(at_path(was, {"vectors"}), at_path(now, {"conformance", model.c_str(), "vectors"}), "name",
              "conformance", "pass", {"fail", "error"}, model, out);
  compare(at_path(baseline, {"corpus", "run", "scenarios"}), at_path(now, {"corpus", "run", "scenarios"}), "file",
          "corpus run", "pass", {"fail", "error"}, "", out);
  compare(at_path(baseline, {"corpus", "diff", "scenarios"}), at_path(now, {"corpus", "diff", "scenarios"}), "file",
          "corpus diff", "same", {"diverged", "invalid", "error"}, "", out);
  // Plans: an invariant whose verdict was the expected one.
  const auto was_plans = by_key(at_path(baseline, {"proofs", "plans"}), "plan");
  const auto now_plans = by_key(at_path(now, {"proofs", "plans"}), "plan");
  for (const auto& [plan, w] : was_plans) {
    const auto n = now_plans.find(plan);
    if (n == now_plans.end()) continue;
    const auto was_inv = by_key(at_path(w, {"invariants"}), "invariant");
    const auto now_inv = by_key(at_path(n->second, {"invariants"}), "invariant");
    for (const auto& [inv, wi] : was_inv) {
      const auto ni = now_inv.find(inv);
      if (ni == now_inv.end() || !wi.value("as_expected", false) || ni->second.value("as_expected", false)) continue;
      out.push_back({{"kind", "plan"}, {"id", plan + " " + inv}, {"was", wi.value("verdict", "")},
                     {"now", ni->second.value("verdict", "")}});
    }
  }
  return out;
}

std::optional<json> load_baseline(const fs::path& file, std::string& error) {
  std::ifstream in(file);
  if (!in) {
    error = file.string() + ": cannot read the baseline";
    return std::nullopt;
  }
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = file.string() + ": not JSON (a baseline is the summary.json of an earlier `smmucheck nightly`)";
    return std::nullopt;
  }
  if (!j.is_object() || j.value("schema", "") != "smmucheck-nightly/1") {
    error = file.string() + ": field schema: not \"smmucheck-nightly/1\" (a baseline is the summary.json of an "
                            "earlier `smmucheck nightly`)";
    return std::nullopt;
  }
  return j;
}

KnownSignatures::KnownSignatures(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".textproto") continue;
    stems.push_back(e.path().stem().string());
    std::ifstream in(e.path());
    const std::string marker = "description: \"Regression found by fuzzing: ";
    for (std::string line; std::getline(in, line);)
      if (line.starts_with(marker) && line.ends_with("\"")) {
        signatures.push_back(line.substr(marker.size(), line.size() - marker.size() - 1));
        break;
      }
  }
}

bool KnownSignatures::contains(const std::string& signature) const {
  return std::find(signatures.begin(), signatures.end(), signature) != signatures.end() ||
         std::find(stems.begin(), stems.end(), campaign::signature_file_stem(signature)) != stems.end();
}

}  // namespace smmu::nightly
