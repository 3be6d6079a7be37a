// `smmucheck triage DIR`: records the crash files of DIR's engines as findings (a `smmucheck fuzz` directory,
// an AFL++ output directory, a directory of libFuzzer artifacts), groups them by signature, writes one
// reduced reproducer per signature into DIR/regressions/, prints a table, and with --promote adds the
// reproducers to corpus/regressions/ without replacing any file there.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/campaign/collect.h"
#include "harness/campaign/engines.h"
#include "harness/campaign/triage.h"
#include "harness/cli/commands.h"

namespace smmu::harness {

namespace fs = std::filesystem;
using namespace smmu::campaign;

namespace {

std::string steps(const TriageRow& r) {
  if (r.steps_after == 0 && r.steps_before == 0) return "-";
  return r.reduced ? fmt::format("{}->{}", r.steps_before, r.steps_after) : fmt::format("{} (as is)", r.steps_after);
}

void print_table(const std::vector<TriageRow>& rows) {
  size_t w = std::string_view("SIGNATURE").size();
  for (const auto& r : rows) w = std::max(w, r.signature.size());
  fmt::print("{:<{}}  {:>5}  {:<20}  {:<12}  {}\n", "SIGNATURE", w, "COUNT", "FIRST SEEN", "STEPS", "REPLAY");
  for (const auto& r : rows) {
    fmt::print("{:<{}}  {:>5}  {:<20}  {:<12}  {}\n", r.signature, w, r.count, format_utc(r.first_seen), steps(r),
               replay_command(r.file));
    if (!r.note.empty() && r.note != "not a divergence") fmt::print("  note: {}\n", r.note);
  }
}

const char* promotion_name(Promotion p) {
  switch (p) {
    case Promotion::Added: return "added";
    case Promotion::Kept: return "kept";
    case Promotion::Skipped: return "skipped";
    case Promotion::Failed: return "failed";
  }
  return "?";
}

}  // namespace

int triage_campaign(const TriageOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.dir, ec)) {
    fmt::print(stderr, "smmucheck triage: {}: no such directory\n", o.dir);
    return kExitInputError;
  }
  fs::path dir = fs::weakly_canonical(fs::absolute(o.dir), ec);
  if (ec) dir = fs::absolute(o.dir);
  FindingStore store(dir);
  std::string error;
  if (!store.open(error)) {
    fmt::print(stderr, "smmucheck triage: {}\n", error);
    return kExitInputError;
  }
  if (!error.empty()) fmt::print(stderr, "triage: {}\n", error);
  // The engines' files not recorded yet: a campaign killed before it recorded them, or a plain engine output.
  Collector collector(store, dir);
  std::vector<std::string> errors;
  const auto added = collector.sweep(any_crash_files(dir), std::chrono::seconds(0), errors);
  for (const auto& e : errors) fmt::print(stderr, "triage: {}\n", e);
  if (!o.json)
    fmt::print("triage: {}: {} findings ({} recorded now from the engines' files), {} signatures\n", dir.string(),
               store.findings().size(), added.size(), store.signatures());
  const auto rows = triage_findings(store, dir);

  nlohmann::json j{{"dir", dir.string()}, {"findings", store.findings().size()}, {"signatures", nlohmann::json::array()}};
  std::vector<Promoted> promoted;
  const fs::path corpus = !o.corpus.empty() ? fs::path(o.corpus) : source_dir() / "corpus" / "regressions";
  for (const auto& r : rows) {
    nlohmann::json jr{{"signature", r.signature}, {"count", r.count},      {"first_seen", format_utc(r.first_seen)},
                      {"finding", r.finding},     {"reduced", r.reduced},   {"steps_before", r.steps_before},
                      {"steps_after", r.steps_after}, {"reproduces", r.reproduces}, {"file", r.file.string()},
                      {"replay", replay_command(r.file)}, {"note", r.note}};
    if (o.promote) {
      promoted.push_back(promote(r, corpus));
      jr["promotion"] = {{"result", promotion_name(promoted.back().what)}, {"path", promoted.back().path.string()},
                         {"note", promoted.back().note}};
    }
    j["signatures"].push_back(jr);
  }
  if (o.json) {
    fmt::print("{}\n", j.dump(2));
  } else {
    if (!rows.empty()) print_table(rows);
    for (const auto& p : promoted)
      fmt::print("promote: {} {}{}\n", promotion_name(p.what), p.path.string(), p.note.empty() ? "" : " (" + p.note + ")");
  }
  bool failed = false, reproduces = false;
  for (const auto& r : rows) {
    failed |= !r.written;
    reproduces |= r.reproduces;
  }
  for (const auto& p : promoted) failed |= p.what == Promotion::Failed;
  return failed ? kExitInputError : reproduces ? kExitFailed : kExitOk;
}

}  // namespace smmu::harness
