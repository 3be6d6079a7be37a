#include "harness/coverage/suite_coverage.h"

#include <fstream>
#include <map>
#include <set>

#include "harness/diff/diff_runner.h"
#include "harness/runner/runner.h"
#include "harness/scenario/load.h"
#include "specs/layout.h"

namespace smmu::coverage {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kValuesKept = 8;  // distinct values listed per field (all are counted)

// Records, across the suite, what the reference read, consumed and recorded.
class Recorder : public WalkObserver {
 public:
  std::map<std::string, std::set<uint64_t>> ste, cd;  // field -> distinct values
  std::map<uint8_t, int> consumed, rejected, recorded;

  void table_read(const TableRead& r) override {
    if (!r.value || (r.role != TableRole::Ste && r.role != TableRole::Cd)) return;
    // Each field lies in one qword (specs/layout.h): the fields of the qword read.
    std::array<uint64_t, 8> entry{};
    if (r.index >= entry.size()) return;
    entry[r.index] = *r.value;
    auto& seen = r.role == TableRole::Ste ? ste : cd;
    const std::span<const Field> fields = r.role == TableRole::Ste ? std::span<const Field>(ste::kFields)
                                                                   : std::span<const Field>(cd::kFields);
    for (const Field& f : fields)
      if (f.qword == r.index) seen[f.name].insert(f.get(std::span<const uint64_t>(entry)));
  }
  bool wants_decisions() const override { return false; }
  void command(const CommandReport& c) override { ++(c.error ? rejected : consumed)[c.opcode]; }
  void event(const EventRecord& e, std::optional<uint64_t>) override { ++recorded[e.type()]; }
};

json field_rows(std::span<const Field> fields, const std::map<std::string, std::set<uint64_t>>& seen) {
  json rows = json::array();
  for (const Field& f : fields) {
    const auto it = seen.find(f.name);
    json values = json::array();
    size_t distinct = 0;
    if (it != seen.end()) {
      distinct = it->second.size();
      for (uint64_t v : it->second)
        if (values.size() < kValuesKept) values.push_back(v);
    }
    rows.push_back({{"name", f.name}, {"qword", f.qword}, {"hi", f.hi}, {"lo", f.lo}, {"section", f.section},
                    {"distinct", distinct}, {"values", values}, {"exercised", distinct >= 2},
                    {"status", distinct >= 2 ? "exercised" : distinct == 1 ? "constant" : "not read"}});
  }
  return rows;
}

// The section of `sections` a cited section falls under: itself, or its longest listed prefix ("3.21.1" -> "3.21").
std::string listed_parent(const std::string& cited, const std::map<std::string, std::string>& sections) {
  for (std::string s = cited;; s = s.substr(0, s.rfind('.'))) {
    if (sections.count(s)) return s;
    if (s.find('.') == std::string::npos) return "";
  }
}

// The suite's README lists the events no vector can raise and the commands none can consume, one table row
// each: "| NAME (0xNN) | section | why | ..." (callers look names up: other tables' rows match nothing).
std::map<std::string, std::string> unraisable(const fs::path& readme) {
  std::map<std::string, std::string> out;
  std::ifstream in(readme);
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(' '));
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
  };
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("| ")) continue;
    std::vector<std::string> cells;
    for (size_t start = 1, bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1)
      cells.push_back(trim(line.substr(start, bar - start)));
    if (cells.size() < 3) continue;
    out[cells[0].substr(0, cells[0].find(" ("))] = cells[2];  // the name, without its "(0xNN)"
  }
  return out;
}

}  // namespace

json spec_coverage(const std::vector<std::string>& files, const fs::path& sections_file, std::vector<std::string>& errors) {
  Recorder rec;
  std::map<std::string, int> cited;
  int vectors = 0;
  for (const std::string& file : files) {
    std::vector<harness::InputError> load_errors;
    const auto s = harness::load_scenario(file, load_errors);
    if (!s) {
      for (const auto& e : load_errors) errors.push_back(e.to_string());
      continue;
    }
    ++vectors;
    for (const std::string& sec : s->msg.spec()) ++cited[sec];
    harness::ScenarioRun run(*s, harness::reference_factory(), &rec);
    for (int i = 0; i < s->msg.step_size(); ++i)
      if (auto r = run.run_step(i); std::holds_alternative<std::string>(r)) {
        errors.push_back(file + ": step " + std::to_string(i) + ": " + std::get<std::string>(r));
        break;
      }
  }
  json out = {{"vectors", vectors}};
  // Spec sections: each listed section with the vectors that cite it or a subsection of it.
  std::map<std::string, std::string> titles;
  std::vector<std::string> order;
  std::ifstream in(sections_file);
  if (!in) errors.push_back(sections_file.string() + ": cannot read the list of spec sections");
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    if (line.empty() || line[0] == '#' || tab == std::string::npos) continue;
    titles[line.substr(0, tab)] = line.substr(tab + 1);
    order.push_back(line.substr(0, tab));
  }
  std::map<std::string, int> per_section;
  json unlisted = json::array();
  for (const auto& [sec, n] : cited) {
    const std::string parent = listed_parent(sec, titles);
    if (parent.empty()) unlisted.push_back(sec);
    else per_section[parent] += n;
  }
  json sections = json::array();
  for (const std::string& sec : order) {
    json cited_here = json::array();
    for (const auto& [c, n] : cited)
      if (listed_parent(c, titles) == sec) cited_here.push_back(c);
    sections.push_back({{"section", sec}, {"title", titles[sec]}, {"vectors", per_section[sec]}, {"cited", cited_here}});
  }
  out["sections"] = sections;
  out["unlisted_sections"] = unlisted;  // cited by a vector, outside the chapters listed
  out["fields"] = {{"STE", field_rows(ste::kFields, rec.ste)}, {"CD", field_rows(cd::kFields, rec.cd)}};
  json commands = json::array(), events = json::array();
  // The suite's README says why no vector raises some events (and consumes some commands).
  const auto why_not = unraisable(sections_file.parent_path() / "README.md");
  for (const OpcodeInfo& o : kOpcodes) {
    const auto code = static_cast<uint8_t>(o.opcode);
    json row = {{"name", o.name}, {"section", o.section}, {"consumed", rec.consumed[code]}, {"rejected", rec.rejected[code]}};
    if (const auto w = why_not.find(o.name); w != why_not.end()) row["why_not"] = w->second;
    commands.push_back(std::move(row));
  }
  for (const EventTypeInfo& e : kEventTypes) {
    json row = {{"name", e.name}, {"section", e.section}, {"recorded", rec.recorded[static_cast<uint8_t>(e.type)]}};
    if (const auto w = why_not.find(e.name); w != why_not.end()) row["why_not"] = w->second;
    events.push_back(std::move(row));
  }
  int reserved = 0;  // commands with a reserved opcode, each rejected with CERROR_ILL (§4.1.1)
  for (const auto& [code, n] : rec.rejected)
    if (!opcode_info(code)) reserved += n;
  out["commands"] = commands;
  out["reserved_opcodes_rejected"] = reserved;
  out["events"] = events;
  return out;
}

}  // namespace smmu::coverage
