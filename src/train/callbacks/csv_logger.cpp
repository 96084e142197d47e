// CSVLogger: one row per epoch, flushed as it is written.
#include <charconv>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "core/atomic_file.h"
#include "fovea/core/error.h"
#include "fovea/train/callbacks.h"

namespace fovea {

CSVLogger::CSVLogger(const CSVLoggerOptions& options) : options_(options) {
  FOVEA_CHECK(!options.filename.empty(), ValueError, "CSVLogger: filename is empty");
}

namespace {

// The epoch a row starts with, or -1 for a row that does not start with one.
int64_t row_epoch(const std::string& row, char separator) {
  const std::string first = row.substr(0, row.find(separator));
  int64_t epoch = -1;
  const auto [end, error] = std::from_chars(first.data(), first.data() + first.size(), epoch);
  return error == std::errc() && end == first.data() + first.size() ? epoch : -1;
}

// Drops the rows of epochs >= first_repeated (none when it is 0: appending another run's epochs from 0, as Keras
// does), and a last row cut short by a killed writer (no line end), rewriting the file atomically; returns the
// header.
std::string drop_repeated_rows(const std::string& filename, char separator, int64_t first_repeated) {
  std::ifstream in(filename, std::ios::binary);
  std::string header, line, kept;
  std::getline(in, header);
  bool dropped = false;
  while (std::getline(in, line)) {
    const bool complete = !in.eof();  // getline stopped at a line end, not at the end of the file
    const int64_t epoch = row_epoch(line, separator);
    if (complete && epoch >= 0 && (first_repeated == 0 || epoch < first_repeated)) {
      kept += line + '\n';
    } else {
      dropped = true;
    }
  }
  if (dropped) {
    io_detail::AtomicFile file(filename);
    file.write(header + '\n' + kept);
    file.commit();
  }
  return header;
}

}  // namespace

void CSVLogger::on_train_begin(const Logs&) {
  namespace fs = std::filesystem;
  const bool resume = options_.append && fs::exists(options_.filename) && fs::file_size(options_.filename) > 0;
  columns_.clear();
  if (resume) {
    // Keep the existing columns so appended rows line up with the header.
    std::stringstream fields(drop_repeated_rows(options_.filename, options_.separator, params().initial_epoch));
    std::string field;
    while (std::getline(fields, field, options_.separator)) {
      if (field != "epoch") columns_.push_back(field);
    }
  }
  out_.open(options_.filename, resume ? std::ios::app : std::ios::trunc);
  FOVEA_CHECK(out_.good(), IoError, options_.filename, ": CSVLogger cannot open the file for writing");
}

void CSVLogger::on_epoch_end(int64_t epoch, Logs& logs) {
  if (columns_.empty()) {
    for (const auto& [name, value] : logs) columns_.push_back(name);
    out_ << "epoch";
    for (const std::string& c : columns_) out_ << options_.separator << c;
    out_ << '\n';
  }
  out_ << epoch;
  for (const std::string& c : columns_) {
    out_ << options_.separator;
    if (std::optional<double> v = logs.get(c)) out_ << std::setprecision(10) << *v;
  }
  out_ << '\n';
  out_.flush();
  FOVEA_CHECK(out_.good(), IoError, options_.filename, ": CSVLogger failed to write epoch ", epoch);
}

void CSVLogger::on_train_end(const Logs&) { out_.close(); }

}  // namespace fovea
