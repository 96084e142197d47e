// Architecture search over JSON model configs: a model config (fovea/models/config.h) with placeholders that a
// search's knobs fill in.
//
//   {"class_name": "Sequential", "config": {"layers": [
//     {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1]}},
//     {"$repeat": "blocks", "layers": [
//       {"class_name": "Conv2D", "config": {"filters": "$filters", "kernel_size": "$kernel", "activation": "relu"}},
//       {"class_name": "MaxPooling2D", "config": {"pool_size": 2}}]},
//     {"class_name": "Flatten", "config": {}},
//     {"class_name": "Dense", "config": {"units": "$units", "activation": "relu"}},
//     {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}}]}}
//
// A string that is exactly "$name" becomes the knob's value (a number stays a number); an object
// {"$repeat": "name", "layers": [...]} inside a list is replaced by its layers repeated the knob's value times
// (a whole number >= 0); blocks nest (convolutions per block inside a number of blocks). Layers in a repeated block
// should leave out their names, which the config then chooses.
#pragma once

#include <set>
#include <string>

#include "fovea/tune/strategy.h"

namespace fovea::tune {

// The knob names a template refers to ("$name" strings and $repeat counts).
std::set<std::string> template_placeholders(const nlohmann::json& model_template);

// The template with every placeholder replaced by its value in config. ValueError naming the placeholder when
// config has no value for it, or when a $repeat count is not a whole number >= 0.
nlohmann::json instantiate_template(const nlohmann::json& model_template, const Config& config);

}  // namespace fovea::tune
