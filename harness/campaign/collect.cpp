#include "harness/campaign/collect.h"

#include <algorithm>
#include <sys/stat.h>
#include <ctime>

#include "harness/atomic_file.h"
#include "harness/campaign/judge.h"
#include "harness/campaign/safe_name.h"

namespace smmu::campaign {

namespace fs = std::filesystem;

namespace {

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

bool afl_dir(const std::string& dir_name, std::string_view base) {
  return dir_name == base || starts_with(dir_name, std::string(base) + ".");
}

void add_if_crash(const fs::path& p, std::vector<CrashFile>& out) {
  if (auto c = classify_crash_file(p)) out.push_back(*c);
}

void list_dir(const fs::path& d, std::vector<CrashFile>& out) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(d, ec))
    if (e.is_regular_file(ec)) add_if_crash(e.path(), out);
}

}  // namespace

std::optional<CrashFile> classify_crash_file(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string parent = p.parent_path().filename().string();
  if (name.empty() || harness::is_atomic_write_temporary(name)) return std::nullopt;
  if (starts_with(name, "id:") || starts_with(name, "id_")) {
    if (afl_dir(parent, "crashes")) return CrashFile{p, "afl", "crash"};
    if (afl_dir(parent, "hangs")) return CrashFile{p, "afl", "timeout"};
    return std::nullopt;
  }
  for (const char* kind : {"crash", "timeout", "oom", "leak"})
    if (starts_with(name, std::string(kind) + "-")) return CrashFile{p, "libfuzzer", kind};
  return std::nullopt;
}

std::vector<CrashFile> campaign_crash_files(const fs::path& dir) {
  std::vector<CrashFile> out;
  list_dir(dir / "libfuzzer" / "artifacts", out);
  std::error_code ec;
  for (const auto& instance : fs::directory_iterator(dir / "afl", ec)) {
    if (!instance.is_directory(ec)) continue;
    for (const auto& sub : fs::directory_iterator(instance.path(), ec)) {
      const std::string n = sub.path().filename().string();
      if (sub.is_directory(ec) && (afl_dir(n, "crashes") || afl_dir(n, "hangs"))) list_dir(sub.path(), out);
    }
  }
  std::sort(out.begin(), out.end(), [](const CrashFile& a, const CrashFile& b) { return a.path < b.path; });
  return out;
}

std::vector<CrashFile> any_crash_files(const fs::path& dir) {
  static const std::set<std::string> skipped = {"queue", "corpus", ".synced", "_resume", "findings", "regressions",
                                                ".state", "tmp"};
  std::vector<CrashFile> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) {
      if (skipped.count(it->path().filename().string())) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) add_if_crash(it->path(), out);
  }
  std::sort(out.begin(), out.end(), [](const CrashFile& a, const CrashFile& b) { return a.path < b.path; });
  return out;
}

Collector::Collector(FindingStore& store, fs::path campaign_dir, Judge judge)
    : store_(store), dir_(std::move(campaign_dir)), judge_(std::move(judge)) {
  if (!judge_) judge_ = [](std::span<const uint8_t> b, const std::string& kind) { return finding_signature(b, kind); };
}

std::vector<Finding> Collector::sweep(const std::vector<CrashFile>& files, std::chrono::seconds settle,
                                      std::vector<std::string>& errors) {
  std::vector<Finding> added;
  const int64_t now = std::time(nullptr);
  for (const CrashFile& c : files) {
    struct stat st{};
    if (::stat(c.path.c_str(), &st) != 0) continue;  // gone (an engine renamed it): found again under its new name
    const std::string key = c.path.string() + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtime);
    if (done_.count(key)) continue;
    if (now - int64_t(st.st_mtime) < settle.count()) continue;
    auto bytes = read_bytes(c.path);
    if (!bytes) {
      errors.push_back("cannot read " + c.path.string());
      continue;
    }
    Finding f;
    f.id = hex64(fnv1a64(*bytes));
    if (store_.contains(f.id)) {
      done_.insert(key);
      continue;
    }
    f.signature = judge_(*bytes, c.kind);
    if (f.signature.empty()) continue;  // no child could be started: next sweep
    f.kind = c.kind;
    f.engine = c.engine;
    const fs::path rel = c.path.lexically_relative(dir_);
    f.source = !rel.empty() && *rel.begin() != ".." ? rel.string() : c.path.string();
    f.first_seen = int64_t(st.st_mtime);
    f.bytes = bytes->size();
    std::string err;
    if (!store_.add(f, *bytes, err)) {
      errors.push_back(err);
      continue;
    }
    done_.insert(key);
    added.push_back(f);
  }
  return added;
}

}  // namespace smmu::campaign
