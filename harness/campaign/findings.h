// A campaign's findings (DIR/findings/): one per distinct input that made an engine report a crash, a timeout,
// an out-of-memory or a leak, with the signature it is filed under. Each is two files, written atomically in
// this order: <id>.input (the bytes) and <id>.json (the record); a finding exists once its record does, so
// a campaign killed at any point (kill -9 included) leaves only whole findings, and the next sweep of the
// engines' files (collect.h) records what was missed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace smmu::campaign {

struct Finding {
  std::string id;          // 16 hex digits of a hash of the input: identical inputs are one finding
  std::string signature;   // see judge.h
  std::string kind;        // what the engine reported: crash, timeout, oom, leak
  std::string engine;      // libfuzzer, afl
  std::string source;      // the engine's file, relative to the campaign directory when inside it
  int64_t first_seen = 0;  // Unix time the engine wrote that file
  uint64_t bytes = 0;
  bool operator==(const Finding& o) const { return id == o.id; }
};

class FindingStore {
 public:
  explicit FindingStore(std::filesystem::path campaign_dir);

  // Creates DIR/findings if needed and loads every record (records it cannot read are reported in `error`
  // and skipped; false only when the directory cannot be made or read).
  bool open(std::string& error);

  const std::vector<Finding>& findings() const { return findings_; }  // by first_seen, then id
  bool contains(const std::string& id) const { return index_.count(id) != 0; }
  std::filesystem::path input_path(const std::string& id) const { return dir_ / (id + ".input"); }
  const std::filesystem::path& dir() const { return dir_; }

  // Writes the input and then the record; false with `error` when either write fails. Adding an id that
  // is already there changes nothing.
  bool add(const Finding& f, std::span<const uint8_t> input, std::string& error);

  // Number of distinct signatures.
  size_t signatures() const;

  // Findings grouped by signature, the groups in order of their first finding.
  std::vector<std::pair<std::string, std::vector<const Finding*>>> by_signature() const;

 private:
  std::filesystem::path dir_;
  std::vector<Finding> findings_;
  std::map<std::string, size_t> index_;
  void insert(const Finding& f);
};

// "2024-05-01T12:34:56Z"
std::string format_utc(int64_t unix_seconds);

// The bytes of a file, or nullopt.
std::optional<std::vector<uint8_t>> read_bytes(const std::filesystem::path& p);

}  // namespace smmu::campaign
