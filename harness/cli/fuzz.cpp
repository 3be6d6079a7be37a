// `smmucheck fuzz`: a campaign of the differential target under libFuzzer (-fork) or AFL++ (-M/-S, one CMPLOG)
// in a directory it can be killed in and resumed from. Each crash file an engine writes becomes a finding
// (harness/campaign/findings.h) as soon as it is complete, and again at start-up for anything a kill missed.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/atomic_file.h"
#include "harness/campaign/collect.h"
#include "harness/campaign/engines.h"
#include "harness/campaign/process.h"
#include "harness/campaign/progress.h"
#include "harness/cli/commands.h"

namespace smmu::harness {

namespace fs = std::filesystem;
using namespace smmu::campaign;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

struct Engines {
  std::vector<ProcessSpec> specs;
  std::vector<pid_t> pids;
};

void say(FILE* progress_log, const std::string& line) {
  fmt::print("{}\n", line);
  std::fflush(stdout);
  if (progress_log) {
    fmt::print(progress_log, "{}\n", line);
    std::fflush(progress_log);
  }
}

std::string log_tail(const fs::path& log, int lines) {
  std::ifstream in(log);
  std::vector<std::string> last;
  for (std::string l; std::getline(in, l);) {
    last.push_back(l);
    if (int(last.size()) > lines) last.erase(last.begin());
  }
  std::string out;
  for (const auto& l : last) out += "  | " + l + "\n";
  return out;
}

// Appends this session to DIR/campaign.json (engine, jobs, time asked, start), atomically.
void record_session(const fs::path& dir, const FuzzOptions& o, std::chrono::seconds time) {
  nlohmann::json j;
  if (std::ifstream in(dir / "campaign.json"); in) j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) j = nlohmann::json::object();
  j["sessions"].push_back({{"engine", o.engine}, {"jobs", o.jobs}, {"seconds", time.count()},
                           {"started", format_utc(std::time(nullptr))}});
  std::string error;
  write_file_atomically((dir / "campaign.json").string(), j.dump(2) + "\n", error);
}

std::optional<Engines> plan_engines(const FuzzOptions& o, Engine engine, const CampaignLayout& layout,
                                    std::chrono::seconds time, std::string& error) {
  const fs::path build = !o.build.empty() ? fs::path(o.build)
                                          : source_dir() / "build" / (engine == Engine::LibFuzzer ? "fuzz" : "afl");
  auto b = check_fuzz_build(engine, build, engine == Engine::LibFuzzer ? "fuzz" : "afl", error);
  if (!b) return std::nullopt;
  Engines e;
  if (engine == Engine::LibFuzzer) {
    e.specs.push_back(libfuzzer_process(*b, layout, o.jobs, time + std::chrono::seconds(60), o.seed));
    return e;
  }
  const std::string afl_fuzz = find_program("afl-fuzz");
  if (afl_fuzz.empty()) {
    error = "afl-fuzz not found in PATH: install AFL++ (ci/setup.sh does) or use --engine libfuzzer";
    return std::nullopt;
  }
  std::optional<FuzzBuild> cmplog;
  if (!o.no_cmplog) {
    const fs::path dir = !o.cmplog_build.empty() ? fs::path(o.cmplog_build) : source_dir() / "build" / "afl-cmplog";
    cmplog = check_fuzz_build(Engine::Afl, dir, "afl-cmplog", error);
    if (!cmplog) {
      error += " (or run without CMPLOG: --no-cmplog)";
      return std::nullopt;
    }
  }
  e.specs = afl_processes(*b, cmplog ? &*cmplog : nullptr, layout, o.jobs, afl_fuzz, o.seed);
  return e;
}

