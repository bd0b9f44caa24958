// The dashboard's charts as inline SVG drawn on the server: no script, no
// inline style (the CSP forbids both); colours come from dashboard.css by
// class. Every data point is one element with class "bar", data-label and
// data-value, so a test (or a screen reader, through <title>) can read the
// figures the chart shows. Pure functions; any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace outpost::web::charts {

struct Bar {
  std::string label;
  double value = 0;
  std::string series;  // CSS class and data-series: what the value counts
};

// One horizontal bar per entry, longest = max (0: the largest value).
std::string bar_chart(const std::string& title, const std::vector<Bar>& bars, double max = 0);

// Horizontal stacked bars: one row per label, its parts side by side, the
// row's full width = total (0: each row's own sum). Nothing to chart when
// every part is 0.
struct StackedRow {
  std::string label;
  std::vector<Bar> parts;  // label of a part: the row's label
};
std::string stacked_chart(const std::string& title, const std::vector<StackedRow>& rows, double total = 0);

// Columns over time: per day one column per series, side by side.
struct Day {
  std::string day;             // "2026-03-01"
  std::vector<Bar> series;     // same series in the same order every day
};
std::string day_chart(const std::string& title, const std::vector<Day>& days);

// A legend: one swatch per series.
std::string legend(const std::vector<std::pair<std::string, std::string>>& series_and_names);

// "3", "2.5": whole numbers without decimals, others with one.
std::string number_text(double value);

}  // namespace outpost::web::charts
