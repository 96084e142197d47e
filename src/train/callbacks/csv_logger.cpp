// CSVLogger: one row per epoch, flushed as it is written.
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "fovea/core/error.h"
#include "fovea/train/callbacks.h"

namespace fovea {

CSVLogger::CSVLogger(const CSVLoggerOptions& options) : options_(options) {
  FOVEA_CHECK(!options.filename.empty(), ValueError, "CSVLogger: filename is empty");
}

void CSVLogger::on_train_begin(const Logs&) {
  namespace fs = std::filesystem;
  const bool resume = options_.append && fs::exists(options_.filename) && fs::file_size(options_.filename) > 0;
  columns_.clear();
  if (resume) {
    // Keep the existing columns so appended rows line up with the header.
    std::ifstream in(options_.filename);
    std::string header;
    std::getline(in, header);
    std::stringstream fields(header);
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
