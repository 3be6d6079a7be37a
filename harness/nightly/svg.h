// Plots for the nightly report, as inline SVG: drawn here, so the page needs no network and no script.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace smmu::nightly {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x increasing
};

// A line chart with axes, ticks at round values and a legend; an empty chart says "no data".
std::string line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                       const std::vector<Series>& series, int width = 560, int height = 260);

// Horizontal stacked bars: one bar per row, segments in the order of `segments` (name and colour).
struct Bar {
  std::string label;
  std::vector<double> values;  // one per segment
};
std::string stacked_bars(const std::string& title, const std::vector<std::pair<std::string, std::string>>& segments,
                         const std::vector<Bar>& bars, int width = 560);

}  // namespace smmu::nightly
