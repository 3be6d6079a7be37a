// `smmucheck nightly --budget T --out DIR`: what a team runs every night. Within the budget, with a progress
// line per stage: conformance on every available model, corpus replay (expectations, and the reference
// against the optimized model), the proof suite of specs/plans/, the benchmark, the suite's coverage, a
// bounded differential fuzz campaign with the rest of the time, and triage of what it found. It writes
// DIR/summary.json, DIR/report.html (self-contained) and DIR/report.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace smmu::nightly {

struct Options {
  std::string budget = "5m";          // 90, 90s, 15m, 8h
  std::string out;                    // the night's directory (created; a later night in it resumes the campaign)
  std::optional<uint32_t> seed;       // the campaign's seed: a repeatable night
  std::string baseline;               // an earlier night's summary.json: what passed there must pass now
  std::vector<std::string> models;    // more models for conformance: PATH.so (ref, opt and qemu are automatic)
  bool no_qemu = false;               // leave QEMU out even when it is installed
  std::string fuzz_build;             // default <source>/build/fuzz
  std::string coverage_build;         // a `coverage` preset build: llvm-cov line coverage of reference/
  bool render_only = false;           // run nothing: write DIR/report.html and report.md again from DIR/summary.json
};

// Exit 0 nothing new found and nothing regressed; 1 a new finding (a signature not in corpus/regressions/)
// or a regression against the baseline; 2 a usage or input error, or a stage that could not run.
int nightly_command(const Options& o);

}  // namespace smmu::nightly
