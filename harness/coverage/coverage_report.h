// The coverage report of the conformance suite (suite_coverage.h) for people: markdown for CI logs, and
// HTML (a whole page, or a section the nightly report embeds with coverage_css()).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace smmu::coverage {

std::string coverage_markdown(const nlohmann::json& c);
std::string coverage_html_section(const nlohmann::json& c);  // classes prefixed cov-
std::string coverage_css();
std::string coverage_html(const nlohmann::json& c);          // a self-contained page

}  // namespace smmu::coverage
