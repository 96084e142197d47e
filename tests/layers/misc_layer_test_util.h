// Helpers for the tests of the weightless and normalization layers: random inputs, running a layer on several
// inputs, the text of an expected error, and the config round trip.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/fovea.h"
#include "fovea/layers/layer.h"
#include "fovea/layers/layer_config.h"

namespace fovea::testing {

inline Tensor uniform32(const Shape& shape, uint64_t seed = 3) {
  Generator gen(seed);
  return Tensor::uniform(shape, -1.0, 1.0, &gen, DType::f32);
}

// Builds the layer for the inputs' shapes (batch as None) and runs it, as a model does.
inline Tensor run_layer(const Layer& layer, const std::vector<Tensor>& inputs, bool training = false) {
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) {
    Shape s = t.shape();
    s[0] = -1;
    shapes.push_back(s);
  }
  layer->ensure_built(shapes);
  return layer->call(inputs, training);
}

// The message of the E that f throws; a test failure when it throws nothing.
template <class E, class F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

// config() -> layer_from_config() gives the same config JSON and the same output shape for these inputs.
inline void expect_round_trip(const Layer& layer, const std::vector<Shape>& inputs) {
  const nlohmann::json config = layer->config();
  const Layer copy = layer_from_config(layer->class_name(), config, "layers[0]");
  EXPECT_EQ(copy->class_name(), layer->class_name());
  EXPECT_EQ(copy->config().dump(), config.dump());
  EXPECT_EQ(copy->compute_output_shape(inputs), layer->compute_output_shape(inputs));
}

}  // namespace fovea::testing
