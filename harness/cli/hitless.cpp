// `smmucheck hitless --old FILE --new FILE`: the hitless writer's sequence for one STE or CD update, and
// the checker's verdict on every entry the SMMU can observe meanwhile (harness/driver/hitless.h).
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/driver/driver.h"
#include "harness/driver/entry_file.h"
#include "harness/driver/hitless.h"
#include "specs/print.h"

namespace smmu::harness {

namespace {

using driver::EntryKind;
using driver::Words8;

std::string hex_words(const Words8& w) {
  std::string s;
  for (unsigned q = 0; q < 8; ++q) s += fmt::format("{}q{}={:#018x}", q ? " " : "", q, w[q]);
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "-" : s;
}

std::vector<std::string> fields_of(EntryKind kind, const Words8& mask) {
  std::vector<std::string> out;
  for (unsigned q = 0; q < 8; ++q)
    if (mask[q])
      for (auto& f : driver::fields_in(kind, q, mask[q])) out.push_back(std::move(f));
  return out;
}

std::string source_text(int source) { return source < 0 ? "before" : fmt::format("write {}", source + 1); }

void print_state(const char* title, EntryKind kind, const driver::ObservedState& s) {
  fmt::print("{} (while group {} is written, before its CMD_SYNC completes):\n", title, s.group + 1);
  for (unsigned q = 0; q < 8; ++q)
    fmt::print("    q{} = {:#018x}  ({})\n", q, s.entry[q], source_text(s.source[q]));
  const auto w = std::span<const uint64_t>(s.entry);
  fmt::print("  fields: {}\n", format_fields(driver::entry_fields(kind), w));
  fmt::print("  used bits differing from the old entry: {}\n", join(fields_of(kind, s.differs_old)));
  fmt::print("  used bits differing from the new entry: {}\n", join(fields_of(kind, s.differs_new)));
  fmt::print("  used bits differing from both: {}\n", join(fields_of(kind, s.differs_both())));
}

nlohmann::json state_json(EntryKind kind, const driver::ObservedState& s) {
  nlohmann::json j{{"group", s.group + 1}};
  for (unsigned q = 0; q < 8; ++q) {
    j["qword"].push_back(fmt::format("{:#018x}", s.entry[q]));
    j["source"].push_back(source_text(s.source[q]));
  }
  j["differs_old"] = fields_of(kind, s.differs_old);
  j["differs_new"] = fields_of(kind, s.differs_new);
  j["differs_both"] = fields_of(kind, s.differs_both());
  return j;
}

}  // namespace

int hitless_command(const HitlessOptions& opts) {
  std::optional<EntryKind> kind;
  if (!opts.kind.empty()) {
    kind = driver::entry_kind_by_name(opts.kind);
    if (!kind) {
      fmt::print(stderr, "--kind: '{}' is not ste or cd\n", opts.kind);
      return kExitInputError;
    }
  }
  driver::BreakVia via = driver::BreakVia::Invalid;
  if (opts.break_via == "abort") via = driver::BreakVia::Abort;
  else if (opts.break_via != "invalid") {
    fmt::print(stderr, "--break-via: '{}' is not invalid or abort\n", opts.break_via);
    return kExitInputError;
  }
  std::vector<InputError> errors;
  auto old_entry = driver::load_entry(opts.old_path, kind, errors);
  std::optional<driver::EntryFile> new_entry;
  if (old_entry) new_entry = driver::load_entry(opts.new_path, old_entry->kind, errors, "the old entry (" + opts.old_path + ")");
  else driver::load_entry(opts.new_path, kind, errors);  // report its errors too
  if (old_entry && new_entry) {
    if (old_entry->has_features && new_entry->has_features && !(old_entry->features == new_entry->features))
      errors.push_back({opts.new_path, 0, 0, "features: differ from the features of " + opts.old_path});
    if (old_entry->has_world && new_entry->has_world && old_entry->world != new_entry->world)
      errors.push_back({opts.new_path, 0, 0, "stream_world: differs from the stream_world of " + opts.old_path});
  }
  if (old_entry && via == driver::BreakVia::Abort && old_entry->kind != EntryKind::Ste)
    errors.push_back({opts.old_path, 0, 0, "--break-via abort: only an STE has an abort configuration (§5.2 Config)"});
  if (!errors.empty() || !old_entry || !new_entry) {
    for (const auto& e : errors) fmt::print(stderr, "{}\n", e.to_string());
    return kExitInputError;
  }
  driver::UsedContext ctx;
  ctx.features = old_entry->has_features ? old_entry->features : new_entry->features;
  ctx.world = old_entry->has_world ? old_entry->world : new_entry->world;
  const EntryKind k = old_entry->kind;

  driver::WritePlan plan = driver::plan_entry_update(k, old_entry->words, new_entry->words, ctx, via);
  if (!opts.sequence_path.empty()) {  // the user's sequence instead of the writer's
    auto groups = driver::load_sequence(opts.sequence_path, new_entry->words, errors);
    if (!groups) {
      for (const auto& e : errors) fmt::print(stderr, "{}\n", e.to_string());
      return kExitInputError;
    }
    plan = driver::WritePlan{.groups = std::move(*groups)};
  }
  const driver::HitlessReport report = driver::check_hitless(k, old_entry->words, new_entry->words, plan.groups, ctx);
  const auto used_old = driver::used_bits(k, old_entry->words, ctx);
  const auto used_new = driver::used_bits(k, new_entry->words, ctx);
  const bool hitless = report.ok();
  const auto sync = driver::make_command(static_cast<uint8_t>(Opcode::CMD_SYNC), {});

  if (opts.json) {
    nlohmann::json j{{"kind", driver::entry_kind_name(k)},
                     {"old", opts.old_path},
                     {"new", opts.new_path},
                     {"features", describe(ctx.features)},
                     {"verdict", driver::verdict_name(report.verdict)},
                     {"hitless", hitless},
                     {"syncs", report.syncs},
                     {"states", report.states},
                     {"reaches_new", report.reaches_new},
                     {"critical_qwords", plan.critical_qwords},
                     {"sequence", opts.sequence_path.empty() ? "writer" : opts.sequence_path},
                     {"used_old", fields_of(k, used_old)},
                     {"used_new", fields_of(k, used_new)}};
    if (k == EntryKind::Cd) j["stream_world"] = driver::stream_world_name(ctx.world);
    j["groups"] = nlohmann::json::array();
    for (const auto& g : plan.groups) {
      nlohmann::json jg;
      for (const auto& w : g) jg["writes"].push_back({{"qword", w.qword}, {"value", fmt::format("{:#018x}", w.value)}});
      jg["commands"] = {format_command(driver::cfgi_for(k, opts.sid, opts.ssid)), format_command(sync)};
      j["groups"].push_back(jg);
    }
    if (report.first_bad) j["first_bad"] = state_json(k, *report.first_bad);
    if (report.first_blocking) j["first_blocking"] = state_json(k, *report.first_blocking);
    if (!report.error.empty()) j["error"] = report.error;
    fmt::print("{}\n", j.dump(2));
    return hitless ? kExitOk : kExitFailed;
  }

  fmt::print("{} update, {} -> {}\n", driver::entry_kind_name(k), opts.old_path, opts.new_path);
  fmt::print("features: {}{}\n", describe(ctx.features),
             k == EntryKind::Cd ? fmt::format("; StreamWorld {}", driver::stream_world_name(ctx.world)) : "");
  fmt::print("old: {}\n     {}\n", hex_words(old_entry->words), format_fields(driver::entry_fields(k), old_entry->words));
  fmt::print("new: {}\n     {}\n", hex_words(new_entry->words), format_fields(driver::entry_fields(k), new_entry->words));
  fmt::print("used by the old entry: {}\n", join(fields_of(k, used_old)));
  fmt::print("used by the new entry: {}\n", join(fields_of(k, used_new)));
  if (!opts.sequence_path.empty()) {
    // A given sequence: the writer's analysis does not apply.
  } else if (plan.critical_qwords.size() > 1) {
    std::vector<std::string> qs;
    for (unsigned q : plan.critical_qwords) qs.push_back(fmt::format("q{}", q));
    fmt::print("bits both entries use differ in {} qwords ({}): no sequence of 64-bit writes keeps every "
               "observable entry old or new, so the writer breaks before make (§3.21.3.1)\n",
               qs.size(), join(qs));
  } else if (plan.critical_qwords.size() == 1) {
    fmt::print("critical qword: q{} (§3.21.3: one single-copy atomic write switches the configuration)\n",
               plan.critical_qwords[0]);
  }
  fmt::print("{} ({} groups):\n", opts.sequence_path.empty() ? "the writer's sequence" : "sequence of " + opts.sequence_path,
             plan.groups.size());
  for (size_t g = 0; g < plan.groups.size(); ++g) {
    fmt::print("  group {}:\n", g + 1);
    for (const auto& w : plan.groups[g]) fmt::print("    write q{} = {:#018x}\n", w.qword, w.value);
    fmt::print("    {}\n    {}\n", format_command(driver::cfgi_for(k, opts.sid, opts.ssid)), format_command(sync));
  }
  if (!report.error.empty()) fmt::print("cannot check: {}\n", report.error);
  if (report.first_bad) print_state("first entry that is neither old nor new", k, *report.first_bad);
  if (report.first_blocking) print_state("first entry that blocks traffic", k, *report.first_blocking);
  if (!report.reaches_new) fmt::print("the sequence does not end with the new entry in memory\n");
  fmt::print("verdict: {} ({} observable states checked, {} syncs)\n",
             hitless ? "hitless" : driver::verdict_name(report.verdict), report.states, report.syncs);
  return hitless ? kExitOk : kExitFailed;
}

}  // namespace smmu::harness
