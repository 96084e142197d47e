// Model files: one self-describing file holding a model's architecture (its Keras-shaped JSON config), its
// weights and, for checkpoints, the optimizer (config and state) and the epoch, so that training resumes exactly.
//
//   save_model(model, "net.fovea");                   // architecture and weights
//   std::shared_ptr<Model> net = load_model("net.fovea");
// and, with fovea/io/json.h (SaveOptions and LoadedModel hold JSON user data):
//   save_model(model, "net.fovea", {.optimizer = opt.get(), .epoch = 3, .user = {{"classes", names}}});
//   LoadedModel run = load_model_file("net.fovea");   // run.model, run.optimizer, run.epoch, run.user
//
// The file is a safetensors file (readable by Python's safetensors, or by json + struct in a few lines):
// an 8-byte little-endian header length N, N bytes of JSON header (padded with spaces so that the data starts
// 8-byte aligned), then the raw little-endian tensors, contiguous and in order. The header is
//   {"__metadata__": {"format": "fovea", "format_version": "1", "architecture": "<model.to_json() text>",
//                     "optimizer": "<optimizers::to_json text>", "epoch": "12", "user": "<JSON object text>",
//                     "checksums": "{\"conv2d/kernel\": \"8c736521\", ...}"},
//    "conv2d/kernel": {"dtype": "F32", "shape": [32, 3, 3, 1], "data_offsets": [0, 1152]}, ...}
// ("architecture" only in save_model files; "optimizer", "epoch", "user", "generator_state" and "callbacks" only
// when given: "callbacks" is a JSON array of {"values": {name: hexadecimal float text}, "tensors": count}, whose
// tensors are "callbacks/<index>/<j>"; "checksums", the CRC-32 of every tensor's bytes, in files of this fovea
// and later: older files load without the check, with a note). Weights are named
// "<layer name>/<weight name>" ("batch_normalization/moving_mean") and stored in the engine's layouts (conv
// kernels (out, in / groups, k...), Dense (in, out)), in model.weights() order. Optimizer state entries are
// named "optimizer/<state name>" (Optimizer::state(): "optimizer/iterations" (I64) and
// "optimizer/learning_rate" (F64) as 0-d tensors (shape []), "optimizer/0/m", ...). The per-parameter index
// in "<index>/<slot>" is the position in model.trainable_weights(), the list the training loop steps the
// optimizer with (the trainable weights of the trainable layers, in layer order).
//
// Every write is atomic: a failed save leaves any previous file at the path intact.
#pragma once

#include <memory>
#include <string>

#include "fovea/models/model.h"

namespace fovea {

// What save_model stores besides the architecture and weights (optimizer, epoch, user data, the state exact
// resumption needs), and what load_model_file gives back. Both hold JSON user data, so they are defined in
// fovea/io/json.h, which includes <nlohmann/json.hpp>: include it to pass SaveOptions or to call load_model_file.
struct SaveOptions;
struct LoadedModel;

// Writes architecture, weights and the options' extras to path. Requires a model whose weights exist (a
// Sequential without an Input layer must be built first) and no layer named "optimizer" (the prefix of the
// state's entries). Throws ValueError for a model or optimizer that cannot be saved (naming the layer or state
// entry) and IoError when the file cannot be written.
void save_model(Model& model, const std::string& path, const SaveOptions& options);
void save_model(Model& model, const std::string& path);  // no options: architecture and weights only

// Reads a file written by save_model: rebuilds the model from its architecture, sets every weight (bit-exact,
// in the file's dtype), and restores the optimizer onto the new model's weights. Throws IoError naming the file
// and what is wrong for a damaged file, one of another format or version, or weights that do not fit the
// architecture. Every tensor is checked against the CRC-32 stored with it (IoError naming the tensor when its bytes
// changed) and every weight must be finite (IoError naming the weight, the index and the value); the same holds
// for load_model and load_weights.
LoadedModel load_model_file(const std::string& path);
// The architecture and weights only (an optimizer in the file is ignored).
std::shared_ptr<Model> load_model(const std::string& path);

// Writes only the weights (no architecture), for models built in code.
void save_weights(Model& model, const std::string& path);
// Sets the model's weights by name from a file of save_weights or save_model (its optimizer entries are
// ignored). All or nothing: when any weight is missing from the file, in the file but not in the model, or
// differs in shape or dtype, nothing changes and the IoError names the file and lists each such weight with
// both shapes.
void load_weights(Model& model, const std::string& path);

// Writes one NumPy file per weight, in a subfolder per layer: "<dir>/<layer name>/<weight name>.npy"
// ("<dir>/conv2d/kernel.npy"), creating the folders. The arrays are in the engine's layouts (see above). Write
// into an empty folder: import_weights_npy reports .npy files that are not weights of the model.
void export_weights_npy(Model& model, const std::string& dir);
// Reads the files export_weights_npy writes. All or nothing, like load_weights; the IoError names the folder
// and each missing, extra or mismatched file.
void import_weights_npy(Model& model, const std::string& dir);

}  // namespace fovea
