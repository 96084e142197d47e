// `fovea viz`: pictures of what a model learned, as PNG files: its filters, the feature maps and Grad-CAM or
// saliency of one image, its graph (Graphviz), and the curves (gnuplot) and confusion matrix of a run folder.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "run_report.h"
#include "fovea/core/error.h"
#include "fovea/data/image_io.h"
#include "fovea/viz/confusion.h"
#include "fovea/viz/curves.h"
#include "fovea/viz/feature_maps.h"
#include "fovea/viz/filters.h"
#include "fovea/viz/gradcam.h"
#include "fovea/viz/misclassified.h"
#include "fovea/viz/model_graph.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

struct VizArgs {
  std::string model;
  std::string image;
  std::string output;
  std::string layer;
  std::vector<std::string> layers;
  std::string channels = "automatic";
  bool common_range = false;
  bool labels = true;
  int64_t max_filters = 0;
  int64_t class_index = -1;
  double alpha = 0.4;
  bool left_to_right = false;
  bool input_shapes = false;
};

std::string output_or(const VizArgs& args, const std::string& fallback) {
  return args.output.empty() ? fallback : args.output;
}

void wrote(const std::string& path, const std::string& what) { std::cout << "Wrote " << path << " (" << what << ")\n"; }

// One image for the model, (H, W, C) as the model takes a sample: an image file (converted and resized) or an NPY
// array holding one sample.
Tensor one_image(const VizArgs& args, const Model& model) {
  const Tensor batch = read_input(args.image, sample_shape(model));
  FOVEA_CHECK(batch.dim(0) == 1, ShapeError, args.image, ": holds ", batch.dim(0),
              " samples; expected one image (an image file, or an NPY array of one sample)");
  const Shape& shape = batch.shape();
  return batch.view(Shape(shape.begin() + 1, shape.end()));
}

viz::FilterChannels parse_channels(const std::string& text) {
  if (text == "automatic") return viz::FilterChannels::automatic;
  if (text == "color") return viz::FilterChannels::color;
  if (text == "each") return viz::FilterChannels::each;
  if (text == "mean") return viz::FilterChannels::mean;
  throw ValueError(detail::concat("--channels: '", text, "' is not one of automatic, color, each, mean"));
}

void run_filters(const VizArgs& args) {
  LoadedSource source = load_model_source(args.model);
  // By default the first convolution: what the network learned to look for first.
  const std::string layer = args.layer.empty() ? first_convolution(*source.model) : args.layer;
  FOVEA_CHECK(!layer.empty(), ValueError, args.model, ": has no convolution layer whose filters can be drawn");
  const Tensor picture = viz::filter_grid(
      *source.model, layer,
      {.scale = args.common_range ? viz::FilterScale::common : viz::FilterScale::per_filter,
       .channels = parse_channels(args.channels),
       .max_filters = args.max_filters,
       .labels = args.labels});
  const std::string path = output_or(args, "filters.png");
  write_png(path, picture);
  wrote(path, "the filters of " + layer);
}

void run_features(const VizArgs& args) {
  LoadedSource source = load_model_source(args.model);
  const Tensor image = one_image(args, *source.model);
  const std::vector<viz::FeatureMapPicture> pictures = viz::feature_maps(*source.model, image, {.layers = args.layers});
  const fs::path stem = output_or(args, "features.png");
  for (size_t i = 0; i < pictures.size(); ++i) {
    // One file per layer: features.png for a single layer, features_<layer>.png for several.
    fs::path path = stem;
    if (pictures.size() > 1) path.replace_filename(stem.stem().string() + "_" + pictures[i].layer + stem.extension().string());
    write_png(path.string(), pictures[i].image);
    wrote(path.string(), "the feature maps of " + pictures[i].layer + ", output " + pictures[i].shape.to_string());
  }
}

