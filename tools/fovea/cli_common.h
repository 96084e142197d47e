// Pieces every `fovea` subcommand shares: finding a model by zoo name, JSON config or model file, the data
// preparation stored with a trained model, and printing results as text or JSON.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "fovea/data/datasets.h"
#include "fovea/data/normalization.h"
#include "fovea/models/model.h"
#include "fovea/zoo/zoo.h"

namespace fovea::cli {

// A model and what was stored with it (empty for zoo networks and JSON configs).
struct LoadedSource {
  std::shared_ptr<Model> model;
  nlohmann::json user;  // the training run's metadata in model files written by `fovea train`
};

// spec: a zoo name ("mnist-cnn"), a JSON config file (*.json), an ONNX file (*.onnx, imported) or a model file
// (anything else that exists).
// options apply to zoo networks only. Throws ValueError naming the spec and listing the zoo names otherwise.
LoadedSource load_model_source(const std::string& spec, const zoo::ZooOptions& options = {});

// The normalizer `fovea train` stored in a model file's user data before fovea 0.2 (identity when there is none);
// files of 0.2 and later hold it inside the model, as its first layer (normalization_layer).
Normalizer stored_normalizer(const nlohmann::json& user);
bool has_stored_normalizer(const nlohmann::json& user);
// The Normalization layer that computes what the normalizer computes: `fovea train` puts it first in its models.
Layer normalization_layer(const Normalizer& normalizer);
// The class names stored with a model, or "0", "1", ... for num_classes classes.
std::vector<std::string> stored_class_names(const nlohmann::json& user, int64_t num_classes);

// The model's input shape for one sample (batch excluded).
Shape sample_shape(const Model& model);
// An input for a model taking samples of shape sample: an image file (PNG, JPEG) converted to the sample's channels
// and resized to its height and width, as (1, H, W, C) float32 with values 0-255; or an NPY array of one sample or
// a batch. IoError naming the file when it is neither, ShapeError/ValueError when it does not fit the model.
Tensor read_input(const std::string& path, const Shape& sample);

// arg as a POSIX shell reads it back: as it is when it holds nothing the shell would interpret, else in single
// quotes ('my run', 'it'\''s').
std::string shell_quote(const std::string& arg);

// The command line as typed (main records it), for what a run writes about itself: fovea train -e 3 -o "my run".
void set_command_line(int argc, const char* const* argv);
const std::string& command_line();

// One value per name, for printing: "loss: 0.2811 - accuracy: 0.9012".
std::string logs_line(const Logs& logs);
nlohmann::json logs_json(const Logs& logs);

// Sets the thread count when threads > 0.
void apply_threads(int threads);

// Numeric flag checks (CLI11's ranges let nan through, since nan compares false both ways). The value must be a
// finite number within [min, max]; otherwise the flag's error reads "--lr: expected <expected>; got 'nan'".
CLI::Validator number_in(double min, double max, const std::string& expected);
// The usual ones: a count >= 0, a count >= 1, and the --threads count (0: all cores).
CLI::Validator non_negative();
CLI::Validator positive();
CLI::Validator thread_count();

// The folder `fovea train -o` writes into, created now (with its parents) so that a path that cannot be a folder
// fails before any work: IoError "<path>: is a file; expected a folder ..." or "<path>: cannot create the output
// folder (<reason>)".
void prepare_output_folder(const std::string& path);

// The file at path, when it exists, must be a regular file: IoError "<path>: is a FIFO, not a regular file; expected
// <expected>" (opening a FIFO would block forever). Decided from the path's status, which never blocks.
void require_regular_file(const std::string& path, const std::string& expected);

}  // namespace fovea::cli
