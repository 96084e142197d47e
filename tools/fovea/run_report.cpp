// The report of a `fovea train` run folder: the page's fixed parts, what the end of a run adds, and report/, from
// which `fovea report` draws the page again without the data set.
#include "run_report.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "cli_common.h"
#include "fovea/core/error.h"
#include "fovea/data/datasets.h"
#include "fovea/viz/canvas.h"
#include "fovea/viz/feature_maps.h"
#include "fovea/viz/filters.h"
#include "fovea/viz/gradcam.h"
#include "fovea/viz/misclassified.h"
#include "fovea/viz/model_graph.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kGradCamSamples = 4;  // test images shown with their Grad-CAM and feature maps
constexpr int64_t kMistakesShown = 24;  // the most confident mistakes
constexpr int64_t kSmallPicture = 112;  // pictures of smaller images are scaled up to about this size

// The test images the page shows: the first few (Grad-CAM), and the most confident mistakes.
struct ShownSamples {
  std::vector<int64_t> gradcam;
  std::vector<int64_t> mistakes;
};

ShownSamples choose_samples(const TestOutcome& outcome) {
  ShownSamples shown;
  const int64_t n = outcome.labels.numel();
  for (int64_t i = 0; i < std::min(n, kGradCamSamples); ++i) shown.gradcam.push_back(i);
  const std::vector<double> labels = outcome.labels.to_vector();
  const std::vector<double> probabilities = outcome.probabilities.to_vector();
  const int64_t classes = n > 0 ? outcome.probabilities.dim(1) : 0;
  std::vector<std::pair<double, int64_t>> wrong;  // (confidence, index)
  for (int64_t i = 0; i < n; ++i) {
    const auto row = probabilities.begin() + i * classes;
    const int64_t predicted = std::max_element(row, row + classes) - row;
    if (predicted != static_cast<int64_t>(labels[i])) wrong.push_back({row[predicted], i});
  }
  // Most confident first; ties in test order, so the choice repeats exactly.
  std::stable_sort(wrong.begin(), wrong.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < wrong.size() && static_cast<int64_t>(i) < kMistakesShown; ++i) {
    shown.mistakes.push_back(wrong[i].second);
  }
  return shown;
}

// The stored image of test sample index, (H, W, C) as stored.
Tensor test_image(const TestOutcome& outcome, int64_t index) {
  int64_t row = index;
  if (!outcome.image_index.empty()) {
    const auto at = std::find(outcome.image_index.begin(), outcome.image_index.end(), index);
    FOVEA_CHECK(at != outcome.image_index.end(), ValueError, "report: test image ", index, " was not stored");
    row = at - outcome.image_index.begin();
  }
  const Shape& shape = outcome.images.shape();
  Tensor image = Tensor::empty(Shape(shape.begin() + 1, shape.end()), outcome.images.dtype());
  const size_t bytes = image.nbytes();
  std::memcpy(image.raw_data(), static_cast<const char*>(outcome.images.raw_data()) + row * bytes, bytes);
  return image;
}

// Images of one shape and dtype as one (M, H, W, C) tensor.
Tensor stack_images(const std::vector<Tensor>& images) {
  const Shape& shape = images.front().shape();
  std::vector<int64_t> dims{static_cast<int64_t>(images.size())};
  dims.insert(dims.end(), shape.begin(), shape.end());
  const Shape stacked(dims.begin(), dims.end());
  Tensor out = Tensor::empty(stacked, images.front().dtype());
  const size_t bytes = images.front().nbytes();
  for (size_t i = 0; i < images.size(); ++i) {
    std::memcpy(static_cast<char*>(out.raw_data()) + i * bytes, images[i].raw_data(), bytes);
  }
  return out;
}

// Nearest-neighbour upscaling of a small picture, so that a 28x28 image is not a speck on the page.
Tensor enlarged(const Tensor& image) {
  const int64_t scale = std::max<int64_t>(1, kSmallPicture / std::max(image.dim(0), image.dim(1)));
  if (scale == 1) return image;
  viz::Canvas canvas(image.dim(1) * scale, image.dim(0) * scale);
  canvas.blit(image, {0, 0}, scale);
  return canvas.to_tensor();
}

void add_picture(viz::TrainingReport& report, const std::string& section, const std::string& caption,
                 const Tensor& image) {
  report.pictures.push_back(viz::report_picture(section, caption, image));
}

std::string class_label(const viz::TrainingReport& report, int64_t c) {
  return c >= 0 && c < static_cast<int64_t>(report.class_names.size()) ? report.class_names[c] : std::to_string(c);
}

std::string format_probability(double p) {
  std::ostringstream out;
  out.precision(2);
  out << std::fixed << p;
  return out.str();
}

}  // namespace

// The first convolution layer whose filters can be drawn: the network's first learned features.
std::string first_convolution(const Model& model) {
  for (const Layer& layer : model.layers()) {
    try {
      viz::filter_grid(layer, {.max_filters = 1});
      return layer->name();
    } catch (const Error&) {
    }
  }
  return "";
}

