// Model sources, stored metadata and result printing shared by the subcommands.
#include "cli_common.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "fovea/core/error.h"
#include "fovea/core/threading.h"
#include "fovea/data/datasets.h"
#include "fovea/data/image_io.h"
#include "fovea/io/json.h"
#include "fovea/io/model_file.h"
#include "fovea/io/onnx.h"
#include "fovea/layers/preprocessing.h"
#include "fovea/models/config.h"
#include "fovea/train/progress.h"

namespace fovea::cli {

LoadedSource load_model_source(const std::string& spec, const zoo::ZooOptions& options) {
  if (zoo::contains(spec)) return {zoo::create(spec, options), nullptr};
  namespace fs = std::filesystem;
  if (fs::exists(spec)) {
    require_regular_file(spec, "a model file, a JSON config or an ONNX file");
    if (fs::path(spec).extension() == ".json") {
      register_onnx_layers();  // the config may be an imported model's
      return {load_model_config(spec), nullptr};
    }
    if (fs::path(spec).extension() == ".onnx") return {import_onnx(spec), nullptr};
    LoadedModel loaded = load_model_file(spec);
    return {loaded.model, loaded.user};
  }
  std::string names;
  for (const zoo::ZooEntry& e : zoo::entries()) names += (names.empty() ? "" : ", ") + e.name;
  throw ValueError(detail::concat("model '", spec,
                                  "' is neither a zoo network nor an existing file (a JSON config, an ONNX "
                                  "file or a model file); zoo networks: ",
                                  names));
}

bool has_stored_normalizer(const nlohmann::json& user) { return user.is_object() && user.contains("normalizer"); }

Normalizer stored_normalizer(const nlohmann::json& user) {
  return has_stored_normalizer(user) ? Normalizer::from_json(user["normalizer"]) : Normalizer();
}

Layer normalization_layer(const Normalizer& normalizer) {
  // (x - offset) / scale is (x - mean) / sqrt(variance) with mean = offset and variance = scale^2 (sqrt gives the
  // scale back exactly); one statistic for the whole image, or one per channel (the last axis).
  std::vector<double> variance;
  for (double scale : normalizer.scale()) variance.push_back(scale * scale);
  const bool per_channel = normalizer.offset().size() > 1;
  return Normalization({.axis = per_channel ? std::vector<int>{-1} : std::vector<int>{},
                        .mean = normalizer.offset(),
                        .variance = variance,
                        .name = "input_normalization"});
}

std::vector<std::string> stored_class_names(const nlohmann::json& user, int64_t num_classes) {
  if (user.is_object() && user.contains("class_names") && user["class_names"].is_array() &&
      static_cast<int64_t>(user["class_names"].size()) == num_classes) {
    return user["class_names"].get<std::vector<std::string>>();
  }
  std::vector<std::string> names;
  for (int64_t i = 0; i < num_classes; ++i) names.push_back(std::to_string(i));
  return names;
}

std::string logs_line(const Logs& logs) {
  std::string out;
  for (const auto& [name, value] : logs) out += (out.empty() ? "" : " - ") + name + ": " + format_log_value(value);
  return out;
}

nlohmann::json logs_json(const Logs& logs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : logs) out[name] = value;
  return out;
}

void apply_threads(int threads) {
  if (threads > 0) set_num_threads(threads);
}

CLI::Validator number_in(double min, double max, const std::string& expected) {
  return CLI::Validator(
      [min, max, expected](std::string& text) -> std::string {
        double value = 0;
        const bool number = CLI::detail::lexical_cast(text, value);
        if (number && std::isfinite(value) && value >= min && value <= max) return std::string();
        return "expected " + expected + "; got '" + text + "'";
      },
      "", "NUMBER_IN");
}

CLI::Validator non_negative() { return number_in(0, std::numeric_limits<double>::max(), "a number >= 0"); }

CLI::Validator positive() { return number_in(1, std::numeric_limits<double>::max(), "a number >= 1"); }

CLI::Validator thread_count() { return number_in(0, 4096, "a thread count from 0 (all cores) to 4096"); }

void prepare_output_folder(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::exists(status)) {
    FOVEA_CHECK(fs::is_directory(status), IoError, path, ": is ",
                fs::is_regular_file(status) ? "a file" : "not a folder",
                "; expected a folder (-o) to write the model, history.csv and metrics.json into");
    return;
  }
  fs::create_directories(path, ec);
  FOVEA_CHECK(!ec, IoError, path, ": cannot create the output folder (", ec.message(), ")");
}

void require_regular_file(const std::string& path, const std::string& expected) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || fs::is_regular_file(status)) return;
  const fs::file_type type = status.type();
  const char* kind = type == fs::file_type::directory   ? "a folder"
                     : type == fs::file_type::fifo      ? "a FIFO"
                     : type == fs::file_type::socket    ? "a socket"
                     : type == fs::file_type::character ? "a character device"
                     : type == fs::file_type::block     ? "a block device"
                                                        : "not a regular file";
  throw IoError(detail::concat(path, ": is ", kind, ", not a regular file; expected ", expected));
}

// The model's input shape for one sample (batch excluded).
Shape sample_shape(const Model& model) {
  const Shape& s = model.inputs().at(0).shape();
  return Shape(s.begin() + 1, s.end());
}

// An image file resized and converted to the model's input, or an NPY array of one or more samples.
Tensor read_input(const std::string& path, const Shape& sample) {
  FOVEA_CHECK(std::filesystem::exists(path), IoError, path, ": no such file");
  Tensor x;
  if (std::filesystem::path(path).extension() == ".npy") {
    x = read_npy(path).to(DType::f32);
    if (x.rank() == sample.rank()) {  // one sample: add the batch axis
      Shape batched{1};
      for (int64_t d : x.shape()) batched.push_back(d);
      x = x.view(batched);
    }
    bool fits = x.rank() == sample.rank() + 1;
    for (int d = 0; fits && d < sample.rank(); ++d) fits = sample[d] < 0 || sample[d] == x.dim(d + 1);
    FOVEA_CHECK(fits, ShapeError, path, ": an array of shape ", x.shape().to_string(), "; expected samples of shape ",
                sample.to_string(), " (one sample or a batch) for the model's input");
    return x;
  }
  FOVEA_CHECK(sample.rank() == 3, ValueError, path, ": image input needs a model taking (height, width, channels); ",
              "this one takes ", sample.to_string());
  Tensor image = read_image(path, sample[2] == 1 ? ColorMode::grayscale : ColorMode::rgb);
  image = resize_bilinear(image, sample[0], sample[1]);
  return image.view(Shape{1, sample[0], sample[1], sample[2]});
}

namespace {
std::string& recorded_command_line() {
  static std::string line;
  return line;
}
}  // namespace

std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~!") == std::string::npos;
  if (plain) return arg;
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void set_command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i ? " " : "") + shell_quote(i == 0 ? std::string("fovea") : argv[i]);
  recorded_command_line() = line;
}

const std::string& command_line() { return recorded_command_line(); }

}  // namespace fovea::cli
