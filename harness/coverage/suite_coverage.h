// What the conformance suite exercises, for the coverage report (`smmucheck coverage`, the nightly): the
// sections of Arm IHI 0070 its vectors cite, the STE and CD fields the reference read with more than one
// value, the commands it consumed and rejected, the events it recorded; and the llvm-cov line coverage of
// reference/ while it runs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace smmu::coverage {

// Runs each vector file on the reference model and records what it exercises. The sections are compared with
// `sections_file` (specs/conformance/sections.txt: "section<TAB>title" per line). Returns
// {"vectors", "sections": [{section, title, vectors}], "fields": {"STE": [...], "CD": [...]}
// (each {name, qword, hi, lo, section, distinct, values, exercised}), "commands": [{name, section, consumed,
// rejected}], "events": [{name, section, recorded}]}. `errors` gets each file that could not run.
nlohmann::json spec_coverage(const std::vector<std::string>& vector_files, const std::filesystem::path& sections_file,
                             std::vector<std::string>& errors);

// Runs `<coverage_build>/harness/smmucheck conform --model ref` with LLVM_PROFILE_FILE in `work_dir`, merges the
// profiles (llvm-profdata-14) and exports the summary (llvm-cov-14) of the files under reference/:
// {"status": "measured", "files": [{file, lines, functions, regions}], "total": {lines, functions, regions}},
// each {count, covered, percent}, "binary" and "profile" (work_dir/suite.profdata, kept for `llvm-cov-14 show`; the
// raw profiles are removed). Without a usable coverage build: {"status": "not measured", "note": why}.
nlohmann::json line_coverage(const std::filesystem::path& coverage_build, const std::filesystem::path& work_dir);

// Why `coverage_build` cannot measure line coverage (not a directory, not configured with SMMUCHECK_COVERAGE=ON,
// no harness/smmucheck, a path with a quote), naming the path and how to make one; empty when it can.
std::string coverage_build_problem(const std::filesystem::path& coverage_build);

// The files under reference/ of an `llvm-cov export -summary-only` document, and their total, as line_coverage
// returns them; {"status": "not measured", "note"} when it has no data or no file under reference/.
nlohmann::json reference_summary(const nlohmann::json& exported);

}  // namespace smmu::coverage
