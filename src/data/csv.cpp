// CSV reader for 1-D signals: one sample per line, one column holding the integer class label.
// The file is read whole (gzip-aware), so a .csv.gz works too; every bad cell is reported by line and column.
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "data/file_util.h"
#include "fovea/core/error.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

std::string_view trim_cell(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_cells(std::string_view line, char delimiter) {
  std::vector<std::string_view> cells;
  size_t start = 0;
  while (true) {
    size_t end = line.find(delimiter, start);
    const size_t length = end == std::string_view::npos ? std::string_view::npos : end - start;
    cells.push_back(trim_cell(line.substr(start, length)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return cells;
}

bool parse_float(std::string_view cell, float& value) {
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  return ec == std::errc() && end == cell.data() + cell.size() && !cell.empty();
}

// Labels are integers, but "3.0" (as written by tools that store everything as floats) is accepted.
bool parse_label(std::string_view cell, int64_t& value) {
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (ec == std::errc() && end == cell.data() + cell.size() && !cell.empty()) return true;
  double d = 0;
  auto [dend, dec] = std::from_chars(cell.data(), cell.data() + cell.size(), d);
  if (dec != std::errc() || dend != cell.data() + cell.size() || cell.empty()) return false;
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9e15) return false;
  value = static_cast<int64_t>(d);
  return true;
}

}  // namespace

Dataset read_csv(const std::string& path, const CsvOptions& options) {
  FOVEA_CHECK(options.delimiter != '\n' && options.delimiter != '\r', ValueError,
              "read_csv: the delimiter cannot be a line break");
  FOVEA_CHECK(options.num_classes >= 0, ValueError, "read_csv: num_classes must be >= 0 (0: no check); got ",
              options.num_classes);
  std::vector<uint8_t> bytes = data_detail::read_file_bytes(path);
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());

  std::vector<float> values;
  std::vector<int64_t> labels;
  size_t columns = 0;
  size_t label_index = 0;
  size_t line_number = 0;
  size_t pos = 0;
  std::vector<float> row;
  int64_t skipped = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_number;
    if (line_number == 1 && options.has_header) continue;
    if (trim_cell(line).empty()) continue;

    std::vector<std::string_view> cells = split_cells(line, options.delimiter);
    if (columns == 0) {
      columns = cells.size();
      FOVEA_CHECK(columns >= 2, IoError, path, ": line ", line_number, " has ", columns,
                  " column; expected at least 2 (signal values and a label; is the delimiter '", options.delimiter,
                  "' right?)");
      int64_t lc =
          options.label_column < 0 ? static_cast<int64_t>(columns) + options.label_column : options.label_column;
      FOVEA_CHECK(lc >= 0 && lc < static_cast<int64_t>(columns), IoError, path, ": label_column ", options.label_column,
                  " does not exist; line ", line_number, " has ", columns, " columns");
      label_index = static_cast<size_t>(lc);
    }
    // A bad row is reported whole (and, with skip_bad_samples, left out whole): values go to the output only
    // once every cell has parsed.
    std::string problem;
    row.clear();
    int64_t label = 0;
    if (cells.size() != columns) {
      problem = detail::concat(path, ": line ", line_number, " has ", cells.size(), " columns; expected ", columns,
                               " like the first data line");
    }
    for (size_t c = 0; c < columns && problem.empty(); ++c) {
      if (c == label_index) {
        if (!parse_label(cells[c], label)) {
          problem = detail::concat(path, ": line ", line_number, ", column ", c + 1, ": cannot read '", cells[c],
                                   "' as an integer class label");
        } else if (label < 0 || label >= (options.num_classes > 0 ? options.num_classes : data_detail::kMaxClasses)) {
          problem = detail::concat(
              path, ": line ", line_number, ", column ", c + 1, ": label ", label, " is out of range; expected ",
              options.num_classes > 0
                  ? detail::concat("0 to ", options.num_classes - 1, " (", options.num_classes, " classes)")
              : label < 0 ? std::string("a non-negative integer")
                          : data_detail::class_limit_text());
        }
      } else {
        float value = 0;
        if (parse_float(cells[c], value)) {
          row.push_back(value);
        } else {
          problem = detail::concat(path, ": line ", line_number, ", column ", c + 1, ": cannot read '", cells[c],
                                   "' as a number");
        }
      }
    }
    if (!problem.empty()) {
      report_bad_sample(problem, options.skip_bad_samples, options.on_skip);
      ++skipped;
      continue;
    }
    values.insert(values.end(), row.begin(), row.end());
    labels.push_back(label);
  }
  FOVEA_CHECK(!labels.empty(), IoError, path,
              skipped > 0 ? detail::concat(": all ", skipped, " data lines are bad") : std::string(": no data lines"),
              "; expected one signal per line");

  const int64_t n = static_cast<int64_t>(labels.size());
  const int64_t length = static_cast<int64_t>(columns) - 1;
  Dataset out;
  out.skipped = skipped;
  out.images = Tensor::from_vector(Shape{n, length, 1}, values);
  out.labels = Tensor::empty(Shape{n}, DType::i64);
  std::copy(labels.begin(), labels.end(), out.labels.data<int64_t>());
  return out;
}

}  // namespace fovea
