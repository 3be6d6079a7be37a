#include "harness/campaign/progress.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace smmu::campaign {

namespace fs = std::filesystem;

namespace {

std::optional<uint64_t> number(std::string_view s) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  return v;
}

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<EngineStatus> parse_libfuzzer_status(std::string_view line) {
  const auto t = tokens(line);
  if (t.empty() || t[0].size() < 2 || t[0][0] != '#') return std::nullopt;
  std::string_view n = t[0].substr(1);
  if (n.ends_with(':')) n.remove_suffix(1);
  auto execs = number(n);
  if (!execs) return std::nullopt;
  EngineStatus s;
  s.execs = *execs;
  bool cov = false;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] == "cov:") {
      if (auto v = number(t[i + 1])) s.cov = *v, cov = true;
    } else if (t[i] == "corp:") {
      if (auto v = number(t[i + 1])) s.corpus = *v;  // "345" or "345/12Kb"
    } else if (t[i] == "exec/s" || t[i] == "exec/s:") {
      if (auto v = number(t[i + 1])) s.exec_per_sec = *v;
    }
  }
  if (!cov) return std::nullopt;
  return s;
}

LogFollower::LogFollower(fs::path log) : log_(std::move(log)) {
  std::error_code ec;
  const auto size = fs::file_size(log_, ec);
  offset_ = ec ? 0 : size;
}

const EngineStatus& LogFollower::poll() {
  std::ifstream in(log_, std::ios::binary);
  if (!in) return last_;
  in.seekg(0, std::ios::end);
  const uint64_t size = uint64_t(in.tellg());
  if (size < offset_) offset_ = 0;  // truncated
  in.seekg(std::streamoff(offset_));
  std::string chunk(size - offset_, '\0');
  in.read(chunk.data(), std::streamsize(chunk.size()));
  chunk.resize(size_t(in.gcount()));
  offset_ += chunk.size();
  partial_ += chunk;
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
    if (auto s = parse_libfuzzer_status(std::string_view(partial_).substr(start, nl - start))) last_ = *s;
  partial_.erase(0, start);
  return last_;
}

std::optional<EngineStatus> parse_afl_stats(std::string_view text) {
  EngineStatus s;
  bool execs = false;
  uint64_t run_time = 0;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string_view key(line.data(), colon), value(line.data() + colon + 1, line.size() - colon - 1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    const auto v = number(value);  // execs_per_sec is "2057.42": its integer part
    if (!v) continue;
    if (key == "execs_done") s.execs = *v, execs = true;
    else if (key == "run_time") run_time = *v;
    else if (key == "edges_found") s.cov = *v;
    else if (key == "corpus_count" || key == "paths_total") s.corpus = *v;
  }
  if (!execs) return std::nullopt;
  // Not its execs_per_sec: written at start-up, that one divides by a few milliseconds.
  s.exec_per_sec = run_time ? s.execs / run_time : 0;
  return s;
}

std::optional<EngineStatus> afl_status(const fs::path& afl_out) {
  std::optional<EngineStatus> total;
  std::error_code ec;
  for (const auto& instance : fs::directory_iterator(afl_out, ec)) {
    std::ifstream in(instance.path() / "fuzzer_stats");
    if (!in) continue;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto s = parse_afl_stats(text);
    if (!s) continue;
    if (!total) total = EngineStatus{};
    total->execs += s->execs;
    total->exec_per_sec += s->exec_per_sec;
    total->cov = std::max(total->cov, s->cov);
    total->corpus = std::max(total->corpus, s->corpus);
  }
  return total;
}

std::string progress_line(std::chrono::seconds t, const EngineStatus& s, size_t findings, size_t signatures) {
  return fmt::format("fuzz: t={}s execs={} exec/s={} cov={} corpus={} findings={} signatures={}", t.count(), s.execs,
                     s.exec_per_sec, s.cov, s.corpus, findings, signatures);
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t total = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    const auto v = number(text.substr(0, digits));
    if (!v || *v > 100000000) return std::nullopt;
    text.remove_prefix(digits);
    uint64_t unit = 1;
    if (!text.empty()) {
      switch (text.front()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return std::nullopt;
      }
      text.remove_prefix(1);
    } else if (total != 0) {
      return std::nullopt;  // "1h30": a bare number only on its own
    }
    total += *v * unit;
  }
  if (total == 0) return std::nullopt;
  return std::chrono::seconds(total);
}

}  // namespace smmu::campaign