nlohmann::json to_json(const RunDescription& run) {
  nlohmann::json facts = nlohmann::json::array();
  for (const auto& [key, value] : run.facts) facts.push_back({key, value});
  return {{"title", run.title},     {"command", run.command},         {"settings", run.settings},
          {"facts", facts},         {"class_names", run.class_names}};
}

RunDescription read_run_description(const fs::path& path) {
  require_regular_file(path.string(), "the run description fovea train writes");
  std::ifstream in(path);
  FOVEA_CHECK(in.good(), IoError, path.string(), ": cannot read it");
  try {
    const nlohmann::json value = nlohmann::json::parse(in);
    RunDescription run;
    run.title = value.at("title").get<std::string>();
    run.command = value.at("command").get<std::string>();
    run.settings = value.at("settings");
    for (const auto& fact : value.at("facts")) {
      run.facts.push_back({fact.at(0).get<std::string>(), fact.at(1).get<std::string>()});
    }
    run.class_names = value.at("class_names").get<std::vector<std::string>>();
    return run;
  } catch (const nlohmann::json::exception& e) {
    throw IoError(detail::concat(path.string(), ": not a run description written by fovea train (", e.what(), ")"));
  }
}

viz::TrainingReport report_skeleton(const RunDescription& run, const Model& model) {
  viz::TrainingReport report;
  report.title = run.title;
  report.command = run.command;
  for (const auto& [key, value] : run.settings.items()) {
    report.settings.push_back({key, value.is_string() ? value.get<std::string>() : value.dump()});
  }
  report.facts = run.facts;
  report.class_names = run.class_names;
  report.summary = model.summary();
  try {
    report.graph_svg = viz::render_dot(viz::model_to_dot(model));
  } catch (const viz::GraphvizNotFound&) {
    report.graph_missing = "Graphviz's dot program is not installed (Debian package graphviz)";
  } catch (const Error& e) {
    report.graph_missing = std::string("Graphviz could not draw it (") + e.what() + ")";
  }
  return report;
}

void add_test_outcome(viz::TrainingReport& report, Model& model, const TestOutcome& outcome) {
  const int64_t n = outcome.labels.numel();
  const int64_t classes = outcome.probabilities.dim(1);
  report.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  const std::vector<double> labels = outcome.labels.to_vector();
  const std::vector<double> probabilities = outcome.probabilities.to_vector();
  std::vector<int64_t> predicted(n);
  for (int64_t i = 0; i < n; ++i) {
    const auto row = probabilities.begin() + i * classes;
    predicted[i] = std::max_element(row, row + classes) - row;
    const auto truth = static_cast<int64_t>(labels[i]);
    if (truth >= 0 && truth < classes) ++report.confusion[truth][predicted[i]];
  }
  if (report.class_names.size() != static_cast<size_t>(classes)) report.class_names.clear();

  const ShownSamples shown = choose_samples(outcome);
  if (const std::string layer = first_convolution(model); !layer.empty()) {
    add_picture(report, "First-layer filters", layer + ": each filter scaled to its own range",
                viz::filter_grid(model, layer, {.labels = true}));
  }
  const std::vector<std::string> spatial = viz::grad_cam_layers(model);
  for (int64_t index : shown.gradcam) {
    const Tensor image = test_image(outcome, index);
    const std::string sample = "test image " + std::to_string(index) + ": true " +
                               class_label(report, static_cast<int64_t>(labels[index])) + ", predicted " +
                               class_label(report, predicted[index]) + " (" +
                               format_probability(probabilities[index * classes + predicted[index]]) + ")";
    if (!spatial.empty()) {
      const viz::GradCamResult cam = viz::grad_cam(model, image);
      add_picture(report, "Grad-CAM", sample + ", at " + cam.layer, enlarged(viz::overlay_heatmap(image, cam.heatmap)));
    }
    if (index == shown.gradcam.front()) {
      for (const viz::FeatureMapPicture& maps : viz::feature_maps(model, image)) {
        add_picture(report, "Feature maps of test image " + std::to_string(index), maps.layer, maps.image);
      }
    }
  }
  if (!shown.mistakes.empty()) {
    viz::LabelledExamples examples;
    std::vector<Tensor> images;
    for (int64_t index : shown.mistakes) {
      images.push_back(test_image(outcome, index));
      examples.true_labels.push_back(static_cast<int64_t>(labels[index]));
      examples.predicted_labels.push_back(predicted[index]);
      examples.confidences.push_back(probabilities[index * classes + predicted[index]]);
    }
    examples.images = stack_images(images);
    examples.class_names = report.class_names;
    add_picture(report, "Misclassified test images",
                "the " + std::to_string(shown.mistakes.size()) + " most confident mistakes: true / predicted (confidence)",
                viz::misclassified_grid(examples));
  }
}

