// `smmucheck coverage`: what the conformance suite exercises (harness/coverage/suite_coverage.h), as JSON,
// markdown and a self-contained HTML page.
#include <filesystem>

#include <fmt/format.h>

#include "harness/atomic_file.h"
#include "harness/campaign/engines.h"
#include "harness/cli/commands.h"
#include "harness/coverage/coverage_report.h"
#include "harness/coverage/suite_coverage.h"

namespace smmu::harness {

namespace fs = std::filesystem;

int coverage_command(const CoverageOptions& opts) {
  // Bad input is refused before the suite runs: a --coverage-build that cannot measure (no fake number).
  if (!opts.coverage_build.empty())
    if (const std::string why = coverage::coverage_build_problem(fs::absolute(opts.coverage_build)); !why.empty()) {
      fmt::print(stderr, "smmucheck coverage: --coverage-build: {}\n", why);
      return kExitInputError;
    }
  const fs::path out = fs::absolute(opts.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    fmt::print(stderr, "smmucheck coverage: --out: cannot use {} as a directory{}\n", out.string(), ec ? ": " + ec.message() : "");
    return kExitInputError;
  }
  std::vector<std::string> missing, errors;
  const auto files = conformance_files({}, missing, [](const std::string&, const std::string&) {});
  nlohmann::json c = coverage::spec_coverage(files, campaign::source_dir() / "specs" / "conformance" / "sections.txt", errors);
  c["line_coverage"] = opts.coverage_build.empty()
                           ? nlohmann::json{{"status", "not measured"},
                                            {"note", "no --coverage-build; make one with: cmake --preset coverage && "
                                                     "cmake --build build/coverage --target smmucheck"}}
                           : coverage::line_coverage(fs::absolute(opts.coverage_build), out / "profiles");
  // A coverage build that was asked for and could not measure (a tool failed): the report says why, exit 2.
  if (!opts.coverage_build.empty() && c["line_coverage"]["status"] != "measured")
    errors.push_back("line coverage not measured: " + c["line_coverage"].value("note", std::string()));
  for (const auto& m : missing) errors.push_back(m + ": no such file or directory");
  c["errors"] = errors;
  for (const auto& e : errors) fmt::print(stderr, "smmucheck coverage: {}\n", e);
  const std::string md = coverage::coverage_markdown(c);
  for (const auto& [file, text] : {std::pair{"coverage.json", c.dump(2) + "\n"}, std::pair{"coverage.md", md},
                                   std::pair{"coverage.html", coverage::coverage_html(c)}}) {
    std::string error;
    if (write_file_atomically((out / file).string(), text, error) != WriteResult::Written) {
      fmt::print(stderr, "smmucheck coverage: cannot write {}: {}\n", (out / file).string(), error);
      return kExitInputError;
    }
  }
  fmt::print("{}\ncoverage: wrote {}/coverage.json, coverage.md, coverage.html\n", md, out.string());
  return errors.empty() ? kExitOk : kExitInputError;
}

}  // namespace smmu::harness
