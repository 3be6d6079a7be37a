// The nightly's report: DIR/report.html, a self-contained page a person reads (inline CSS and SVG, no network,
// no script), and the markdown summary printed at the end for CI logs. Both are made from summary.json alone.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace smmu::nightly {

// `coverage_section` and `coverage_css`: the coverage report's HTML fragment and its style (empty when there is
// no coverage data), embedded as the page's coverage section.
std::string report_html(const nlohmann::json& summary, const std::string& coverage_section = "",
                        const std::string& coverage_css = "");

std::string report_markdown(const nlohmann::json& summary);

}  // namespace smmu::nightly
