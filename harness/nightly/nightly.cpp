#include "harness/nightly/nightly.h"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/atomic_file.h"
#include "harness/campaign/engines.h"
#include "harness/campaign/progress.h"
#include "harness/coverage/coverage_report.h"
#include "harness/coverage/suite_coverage.h"
#include "harness/nightly/baseline.h"
#include "harness/nightly/headline.h"
#include "harness/nightly/report.h"
#include "harness/nightly/stage.h"
#include "harness/qemu/qemu_model.h"

namespace smmu::nightly {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string git_commit(const fs::path& source) {
  const std::string cmd = "git -C '" + source.string() + "' rev-parse HEAD 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "unknown";
  char buf[64] = {};
  const bool got = std::fgets(buf, sizeof buf, p) != nullptr;
  ::pclose(p);
  std::string s = got ? buf : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s.empty() ? "unknown" : s;
}

// The night's stages, their results gathered into the summary as they end.
class Night {
 public:
  Night(const Options& o, const fs::path& dir, std::chrono::seconds budget)
      : o_(o), dir_(dir), clock_(budget), self_(fs::read_symlink("/proc/self/exe")), source_(campaign::source_dir()) {}

  json run(const std::optional<json>& baseline);

 private:
  // A stage's share of the budget: `fraction` of it, at least `floor` seconds.
  double share(double fraction, double floor) const { return std::max(floor, fraction * double(clock_.budget().count())); }
  StageRun stage(const std::string& name, const std::vector<std::string>& args, double limit) {
    clock_.progress(name + ": started");
    return run_stage(self_, name, args, dir_, limit);
  }
  void record(const StageRun& r) {
    summary_["stages"].push_back(r.to_json());
    clock_.progress(fmt::format("{}: {} in {:.1f} s: {}", r.name, r.status, r.seconds, headline(summary_, summary_["stages"].back())));
  }
  void conformance();
  void corpus();
  void proofs();
  void bench();
  void coverage();
  void campaign_and_triage();

