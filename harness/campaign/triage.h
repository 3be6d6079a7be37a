// Triage of a campaign's findings: one reproducer per signature, reduced (harness/diff/reduce.h) when it is a
// divergence, written atomically into DIR/regressions/, and optionally promoted into the corpus.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/campaign/findings.h"

namespace smmu::campaign {

struct TriageRow {
  std::string signature;
  size_t count = 0;          // findings with this signature
  int64_t first_seen = 0;
  std::string finding;       // the id of the finding the reproducer comes from (the smallest input)
  int steps_before = 0, steps_after = 0;
  bool reduced = false;      // a divergence that the reducer shrank (others are written as decoded)
  bool reproduces = false;   // it still gives `signature` here
  std::filesystem::path file;  // DIR/regressions/<signature_file_stem>.textproto
  bool written = false;      // `file` was written
  std::string note;          // why it was not reduced, or an error
};

// The header and replay command of a reproducer at `path`.
std::string replay_command(const std::filesystem::path& path);

// Writes DIR/regressions/<stem>.textproto for each signature of `store`. Divergences (ref-...) are judged
// again and reduced in a child process (a model that crashes or hangs on a candidate costs the child);
// other signatures are written as the scenario the input decodes to.
std::vector<TriageRow> triage_findings(const FindingStore& store, const std::filesystem::path& dir);

enum class Promotion { Added, Kept, Skipped, Failed };
struct Promoted {
  Promotion what;
  std::filesystem::path path;
  std::string note;
};

// Copies a row's reproducer into `corpus_dir` (corpus/regressions) under the same name, never replacing a
// file that is there. Rows whose signature does not reproduce in smmucheck (no-divergence:...) are skipped:
// as a regression test they would check nothing.
Promoted promote(const TriageRow& row, const std::filesystem::path& corpus_dir);

}  // namespace smmu::campaign
