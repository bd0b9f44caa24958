#include "outpost/report_tables/report_table.hpp"

#include <cstdio>
#include <stdexcept>

#include "outpost/cli/text.hpp"

namespace outpost::report_tables {

namespace {

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out.append(i == 0 ? "" : ",").append(csv_field(fields[i]));
  return out.append("\r\n");
}

}  // namespace

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

Cell::Cell(std::optional<std::uint64_t> n) : value_(n ? nlohmann::json(*n) : nlohmann::json(nullptr)) {}

Cell::Cell(std::optional<TimePoint> t) : value_(t ? nlohmann::json(cli::iso_time(*t)) : nlohmann::json(nullptr)) {
  if (!t) text_ = "never";
}

Cell Cell::valued(nlohmann::json as) && {
  text_ = text();
  csv_ = csv();
  value_ = std::move(as);
  return std::move(*this);
}

std::string Cell::csv() const {
  if (csv_) return *csv_;
  if (value_.is_string()) return value_.get<std::string>();
  if (value_.is_boolean()) return value_.get<bool>() ? "yes" : "no";
  if (value_.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", value_.get<double>());
    return buf;
  }
  if (value_.is_number()) return value_.dump();
  return {};
}

std::string Cell::text() const { return text_ ? *text_ : one_line(csv()); }

void ReportTable::add(std::vector<Cell> cells) {
  if (cells.size() != columns_.size()) throw std::logic_error("report table: a row does not match the columns");
  rows_.push_back(std::move(cells));
}

nlohmann::json ReportTable::json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows_) {
    nlohmann::json object = nlohmann::json::object();
    for (std::size_t i = 0; i < columns_.size(); ++i) object[columns_[i].key] = row[i].value();
    out.push_back(std::move(object));
  }
  return out;
}

std::string ReportTable::text() const {
  std::vector<std::vector<std::string>> lines(1);
  for (const Column& c : columns_) {
    if (!c.header.empty()) lines[0].push_back(c.header);
  }
  for (const auto& row : rows_) {
    auto& line = lines.emplace_back();
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (!columns_[i].header.empty()) line.push_back(row[i].text());
    }
  }
  return cli::table(lines);
}

std::string ReportTable::csv_header() const {
  std::string out;
  for (const Column& c : columns_) out.append(out.empty() ? "" : ",").append(c.key);
  return out;
}

std::string ReportTable::csv() const {
  std::string out = csv_header() + "\r\n";
  for (const auto& row : rows_) {
    std::vector<std::string> fields;
    for (const Cell& cell : row) fields.push_back(cell.csv());
    out.append(csv_record(fields));
  }
  return out;
}

}  // namespace outpost::report_tables
