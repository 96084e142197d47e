// The live training report: history appended from each epoch's logs, the page rewritten after every epoch.
#include "fovea/viz/report_callback.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include "fovea/core/error.h"

namespace fovea::viz {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void append_epoch(TrainingReport& report, int64_t epoch, const Logs& logs) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const size_t before = report.epochs.size();
  report.epochs.push_back(epoch);
  for (const auto& [logged_name, value] : logs) {
    const std::string& name = logged_name;  // clang 14 lambdas cannot capture a structured binding
    auto series = std::find_if(report.history.begin(), report.history.end(),
                               [&](const ReportSeries& s) { return s.name == name; });
    if (series == report.history.end()) {
      report.history.push_back({name, std::vector<double>(before, nan)});
      series = report.history.end() - 1;
    }
    series->values.push_back(value);
  }
  for (ReportSeries& series : report.history) {
    if (series.values.size() == before) series.values.push_back(nan);  // not logged this epoch
  }
}

}  // namespace

ReportCallback::ReportCallback(ReportCallbackOptions options) : options_(std::move(options)) {
  FOVEA_CHECK(!options_.path.empty(), ValueError, "ReportCallback: no path given for the report (options.path)");
}

void ReportCallback::on_train_begin(const Logs&) {
  epochs_planned_ = params().epochs;
  epoch_started_ = now_seconds();
  std::ostringstream status;
  status << "training: epoch " << params().initial_epoch + 1 << " of " << epochs_planned_ << " running";
  options_.report.status = status.str();
  write(RunState::live);
}

void ReportCallback::on_epoch_end(int64_t epoch, Logs& logs) {
  const double now = now_seconds();
  last_epoch_seconds_ = now - epoch_started_;
  append_epoch(options_.report, epoch, logs);
  std::ostringstream status;
  status << "training: epoch " << epoch + 1 << " of " << epochs_planned_ << " done (" << std::lround(last_epoch_seconds_)
         << " s per epoch)";
  options_.report.status = status.str();
  write(RunState::live);
  epoch_started_ = now_seconds();
}

void ReportCallback::on_train_end(const Logs&) {
  if (options_.finish_on_train_end) finish();
}

void ReportCallback::finish() {
  std::ostringstream status;
  status << "finished: " << options_.report.epochs.size() << " epoch" << (options_.report.epochs.size() == 1 ? "" : "s");
  options_.report.status = status.str();
  write(RunState::finished);
}

void ReportCallback::write(RunState state) {
  const double start = now_seconds();
  TrainingReport& report = options_.report;
  report.state = state;
  report.reload_seconds = options_.reload_seconds;
  report.stale_seconds = std::max(60.0, 3 * last_epoch_seconds_);
  write_report(options_.path, report, options_.page);
  seconds_writing_ += now_seconds() - start;
  ++pages_written_;
}

}  // namespace fovea::viz
