#include "dashboard_charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "outpost/web/http_util.hpp"

namespace outpost::web::charts {

namespace {

constexpr double width = 720;
constexpr double label_width = 220;
constexpr double value_width = 60;
constexpr double row_height = 24;
constexpr double bar_height = 16;

std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string svg_open(const std::string& title, double height) {
  std::string out = "<svg class=\"chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ";
  out.append(coord(width)).append(" ").append(coord(height)).append("\" width=\"").append(coord(width));
  out.append("\" height=\"").append(coord(height)).append("\" aria-label=\"").append(html_escape(title));
  out.append("\"><title>").append(html_escape(title)).append("</title>");
  return out;
}

void text(std::string& out, double x, double y, const std::string& css, const std::string& content,
          const char* anchor = "start") {
  out.append("<text class=\"").append(css).append("\" x=\"").append(coord(x)).append("\" y=\"").append(coord(y));
  out.append("\" text-anchor=\"").append(anchor).append("\">").append(html_escape(content)).append("</text>");
}

// One data point: a rect carrying its figures.
void bar(std::string& out, const Bar& b, double x, double y, double w, double h) {
  out.append("<rect class=\"bar ").append(html_escape(b.series)).append("\" data-series=\"").append(html_escape(b.series));
  out.append("\" data-label=\"").append(html_escape(b.label)).append("\" data-value=\"").append(number_text(b.value));
  out.append("\" x=\"").append(coord(x)).append("\" y=\"").append(coord(y)).append("\" width=\"");
  out.append(coord(std::max(w, 0.0))).append("\" height=\"").append(coord(std::max(h, 0.0))).append("\"><title>");
  out.append(html_escape(b.label)).append(" (").append(html_escape(b.series)).append("): ");
  out.append(number_text(b.value)).append("</title></rect>");
}

std::string empty_chart() { return "<p class=\"empty\">Nothing to chart in this window.</p>"; }

}  // namespace

std::string number_text(double value) {
  char buf[32];
  if (std::fabs(value - std::round(value)) < 1e-9) {
    std::snprintf(buf, sizeof buf, "%.0f", value);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", value);
  }
  return buf;
}

std::string bar_chart(const std::string& title, const std::vector<Bar>& bars, double max) {
  if (bars.empty()) return empty_chart();
  for (const Bar& b : bars) max = std::max(max, b.value);
  const double area = width - label_width - value_width;
  std::string out = svg_open(title, static_cast<double>(bars.size()) * row_height + 4);
  double y = 2;
  for (const Bar& b : bars) {
    text(out, label_width - 6, y + bar_height - 3, "label", b.label, "end");
    bar(out, b, label_width, y, max > 0 ? area * b.value / max : 0, bar_height);
    text(out, label_width + (max > 0 ? area * b.value / max : 0) + 4, y + bar_height - 3, "value",
         number_text(b.value));
    y += row_height;
  }
  return out.append("</svg>");
}

std::string stacked_chart(const std::string& title, const std::vector<StackedRow>& rows, double total) {
  const bool any = std::any_of(rows.begin(), rows.end(), [](const StackedRow& row) {
    return std::any_of(row.parts.begin(), row.parts.end(), [](const Bar& p) { return p.value > 0; });
  });
  if (!any) return empty_chart();
  const double area = width - label_width - value_width;
  std::string out = svg_open(title, static_cast<double>(rows.size()) * row_height + 4);
  double y = 2;
  for (const StackedRow& row : rows) {
    double sum = 0;
    for (const Bar& p : row.parts) sum += p.value;
    const double full = total > 0 ? total : sum;
    text(out, label_width - 6, y + bar_height - 3, "label", row.label, "end");
    double x = label_width;
    for (const Bar& p : row.parts) {
      const double w = full > 0 ? area * p.value / full : 0;
      bar(out, p, x, y, w, bar_height);
      x += w;
    }
    y += row_height;
  }
  return out.append("</svg>");
}

std::string day_chart(const std::string& title, const std::vector<Day>& days) {
  if (days.empty()) return empty_chart();
  constexpr double left = 40;
  constexpr double top = 10;
  constexpr double plot = 180;
  double max = 0;
  for (const Day& d : days) {
    for (const Bar& b : d.series) max = std::max(max, b.value);
  }
  std::string out = svg_open(title, top + plot + 24);
  out.append("<line class=\"axis\" x1=\"").append(coord(left)).append("\" y1=\"").append(coord(top + plot));
  out.append("\" x2=\"").append(coord(width)).append("\" y2=\"").append(coord(top + plot)).append("\"/>");
  text(out, left - 4, top + 8, "value", number_text(max), "end");
  text(out, left - 4, top + plot, "value", "0", "end");
  const double slot = (width - left) / static_cast<double>(days.size());
  for (std::size_t i = 0; i < days.size(); ++i) {
    const Day& d = days[i];
    const double x0 = left + slot * static_cast<double>(i);
    const double w = slot * 0.8 / static_cast<double>(std::max<std::size_t>(d.series.size(), 1));
    for (std::size_t s = 0; s < d.series.size(); ++s) {
      const double h = max > 0 ? plot * d.series[s].value / max : 0;
      bar(out, d.series[s], x0 + slot * 0.1 + w * static_cast<double>(s), top + plot - h, w, h);
    }
  }
  // The first, middle and last days under the axis.
  const double label_y = top + plot + 16;
  text(out, left, label_y, "label", days.front().day);
  const std::size_t mid = days.size() / 2;
  if (days.size() >= 3) text(out, left + (static_cast<double>(mid) + 0.5) * slot, label_y, "label", days[mid].day, "middle");
  if (days.size() >= 2) text(out, width, label_y, "label", days.back().day, "end");
  return out.append("</svg>");
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& series_and_names) {
  std::string out = "<ul class=\"legend\">";
  for (const auto& [series, name] : series_and_names) {
    out.append("<li><span class=\"swatch ").append(html_escape(series)).append("\"></span>");
    out.append(html_escape(name)).append("</li>");
  }
  return out.append("</ul>");
}

}  // namespace outpost::web::charts
