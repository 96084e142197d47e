// Small helpers shared by the layer files: config-place errors, optional JSON values and Keras's weight fans.
#pragma once

#include <optional>
#include <string>
#include <utility>

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
