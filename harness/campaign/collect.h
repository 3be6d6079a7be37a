// Finding the engines' crash files and recording each as a finding (findings.h). The engines' own files are
// the first durable record of a finding; a sweep turns every one not yet recorded into a finding, so a
// sweep after a restart recovers whatever a kill -9 interrupted.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/campaign/findings.h"

namespace smmu::campaign {

struct CrashFile {
  std::filesystem::path path;
  std::string engine;  // libfuzzer, afl
  std::string kind;    // crash, timeout, oom, leak
};

// What an engine's file is, from its name and its directory's name: libFuzzer's artifacts crash-*, timeout-*,
// oom-*, leak-*; AFL++'s crashes/id:* (and crashes.<date>/, where a resumed AFL++ moves the old ones) and
// hangs/id:* (a timeout). Anything else (README.txt, an atomic-write temporary) is nullopt.
std::optional<CrashFile> classify_crash_file(const std::filesystem::path& p);

// The crash files of a `smmucheck fuzz` directory, where its engines write them: DIR/libfuzzer/artifacts/
// and DIR/afl/<instance>/{crashes*,hangs*}/.
std::vector<CrashFile> campaign_crash_files(const std::filesystem::path& dir);

// Every crash file anywhere under `dir` (an AFL++ output directory, a directory of libFuzzer artifacts, a
// campaign directory), skipping corpora and queues and smmucheck's own findings/ and regressions/.
std::vector<CrashFile> any_crash_files(const std::filesystem::path& dir);

using Judge = std::function<std::string(std::span<const uint8_t> bytes, const std::string& kind)>;

class Collector {
 public:
  // `judge` gives a finding's signature ("" to try again later); finding_signature (judge.h) by default.
  Collector(FindingStore& store, std::filesystem::path campaign_dir, Judge judge = {});

  // Records each file of `files` not recorded yet. Files changed less than `settle` ago are left for a
  // later sweep (their engine may still be writing them). Returns the findings it added; `errors` gets
  // what it could not read or write.
  std::vector<Finding> sweep(const std::vector<CrashFile>& files, std::chrono::seconds settle,
                             std::vector<std::string>& errors);

 private:
  FindingStore& store_;
  std::filesystem::path dir_;
  Judge judge_;
  std::set<std::string> done_;  // path|size|mtime of files already looked at in this process
};

}  // namespace smmu::campaign
