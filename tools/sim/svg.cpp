// timeline.svg: the propagation timeline (devices holding each change over
// the run) above a histogram of delivery delays.
#include <algorithm>
#include <sstream>

#include "results.hpp"
#include "text.hpp"

namespace outpost::sim {

namespace {

constexpr double width = 900, left = 70, right = 20, plot_w = width - left - right;
constexpr double top1 = 50, h1 = 260, top2 = top1 + h1 + 90, h2 = 180, height = top2 + h2 + 60;
const char* const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

std::string num(double v) { return fixed(v, 1); }

void axis(std::ostringstream& svg, double top, double h, const std::string& x_label, const std::string& y_label) {
  svg << "<line x1=\"" << num(left) << "\" y1=\"" << num(top + h) << "\" x2=\"" << num(left + plot_w) << "\" y2=\""
      << num(top + h) << "\" stroke=\"#333\"/>\n"
      << "<line x1=\"" << num(left) << "\" y1=\"" << num(top) << "\" x2=\"" << num(left) << "\" y2=\"" << num(top + h)
      << "\" stroke=\"#333\"/>\n"
      << "<text x=\"" << num(left + plot_w / 2) << "\" y=\"" << num(top + h + 36) << "\" text-anchor=\"middle\">"
      << xml_escape(x_label) << "</text>\n"
      << "<text x=\"16\" y=\"" << num(top + h / 2) << "\" transform=\"rotate(-90 16 " << num(top + h / 2)
      << ")\" text-anchor=\"middle\">" << xml_escape(y_label) << "</text>\n";
}

void tick_label(std::ostringstream& svg, double x, double y, const std::string& text, const char* anchor) {
  svg << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" text-anchor=\"" << anchor << "\" font-size=\"11\">"
      << xml_escape(text) << "</text>\n";
}

void propagation_panel(std::ostringstream& svg, const Results& r) {
  const double span = std::max(1.0, r.wall_s);
  const double devices = static_cast<double>(std::max<std::int64_t>(1, r.reps + r.kiosks));
  svg << "<text x=\"" << num(left) << "\" y=\"" << num(top1 - 20)
      << "\" font-weight=\"bold\">Propagation: devices holding each change</text>\n";
  axis(svg, top1, h1, "seconds into the run", "devices");
  for (int i = 0; i <= 4; ++i) {
    const double y = top1 + h1 - h1 * i / 4.0;
    tick_label(svg, left - 6, y + 4, fixed(devices * i / 4.0, 0), "end");
    const double x = left + plot_w * i / 4.0;
    tick_label(svg, x, top1 + h1 + 16, fixed(span * i / 4.0, 0), "middle");
  }
  std::size_t color = 0;
  for (const Propagation& p : r.propagation) {
    const char* c = palette[color++ % std::size(palette)];
    const double x0 = left + plot_w * std::clamp(p.at_s / span, 0.0, 1.0);
    svg << "<line x1=\"" << num(x0) << "\" y1=\"" << num(top1) << "\" x2=\"" << num(x0) << "\" y2=\"" << num(top1 + h1)
        << "\" stroke=\"" << c << "\" stroke-dasharray=\"4 3\"/>\n";
    std::vector<double> times = p.reached_at_s;
    std::sort(times.begin(), times.end());
    std::string points = cat(num(x0), ",", num(top1 + h1));
    double y = top1 + h1;
    for (std::size_t i = 0; i < times.size(); ++i) {
      const double x = left + plot_w * std::clamp(times[i] / span, 0.0, 1.0);
      points.append(" ").append(num(x)).append(",").append(num(y));
      y = top1 + h1 - h1 * static_cast<double>(i + 1) / devices;
      points.append(" ").append(num(x)).append(",").append(num(y));
    }
    svg << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"2\" points=\"" << points << "\"/>\n";
    const double ly = top1 + 14.0 * static_cast<double>(color);
    svg << "<rect x=\"" << num(left + plot_w - 190) << "\" y=\"" << num(ly - 9) << "\" width=\"10\" height=\"10\" fill=\""
        << c << "\"/>\n";
    tick_label(svg, left + plot_w - 175, ly, p.label, "start");
  }
}

void delay_panel(std::ostringstream& svg, const Results& r) {
  const double edges[] = {0.5, 1, 2, 5, 10, 20, 50, 100};
  const char* const names[] = {"<0.5", "0.5-1", "1-2", "2-5", "5-10", "10-20", "20-50", "50-100", ">100"};
  std::size_t counts[std::size(names)] = {};
  for (double d : r.delivery_delays()) {
    std::size_t b = 0;
    while (b < std::size(edges) && d >= edges[b]) ++b;
    ++counts[b];
  }
  const std::size_t most = std::max<std::size_t>(1, *std::max_element(std::begin(counts), std::end(counts)));
  svg << "<text x=\"" << num(left) << "\" y=\"" << num(top2 - 20)
      << "\" font-weight=\"bold\">Delivery delay: from the action on the device to the hub's receipt</text>\n";
  axis(svg, top2, h2, "seconds", "items");
  const double bar = plot_w / static_cast<double>(std::size(names));
  for (std::size_t b = 0; b < std::size(names); ++b) {
    const double h = h2 * static_cast<double>(counts[b]) / static_cast<double>(most);
    const double x = left + bar * static_cast<double>(b);
    svg << "<rect x=\"" << num(x + 4) << "\" y=\"" << num(top2 + h2 - h) << "\" width=\"" << num(bar - 8)
        << "\" height=\"" << num(h) << "\" fill=\"#1f77b4\"/>\n";
    tick_label(svg, x + bar / 2, top2 + h2 + 16, names[b], "middle");
    if (counts[b] > 0) tick_label(svg, x + bar / 2, top2 + h2 - h - 4, std::to_string(counts[b]), "middle");
  }
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '&': out.append("&amp;"); break;
      case '"': out.append("&quot;"); break;
      case '\'': out.append("&apos;"); break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string timeline_svg(const Results& r) {
  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width) << "\" height=\"" << num(height)
      << "\" viewBox=\"0 0 " << num(width) << " " << num(height) << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
      << "<title>" << xml_escape(cat("Field simulation ", r.scenario, ", seed ", r.seed)) << "</title>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  propagation_panel(svg, r);
  delay_panel(svg, r);
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace outpost::sim