void describe(const viz::ExplainedClass& target, const LoadedSource& source) {
  std::string name = std::to_string(target.index);
  if (source.user.is_object() && source.user.contains("class_names")) {
    const nlohmann::json& names = source.user["class_names"];
    const auto index = static_cast<size_t>(target.index);
    if (names.is_array() && index < names.size() && names[index].is_string()) name = names[index].get<std::string>();
  }
  std::cout << "class " << target.index << " (" << name << "): output "
            << target.output << (target.score_is_logit ? ", logit " : ", score ") << target.score << "\n";
}

void run_gradcam(const VizArgs& args) {
  LoadedSource source = load_model_source(args.model);
  const Tensor image = one_image(args, *source.model);
  const viz::GradCamResult cam = viz::grad_cam(*source.model, image, {.class_index = args.class_index, .layer = args.layer});
  const std::string path = output_or(args, "gradcam.png");
  write_png(path, viz::overlay_heatmap(image, cam.heatmap, {.alpha = args.alpha}));
  describe(cam.target, source);
  wrote(path, "Grad-CAM at " + cam.layer + " " + cam.layer_shape.to_string() + ", over the image");
}

void run_saliency(const VizArgs& args) {
  LoadedSource source = load_model_source(args.model);
  const Tensor image = one_image(args, *source.model);
  const viz::SaliencyResult map = viz::saliency_map(*source.model, image, {.class_index = args.class_index});
  const std::string path = output_or(args, "saliency.png");
  write_png(path, viz::apply_colormap(map.saliency, viz::Colormap::gray));
  describe(map.target, source);
  wrote(path, "gradient saliency");
}

void run_graph(const VizArgs& args) {
  LoadedSource source = load_model_source(args.model);
  const std::string dot = viz::model_to_dot(
      *source.model, {.show_input_shapes = args.input_shapes,
                      .rank_direction = args.left_to_right ? viz::RankDirection::LR : viz::RankDirection::TB});
  const std::string path = output_or(args, "model.svg");
  const std::string extension = fs::path(path).extension().string();
  FOVEA_CHECK(extension == ".svg" || extension == ".png" || extension == ".dot", ValueError, "-o ", path,
              ": expected a .svg, .png or .dot file");
  const std::string bytes =
      extension == ".dot" ? dot : viz::render_dot(dot, extension == ".png" ? viz::GraphFormat::png : viz::GraphFormat::svg);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FOVEA_CHECK(out.good(), IoError, path, ": cannot write");
  wrote(path, "the graph of " + source.model->name());
}

// Loss and metrics per epoch of a run folder, training against validation, drawn by gnuplot.
void run_curves(const VizArgs& args) {
  viz::TrainingReport history;
  read_history_csv(fs::path(args.model) / "history.csv", history);
  const std::string png = viz::plot_curves(history.epochs, history.history);
  const std::string path = output_or(args, "curves.png");
  std::ofstream out(path, std::ios::binary);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  FOVEA_CHECK(out.good(), IoError, path, ": cannot write");
  wrote(path, std::to_string(history.epochs.size()) + " epochs of " + std::to_string(history.history.size()) +
                  " series");
}

// The confusion matrix and the most confident mistakes of a run folder, from its report/ data.
void run_confusion(const VizArgs& args) {
  const fs::path folder = args.model;
  FOVEA_CHECK(fs::exists(folder / "report" / "labels.npy"), IoError, folder.string(),
              ": no report/labels.npy; expected the output folder of fovea train with a test split");
  const RunDescription run = fs::exists(folder / "run.json") ? read_run_description(folder / "run.json") : RunDescription{};
  const TestOutcome outcome = load_test_outcome(folder);
  const int64_t classes = outcome.probabilities.dim(1);
  std::vector<double> matrix(static_cast<size_t>(classes * classes), 0.0);
  const std::vector<double> labels = outcome.labels.to_vector();
  const std::vector<double> probabilities = outcome.probabilities.to_vector();
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto row = probabilities.begin() + static_cast<int64_t>(i) * classes;
    const int64_t predicted = std::max_element(row, row + classes) - row;
    const auto truth = static_cast<int64_t>(labels[i]);
    if (truth >= 0 && truth < classes) matrix[static_cast<size_t>(truth * classes + predicted)] += 1;
  }
  const std::vector<std::string> names =
      run.class_names.size() == static_cast<size_t>(classes) ? run.class_names : std::vector<std::string>{};
  const std::string path = output_or(args, "confusion.png");
  write_png(path, viz::confusion_heatmap(Tensor::from_vector(Shape{classes, classes}, matrix, DType::f64), names));
  wrote(path, "the confusion matrix of " + std::to_string(labels.size()) + " test samples");
}

}  // namespace

