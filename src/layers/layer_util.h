// Small helpers shared by the layer files: config-place errors, optional JSON values, the kernel and bias
// arguments of configs and Keras's weight fans.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/layers/layer_config.h"

namespace fovea {

// Runs make(); a ValueError it throws (an option out of range) is rethrown prefixed with the config's place.
template <class Make>
Layer construct_at(const ConfigReader& config, Make&& make) {
  try {
    return std::forward<Make>(make)();
  } catch (const ValueError& e) {
    throw ValueError(config.where() + ": " + e.what());
  }
}

// JSON for an optional number: null when absent.
inline nlohmann::json optional_to_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// The kernel and bias arguments that Dense and the convolution layers share, under Keras's names (use_bias,
// kernel_/bias_ initializer, regularizer, constraint, activity_regularizer): written and read in one place.
template <class Options>
void write_kernel_and_bias(nlohmann::json& c, const Options& o) {
  c["use_bias"] = o.use_bias;
  c["kernel_initializer"] = initializers::to_json(o.kernel_initializer);
  c["bias_initializer"] = initializers::to_json(o.bias_initializer);
  c["kernel_regularizer"] = regularizers::to_json(o.kernel_regularizer);
  c["bias_regularizer"] = regularizers::to_json(o.bias_regularizer);
  c["activity_regularizer"] = regularizers::to_json(o.activity_regularizer);
  c["kernel_constraint"] = constraints::to_json(o.kernel_constraint);
  c["bias_constraint"] = constraints::to_json(o.bias_constraint);
}

template <class Options>
void read_kernel_and_bias(const ConfigReader& c, Options& o) {
  o.use_bias = c.boolean("use_bias", true);
  o.kernel_initializer = c.initializer("kernel_initializer", o.kernel_initializer);
  o.bias_initializer = c.initializer("bias_initializer", o.bias_initializer);
  o.kernel_regularizer = c.regularizer("kernel_regularizer");
  o.bias_regularizer = c.regularizer("bias_regularizer");
  o.activity_regularizer = c.regularizer("activity_regularizer");
  o.kernel_constraint = c.constraint("kernel_constraint");
  o.bias_constraint = c.constraint("bias_constraint");
}

// Keras's compute_fans for a weight that is not a kernel (PReLU alpha, normalization gamma): a 1-D shape is its own
// fan in and out, a 2-D shape is (in, out), and higher ranks multiply the leading axes in as a receptive field.
inline Fans keras_fans(const Shape& shape) {
  if (shape.rank() == 0) return {1, 1};
  if (shape.rank() == 1) return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
  double receptive = 1;
  for (int d = 0; d + 2 < shape.rank(); ++d) receptive *= static_cast<double>(shape[d]);
  return {static_cast<double>(shape[shape.rank() - 2]) * receptive,
          static_cast<double>(shape[shape.rank() - 1]) * receptive};
}

}  // namespace fovea
