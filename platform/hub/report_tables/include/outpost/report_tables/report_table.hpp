// A report's table in the three forms `outpost-hub report` prints (and the
// hub dashboard serves): JSON objects with typed values, a text table, and
// CSV (RFC 4180: a field with a comma, quote or line break is quoted and its
// quotes doubled; records end in CRLF). Each row is given once. A table is
// used by one thread at a time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outpost/base/clock.hpp"

namespace outpost::report_tables {

// One value: typed for JSON; shown in a text table (on one line) and
// written to CSV as its value reads, unless told otherwise. Cheap to make:
// only what differs from the value is stored.
class Cell {
 public:
  Cell(const std::string& s) : value_(s) {}                 // NOLINT(google-explicit-constructor): rows read as lists
  Cell(const char* s) : value_(s) {}                        // NOLINT(google-explicit-constructor)
  Cell(std::uint64_t n) : value_(n) {}                      // NOLINT(google-explicit-constructor)
  Cell(std::optional<std::uint64_t> n);                     // NOLINT(google-explicit-constructor): null, empty
  Cell(bool b) : value_(b) {}                               // NOLINT(google-explicit-constructor): yes / no
  Cell(double d) : value_(d) {}                             // NOLINT(google-explicit-constructor): one decimal
  Cell(std::optional<TimePoint> t);                         // NOLINT(google-explicit-constructor): ISO 8601; "never"
  Cell(TimePoint t) : Cell(std::optional<TimePoint>(t)) {}  // NOLINT(google-explicit-constructor)

  // The same value, shown otherwise in the text table.
  Cell shown(std::string as) && {
    text_ = std::move(as);
    return std::move(*this);
  }
  // The same text and CSV, another JSON value (a list, a map).
  Cell valued(nlohmann::json as) &&;

  const nlohmann::json& value() const { return value_; }
  std::string text() const;
  std::string csv() const;

 private:
  nlohmann::json value_;
  std::optional<std::string> text_;
  std::optional<std::string> csv_;
};

struct Column {
  std::string key;     // the JSON member and the CSV header
  std::string header;  // the text table's header; empty: JSON and CSV only
};

class ReportTable {
 public:
  explicit ReportTable(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void add(std::vector<Cell> cells);  // one per column
  bool empty() const { return rows_.empty(); }
  std::size_t size() const { return rows_.size(); }

  nlohmann::json json() const;     // an array of objects
  std::string text() const;        // aligned columns under the headers
  std::string csv() const;         // header record, then the rows
  std::string csv_header() const;  // "asset,version,..." (for --help)

  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<std::vector<Cell>>& rows() const { return rows_; }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// A free text on one line of a table.
std::string one_line(std::string text);

}  // namespace outpost::report_tables