// Locks DIR, ends what a killed campaign left running there, and makes the engine's directories.
bool take_over(const fs::path& dir, const CampaignLayout& layout, Engine engine, std::string& error) {
  if (!lock_campaign(dir, error)) return false;
  if (const int n = kill_leftovers(dir)) {
    fmt::print("fuzz: ended {} engine processes an earlier campaign in {} left running\n", n, dir.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::error_code ec;
  fs::remove_all(layout.libfuzzer_tmp(), ec);  // job directories of a killed libFuzzer
  std::vector<fs::path> dirs = {dir / "logs"};
  if (engine == Engine::LibFuzzer)
    dirs.insert(dirs.end(), {layout.libfuzzer_corpus(), layout.libfuzzer_artifacts(), layout.libfuzzer_tmp()});
  for (const fs::path& d : dirs) {
    fs::create_directories(d, ec);
    if (ec) {
      error = "cannot create " + d.string() + ": " + ec.message();
      return false;
    }
  }
  return true;
}

// Starts every engine process, marked as DIR's; on a failure, ends those already started.
bool start(Engines& engines, const fs::path& dir, std::string& error) {
  for (ProcessSpec& p : engines.specs) {
    p.campaign = dir.string();
    auto pid = spawn(p, error);
    if (!pid) {
      for (pid_t started : engines.pids) stop_group(started, std::chrono::seconds(5));
      kill_leftovers(dir);
      return false;
    }
    engines.pids.push_back(*pid);
    fmt::print("fuzz: started {} (pid {}): {}\n", p.name, *pid, fmt::join(p.argv, " "));
  }
  std::fflush(stdout);
  return true;
}

}  // namespace

int fuzz_campaign(const FuzzOptions& o) {
  const auto engine = parse_engine(o.engine);
  if (!engine) {
    fmt::print(stderr, "smmucheck fuzz: unknown engine '{}' (libfuzzer or afl)\n", o.engine);
    return kExitInputError;
  }
  const auto time = parse_duration(o.time);
  const auto interval = parse_duration(o.interval);
  if (!time || !interval) {
    fmt::print(stderr, "smmucheck fuzz: bad duration '{}' (seconds, or a number with s, m, h or d: 90, 15m, 8h)\n",
               !time ? o.time : o.interval);
    return kExitInputError;
  }
  if (o.jobs < 1 || o.jobs > 1024) {
    fmt::print(stderr, "smmucheck fuzz: --jobs must be between 1 and 1024\n");
    return kExitInputError;
  }
  std::error_code ec;
  if (fs::exists(o.out, ec) && !fs::is_directory(o.out, ec)) {
    fmt::print(stderr, "smmucheck fuzz: cannot use {} as the campaign directory: not a directory\n", o.out);
    return kExitInputError;
  }
  fs::path dir = fs::weakly_canonical(fs::absolute(o.out), ec);
  if (ec) dir = fs::absolute(o.out);
  const CampaignLayout layout(dir);
  std::string error;
  auto engines = plan_engines(o, *engine, layout, *time, error);
  if (!engines) {
    fmt::print(stderr, "smmucheck fuzz: {}\n", error);
    return kExitInputError;
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    fmt::print(stderr, "smmucheck fuzz: cannot use {} as the campaign directory: {}\n", o.out,
               ec ? ec.message() : "not a directory");
    return kExitInputError;
  }
  if (!take_over(dir, layout, *engine, error)) {
    fmt::print(stderr, "smmucheck fuzz: {}\n", error);
    return kExitInputError;
  }

  FindingStore store(dir);
  if (!store.open(error)) {
    fmt::print(stderr, "smmucheck fuzz: {}\n", error);
    return kExitInputError;
  }
  if (!error.empty()) fmt::print(stderr, "fuzz: {}\n", error);
  Collector collector(store, dir);
  std::vector<std::string> errors;
  // Before the engines start (a resumed AFL++ moves its crashes/ aside): whatever a kill left unrecorded.
  const size_t before = store.findings().size();
  const auto recovered = collector.sweep(campaign_crash_files(dir), std::chrono::seconds(0), errors);
  if (before || !recovered.empty())
    fmt::print("fuzz: resuming {}: {} findings ({} signatures), {} of them recorded now from the engines' files\n",
               dir.string(), store.findings().size(), store.signatures(), recovered.size());
  FILE* progress_log = std::fopen((dir / "progress.log").c_str(), "a");
  record_session(dir, o, *time);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_signal);
  if (!start(*engines, dir, error)) {
    fmt::print(stderr, "smmucheck fuzz: {}\n", error);
    return kExitInputError;
  }

  LogFollower libfuzzer_log(layout.libfuzzer_log());
  EngineStatus status;
  auto refresh = [&] {
    if (*engine == Engine::LibFuzzer) status = libfuzzer_log.poll();
    else if (auto s = afl_status(layout.afl_out())) status = *s;
  };
  std::set<std::string> signatures;
  for (const Finding& f : store.findings())
    if (std::find(recovered.begin(), recovered.end(), f) == recovered.end()) signatures.insert(f.signature);
  auto report = [&](const std::vector<Finding>& added) {
    for (const Finding& f : added)  // the first finding of each signature; the rest are counted
      if (signatures.insert(f.signature).second)
        say(progress_log, fmt::format("fuzz: new signature={} finding={} source={}", f.signature, f.id, f.source));
    for (const std::string& e : errors) fmt::print(stderr, "fuzz: {}\n", e);
    errors.clear();
  };
  report(recovered);

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start); };
  auto next_report = *interval;
  std::string failure;
  while (!g_stop && elapsed() < *time) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    for (size_t i = 0; i < engines->pids.size() && failure.empty(); ++i)
      if (auto how = ended(engines->pids[i])) {
        failure = fmt::format("{} ended early ({}); the end of {}:\n{}", engines->specs[i].name, *how,
                              engines->specs[i].log.string(), log_tail(engines->specs[i].log, 15));
        engines->pids[i] = 0;
      }
    if (!failure.empty()) break;
    report(collector.sweep(campaign_crash_files(dir), std::chrono::seconds(2), errors));
    if (elapsed() >= next_report && elapsed() < *time) {  // the last line comes after the engines stop
      refresh();
      say(progress_log, progress_line(elapsed(), status, store.findings().size(), store.signatures()));
      next_report += *interval;
    }
  }
  // AFL++ saves its state on SIGINT; libFuzzer's files need no saving and its fork mode is slow to stop.
  const auto grace = *engine == Engine::Afl ? std::chrono::seconds(10) : std::chrono::seconds(2);
  for (pid_t pid : engines->pids)
    if (pid) stop_group(pid, grace);
  kill_leftovers(dir);  // what left the engines' groups and outlived them
  fs::remove_all(layout.libfuzzer_tmp(), ec);  // libFuzzer's job directories (copies of corpus parts)
  report(collector.sweep(campaign_crash_files(dir), std::chrono::seconds(0), errors));
  refresh();
  say(progress_log, progress_line(elapsed(), status, store.findings().size(), store.signatures()));
  if (progress_log) std::fclose(progress_log);
  if (!failure.empty()) {
    fmt::print(stderr, "smmucheck fuzz: {}", failure);
    return kExitInputError;
  }
  fmt::print("fuzz: {} after {}s: {} findings, {} signatures in {}{}\n", g_stop ? "interrupted" : "done",
             elapsed().count(), store.findings().size(), store.signatures(), (dir / "findings").string(),
             store.findings().empty() ? "" : fmt::format("; next: smmucheck triage {}", dir.string()));
  return store.findings().empty() ? kExitOk : kExitFailed;
}

}  // namespace smmu::harness
