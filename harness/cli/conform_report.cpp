// Grouping `smmucheck conform` results by spec section, and the JUnit XML report (harness/cli/conform_report.h).
#include "harness/cli/conform_report.h"

#include <charconv>

#include <fmt/format.h>

namespace smmu::harness {

namespace {

std::vector<std::string> parts(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

long number(const std::string& s) {
  long v = -1;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && p == s.data() + s.size() ? v : -1;
}

}  // namespace

bool section_less(const std::string& a, const std::string& b) {
  const auto pa = parts(a), pb = parts(b);
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    const long na = number(pa[i]), nb = number(pb[i]);
    if (na >= 0 && nb >= 0 && na != nb) return na < nb;
    if ((na < 0 || nb < 0) && pa[i] != pb[i]) return pa[i] < pb[i];
  }
  return pa.size() < pb.size();
}

std::map<std::string, std::vector<const VectorResult*>, bool (*)(const std::string&, const std::string&)>
by_section(const std::vector<VectorResult>& results) {
  std::map<std::string, std::vector<const VectorResult*>, bool (*)(const std::string&, const std::string&)> out(
      section_less);
  for (const VectorResult& r : results) out[r.section].push_back(&r);
  return out;
}

std::string describe_problem(const nlohmann::json& p) {
  // Read with defaults: the nightly renders problems from JSON files too.
  auto text = [&](const char* key) {
    if (!p.contains(key)) return std::string("-");
    return p[key].is_string() ? p[key].get<std::string>() : p[key].dump();
  };
  if (p.contains("error")) return text("error");
  if (p.contains("skip")) return text("skip");
  return fmt::format("step {} (line {}): {}: expected {}, actual {}", text("step"), text("line"), text("what"),
                     text("expected"), text("actual"));
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

std::string junit_xml(const std::vector<VectorResult>& results, const std::string& model) {
  struct Counts { int tests = 0, failures = 0, errors = 0, skipped = 0; double seconds = 0; };
  auto count = [](const std::vector<const VectorResult*>& rs) {
    Counts c;
    for (const VectorResult* r : rs) {
      ++c.tests;
      c.seconds += r->seconds;
      if (r->run.status == "fail") ++c.failures;
      else if (r->run.status == "skip") ++c.skipped;
      else if (r->run.status == "error") ++c.errors;
    }
    return c;
  };
  std::vector<const VectorResult*> all;
  for (const VectorResult& r : results) all.push_back(&r);
  const Counts total = count(all);
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6f}\">\n",
                   xml_escape("smmucheck conform, model " + model), total.tests, total.failures, total.errors,
                   total.skipped, total.seconds);
  for (const auto& [section, rs] : by_section(results)) {
    const Counts c = count(rs);
    x += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.6f}\">\n",
                     xml_escape("Arm IHI 0070 §" + section), c.tests, c.failures, c.errors, c.skipped, c.seconds);
    for (const VectorResult* r : rs) {
      const std::string name = r->run.name.empty() ? r->run.file : r->run.name;
      x += fmt::format("    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.6f}\">\n",
                       xml_escape("conform." + model + "." + section), xml_escape(name), xml_escape(r->run.file),
                       r->seconds);
      std::string text;
      for (const auto& p : r->run.problems) text += describe_problem(p) + "\n";
      if (r->run.status == "fail") {
        x += fmt::format("      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n",
                         xml_escape(fmt::format("{} field(s) differ from the spec's expectation", r->run.problems.size())),
                         xml_escape(text));
      } else if (r->run.status == "skip") {
        x += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(text.empty() ? "" : text.substr(0, text.size() - 1)));
      } else if (r->run.status == "error") {
        x += fmt::format("      <error message=\"the vector could not run\">{}</error>\n", xml_escape(text));
      }
      std::string sections;
      for (const auto& s : r->sections) sections += (sections.empty() ? "§" : ", §") + s;
      x += fmt::format("      <system-out>{}</system-out>\n", xml_escape(sections + ": " + r->rule));
      x += "    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return x;
}

}  // namespace smmu::harness

namespace smmu::harness {

nlohmann::json conform_json(const std::vector<VectorResult>& results, const std::string& model,
                            const nlohmann::json& invalid) {
  nlohmann::json vectors = nlohmann::json::array();
  std::map<std::string, int> counts{{"pass", 0}, {"fail", 0}, {"skip", 0}, {"error", 0}};
  for (const VectorResult& r : results) {
    ++counts[r.run.status];
    vectors.push_back({{"name", r.run.name}, {"file", r.run.file}, {"status", r.run.status}, {"section", r.section},
                       {"sections", r.sections}, {"rule", r.rule}, {"seconds", r.seconds}, {"checks", r.run.checks},
                       {"problems", r.run.problems}});
  }
  return {{"model", model}, {"vectors", vectors}, {"counts", counts}, {"invalid", invalid}};
}

}  // namespace smmu::harness
