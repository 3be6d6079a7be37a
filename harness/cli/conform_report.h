// The results of `smmucheck conform`: one per vector, grouped by the vector's primary spec section (the first
// it names), and the JUnit XML report made of them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/cli/run_one.h"

namespace smmu::harness {

struct VectorResult {
  std::string section;  // the primary section of Arm IHI 0070: the vector's first `spec` entry
  std::vector<std::string> sections;  // every section it names
  std::string rule;
  ScenarioResult run;
  double seconds = 0;
};

// Sections in the spec's order, comparing each dotted part as a number ("5.4" < "5.4.1" < "7.3.5" < "7.3.13").
bool section_less(const std::string& a, const std::string& b);

// The results by primary section, sections in the spec's order.
std::map<std::string, std::vector<const VectorResult*>, bool (*)(const std::string&, const std::string&)>
by_section(const std::vector<VectorResult>& results);

// One problem of a result as a line of text: the mismatch field by field (step, line, field, expected, actual),
// the skip reason or the error.
std::string describe_problem(const nlohmann::json& p);

// JUnit XML: <testsuites> with one <testsuite> per primary section and one <testcase> per vector; a failing
// vector has a <failure> listing each mismatch with its expected and actual value, a skipped one <skipped>
// with the reason, one that could not run <error>.
std::string junit_xml(const std::vector<VectorResult>& results, const std::string& model);

std::string xml_escape(const std::string& s);

// `conform --json`: {"model", "vectors": [{name, file, status, section, sections, rule, seconds, checks, problems}],
// "counts": {pass, fail, skip, error}, "invalid": [{file, problems}]}.
nlohmann::json conform_json(const std::vector<VectorResult>& results, const std::string& model,
                            const nlohmann::json& invalid);

}  // namespace smmu::harness
