#include "harness/nightly/report.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "harness/cli/conform_report.h"
#include "harness/nightly/headline.h"
#include "harness/nightly/svg.h"

namespace smmu::nightly {

using nlohmann::json;

namespace {

constexpr const char* kCss = R"(
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1200px; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.time { color: #666; font-size: 0.85em; }
.ok { color: #1a7f37; } .failed, .error, .new { color: #c62828; font-weight: bold; } .skipped, .timed_out { color: #9a6700; }
.verdict { padding: 0.8em 1em; border-radius: 4px; font-size: 1.1em; }
.verdict.pass { background: #e6f4ea; border: 1px solid #1a7f37; } .verdict.fail { background: #fdecea; border: 1px solid #c62828; }
code { background: #f6f6f6; padding: 0 0.2em; }
.plot { display: block; margin: 0.6em 0; } .plot-title { font-weight: bold; font-size: 13px; }
.tick, .legend { font-size: 11px; } .axis { font-size: 12px; }
)";

std::string esc(const std::string& s) { return harness::xml_escape(s); }
std::string str(const json& j, const char* key) { return j.is_object() ? j.value(key, std::string{}) : std::string{}; }
std::string status_cell(const std::string& s) { return fmt::format("<td class=\"{0}\">{0}</td>", esc(s)); }

// A skip reason without what varies from vector to vector (the step, the line, the numbers), so that the
// vectors a model skips for one missing feature count as one row.
std::string skip_reason(const std::string& text) {
  static const std::regex where(R"(step \d+ \(line \d+\): )"), number(R"(\b0x[0-9a-fA-F]+\b|\b\d+\b)");
  return std::regex_replace(std::regex_replace(text, where, ""), number, "N");
}

std::string summary_section(const json& s) {
  std::string h = "<h2 id=\"summary\">Summary</h2>\n<table id=\"summary-table\">\n<tr><th>stage</th><th>status</th>"
                  "<th>time</th><th>result</th></tr>\n";
  for (const json& st : s["stages"])
    h += fmt::format("<tr><td>{}</td>{}<td class=\"num\">{:.1f} s</td><td>{}</td></tr>\n", esc(str(st, "stage")),
                     status_cell(str(st, "status")), st.value("seconds", 0.0), esc(headline(s, st)));
  return h + "</table>\n";
}

std::string findings_section(const json& s) {
  std::string h = "<h2 id=\"findings\">Findings</h2>\n";
  if (!s["findings"].is_array() || s["findings"].empty()) return h + "<p>The campaign found nothing.</p>\n";
  h += "<table id=\"findings-table\">\n<tr><th>signature</th><th>new?</th><th>count</th><th>steps</th>"
       "<th>reproduces</th><th>reproducer</th></tr>\n";
  for (const json& f : s["findings"])
    h += fmt::format("<tr><td><code>{}</code></td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} &rarr; {}</td>"
                     "<td>{}</td><td><code>{}</code>{}</td></tr>\n",
                     esc(str(f, "signature")), f.value("new", false) ? "new" : "ok",
                     f.value("new", false) ? "new" : "known (corpus/regressions)", f.value("count", 0),
                     f.value("steps_before", 0), f.value("steps_after", 0), f.value("reproduces", false) ? "yes" : "no",
                     esc(str(f, "replay")), str(f, "note").empty() ? "" : "<br>" + esc(str(f, "note")));
  return h + "</table>\n";
}

std::string regressions_section(const json& s) {
  std::string h = "<h2 id=\"regressions\">Regressions against the baseline</h2>\n";
  if (s["baseline"].is_null()) return h + "<p>No baseline given (<code>--baseline summary.json</code>).</p>\n";
  h += fmt::format("<p>Baseline: <code>{}</code></p>\n", esc(s["baseline"].get<std::string>()));
  if (s["regressions"].empty()) return h + "<p>Nothing that passed in the baseline fails now.</p>\n";
  h += "<table id=\"regressions-table\">\n<tr><th>kind</th><th>model</th><th>what</th><th>was</th><th>now</th></tr>\n";
  for (const json& r : s["regressions"])
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"failed\">{}</td></tr>\n",
                     esc(str(r, "kind")), esc(str(r, "model")), esc(str(r, "id")), esc(str(r, "was")), esc(str(r, "now")));
  return h + "</table>\n";
}

std::string conformance_section(const json& s) {
  std::string h = "<h2 id=\"conformance\">Conformance per model</h2>\n";
  const json& conf = s["conformance"];
  if (!conf.is_object() || conf.empty()) return h + "<p>Not run.</p>\n";
  std::vector<Bar> bars;
  h += "<table id=\"conformance-table\">\n<tr><th>model</th><th>vectors</th><th>pass</th><th>fail</th><th>skip</th>"
       "<th>error</th></tr>\n";
  for (const auto& [model, c] : conf.items()) {
    h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                     "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                     esc(model), c["vectors"].size(), conform_count(c, "pass"), conform_count(c, "fail"),
                     conform_count(c, "skip"), conform_count(c, "error"));
    bars.push_back({model, {double(conform_count(c, "pass")), double(conform_count(c, "fail")),
                            double(conform_count(c, "skip")), double(conform_count(c, "error"))}});
  }
  h += "</table>\n" + stacked_bars("Conformance vectors per model",
                                   {{"pass", "#2ca02c"}, {"fail", "#d62728"}, {"skip", "#bbbbbb"}, {"error", "#ff7f0e"}},
                                   bars);
  // Per spec section: passing vectors out of those the model ran (a skipped vector asks for a feature it lacks).
  struct Cell { int pass = 0, run = 0, skipped = 0; };
  std::map<std::string, std::map<std::string, Cell>, bool (*)(const std::string&, const std::string&)> by_section(
      harness::section_less);
  std::map<std::string, std::map<std::string, int>> skip_reasons;  // model -> reason -> vectors
  for (const auto& [model, c] : conf.items())
    for (const json& v : c["vectors"]) {
      Cell& cell = by_section[str(v, "section")][model];
      const std::string st = str(v, "status");
      if (st == "skip") {
        ++cell.skipped;
        for (const json& p : v["problems"])
          if (p.contains("skip")) ++skip_reasons[model][skip_reason(p["skip"].get<std::string>())];
        continue;
      }
      cell.pass += st == "pass", ++cell.run;
    }
  h += "<h3>By section of Arm IHI 0070 (passing / run, and skipped)</h3>\n<table id=\"sections-table\">\n<tr><th>section</th>";
  for (const auto& [model, c] : conf.items()) h += "<th>" + esc(model) + "</th>";
  h += "</tr>\n";
  for (const auto& [section, cells] : by_section) {
    h += "<tr><td>&sect;" + esc(section) + "</td>";
    for (const auto& [model, c] : conf.items()) {
      const auto it = cells.find(model);
      const Cell cell = it == cells.end() ? Cell{} : it->second;
      h += fmt::format("<td class=\"num {}\">{}/{}{}</td>", cell.pass == cell.run ? "ok" : "failed", cell.pass, cell.run,
                       cell.skipped ? fmt::format(" <span class=\"skipped\">({} skipped)</span>", cell.skipped) : "");
    }
    h += "</tr>\n";
  }
  h += "</table>\n";
  if (!skip_reasons.empty()) {
    h += "<h3>Skipped vectors: features a model lacks</h3>\n<table id=\"skips-table\">\n<tr><th>model</th><th>reason</th>"
         "<th>vectors</th></tr>\n";
    for (const auto& [model, reasons] : skip_reasons)
      for (const auto& [reason, n] : reasons)
        h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n", esc(model), esc(reason), n);
    h += "</table>\n";
  }
  h += "<h3>Deviations from the spec's expectations</h3>\n";
  bool any = false;
  for (const auto& [model, c] : conf.items())
    for (const json& v : c["vectors"]) {
      const std::string st = str(v, "status");
      if (st == "pass" || st == "skip") continue;
      if (!any) h += "<table id=\"deviations-table\">\n<tr><th>model</th><th>vector</th><th>section</th><th>rule</th>"
                     "<th>status</th><th>field by field</th></tr>\n";
      any = true;
      std::string detail;
      for (const json& p : v["problems"]) detail += esc(harness::describe_problem(p)) + "<br>";
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>&sect;{}</td><td>{}</td>{}<td>{}</td></tr>\n", esc(model),
                       esc(str(v, "name")), esc(str(v, "section")), esc(str(v, "rule")), status_cell(st), detail);
    }
  return h + (any ? "</table>\n" : "<p>None: every vector a model ran passed.</p>\n");
}

// One row per plan, one column per invariant (verdict and time, green when it is the plan's expected verdict),
// then each refutation with why and its replay commands.
std::string proofs_section(const json& s) {
  std::string h = "<h2 id=\"proofs\">Handover plans: proof verdicts</h2>\n";
  const json& plans = s["proofs"]["plans"];
  if (plans.empty()) return h + "<p>Not run.</p>\n";
  std::vector<std::string> invariants;
  for (const json& p : plans)
    for (const json& i : p["invariants"])
      if (std::find(invariants.begin(), invariants.end(), str(i, "invariant")) == invariants.end())
        invariants.push_back(str(i, "invariant"));
  h += "<p>Green: the plan's expected verdict; red: not; amber: no verdict expected and none reached.</p>\n"
       "<table id=\"proofs-table\">\n<tr><th>plan</th>";
  for (const auto& name : invariants) h += "<th>" + esc(name) + "</th>";
  h += "<th>plan time</th></tr>\n";
  std::string refutations;
  for (const json& p : plans) {
    h += "<tr><td>" + esc(str(p, "plan")) + "</td>";
    for (const auto& name : invariants) {
      const auto it = std::find_if(p["invariants"].begin(), p["invariants"].end(),
                                   [&](const json& i) { return str(i, "invariant") == name; });
      if (it == p["invariants"].end()) {
        h += "<td></td>";
        continue;
      }
      const json& i = *it;
      const std::string verdict = str(i, "verdict");
      const char* cls = !i.value("as_expected", false) ? "failed" : verdict == "undecided" ? "skipped" : "ok";
      h += fmt::format("<td class=\"{}\">{} <span class=\"time\">{:.2f}&nbsp;s</span></td>", cls, esc(verdict),
                       i.value("seconds", 0.0));
      if (verdict == "proved") continue;
      std::string replay;
      if (i.contains("replay")) {  // normalized: with its files
        replay = i["replay"].value("confirmed", false) ? "confirmed by replay" : "NOT confirmed by replay";
        for (const json& f : i["replay"]["files"]) replay += "<br><code>smmucheck replay " + esc(f.get<std::string>()) + "</code>";
      }
      refutations += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
                                 esc(str(p, "plan")), esc(name), cls, esc(verdict), esc(str(i, "detail")), replay);
    }
    h += fmt::format("<td class=\"num\">{:.2f}&nbsp;s</td></tr>\n", p.value("seconds", 0.0));
  }
  h += "</table>\n";
  if (!refutations.empty())
    h += "<h3>Refutations and undecided invariants</h3>\n<table id=\"refutations-table\">\n<tr><th>plan</th>"
         "<th>invariant</th><th>verdict</th><th>why</th><th>counterexample</th></tr>\n" + refutations + "</table>\n";
  return h;
}

std::string throughput_section(const json& s) {
  std::string h = "<h2 id=\"throughput\">Throughput</h2>\n";
  const json& b = s["bench"];
  if (!b["workloads"].is_array()) return h + "<p>Not run.</p>\n";
  h += fmt::format("<p>Translations per second through the batch API, {} s per model and workload, ratios measured in "
                   "the same run.</p>\n<table id=\"throughput-table\">\n<tr><th>workload</th>", b.value("seconds_per_measurement", 0.0));
  for (const json& m : b["models"]) h += "<th>" + esc(m.get<std::string>()) + " tr/s</th>";
  std::set<std::string> ratio_names;
  for (const json& w : b["workloads"])
    for (const auto& [k, v] : w["ratios"].items()) ratio_names.insert(k);
  for (const auto& r : ratio_names) h += "<th>" + esc(r) + "</th>";
  h += "</tr>\n";
  for (const json& w : b["workloads"]) {
    h += "<tr><td>" + esc(str(w, "workload")) + "</td>";
    for (const json& m : b["models"]) h += fmt::format("<td class=\"num\">{:.0f}</td>", w["rates"].value(m.get<std::string>(), 0.0));
    for (const auto& r : ratio_names) h += fmt::format("<td class=\"num\">{:.1f}x</td>", w["ratios"].value(r, 0.0));
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

std::string campaign_section(const json& s) {
  std::string h = "<h2 id=\"campaign\">Differential fuzz campaign</h2>\n";
  const json& c = s["campaign"];
  h += fmt::format("<p>Engine libFuzzer, directory <code>{}</code>{}.</p>\n", esc(str(c, "dir")),
                   c.value("seed", json()).is_number() ? fmt::format(", seed {}", c["seed"].get<int64_t>()) : "");
  Series execs{"exec/s", {}}, cov{"edges", {}};
  if (c["progress"].is_array())
    for (const json& p : c["progress"]) {
      execs.points.push_back({p.value("t", 0.0), p.value("exec_per_sec", 0.0)});
      cov.points.push_back({p.value("t", 0.0), p.value("cov", 0.0)});
    }
  h += line_chart("Executions per second over the campaign", "seconds", "exec/s", {execs});
  h += line_chart("Coverage (edges) over the campaign", "seconds", "edges", {cov});
  return h;
}

std::string corpus_section(const json& s) {
  std::string h = "<h2 id=\"corpus\">Corpus replay</h2>\n";
  std::string rows;
  for (const char* which : {"run", "diff"}) {
    const json& sc = s["corpus"][which]["scenarios"];
    if (!sc.is_array()) continue;
    for (const json& e : sc) {
      const std::string st = str(e, "status");
      if (st == "pass" || st == "same") continue;
      rows += fmt::format("<tr><td>{}</td><td><code>{}</code></td>{}</tr>\n",
                          std::string(which) == "run" ? "expectations (reference)" : "reference against the others",
                          esc(str(e, "file")), status_cell(st));
    }
  }
  if (rows.empty()) return h + "<p>Every corpus scenario passed its expectations and the models agreed on each.</p>\n";
  return h + "<table id=\"corpus-table\">\n<tr><th>check</th><th>scenario</th><th>status</th></tr>\n" + rows + "</table>\n";
}

}  // namespace

std::string report_html(const json& summary, const std::string& coverage_section, const std::string& coverage_css) {
  const json s = normalized(summary);
  const json& v = s["verdict"];
  std::string reasons;
  for (const json& r : v["reasons"]) reasons += "<li>" + esc(r.get<std::string>()) + "</li>";
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>smmucheck nightly " +
                  esc(str(s, "started")) + "</title>\n<style>" + kCss + coverage_css + "</style>\n</head>\n<body>\n";
  h += "<h1>smmucheck nightly</h1>\n";
  h += fmt::format("<p class=\"meta\">Started {} &middot; commit <code>{}</code> &middot; budget {} s, used {:.0f} s "
                   "&middot; seed {}</p>\n",
                   esc(str(s, "started")), esc(str(s, "commit")), s.value("budget_seconds", 0), s.value("elapsed_seconds", 0.0),
                   s["seed"].is_number() ? std::to_string(s["seed"].get<int64_t>()) : "random");
  h += fmt::format("<div class=\"verdict {}\" id=\"verdict\">Exit {}: {}<ul>{}</ul></div>\n",
                   v.value("exit", 2) == 0 ? "pass" : "fail", v.value("exit", 2), esc(str(v, "text")), reasons);
  h += summary_section(s) + findings_section(s) + regressions_section(s) + conformance_section(s) + proofs_section(s) +
       throughput_section(s) + campaign_section(s) + corpus_section(s);
  h += "<h2 id=\"coverage\">Coverage</h2>\n" +
       (coverage_section.empty() ? "<p>" + esc(headline(s, json{{"stage", "coverage"}, {"status", "skipped"},
                                                                 {"note", "not measured this night"}})) + "</p>\n"
                                 : coverage_section);
  return h + "</body>\n</html>\n";
}

std::string report_markdown(const json& summary) {
  const json s = normalized(summary);
  const json& v = s["verdict"];
  std::string m = fmt::format("# smmucheck nightly {}\n\nExit {}: {}\n", str(s, "started"), v.value("exit", 2), str(v, "text"));
  for (const json& r : v["reasons"]) m += "- " + r.get<std::string>() + "\n";
  m += "\n| stage | status | time | result |\n|---|---|---:|---|\n";
  for (const json& st : s["stages"])
    m += fmt::format("| {} | {} | {:.1f} s | {} |\n", str(st, "stage"), str(st, "status"), st.value("seconds", 0.0),
                     headline(s, st));
  if (s["findings"].is_array() && !s["findings"].empty()) {
    m += "\n| signature | new? | reproduces | reproducer |\n|---|---|---|---|\n";
    for (const json& f : s["findings"])
      m += fmt::format("| `{}` | {} | {} | `{}` |\n", str(f, "signature"), f.value("new", false) ? "NEW" : "known",
                       f.value("reproduces", false) ? "yes" : "no", str(f, "replay"));
  }
  return m;
}

}  // namespace smmu::nightly
