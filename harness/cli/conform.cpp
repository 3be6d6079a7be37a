// `smmucheck conform`: the conformance vectors (specs/conformance/ and the hand-written corpus areas), each
// tied to a rule of Arm IHI 0070, run on one model and reported per vector and per spec section.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "harness/atomic_file.h"
#include "harness/campaign/engines.h"
#include "harness/cli/commands.h"
#include "harness/cli/conform_report.h"
#include "harness/cli/models.h"
#include "harness/cli/run_one.h"
#include "harness/scenario/load.h"

namespace smmu::harness {

std::vector<std::string> default_conformance_paths() {
  const auto root = campaign::source_dir();
  std::vector<std::string> out{(root / "specs" / "conformance").string()};
  // The corpus areas whose scenarios are hand-written vectors (not regressions/, kexec/, hitless/, qemu/:
  // fuzz reproducers, live-update checks, a generated writer check, and the QEMU peer's own copies).
  for (const char* area : {"stream_table", "ste", "cd", "stage1", "stage2", "nested", "cmdq", "eventq"})
    out.push_back((root / "corpus" / area).string());
  return out;
}

namespace {

// Corpus scenarios in those areas that are not conformance vectors, and why.
struct Excluded {
  const char* file;  // relative to the source root
  const char* why;
};
constexpr Excluded kExcluded[] = {
    {"corpus/eventq/eventq_stale_window_queue_out_of_step.textproto",
     "expects the reference's choice inside a permitted-stale window (§3.21.3.1: a caching SMMU may use the cached "
     "invalid STE and overflow the queue), so a conforming caching model may fail it; it is a differential-runner "
     "regression test, not a vector"},
};

const Excluded* excluded(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const Excluded& e : kExcluded)
    if (fs::equivalent(fs::path(file), campaign::source_dir() / e.file, ec)) return &e;
  return nullptr;
}

// What makes a scenario a conformance vector: the sections it checks, its rule in words, and at least one
// expectation. Empty when it is one; otherwise the error naming the file and the field.
std::vector<std::string> vector_problems(const LoadedScenario& s) {
  std::vector<std::string> out;
  if (s.msg.spec_size() == 0)
    out.push_back(s.path + ": field spec: missing (a vector names the sections of Arm IHI 0070 it checks)");
  for (const std::string& sec : s.msg.spec())
    if (sec.empty() || sec.find_first_not_of("0123456789.") != std::string::npos || sec.front() == '.' || sec.back() == '.')
      out.push_back(fmt::format("{}: field spec: '{}' is not a section number such as 5.2 or 7.3.13", s.path, sec));
  if (!s.msg.has_rule() || s.msg.rule().find_first_not_of(" \t\n") == std::string::npos)
    out.push_back(s.path + ": field rule: missing (a vector states the rule it checks, in words)");
  int checks = 0;
  for (const auto& step : s.msg.step()) checks += count_checks(step);
  if (checks == 0) out.push_back(s.path + ": field step: no expectation (a vector checks at least one result)");
  return out;
}

const char* label(const std::string& status) {
  return status == "pass" ? "PASS" : status == "fail" ? "FAIL" : status == "skip" ? "SKIP" : "ERROR";
}

}  // namespace

std::vector<std::string> conformance_files(const std::vector<std::string>& paths, std::vector<std::string>& missing,
                                           const std::function<void(const std::string&, const std::string&)>& note) {
  std::vector<std::string> files = scenario_files(paths.empty() ? default_conformance_paths() : paths, missing);
  std::erase_if(files, [&](const std::string& f) {
    const Excluded* e = excluded(f);
    if (e) note(f, e->why);
    return e != nullptr;
  });
  return files;
}

int conform_command(const ConformOptions& opts) {
  std::string err;
  const auto model = model_by_name(opts.model, err);
  if (!model) {
    fmt::print(stderr, "smmucheck conform: {}\n", err);
    return kExitInputError;
  }
  // With --json the JSON goes to stdout and the text to stderr.
  FILE* text = opts.json ? stderr : stdout;
  std::vector<std::string> missing;
  const std::vector<std::string> files = conformance_files(opts.paths, missing, [&](const std::string& f, const std::string& why) {
    fmt::print(text, "NOTE  {}: not a vector: {}\n", f, why);
  });
  nlohmann::json invalid_json = nlohmann::json::array();
  int invalid = 0;
  for (const auto& m : missing) {
    fmt::print(text, "ERROR {}: no such file or directory\n", m);
    invalid_json.push_back({{"file", m}, {"problems", {"no such file or directory"}}});
    ++invalid;
  }
  std::vector<VectorResult> results;
  for (const std::string& file : files) {
    std::vector<InputError> errors;
    const auto s = load_scenario(file, errors);
    std::vector<std::string> problems;
    for (const auto& e : errors) problems.push_back(e.to_string());
    if (s) problems = vector_problems(*s);
    if (!problems.empty()) {
      ++invalid;
      invalid_json.push_back({{"file", file}, {"problems", problems}});
      fmt::print(text, "ERROR {}\n", file);
      for (const auto& p : problems) fmt::print(text, "      {}\n", p);
      continue;
    }
    VectorResult v{.section = s->msg.spec(0), .sections = {s->msg.spec().begin(), s->msg.spec().end()}, .rule = s->msg.rule()};
    const auto start = std::chrono::steady_clock::now();
    v.run = run_one(file, *model);
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print(text, "{:<5} §{:<9} {}: {}\n", label(v.run.status), v.section, v.run.name, v.rule);
    if (v.run.status != "pass" || opts.verbose) fmt::print(text, "      {}\n", file);
    for (const auto& p : v.run.problems) fmt::print(text, "      {}\n", describe_problem(p));
    results.push_back(std::move(v));
  }

  int pass = 0, fail = 0, skip = 0, error = 0;
  fmt::print(text, "\n{:<10} {:>7} {:>5} {:>5} {:>5} {:>6}\n", "section", "vectors", "pass", "fail", "skip", "error");
  for (const auto& [section, rs] : by_section(results)) {
    int p = 0, f = 0, k = 0, e = 0;
    for (const VectorResult* r : rs) (r->run.status == "pass" ? p : r->run.status == "fail" ? f : r->run.status == "skip" ? k : e)++;
    fmt::print(text, "§{:<9} {:>7} {:>5} {:>5} {:>5} {:>6}\n", section, rs.size(), p, f, k, e);
    pass += p, fail += f, skip += k, error += e;
  }
  fmt::print(text, "{} vectors on model {}: {} passed, {} failed, {} skipped, {} could not run; {} invalid\n", results.size(),
             model->name, pass, fail, skip, error, invalid);

  if (opts.json) fmt::print("{}\n", conform_json(results, model->name, invalid_json).dump(2));
  if (!opts.junit.empty()) {
    std::string werr;
    if (write_file_atomically(opts.junit, junit_xml(results, model->name), werr) != WriteResult::Written) {
      fmt::print(stderr, "smmucheck conform: cannot write {}: {}\n", opts.junit, werr);
      return kExitInputError;
    }
  }
  return invalid || error ? kExitInputError : fail ? kExitFailed : kExitOk;
}

}  // namespace smmu::harness