  const Options& o_;
  fs::path dir_;
  Clock clock_;
  fs::path self_, source_;
  json summary_;
};

void Night::conformance() {
  std::vector<std::string> models = {"ref", "opt"};
  std::string why_not_qemu;
  if (o_.no_qemu) why_not_qemu = "--no-qemu";
  else if (auto why = qemu::QemuMachine::unavailable_reason()) why_not_qemu = *why;
  if (why_not_qemu.empty()) models.push_back("qemu");
  models.insert(models.end(), o_.models.begin(), o_.models.end());
  for (const std::string& m : models) {
    const std::string key = fs::path(m).stem().string();
    StageRun r = stage("conform-" + key, {"conform", "--model", m, "--json"}, share(m == "qemu" ? 0.25 : 0.1, 60));
    // conform exits 1 when a vector fails: the vectors are this stage's result, not a failure to run.
    if (r.status == "failed" && r.json) r.status = "ok";
    summary_["conformance"][key] = r.json ? *r.json : json{{"vectors", json::array()}};
    summary_["conformance"][key]["model"] = m;
    record(r);
  }
  if (!why_not_qemu.empty()) record(skipped_stage("conform-qemu", "QEMU not run: " + why_not_qemu));
}

void Night::corpus() {
  const std::string corpus = (source_ / "corpus").string();
  for (const char* which : {"run", "diff"}) {
    StageRun r = stage(fmt::format("corpus-{}", which), {which, corpus, "--json"}, share(0.1, 60));
    if (r.status == "failed" && r.json) r.status = "ok";  // failures are listed per scenario
    summary_["corpus"][which] = r.json ? *r.json : json{{"scenarios", json::array()}};
    record(r);
  }
}

void Night::proofs() {
  StageRun r = stage("prove", {"prove", (source_ / "specs" / "plans").string(), "--json", "--out", (dir_ / "prove").string()},
                     share(0.25, 120));
  if (r.status == "failed" && r.json) r.status = "ok";  // verdicts are compared in the report and the baseline
  summary_["proofs"] = r.json ? *r.json : json{{"plans", json::array()}};
  record(r);
}

void Night::bench() {
  const double per = std::clamp(double(clock_.budget().count()) / 1000.0, 0.05, 1.0);
  StageRun r = stage("bench", {"bench", "--seconds", fmt::format("{}", per), "--json"}, share(0.1, 60));
  summary_["bench"] = r.json ? *r.json : json::object();
  record(r);
}

void Night::coverage() {
  std::vector<std::string> args = {"coverage", "--out", (dir_ / "coverage").string()};
  if (!o_.coverage_build.empty()) args.insert(args.end(), {"--coverage-build", o_.coverage_build});
  std::error_code ec;
  fs::remove(dir_ / "coverage" / "coverage.json", ec);  // an earlier night's, if this one writes none
  StageRun r = stage("coverage", args, share(0.2, 180));
  std::ifstream in(dir_ / "coverage" / "coverage.json");
  const json c = json::parse(in, nullptr, false);
  summary_["coverage"] = c.is_discarded() ? json::object() : c;
  record(r);
}

void Night::campaign_and_triage() {
  const fs::path build = o_.fuzz_build.empty() ? source_ / "build" / "fuzz" : fs::path(o_.fuzz_build);
  const fs::path cdir = dir_ / "campaign";
  summary_["campaign"] = {{"dir", cdir.string()}, {"build", build.string()}, {"progress", json::array()},
                          {"seed", o_.seed ? json(*o_.seed) : json()}};
  std::string error;
  const double triage_reserve = share(0.1, 30);
  const double time = clock_.remaining() - triage_reserve;
  if (!campaign::check_fuzz_build(campaign::Engine::LibFuzzer, build, "fuzz", error)) {
    record(skipped_stage("campaign", "no fuzz build: " + error));
    return;
  }
  if (time < 10) {
    record(skipped_stage("campaign", fmt::format("the budget is spent ({:.0f} s left, {:.0f} s kept for triage)",
                                                 clock_.remaining(), triage_reserve)));
    return;
  }
  std::error_code ec;
  const fs::path progress_log = cdir / "progress.log";
  const uintmax_t offset = fs::exists(progress_log, ec) ? fs::file_size(progress_log, ec) : 0;
  std::vector<std::string> args = {"fuzz", "--engine", "libfuzzer", "--jobs", "1", "--time", fmt::format("{}", int(time)),
                                   "--interval", time < 120 ? "5s" : "15s", "--out", cdir.string(), "--build", build.string()};
  if (o_.seed) args.insert(args.end(), {"--seed", std::to_string(*o_.seed)});
  StageRun r = stage("campaign", args, time + 60);
  if (r.status == "failed") r.status = "ok";  // exit 1: the directory holds findings, triaged next
  summary_["campaign"]["progress"] = campaign_progress(progress_log, offset);
  record(r);
  if (r.status != "ok") return;
  StageRun t = stage("triage", {"triage", cdir.string(), "--json"}, std::max(triage_reserve, clock_.remaining()));
  if (t.status == "failed") t.status = "ok";  // exit 1: a reproducer diverges; each is judged below
  const KnownSignatures known(source_ / "corpus" / "regressions");
  if (t.json)
    for (const json& row : (*t.json)["signatures"]) {
      json f = row;
      f["known"] = known.contains(row.value("signature", std::string{}));
      f["new"] = !f["known"].get<bool>() && row.value("reproduces", false);
      summary_["findings"].push_back(f);
    }
  record(t);
}

json Night::run(const std::optional<json>& baseline) {
  summary_ = {{"schema", "smmucheck-nightly/1"}, {"started", utc_now()}, {"commit", git_commit(source_)},
              {"budget_seconds", clock_.budget().count()}, {"seed", o_.seed ? json(*o_.seed) : json()},
              {"baseline", o_.baseline.empty() ? json() : json(o_.baseline)}, {"stages", json::array()},
              {"conformance", json::object()}, {"findings", json::array()}, {"corpus", json::object()},
              {"proofs", json::object()}, {"bench", json::object()}, {"campaign", json::object()},
              {"coverage", json::object()}};
  conformance();
  corpus();
  proofs();
  bench();
  coverage();
  campaign_and_triage();
  summary_["elapsed_seconds"] = clock_.elapsed();
  summary_["regressions"] = baseline ? regressions(summary_, *baseline) : std::vector<json>{};
  json reasons = json::array();
  int fresh = 0;
  for (const json& f : summary_["findings"]) fresh += f.value("new", false);
  if (fresh) reasons.push_back(fmt::format("{} new finding(s): signatures not in corpus/regressions/", fresh));
  if (!summary_["regressions"].empty())
    reasons.push_back(fmt::format("{} regression(s) against the baseline", summary_["regressions"].size()));
  std::vector<std::string> broken;
  for (const json& st : summary_["stages"])
    if (st.value("status", "") == "error") broken.push_back(st.value("stage", ""));
  for (const auto& b : broken) reasons.push_back("stage " + b + " could not run");
  const int exit = fresh || !summary_["regressions"].empty() ? 1 : broken.empty() ? 0 : 2;
  summary_["verdict"] = {{"exit", exit}, {"reasons", reasons},
                         {"text", exit == 0   ? "nothing new was found and nothing regressed"
                                  : exit == 1 ? "a new finding or a regression"
                                              : "a stage could not run"}};
  return summary_;
}

// Writes DIR/report.html and DIR/report.md (and summary.json, unless null) atomically; false after printing why not.
bool write_reports(const fs::path& dir, const json& summary, bool with_summary) {
  const bool covered = summary.contains("coverage") && summary["coverage"].contains("commands");
  std::vector<std::pair<std::string, std::string>> files = {
      {"report.html", covered ? report_html(summary, coverage::coverage_html_section(summary["coverage"]), coverage::coverage_css())
                              : report_html(summary)},
                                                            {"report.md", report_markdown(summary)}};
  if (with_summary) files.insert(files.begin(), {"summary.json", summary.dump(2) + "\n"});
  for (const auto& [file, text] : files) {
    std::string error;
    if (fs::exists(dir / file)) fmt::print("nightly: replacing {} of an earlier night\n", (dir / file).string());
    if (harness::write_file_atomically((dir / file).string(), text, error) != harness::WriteResult::Written) {
      fmt::print(stderr, "smmucheck nightly: cannot write {}: {}\n", (dir / file).string(), error);
      return false;
    }
  }
  return true;
}

int render_only(const fs::path& dir) {
  std::string error;
  const auto summary = load_baseline(dir / "summary.json", error);  // the same checks: JSON, and a night's schema
  if (!summary) {
    fmt::print(stderr, "smmucheck nightly --render-only: {}\n", error);
    return 2;
  }
  try {
    if (!write_reports(dir, *summary, /*with_summary=*/false)) return 2;
  } catch (const nlohmann::json::exception& e) {  // a summary.json edited into other types
    fmt::print(stderr, "smmucheck nightly --render-only: {}: not a night's summary: {}\n", (dir / "summary.json").string(), e.what());
    return 2;
  }
  fmt::print("nightly: wrote {}/report.html and report.md from summary.json\n", dir.string());
  return 0;
}

}  // namespace

