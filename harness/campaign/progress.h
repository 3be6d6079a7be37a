// Campaign progress: the engines' own counters, read from libFuzzer's status lines and AFL++'s fuzzer_stats,
// and the one greppable line `smmucheck fuzz` prints per interval:
//   fuzz: t=60s execs=123456 exec/s=2057 cov=1234 corpus=345 findings=2 signatures=1
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace smmu::campaign {

struct EngineStatus {
  uint64_t execs = 0;     // executions the engines report (AFL++: summed over instances, counting resumed runs)
  uint64_t exec_per_sec = 0;  // libFuzzer: its own exec/s; AFL++: execs_done / run_time, summed over instances
  uint64_t cov = 0;       // libFuzzer: cov: (edges); AFL++: edges_found, the largest over instances
  uint64_t corpus = 0;    // libFuzzer: corp:; AFL++: corpus_count, the largest over instances
};

// A libFuzzer status line: "#N: cov: C ft: F corp: K exec/s E ..." (-fork) or "#N\tNEW cov: C ft: F corp: K/..
// exec/s: E ..." (a single process). nullopt for any other line.
std::optional<EngineStatus> parse_libfuzzer_status(std::string_view line);

// Follows a growing log (libFuzzer's), from its size when constructed, and keeps the last status line.
class LogFollower {
 public:
  explicit LogFollower(std::filesystem::path log);
  const EngineStatus& poll();  // reads what was appended since the last poll

 private:
  std::filesystem::path log_;
  uint64_t offset_ = 0;
  std::string partial_;
  EngineStatus last_;
};

// One AFL++ fuzzer_stats file ("key : value" lines); nullopt when it has no execs_done. AFL++ rewrites it
// about once a minute, so its counters lag by up to that much.
std::optional<EngineStatus> parse_afl_stats(std::string_view text);

// The instances of an AFL++ output directory (-o), combined; nullopt before any instance wrote its stats.
std::optional<EngineStatus> afl_status(const std::filesystem::path& afl_out);

std::string progress_line(std::chrono::seconds t, const EngineStatus& s, size_t findings, size_t signatures);

// "90", "90s", "15m", "8h", "1h30m" as seconds; nullopt for anything else (or zero).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace smmu::campaign