void add_viz_command(CLI::App& app) {
  CLI::App* viz = app.add_subcommand("viz", "Pictures of what a model learned (PNG): filters, feature maps, Grad-CAM, "
                                            "saliency, its graph, a run's confusion matrix");
  viz->require_subcommand(1);
  auto args = std::make_shared<VizArgs>();
  auto add = [&](const std::string& name, const std::string& help, bool takes_image, void (*run)(const VizArgs&)) {
    CLI::App* cmd = viz->add_subcommand(name, help);
    cmd->add_option("model", args->model, "model file, zoo name or JSON config")->required();
    if (takes_image) cmd->add_option("image", args->image, "image file (PNG, JPEG) or NPY array of one sample")->required();
    cmd->add_option("-o,--output", args->output, "the file to write");
    cmd->callback([args, run] { run(*args); });
    return cmd;
  };
  CLI::App* filters = add("filters", "the kernels of a convolution layer as a grid of tiles", false, run_filters);
  filters->add_option("-l,--layer", args->layer, "the layer (default: the first convolution)");
  filters->add_option("--channels", args->channels, "automatic, color (RGB tiles), each (a tile per input channel), "
                                                    "mean")->capture_default_str();
  filters->add_flag("--common-range", args->common_range, "one brightness range for all filters (default: each its own)");
  filters->add_option("--max-filters", args->max_filters, "draw the first N filters (0: all)")->check(non_negative());
  filters->add_flag("!--no-labels", args->labels, "no filter numbers under the tiles");
  CLI::App* features = add("features", "the activations of layers for one image", true, run_features);
  features->add_option("-l,--layers", args->layers, "layers to show (default: every convolution)")->delimiter(',');
  CLI::App* gradcam = add("gradcam", "Grad-CAM of one image: where the network looked for a class", true, run_gradcam);
  gradcam->add_option("-c,--class", args->class_index, "class to explain (default: the predicted one)");
  gradcam->add_option("-l,--layer", args->layer, "convolution layer (default: the last one with a spatial output)");
  gradcam->add_option("--alpha", args->alpha, "heatmap weight over the image")->capture_default_str()->check(number_in(0, 1, "a weight in [0, 1]"));
  CLI::App* saliency = add("saliency", "gradient saliency of one image (|d class score / d pixel|)", true, run_saliency);
  saliency->add_option("-c,--class", args->class_index, "class to explain (default: the predicted one)");
  CLI::App* graph = add("graph", "the model's graph drawn by Graphviz (.svg, .png) or as DOT text (.dot)", false, run_graph);
  graph->add_flag("--lr", args->left_to_right, "left to right instead of top to bottom");
  graph->add_flag("--input-shapes", args->input_shapes, "show the shapes each layer takes too");
  CLI::App* curves = viz->add_subcommand("curves", "a fovea train run's loss and metrics per epoch (gnuplot)");
  curves->add_option("run", args->model, "output folder of fovea train")->required();
  curves->add_option("-o,--output", args->output, "the file to write");
  curves->callback([args] { run_curves(*args); });
  CLI::App* confusion = viz->add_subcommand("confusion", "a fovea train run's confusion matrix as a heatmap");
  confusion->add_option("run", args->model, "output folder of fovea train")->required();
  confusion->add_option("-o,--output", args->output, "the file to write");
  confusion->callback([args] { run_confusion(*args); });
}

}  // namespace fovea::cli
