// The training report: one self-contained HTML page (pictures embedded, scripts inlined, no network request of any
// kind) with a run's settings, timing, interactive curves, confusion matrix, per-class scores, pictures and graph.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fovea/core/tensor.h"

namespace fovea::viz {

// One metric's value per epoch, as history.csv holds it: "loss", "val_accuracy", "lr".
struct ReportSeries {
  std::string name{};
  std::vector<double> values{};
};

// A picture of the report: a PNG file's bytes, shown under its section's heading with its caption.
struct ReportPicture {
  std::string section{};  // e.g. "First-layer filters", "Grad-CAM"; pictures of one section are shown together
  std::string caption{};
  std::string png{};
};

// A picture of an (H, W, 1) or (H, W, 3) image with values 0-255 (as write_png takes it), PNG-encoded.
ReportPicture report_picture(const std::string& section, const std::string& caption, const Tensor& image);

// live: the run is training, and the page reloads itself to show each new epoch. finished: the last page of a run.
enum class RunState { live, finished };

struct TrainingReport {
  std::string title = "fovea training report";
  std::string status{};   // one line under the title, e.g. "epoch 3 of 10"
  std::string command{};  // the command line that started the run
  std::vector<std::pair<std::string, std::string>> settings{};  // hyperparameters, shown in this order
  std::vector<std::pair<std::string, std::string>> facts{};     // data set, sizes, timing, throughput
  std::string summary{};  // Model::summary()'s table

  std::vector<int64_t> epochs{};  // the epoch (0-based) of each value of the series
  std::vector<ReportSeries> history{};

  std::vector<std::string> class_names{};
  std::vector<std::vector<int64_t>> confusion{};  // [true class][predicted class] counts; empty: not yet known
  std::string confusion_split = "test";           // what the confusion matrix counts

  std::vector<ReportPicture> pictures{};
  std::string graph_svg{};      // the model's graph as Graphviz drew it (an <svg> document)
  std::string graph_missing{};  // why there is no graph, when graph_svg is empty

  RunState state = RunState::finished;
  // A live page reloads every reload_seconds, and stops (saying the run stopped updating) once it is older than
  // stale_seconds: a run that was killed leaves a page that does not reload forever.
  double reload_seconds = 5;
  double stale_seconds = 300;
};

struct ReportOptions {
  // Chart.js's chart.umd.min.js, inlined into the page. Empty: the FOVEA_CHART_JS environment variable, then the
  // copy scripts/setup installs (under FOVEA_NPM_ROOT or /usr/local/share/fovea/npm), then fovea's installed one.
  // Without it the page still opens and says that its charts are missing.
  std::string chart_library{};
};

// The page as text. Requires every series to have one value per epoch and a square confusion matrix with a class
// name per row when class names are given (ValueError otherwise).
std::string report_html(const TrainingReport& report, const ReportOptions& options = {});

// Writes report_html to path atomically: a reader (the browser reloading it) sees the old page or the new one, never
// a part, and a failure leaves any existing report as it was.
void write_report(const std::string& path, const TrainingReport& report, const ReportOptions& options = {});

// The chart library report_html would inline, or "" when none is found.
std::string find_chart_library(const ReportOptions& options = {});

}  // namespace fovea::viz