void finish_run_report(viz::ReportCallback& report, RunDescription& run, const nlohmann::json& result, Model& model,
                       const Dataset& test, const Tensor& probabilities, const fs::path& output, std::ostream& log) {
  std::ostringstream timing;
  timing.precision(1);
  timing << std::fixed << result.value("train_seconds", 0.0) << " s, "
         << result.value("train_images_per_second", 0.0) << " images/s";
  run.facts.push_back({"epochs trained", std::to_string(result.value("epochs", int64_t{0}))});
  run.facts.push_back({"training time", timing.str()});
  if (result.contains("test")) {
    for (const auto& [name, value] : result["test"].items()) {
      std::ostringstream text;
      text.precision(4);
      text << std::fixed << value.get<double>();
      run.facts.push_back({"test " + name, text.str()});
    }
  }
  std::ofstream(output / "run.json") << to_json(run).dump(2) << "\n";
  report.report().facts = run.facts;
  if (test.size() > 0) {
    const TestOutcome outcome{.labels = test.labels, .probabilities = probabilities, .images = test.images};
    save_test_outcome(output, outcome);
    try {
      add_test_outcome(report.report(), model, outcome);
    } catch (const Error& e) {
      log << "warning: report.html: the pictures of the test images are left out (" << e.what() << ")\n";
    }
  }
  report.finish();
}

void save_test_outcome(const fs::path& run_folder, const TestOutcome& outcome) {
  const fs::path folder = run_folder / "report";
  fs::create_directories(folder);
  write_npy((folder / "labels.npy").string(), outcome.labels);
  write_npy((folder / "predictions.npy").string(), outcome.probabilities);
  const ShownSamples shown = choose_samples(outcome);
  std::set<int64_t> indices(shown.gradcam.begin(), shown.gradcam.end());
  indices.insert(shown.mistakes.begin(), shown.mistakes.end());
  std::vector<Tensor> images;
  std::vector<double> index_values;
  for (int64_t index : indices) {
    images.push_back(test_image(outcome, index));
    index_values.push_back(static_cast<double>(index));
  }
  if (images.empty()) return;
  write_npy((folder / "samples.npy").string(), stack_images(images));
  write_npy((folder / "samples_index.npy").string(),
            Tensor::from_vector(Shape{static_cast<int64_t>(index_values.size())}, index_values, DType::i64));
}

TestOutcome load_test_outcome(const fs::path& run_folder) {
  const fs::path folder = run_folder / "report";
  TestOutcome outcome;
  outcome.labels = read_npy((folder / "labels.npy").string());
  outcome.probabilities = read_npy((folder / "predictions.npy").string()).to(DType::f32);
  FOVEA_CHECK(outcome.probabilities.rank() == 2 && outcome.probabilities.dim(0) == outcome.labels.numel(), IoError,
              (folder / "predictions.npy").string(), ": expected one row of class probabilities per label of ",
              (folder / "labels.npy").string(), " (", outcome.labels.numel(), "); got ",
              outcome.probabilities.shape().to_string());
  if (fs::exists(folder / "samples.npy")) {
    outcome.images = read_npy((folder / "samples.npy").string());
    for (double v : read_npy((folder / "samples_index.npy").string()).to_vector()) {
      outcome.image_index.push_back(static_cast<int64_t>(v));
    }
    FOVEA_CHECK(outcome.images.rank() == 4 && outcome.images.dim(0) == static_cast<int64_t>(outcome.image_index.size()),
                IoError, (folder / "samples.npy").string(), ": expected one (H, W, C) image per index of ",
                (folder / "samples_index.npy").string());
  }
  return outcome;
}

void read_history_csv(const fs::path& path, viz::TrainingReport& report) {
  std::ifstream in(path);
  FOVEA_CHECK(in.good(), IoError, path.string(), ": cannot read the run's history (is this a fovea train output folder?)");
  std::string line;
  FOVEA_CHECK(static_cast<bool>(std::getline(in, line)) && line.rfind("epoch", 0) == 0, IoError, path.string(),
              ": expected a header row starting with 'epoch'");
  std::vector<std::string> names;
  std::stringstream header(line);
  std::string cell;
  std::getline(header, cell, ',');  // epoch
  while (std::getline(header, cell, ',')) names.push_back(cell);
  report.epochs.clear();
  report.history.clear();
  for (const std::string& name : names) report.history.push_back({name, {}});
  int64_t row_number = 1;
  while (std::getline(in, line)) {
    ++row_number;
    if (line.empty()) continue;
    std::stringstream row(line);
    std::vector<double> values;
    while (std::getline(row, cell, ',')) {
      try {
        values.push_back(cell.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(cell));
      } catch (const std::exception&) {
        throw IoError(detail::concat(path.string(), ": row ", row_number, ": '", cell, "' is not a number"));
      }
    }
    FOVEA_CHECK(values.size() == names.size() + 1, IoError, path.string(), ": row ", row_number, " has ",
                values.size(), " values; expected ", names.size() + 1);
    report.epochs.push_back(static_cast<int64_t>(values[0]));
    for (size_t i = 0; i < names.size(); ++i) report.history[i].values.push_back(values[i + 1]);
  }
}

}  // namespace fovea::cli
