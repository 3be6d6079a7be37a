#include "harness/coverage/coverage_report.h"

#include <fmt/format.h>

#include "harness/cli/conform_report.h"

namespace smmu::coverage {

using nlohmann::json;

namespace {

struct Tally {
  int hit = 0, total = 0;
  double percent() const { return total ? 100.0 * hit / total : 0.0; }
};

Tally tally(const json& rows, const char* key) {
  Tally t;
  if (rows.is_array())
    for (const json& r : rows) ++t.total, t.hit += r.value(key, 0) > 0;
  return t;
}

Tally field_tally(const json& rows) {
  Tally t;
  if (rows.is_array())
    for (const json& r : rows) ++t.total, t.hit += r.value("exercised", false);
  return t;
}

// Opcodes the suite never had consumed but did have rejected: their error case is exercised (§4.1.3).
int only_rejected(const json& commands) {
  int n = 0;
  for (const json& r : commands) n += r.value("consumed", 0) == 0 && r.value("rejected", 0) > 0;
  return n;
}

const json& part(const json& c, const char* key) {
  static const json empty = json::array();
  return c.is_object() && c.contains(key) ? c[key] : empty;
}

std::string values_text(const json& f) {
  std::string v;
  for (const json& x : f.value("values", json::array())) v += fmt::format("{}{:#x}", v.empty() ? "" : " ", x.get<uint64_t>());
  if (f.value("distinct", 0) > int(f.value("values", json::array()).size())) v += " ...";
  return v;
}

// The sections vectors cite outside the chapters of specs/conformance/sections.txt (such as §6.2).
std::string unlisted_text(const json& c) {
  std::string t;
  for (const json& s : part(c, "unlisted_sections")) t += (t.empty() ? "; also cited: §" : ", §") + s.get<std::string>();
  return t;
}

std::string line_summary(const json& c) {
  const json lc = c.value("line_coverage", json::object());
  if (lc.value("status", "") != "measured")
    return "Line coverage of reference/ under the suite: not measured (" + lc.value("note", std::string("no coverage build given")) + ").";
  const json& t = lc["total"];
  return fmt::format("Line coverage of reference/ under the suite: {:.1f}% of lines ({} of {}), {:.1f}% of functions, "
                     "{:.1f}% of regions.", t["lines"].value("percent", 0.0), t["lines"].value("covered", 0),
                     t["lines"].value("count", 0), t["functions"].value("percent", 0.0), t["regions"].value("percent", 0.0));
}

std::string esc(const std::string& s) { return harness::xml_escape(s); }

std::string bar(double percent) {
  return fmt::format("<svg class=\"cov-bar\" width=\"120\" height=\"12\" role=\"img\" aria-label=\"{0:.1f}%\"><rect width=\"120\" "
                     "height=\"12\" fill=\"#eee\"/><rect width=\"{1:.1f}\" height=\"12\" fill=\"#2ca02c\"/></svg> {0:.1f}%",
                     percent, 1.2 * percent);
}

}  // namespace

std::string coverage_markdown(const json& c) {
  const Tally sec = tally(part(c, "sections"), "vectors"), cmd = tally(part(c, "commands"), "consumed"),
              ev = tally(part(c, "events"), "recorded");
  const json fields = c.value("fields", json::object());
  const Tally ste = field_tally(fields.value("STE", json::array())), cd = field_tally(fields.value("CD", json::array()));
  std::string m = fmt::format("# Conformance suite coverage\n\n{} vectors.\n\n", c.value("vectors", 0));
  m += fmt::format("- Spec sections cited: {} of {} sections of chapters 3, 4, 5, 6.3, 7 and 13{}\n", sec.hit, sec.total,
                   unlisted_text(c));
  m += fmt::format("- Commands consumed: {} of {} opcodes; {} more only rejected (CERROR_ILL); {} commands with a reserved "
                   "opcode rejected\n", cmd.hit, cmd.total, only_rejected(part(c, "commands")), c.value("reserved_opcodes_rejected", 0));
  m += fmt::format("- Events recorded: {} of {} types\n", ev.hit, ev.total);
  m += fmt::format("- STE fields read with two or more values: {} of {}; CD fields: {} of {}\n", ste.hit, ste.total, cd.hit, cd.total);
  m += "- " + line_summary(c) + "\n\n## Commands\n\n| opcode | section | consumed | rejected | why none |\n|---|---|---:|---:|---|\n";
  for (const json& r : part(c, "commands"))
    m += fmt::format("| {} | §{} | {} | {} | {} |\n", r.value("name", ""), r.value("section", ""), r.value("consumed", 0),
                     r.value("rejected", 0), r.value("why_not", ""));
  m += "\n## Events\n\n| event | section | recorded | why none |\n|---|---|---:|---|\n";
  for (const json& r : part(c, "events"))
    m += fmt::format("| {} | §{} | {} | {} |\n", r.value("name", ""), r.value("section", ""), r.value("recorded", 0),
                     r.value("why_not", ""));
  for (const char* kind : {"STE", "CD"}) {
    m += fmt::format("\n## {} fields\n\n| field | bits | section | status | distinct values | values |\n"
                     "|---|---|---|---|---:|---|\n", kind);
    for (const json& f : fields.value(kind, json::array()))
      m += fmt::format("| {} | q{}[{}:{}] | §{} | {} | {} | {} |\n", f.value("name", ""), f.value("qword", 0), f.value("hi", 0),
                       f.value("lo", 0), f.value("section", ""), f.value("status", ""), f.value("distinct", 0), values_text(f));
  }
  m += "\n## Spec sections\n\n| section | title | vectors |\n|---|---|---:|\n";
  for (const json& s : part(c, "sections"))
    m += fmt::format("| §{} | {} | {} |\n", s.value("section", ""), s.value("title", ""), s.value("vectors", 0));
  const json lc = c.value("line_coverage", json::object());
  if (lc.value("status", "") == "measured") {
    m += "\n## Line coverage of reference/\n\n";
    if (lc.contains("profile"))
      m += fmt::format("Line by line, in the source directory: `llvm-cov-14 show -instr-profile={} {} reference/`\n\n", lc.value("profile", ""),
                       lc.value("binary", ""));
    m += "| file | lines | functions | regions |\n|---|---:|---:|---:|\n";
    for (const json& f : lc["files"])
      m += fmt::format("| {} | {:.1f}% | {:.1f}% | {:.1f}% |\n", f.value("file", ""), f["lines"].value("percent", 0.0),
                       f["functions"].value("percent", 0.0), f["regions"].value("percent", 0.0));
  }
  return m;
}

std::string coverage_css() {
  return ".cov-bar { vertical-align: middle; } .cov-zero { color: #9a6700; } .cov-hit { color: #1a7f37; }\n"
         "details.cov-more > summary { cursor: pointer; margin: 0.4em 0; }\n";
}

std::string coverage_html_section(const json& c) {
  const Tally sec = tally(part(c, "sections"), "vectors"), cmd = tally(part(c, "commands"), "consumed"),
              ev = tally(part(c, "events"), "recorded");
  const json fields = c.value("fields", json::object());
  const Tally ste = field_tally(fields.value("STE", json::array())), cd = field_tally(fields.value("CD", json::array()));
  const json lc = c.value("line_coverage", json::object());
  std::string h = fmt::format("<p>{} conformance vectors. {}</p>\n", c.value("vectors", 0), esc(line_summary(c)));
  if (const std::string u = unlisted_text(c); !u.empty())
    h += "<p>Sections cited outside the chapters listed" + esc(u.substr(u.find(':'))) + ".</p>\n";
  h += "<table id=\"cov-summary\">\n<tr><th>what</th><th>exercised</th><th>of</th><th>share</th></tr>\n";
  auto row = [&](const std::string& what, Tally t) {
    h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n", esc(what), t.hit,
                     t.total, bar(t.percent()));
  };
  row("spec sections (chapters 3, 4, 5, 6.3, 7, 13) cited by a vector", sec);
  row("command opcodes consumed", cmd);
  row("command opcodes consumed or rejected", {cmd.hit + only_rejected(part(c, "commands")), cmd.total});
  row("event types recorded", ev);
  row("STE fields read with two or more values", ste);
  row("CD fields read with two or more values", cd);
  if (lc.value("status", "") == "measured") {
    const json& t = lc["total"];
    row("reference/ lines executed", {t["lines"].value("covered", 0), t["lines"].value("count", 0)});
    row("reference/ functions executed", {t["functions"].value("covered", 0), t["functions"].value("count", 0)});
  }
  h += "</table>\n";
  h += "<table id=\"cov-commands\">\n<tr><th>command</th><th>section</th><th>consumed</th><th>rejected</th><th>why none</th></tr>\n";
  for (const json& r : part(c, "commands"))
    h += fmt::format("<tr><td class=\"{}\">{}</td><td>&sect;{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                     r.value("consumed", 0) ? "cov-hit" : "cov-zero", esc(r.value("name", "")), esc(r.value("section", "")),
                     r.value("consumed", 0), r.value("rejected", 0), esc(r.value("why_not", "")));
  h += "</table>\n<table id=\"cov-events\">\n<tr><th>event</th><th>section</th><th>recorded</th><th>why none</th></tr>\n";
  for (const json& r : part(c, "events"))
    h += fmt::format("<tr><td class=\"{}\">{}</td><td>&sect;{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                     r.value("recorded", 0) ? "cov-hit" : "cov-zero", esc(r.value("name", "")), esc(r.value("section", "")),
                     r.value("recorded", 0), esc(r.value("why_not", "")));
  h += "</table>\n";
  for (const char* kind : {"STE", "CD"}) {
    h += fmt::format("<details class=\"cov-more\"><summary>{} fields: which values the suite's reads gave each</summary>\n"
                     "<table id=\"cov-{}-fields\">\n<tr><th>field</th><th>bits</th><th>section</th><th>status</th><th>distinct values</th>"
                     "<th>values</th></tr>\n",
                     kind, kind == std::string("STE") ? "ste" : "cd");
    for (const json& f : fields.value(kind, json::array()))
      h += fmt::format("<tr><td class=\"{}\">{}</td><td>q{}[{}:{}]</td><td>&sect;{}</td><td>{}</td><td class=\"num\">{}</td>"
                       "<td><code>{}</code></td></tr>\n",
                       f.value("exercised", false) ? "cov-hit" : "cov-zero", esc(f.value("name", "")), f.value("qword", 0),
                       f.value("hi", 0), f.value("lo", 0), esc(f.value("section", "")), esc(f.value("status", "")),
                       f.value("distinct", 0), esc(values_text(f)));
    h += "</table></details>\n";
  }
  h += "<details class=\"cov-more\"><summary>Spec sections and the vectors citing them</summary>\n<table id=\"cov-sections\">\n"
       "<tr><th>section</th><th>title</th><th>vectors</th></tr>\n";
  for (const json& s : part(c, "sections"))
    h += fmt::format("<tr><td class=\"{}\">&sect;{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
                     s.value("vectors", 0) ? "cov-hit" : "cov-zero", esc(s.value("section", "")), esc(s.value("title", "")),
                     s.value("vectors", 0));
  h += "</table></details>\n";
  if (lc.value("status", "") == "measured") {
    h += "<table id=\"cov-lines\">\n<tr><th>reference/ file</th><th>lines</th><th>functions</th><th>regions</th></tr>\n";
    for (const json& f : lc["files"])
      h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1f}%</td><td class=\"num\">{:.1f}%</td></tr>\n",
                       esc(f.value("file", "")), bar(f["lines"].value("percent", 0.0)), f["functions"].value("percent", 0.0),
                       f["regions"].value("percent", 0.0));
    h += "</table>\n";
  }
  return h;
}

std::string coverage_html(const json& c) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>smmucheck: conformance suite "
         "coverage</title>\n<style>body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }\n"
         "table { border-collapse: collapse; margin: 0.6em 0; } th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; "
         "text-align: left; } th { background: #f0f0f0; } td.num { text-align: right; }\n" +
         coverage_css() + "</style>\n</head>\n<body>\n<h1>Conformance suite coverage</h1>\n" + coverage_html_section(c) +
         "</body>\n</html>\n";
}

}  // namespace smmu::coverage
