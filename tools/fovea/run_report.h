// The report of a `fovea train` run folder: report.html, live while training runs, and report/, what `fovea report`
// needs to draw the page again (the test split's labels and predictions, the images the page shows).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/data/datasets.h"
#include "fovea/models/model.h"
#include "fovea/viz/report.h"
#include "fovea/viz/report_callback.h"

namespace fovea::cli {

// What a page says about its run besides the model's numbers (run.json in the run folder).
struct RunDescription {
  std::string title;
  std::string command;
  nlohmann::json settings = nlohmann::json::object();  // the run's settings (train_command's run_settings)
  std::vector<std::pair<std::string, std::string>> facts;
  std::vector<std::string> class_names;
};
nlohmann::json to_json(const RunDescription& run);
// run.json read back; IoError naming the file when it is not valid JSON or lacks a field.
RunDescription read_run_description(const std::filesystem::path& path);

// The first convolution layer whose filters can be drawn (the network's first learned features), or "" when none.
std::string first_convolution(const Model& model);

// The page's fixed parts: title, command, settings, facts, summary and graph (or why it is missing).
viz::TrainingReport report_skeleton(const RunDescription& run, const Model& model);

// The test split's outcome: labels, the model's class probabilities, and images as stored: all of them, or (read
// back from a run folder) only those the page shows, with their test indices in image_index.
struct TestOutcome {
  Tensor labels;         // (N) class ids
  Tensor probabilities;  // float32 (N, classes)
  Tensor images;         // (M, H, W, C)
  std::vector<int64_t> image_index;  // the test index of each image; empty: image i is test sample i
};

// Adds what the end of a run knows: the confusion matrix, first-layer filters, feature maps and Grad-CAM of a few
// test images, the most confident mistakes. A picture that cannot be drawn for this model (no convolution layer)
// is left out with a note in its place rather than failing the report.
void add_test_outcome(viz::TrainingReport& report, Model& model, const TestOutcome& outcome);

// The end of a `fovea train` run: its timing and test results added to run's facts (and run.json), report/ saved,
// the test outcome's pictures added and the page finished. result is metrics.json's content. A picture that cannot
// be drawn (a missing font) is reported on log and left out: the model and metrics are already written by then.
void finish_run_report(viz::ReportCallback& report, RunDescription& run, const nlohmann::json& result, Model& model,
                       const Dataset& test, const Tensor& probabilities, const std::filesystem::path& output,
                       std::ostream& log);

// report/ in the run folder: labels.npy, predictions.npy, and the images the page shows (samples.npy with their
// test indices in samples_index.npy); and the test outcome back from them.
void save_test_outcome(const std::filesystem::path& run_folder, const TestOutcome& outcome);
TestOutcome load_test_outcome(const std::filesystem::path& run_folder);

// The epochs of history.csv as the report's history (a resumed run's earlier epochs; `fovea report`). Throws
// IoError naming the file when it is missing or unreadable.
void read_history_csv(const std::filesystem::path& path, viz::TrainingReport& report);

}  // namespace fovea::cli
