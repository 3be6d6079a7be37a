#include "harness/nightly/svg.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/cli/conform_report.h"

namespace smmu::nightly {

namespace {

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

// A round step for about `n` ticks over [0, hi]: 1, 2 or 5 times a power of ten.
double tick_step(double hi, int n) {
  if (hi <= 0) return 1;
  const double raw = hi / n, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string number(double v) {
  if (std::fabs(v) >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (std::fabs(v) >= 1e4) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:g}", v);
}

}  // namespace

std::string line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                       const std::vector<Series>& series, int width, int height) {
  const int left = 60, right = 20, top = 30, bottom = 45;
  const int pw = width - left - right, ph = height - top - bottom;
  double xmax = 0, ymax = 0;
  size_t n = 0;
  for (const Series& s : series)
    for (const auto& [x, y] : s.points) xmax = std::max(xmax, x), ymax = std::max(ymax, y), ++n;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\">\n<text x=\"{}\" y=\"18\" class=\"plot-title\">{}</text>\n",
      width, height, width, height, harness::xml_escape(title), left, harness::xml_escape(title));
  if (n == 0) return svg + fmt::format("<text x=\"{}\" y=\"{}\">no data</text>\n</svg>\n", left + 10, top + ph / 2);
  const double xs = tick_step(xmax, 6), ys = tick_step(ymax, 5);
  xmax = std::max(xs, std::ceil(xmax / xs) * xs), ymax = std::max(ys, std::ceil(ymax / ys) * ys);
  auto px = [&](double x) { return left + pw * x / xmax; };
  auto py = [&](double y) { return top + ph - ph * y / ymax; };
  for (double y = 0; y <= ymax + ys / 2; y += ys)
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1f}\" "
                       "text-anchor=\"end\" class=\"tick\">{}</text>\n",
                       left, py(y), left + pw, py(y), left - 5, py(y) + 4, number(y));
  for (double x = 0; x <= xmax + xs / 2; x += xs)
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" class=\"tick\">{}</text>\n", px(x),
                       top + ph + 15, number(x));
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/><line x1=\"{0}\" y1=\"{2}\" "
                     "x2=\"{3}\" y2=\"{2}\" stroke=\"#333\"/>\n",
                     left, top, top + ph, left + pw);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"axis\">{}</text>\n", left + pw / 2,
                     height - 8, harness::xml_escape(x_label));
  svg += fmt::format("<text x=\"14\" y=\"{}\" text-anchor=\"middle\" class=\"axis\" transform=\"rotate(-90 14 {})\">{}</text>\n",
                     top + ph / 2, top + ph / 2, harness::xml_escape(y_label));
  for (size_t i = 0; i < series.size(); ++i) {
    const char* colour = kColours[i % std::size(kColours)];
    std::string pts;
    for (const auto& [x, y] : series[i].points) pts += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", colour, pts);
    if (series[i].points.size() == 1)
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", px(series[i].points[0].first),
                         py(series[i].points[0].second), colour);
    if (series.size() > 1)
      svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\" class=\"legend\">{}</text>\n", left + 10 + 120 * int(i),
                         top + 12, colour, harness::xml_escape(series[i].name));
  }
  return svg + "</svg>\n";
}

std::string stacked_bars(const std::string& title, const std::vector<std::pair<std::string, std::string>>& segments,
                         const std::vector<Bar>& bars, int width) {
  const int left = 110, right = 20, top = 44, row = 26, pw = width - left - right;
  const int height = top + row * int(bars.size()) + 10;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\">\n<text x=\"{}\" y=\"18\" class=\"plot-title\">{}</text>\n",
      width, height, width, height, harness::xml_escape(title), left, harness::xml_escape(title));
  for (size_t k = 0; k < segments.size(); ++k)
    svg += fmt::format("<rect x=\"{}\" y=\"26\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"35\" "
                       "class=\"legend\">{}</text>\n",
                       left + 90 * int(k), segments[k].second, left + 90 * int(k) + 14, harness::xml_escape(segments[k].first));
  for (size_t i = 0; i < bars.size(); ++i) {
    double total = 0;
    for (double v : bars[i].values) total += v;
    const int y = top + row * int(i);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"tick\">{}</text>\n", left - 6, y + 15,
                       harness::xml_escape(bars[i].label));
    double x = left;
    for (size_t k = 0; k < bars[i].values.size() && k < segments.size(); ++k) {
      const double w = total > 0 ? pw * bars[i].values[k] / total : 0;
      if (w > 0)
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"18\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                           x, y + 2, w, segments[k].second, harness::xml_escape(segments[k].first), number(bars[i].values[k]));
      x += w;
    }
  }
  return svg + "</svg>\n";
}

}  // namespace smmu::nightly
