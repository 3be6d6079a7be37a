#include "harness/campaign/triage.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "fuzzers/codec.h"
#include "fuzzers/fuzz_models.h"
#include "harness/atomic_file.h"
#include "harness/campaign/isolate.h"
#include "harness/campaign/judge.h"
#include "harness/campaign/safe_name.h"
#include "harness/diff/reduce.h"

namespace smmu::campaign {

namespace fs = std::filesystem;

namespace {

bool is_divergence(const std::string& signature) { return signature.rfind("ref-", 0) == 0; }

std::string header(const TriageRow& row, const Finding& f) {
  std::string h = fmt::format("# Regression found by fuzzing. Signature: {}\n", row.signature);
  h += fmt::format("# Finding: {} ({} {}: {}), one of {} with this signature, first seen {}\n", f.id, f.engine, f.kind,
                   f.source, row.count, format_utc(row.first_seen));
  if (row.reduced) h += fmt::format("# Steps: {} -> {} (reduced by smmucheck triage)\n", row.steps_before, row.steps_after);
  else h += fmt::format("# Steps: {} (not reduced: {})\n", row.steps_after, row.note);
  h += "# It asserts only that the models agree (smmucheck diff); expect blocks come once someone works them out\n"
       "# from the spec.\n";
  h += "# Replay: " + replay_command(row.file) + "\n\n";
  return h;
}

// In the child: judge, reduce, write. Returns {"signature", "before", "after", "error"} as JSON.
std::string reduce_and_write(const std::vector<uint8_t>& bytes, TriageRow row, const Finding& f) {
  nlohmann::json out;
  Judgement j = judge_input(bytes);
  out["signature"] = j.signature;
  row.steps_before = row.steps_after = j.scenario.step_size();
  if (j.signature == row.signature) {
    const harness::ReduceResult r = harness::reduce(j.scenario, fuzz::diff_models());
    j.scenario = r.scenario;
    row.steps_after = r.steps_after;
    row.reduced = true;
  } else {
    row.note = j.signature.empty() ? "the models agree on it now" : "it now diverges as " + j.signature;
  }
  j.scenario.set_name(row.file.stem().string());
  j.scenario.set_description("Regression found by fuzzing: " + row.signature);
  std::string error;
  if (!harness::write_scenario_atomically(row.file.string(), j.scenario, header(row, f), error)) out["error"] = error;
  out["before"] = row.steps_before;
  out["after"] = row.steps_after;
  out["note"] = row.note;
  return out.dump();
}

}  // namespace

std::string replay_command(const fs::path& path) { return "smmucheck diff " + path.string(); }

std::vector<TriageRow> triage_findings(const FindingStore& store, const fs::path& dir) {
  std::vector<TriageRow> rows;
  const fs::path regressions = dir / "regressions";
  std::error_code ec;
  fs::create_directories(regressions, ec);
  for (const auto& [signature, group] : store.by_signature()) {
    TriageRow row;
    row.signature = signature;
    row.count = group.size();
    row.first_seen = group.front()->first_seen;
    const Finding* smallest = group.front();
    for (const Finding* f : group)
      if (f->bytes < smallest->bytes) smallest = f;
    row.finding = smallest->id;
    row.file = regressions / (signature_file_stem(signature) + ".textproto");
    if (ec) {
      row.note = "cannot create " + regressions.string() + ": " + ec.message();
      rows.push_back(row);
      continue;
    }
    const auto bytes = read_bytes(store.input_path(smallest->id));
    if (!bytes) {
      row.note = "cannot read " + store.input_path(smallest->id).string();
      rows.push_back(row);
      continue;
    }
    if (is_divergence(signature)) {
      const Isolated r = run_isolated([&] { return reduce_and_write(*bytes, row, *smallest); }, std::chrono::minutes(10));
      const nlohmann::json j = r.ok ? nlohmann::json::parse(r.output, nullptr, false) : nlohmann::json();
      if (!r.ok || !j.is_object()) {
        row.note = "the reduction failed: " + (r.ok ? std::string("no answer") : r.failure);
      } else {
        row.steps_before = j.value("before", 0);
        row.steps_after = j.value("after", 0);
        row.reproduces = j.value("signature", "") == signature;
        row.reduced = row.reproduces;
        row.note = j.contains("error") ? j.value("error", "") : j.value("note", "");
        row.written = !j.contains("error");
      }
    } else {
      // A crash, a hang or an engine-only report: the decoded input as it is (the reducer keeps divergences).
      smmucheck::Scenario s = fuzz::decode(*bytes);
      row.steps_before = row.steps_after = s.step_size();
      row.reproduces = signature.rfind("no-divergence:", 0) != 0;
      row.note = "not a divergence";
      s.set_name(row.file.stem().string());
      s.set_description("Found by fuzzing: " + signature);
      std::string error;
      row.written = harness::write_scenario_atomically(row.file.string(), s, header(row, *smallest), error);
      if (!row.written) row.note = error;
    }
    rows.push_back(row);
  }
  return rows;
}

Promoted promote(const TriageRow& row, const fs::path& corpus_dir) {
  const fs::path target = corpus_dir / row.file.filename();
  if (row.signature.rfind("no-divergence:", 0) == 0)
    return {Promotion::Skipped, target, "does not reproduce in smmucheck: nothing for a regression test to check"};
  if (!row.reproduces) return {Promotion::Skipped, target, "does not reproduce: " + row.note};
  const auto bytes = read_bytes(row.file);
  if (!bytes) return {Promotion::Failed, target, "cannot read " + row.file.string()};
  std::string text(bytes->begin(), bytes->end());
  // The replay line names where the file now lives, from the repository root when it is under corpus/.
  fs::path shown = target;
  for (fs::path p = target.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
    if (p.filename() == "corpus") {
      shown = target.lexically_relative(p.parent_path());
      break;
    }
  const std::string from = "# Replay: " + replay_command(row.file), to = "# Replay: " + replay_command(shown);
  if (const size_t at = text.find(from); at != std::string::npos) text.replace(at, from.size(), to);
  std::error_code ec;
  fs::create_directories(corpus_dir, ec);
  std::string error;
  switch (harness::write_file_atomically(target.string(), text, error, /*replace=*/false)) {
    case harness::WriteResult::Written: return {Promotion::Added, target, ""};
    case harness::WriteResult::Exists: return {Promotion::Kept, target, "already there; left as it is"};
    case harness::WriteResult::Failed: break;
  }
  return {Promotion::Failed, target, error};
}

}  // namespace smmu::campaign
