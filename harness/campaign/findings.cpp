#include "harness/campaign/findings.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/atomic_file.h"

namespace smmu::campaign {

namespace fs = std::filesystem;

namespace {

nlohmann::json to_json(const Finding& f) {
  return {{"id", f.id},         {"signature", f.signature}, {"kind", f.kind},   {"engine", f.engine},
          {"source", f.source}, {"first_seen", f.first_seen}, {"first_seen_utc", format_utc(f.first_seen)},
          {"bytes", f.bytes}};
}

std::optional<Finding> from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("signature") || !j["id"].is_string() ||
      !j["signature"].is_string())
    return std::nullopt;
  Finding f;
  f.id = j["id"];
  f.signature = j["signature"];
  f.kind = j.value("kind", "crash");
  f.engine = j.value("engine", "");
  f.source = j.value("source", "");
  f.first_seen = j.value("first_seen", int64_t{0});
  f.bytes = j.value("bytes", uint64_t{0});
  return f;
}

bool before(const Finding& a, const Finding& b) {
  return a.first_seen != b.first_seen ? a.first_seen < b.first_seen : a.id < b.id;
}

}  // namespace

std::string format_utc(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::optional<std::vector<uint8_t>> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

FindingStore::FindingStore(fs::path campaign_dir) : dir_(std::move(campaign_dir) / "findings") {}

void FindingStore::insert(const Finding& f) {
  const auto at = std::upper_bound(findings_.begin(), findings_.end(), f, before);
  findings_.insert(at, f);
  index_.clear();
  for (size_t i = 0; i < findings_.size(); ++i) index_[findings_[i].id] = i;
}

bool FindingStore::open(std::string& error) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    error = "cannot create " + dir_.string() + ": " + ec.message();
    return false;
  }
  findings_.clear();
  index_.clear();
  std::vector<std::string> bad;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".json" || harness::is_atomic_write_temporary(name)) continue;
    std::ifstream in(e.path());
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    auto f = from_json(j);
    if (!f || f->id + ".json" != name || !fs::exists(input_path(f->id))) {
      bad.push_back(name);
      continue;
    }
    findings_.push_back(*f);
  }
  if (ec) {
    error = "cannot read " + dir_.string() + ": " + ec.message();
    return false;
  }
  std::sort(findings_.begin(), findings_.end(), before);
  for (size_t i = 0; i < findings_.size(); ++i) index_[findings_[i].id] = i;
  if (!bad.empty()) error = fmt::format("{}: skipped unreadable records: {}", dir_.string(), fmt::join(bad, ", "));
  return true;
}

bool FindingStore::add(const Finding& f, std::span<const uint8_t> input, std::string& error) {
  if (contains(f.id)) return true;
  const std::string_view bytes(reinterpret_cast<const char*>(input.data()), input.size());
  if (harness::write_file_atomically(input_path(f.id).string(), bytes, error) != harness::WriteResult::Written)
    return false;
  if (harness::write_file_atomically((dir_ / (f.id + ".json")).string(), to_json(f).dump(2) + "\n", error) !=
      harness::WriteResult::Written)
    return false;
  insert(f);
  return true;
}

size_t FindingStore::signatures() const {
  std::set<std::string> s;
  for (const Finding& f : findings_) s.insert(f.signature);
  return s.size();
}

std::vector<std::pair<std::string, std::vector<const Finding*>>> FindingStore::by_signature() const {
  std::vector<std::pair<std::string, std::vector<const Finding*>>> groups;
  std::map<std::string, size_t> at;
  for (const Finding& f : findings_) {  // findings_ is in first_seen order, so groups are too
    auto [it, fresh] = at.emplace(f.signature, groups.size());
    if (fresh) groups.push_back({f.signature, {}});
    groups[it->second].second.push_back(&f);
  }
  return groups;
}

}  // namespace smmu::campaign
