#include "harness/campaign/engines.h"

#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include <fmt/format.h>

namespace smmu::campaign {

namespace fs = std::filesystem;

std::optional<Engine> parse_engine(std::string_view name) {
  if (name == "libfuzzer") return Engine::LibFuzzer;
  if (name == "afl") return Engine::Afl;
  return std::nullopt;
}

const char* engine_name(Engine e) { return e == Engine::LibFuzzer ? "libfuzzer" : "afl"; }

namespace {

// "NAME:TYPE=VALUE" lines of CMakeCache.txt.
std::optional<std::string> cache_value(const fs::path& cache, const std::string& name) {
  std::ifstream in(cache);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0)
      if (auto eq = line.find('='); eq != std::string::npos) return line.substr(eq + 1);
  return std::nullopt;
}

bool on(const std::optional<std::string>& v) { return v && (*v == "ON" || *v == "1" || *v == "TRUE" || *v == "YES"); }

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); }

bool nonempty_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && !fs::is_empty(p, ec);
}

}  // namespace

std::optional<FuzzBuild> check_fuzz_build(Engine e, const fs::path& dir, std::string_view preset, std::string& error) {
  const std::string target = preset == "afl-cmplog" ? "diff_fuzzer" : "fuzz_targets";
  const std::string env = preset == "afl-cmplog" ? "AFL_LLVM_CMPLOG=1 " : "";
  auto make = [&](const fs::path& where) {
    return fmt::format("cmake --preset {} -B {} && {}cmake --build {} --target {}", preset, where.string(), env,
                       where.string(), target);
  };
  const fs::path cache = dir / "CMakeCache.txt";
  if (!fs::exists(cache)) {
    error = fmt::format("{} is not a build directory (no CMakeCache.txt); make it with: {}", dir.string(), make(dir));
    return std::nullopt;
  }
  const bool libfuzzer = on(cache_value(cache, "SMMUCHECK_FUZZ")), afl = on(cache_value(cache, "SMMUCHECK_AFL"));
  const fs::path elsewhere = dir.parent_path() / std::string(preset);
  if (e == Engine::LibFuzzer && !libfuzzer) {
    error = fmt::format("{} is not a libFuzzer build ({}); name one with --build, or make one with: {}", dir.string(),
                        afl ? "it is an AFL++ build" : "SMMUCHECK_FUZZ is off", make(elsewhere));
    return std::nullopt;
  }
  if (e == Engine::Afl && !afl) {
    error = fmt::format("{} is not an AFL++ build ({}); name one with --build, or make one with: {}", dir.string(),
                        libfuzzer ? "it is a libFuzzer build" : "SMMUCHECK_AFL is off", make(elsewhere));
    return std::nullopt;
  }
  FuzzBuild b;
  b.dir = dir;
  b.target = dir / "fuzzers" / "diff_fuzzer";
  b.seeds = dir / "fuzzers" / "seeds" / "scenario";
  b.dict = dir / "fuzzers" / "dict" / "scenario.dict";
  b.mutator = dir / "afl-mutator" / "smmucheck_afl_mutator.so";
  if (!executable(b.target)) {
    error = fmt::format("{} is missing; build it with: {}cmake --build {} --target {}", b.target.string(), env,
                        dir.string(), target);
    return std::nullopt;
  }
  if (preset == "afl-cmplog") return b;  // only the -c binary is used from this build
  if (!nonempty_dir(b.seeds) || !fs::exists(b.dict)) {
    error = fmt::format("{} or {} is missing; make them with: cmake --build {} --target fuzz_seeds", b.seeds.string(),
                        b.dict.string(), dir.string());
    return std::nullopt;
  }
  if (e == Engine::Afl && !fs::exists(b.mutator)) {
    error = fmt::format("{} is missing; build it with: cmake --build {} --target fuzz_targets", b.mutator.string(),
                        dir.string());
    return std::nullopt;
  }
  return b;
}

ProcessSpec libfuzzer_process(const FuzzBuild& b, const CampaignLayout& l, int jobs, std::chrono::seconds max_time,
                              std::optional<uint32_t> seed) {
  ProcessSpec p;
  p.name = "libfuzzer";
  p.argv = {b.target.string(),
            fmt::format("-fork={}", jobs),
            "-ignore_crashes=1",
            "-ignore_timeouts=1",
            "-ignore_ooms=1",
            "-timeout=10",
            "-max_len=4096",
            "-print_final_stats=1",
            fmt::format("-max_total_time={}", max_time.count()),
            "-artifact_prefix=" + l.libfuzzer_artifacts().string() + "/",
            "-dict=" + b.dict.string(),
            l.libfuzzer_corpus().string(),
            b.seeds.string()};
  if (seed) p.argv.insert(p.argv.begin() + 1, fmt::format("-seed={}", *seed));
  p.env = {{"TMPDIR", l.libfuzzer_tmp().string()}};
  p.log = l.libfuzzer_log();
  return p;
}

std::vector<ProcessSpec> afl_processes(const FuzzBuild& b, const FuzzBuild* cmplog, const CampaignLayout& l, int jobs,
                                       const std::string& afl_fuzz, std::optional<uint32_t> seed) {
  static const char* schedules[] = {"explore", "coe", "rare", "exploit", "seek"};
  const std::vector<std::pair<std::string, std::string>> env = {
      {"AFL_AUTORESUME", "1"},
      {"AFL_SKIP_CPUFREQ", "1"},
      {"AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1"},
      {"AFL_NO_UI", "1"},
      {"AFL_NO_AFFINITY", "1"},
      {"AFL_SKIP_CRASHES", "1"},  // a seed that diverges is a finding, not a reason to stop
      {"AFL_CUSTOM_MUTATOR_LIBRARY", b.mutator.string()},
  };
  std::vector<ProcessSpec> out;
  for (int i = 0; i < jobs; ++i) {
    ProcessSpec p;
    p.name = i == 0 ? "main" : fmt::format("s{}", i);
    p.argv = {afl_fuzz, "-i", b.seeds.string(), "-o", l.afl_out().string(), i == 0 ? "-M" : "-S", p.name,
              "-x", b.dict.string()};
    const bool runs_cmplog = cmplog && (jobs == 1 ? i == 0 : i == 1);
    if (runs_cmplog) p.argv.insert(p.argv.end(), {"-c", cmplog->target.string()});
    if (i >= 2) p.argv.insert(p.argv.end(), {"-p", schedules[(i - 2) % std::size(schedules)]});
    if (seed) p.argv.insert(p.argv.end(), {"-s", std::to_string(*seed + uint32_t(i))});
    p.argv.insert(p.argv.end(), {"--", b.target.string()});
    p.env = env;
    p.log = l.afl_log(p.name);
    out.push_back(std::move(p));
  }
  return out;
}

std::filesystem::path source_dir() { return SMMUCHECK_SOURCE_DIR; }

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

}  // namespace smmu::campaign
