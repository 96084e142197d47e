// Model architectures as JSON documents shaped like Keras's model.to_json() (Keras 2 layout: class_name /
// config / layers, with inbound_nodes for functional models), so architectures can be written by hand,
// versioned, and loaded without recompiling.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fovea/models/model.h"

namespace fovea {

// Builds a model from a config document. source names the document in errors, which also give the place
// inside it: "net.json: layers[2] (Conv2D 'conv2d_1'): 'kernel_size' must be an integer or a list of integers".
// Layer classes are those of the registry (fovea/layers/layer_config.h): Keras's, the program's own, and the
// ONNX-semantics layers of imported models once fovea::register_onnx_layers() (fovea/io/onnx.h) has run.
std::shared_ptr<Model> model_from_config(const nlohmann::json& document, const std::string& source = "config");
// Parses text first; a syntax error names the source and the byte offset.
std::shared_ptr<Model> model_from_json(const std::string& text, const std::string& source = "json");
// Reads a JSON file (IoError naming the file when it cannot be read).
std::shared_ptr<Model> load_model_config(const std::string& path);

}  // namespace fovea