int nightly_command(const Options& o) {
  if (o.render_only) return render_only(fs::absolute(o.out));
  const auto budget = campaign::parse_duration(o.budget);
  if (!budget) {
    fmt::print(stderr, "smmucheck nightly: --budget: '{}' is not a duration (90, 90s, 15m, 8h)\n", o.budget);
    return 2;
  }
  std::error_code ec;
  const fs::path dir = fs::absolute(o.out);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    fmt::print(stderr, "smmucheck nightly: --out: cannot use {} as the night's directory: {}\n", dir.string(),
               ec ? ec.message() : "not a directory");
    return 2;
  }
  std::optional<json> baseline;
  if (!o.baseline.empty()) {
    std::string error;
    baseline = load_baseline(o.baseline, error);
    if (!baseline) {
      fmt::print(stderr, "smmucheck nightly: --baseline: {}\n", error);
      return 2;
    }
  }
  if (!o.coverage_build.empty())
    if (const std::string why = coverage::coverage_build_problem(fs::absolute(o.coverage_build)); !why.empty()) {
      fmt::print(stderr, "smmucheck nightly: --coverage-build: {}\n", why);
      return 2;
    }
  Night night(o, dir, *budget);
  const json summary = night.run(baseline);
  if (!write_reports(dir, summary, /*with_summary=*/true)) return 2;
  fmt::print("\n{}\nnightly: wrote {}/report.html, summary.json, report.md\n", report_markdown(summary), dir.string());
  return summary["verdict"]["exit"].get<int>();
}

}  // namespace smmu::nightly
