// llvm-cov line coverage of reference/ under the conformance suite (suite_coverage.h).
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "harness/coverage/suite_coverage.h"

namespace smmu::coverage {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json not_measured(const std::string& why) { return {{"status", "not measured"}, {"note", why}}; }

// A shell word: the path in single quotes (paths with a quote are refused before).
std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

json counts(const json& summary, const char* kind) {
  const json& k = summary.contains(kind) ? summary[kind] : json::object();
  return {{"count", k.value("count", 0)}, {"covered", k.value("covered", 0)}, {"percent", k.value("percent", 0.0)}};
}

}  // namespace

std::string coverage_build_problem(const fs::path& build) {
  const std::string make = "make one with: cmake --preset coverage && cmake --build build/coverage --target smmucheck";
  if (build.string().find('\'') != std::string::npos) return build.string() + ": a path with a quote (not supported)";
  if (!fs::is_directory(build)) return build.string() + " is not a directory; " + make;
  std::ifstream cache(build / "CMakeCache.txt");
  if (!cache) return build.string() + " is not a coverage build (it has no CMakeCache.txt); " + make;
  bool instrumented = false;
  for (std::string line; std::getline(cache, line);) instrumented |= line == "SMMUCHECK_COVERAGE:BOOL=ON";
  if (!instrumented)
    return build.string() + " is not a coverage build (its CMakeCache.txt lacks SMMUCHECK_COVERAGE:BOOL=ON); " + make;
  const fs::path exe = build / "harness" / "smmucheck";
  if (!fs::is_regular_file(exe)) return exe.string() + " is missing; build it with: cmake --build " + build.string() + " --target smmucheck";
  return "";
}

json reference_summary(const json& j) {
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array() || j["data"].empty() || !j["data"][0].is_object())
    return not_measured("llvm-cov-14 export gave no data");
  json files = json::array();
  json total = {{"lines", {{"count", 0}, {"covered", 0}}}, {"functions", {{"count", 0}, {"covered", 0}}},
                {"regions", {{"count", 0}, {"covered", 0}}}};
  for (const json& f : j["data"][0].value("files", json::array())) {
    const std::string name = f.value("filename", "");
    const size_t at = name.rfind("/reference/");
    if (at == std::string::npos) continue;
    json row = {{"file", name.substr(at + 1)}};
    for (const char* kind : {"lines", "functions", "regions"}) {
      row[kind] = counts(f.value("summary", json::object()), kind);
      total[kind]["count"] = total[kind]["count"].get<int>() + row[kind]["count"].get<int>();
      total[kind]["covered"] = total[kind]["covered"].get<int>() + row[kind]["covered"].get<int>();
    }
    files.push_back(row);
  }
  if (files.empty()) return not_measured("the profile covers no file under reference/");
  for (const char* kind : {"lines", "functions", "regions"}) {
    const int n = total[kind]["count"], c = total[kind]["covered"];
    total[kind]["percent"] = n ? 100.0 * c / n : 0.0;
  }
  return {{"status", "measured"}, {"files", files}, {"total", total}};
}

json line_coverage(const fs::path& build, const fs::path& work) {
  if (const std::string problem = coverage_build_problem(build); !problem.empty()) return not_measured(problem);
  const fs::path exe = build / "harness" / "smmucheck";
  if (work.string().find('\'') != std::string::npos) return not_measured(work.string() + ": a path with a quote");
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  // The conformance run's own exit status does not matter here (a failing vector still covers lines).
  const std::string run = fmt::format("LLVM_PROFILE_FILE={} {} conform --model ref >{} 2>&1", quoted(work / "%p.profraw"),
                                      quoted(exe), quoted(work / "conform.log"));
  (void)std::system(run.c_str());
  const fs::path profdata = work / "suite.profdata", exported = work / "export.json";
  const std::string merge = fmt::format("llvm-profdata-14 merge -sparse {}/*.profraw -o {} 2>{}", quoted(work),
                                        quoted(profdata), quoted(work / "merge.log"));
  if (std::system(merge.c_str()) != 0) return not_measured("llvm-profdata-14 merge failed (see " + (work / "merge.log").string() + ")");
  // The raw profiles are merged into suite.profdata (a few MB less in the report's directory).
  for (const auto& e : fs::directory_iterator(work, ec))
    if (e.path().extension() == ".profraw") fs::remove(e.path(), ec);
  const std::string exp = fmt::format("llvm-cov-14 export -summary-only -instr-profile={} {} >{} 2>{}", quoted(profdata),
                                      quoted(exe), quoted(exported), quoted(work / "export.log"));
  if (std::system(exp.c_str()) != 0) return not_measured("llvm-cov-14 export failed (see " + (work / "export.log").string() + ")");
  std::ifstream in(exported);
  json out = reference_summary(json::parse(in, nullptr, false));
  if (out["status"] == "measured") {
    out["binary"] = exe.string();
    out["profile"] = profdata.string();  // for a line-by-line view: llvm-cov-14 show -instr-profile=PROFILE BINARY
  }
  return out;
}

}  // namespace smmu::coverage
