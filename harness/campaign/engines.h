// The fuzzing engines a campaign runs, as data: where a build directory keeps the differential target, its
// seeds and dictionary, and the command lines and environments of libFuzzer (-fork) and AFL++ (-M/-S,
// one CMPLOG). Nothing here starts a process (process.h does).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smmu::campaign {

enum class Engine { LibFuzzer, Afl };
std::optional<Engine> parse_engine(std::string_view name);  // "libfuzzer", "afl"
const char* engine_name(Engine e);

// What a fuzz build directory provides.
struct FuzzBuild {
  std::filesystem::path dir;
  std::filesystem::path target;   // fuzzers/diff_fuzzer
  std::filesystem::path seeds;    // fuzzers/seeds/scenario (the fuzz_seeds target makes it from corpus/)
  std::filesystem::path dict;     // fuzzers/dict/scenario.dict
  std::filesystem::path mutator;  // afl-mutator/smmucheck_afl_mutator.so (AFL++ builds)
};

// Checks that `dir` is a build of the kind `e` needs (CMakeCache.txt: SMMUCHECK_FUZZ for libFuzzer,
// SMMUCHECK_AFL for AFL++) with the targets built. `error` names what is missing and the command that makes
// it (`preset` is the CMake preset to name in that command: fuzz, afl, afl-cmplog).
std::optional<FuzzBuild> check_fuzz_build(Engine e, const std::filesystem::path& dir, std::string_view preset,
                                          std::string& error);

// A process to start: its arguments, the environment it adds, and the file its output is appended to.
struct ProcessSpec {
  std::string name;  // libfuzzer; AFL++: main, s1, s2...
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;  // set unless the environment already has the variable
  std::filesystem::path log;
  std::filesystem::path out;  // when set, stdout goes here (truncated) and only stderr to `log`
  std::string campaign;  // the campaign directory: SMMUCHECK_CAMPAIGN=<it> marks the process and its descendants
};

// The campaign directory's layout for each engine.
struct CampaignLayout {
  explicit CampaignLayout(std::filesystem::path d) : dir(std::move(d)) {}
  std::filesystem::path dir;
  std::filesystem::path libfuzzer_corpus() const { return dir / "corpus"; }
  std::filesystem::path libfuzzer_artifacts() const { return dir / "libfuzzer" / "artifacts"; }
  std::filesystem::path libfuzzer_tmp() const { return dir / "libfuzzer" / "tmp"; }
  std::filesystem::path libfuzzer_log() const { return dir / "logs" / "libfuzzer.txt"; }
  std::filesystem::path afl_out() const { return dir / "afl"; }
  std::filesystem::path afl_log(const std::string& instance) const { return dir / "logs" / ("afl-" + instance + ".txt"); }
};

// libFuzzer with -fork=jobs: the corpus DIR/corpus (kept between runs), the seeds read-only, crashes,
// timeouts and OOMs ignored (recorded, not fatal), artifacts in DIR/libfuzzer/artifacts/, its job
// directories in DIR/libfuzzer/tmp (TMPDIR). `max_time` is a backstop: smmucheck stops it first.
// `seed`: libFuzzer's -seed (a repeatable start; -fork jobs derive theirs from it).
ProcessSpec libfuzzer_process(const FuzzBuild& b, const CampaignLayout& l, int jobs, std::chrono::seconds max_time,
                              std::optional<uint32_t> seed = std::nullopt);

// AFL++: one -M main and jobs-1 -S instances sharing DIR/afl; the first -S (or the main, with one job) runs
// the CMPLOG binary with -c; further -S instances take other power schedules. AFL_AUTORESUME resumes
// instances that ran before and starts new ones from the seeds. `cmplog` may be null (--no-cmplog).
std::vector<ProcessSpec> afl_processes(const FuzzBuild& b, const FuzzBuild* cmplog, const CampaignLayout& l, int jobs,
                                       const std::string& afl_fuzz,
                                       std::optional<uint32_t> seed = std::nullopt);

// The source tree smmucheck was built from (its defaults: <source>/build/fuzz, build/afl, build/afl-cmplog,
// corpus/regressions).
std::filesystem::path source_dir();

// `name` found in PATH (or as given when it has a '/'), or "".
std::string find_program(const std::string& name);

}  // namespace smmu::campaign
