// Helpers for the convolution and pooling layer tests: random inputs, a config round trip check, an
// initializer that records the fans it is given, and layout conversion in both directions.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/fovea.h"
#include "fovea/layers/layer.h"
#include "gradcheck.h"
#include "fovea/layers/layer_config.h"
#include "ops/image_test_util.h"

namespace fovea::testing {

inline Tensor random32(const Shape& shape, uint64_t seed = 11) {
  Generator gen(seed);
  return Tensor::uniform(shape, -1.0, 1.0, &gen, DType::f32);
}

// config() -> layer_from_config() gives the same config and the same output shape for `input`.
inline void expect_config_round_trip(const Layer& layer, const Shape& input) {
  const nlohmann::json config = layer->config();
  const Layer copy = layer_from_config(layer->class_name(), config, "layers[0]");
  EXPECT_EQ(copy->class_name(), layer->class_name());
  EXPECT_EQ(copy->config().dump(), config.dump());
  EXPECT_EQ(copy->compute_output_shape({input}), layer->compute_output_shape({input}));
}

// (N, spatial..., C) -> (N, C, spatial...), by plain index arithmetic (the inverse of to_channels_last).
inline Tensor to_channels_first(const Tensor& x) {
  const Shape& s = x.shape();
  const int64_t n = s[0], c = s[s.rank() - 1];
  const int64_t volume = x.numel() / (n * c);
  Shape out{n, c};
  for (int i = 1; i < s.rank() - 1; ++i) out.push_back(s[i]);
  const std::vector<double> v = x.to_vector();
  std::vector<double> r(v.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t p = 0; p < volume; ++p)
      for (int64_t ch = 0; ch < c; ++ch) r[(b * c + ch) * volume + p] = v[(b * volume + p) * c + ch];
  return Tensor::from_vector(out, r, x.dtype());
}

// An initializer that fills with a constant and remembers the fans of its last call.
class RecordingInitializer : public Initializer {
 public:
  std::string class_name() const override { return "Constant"; }
  Tensor operator()(const Shape& shape, const Fans& fans, Generator&) const override {
    last_fans = fans;
    return Tensor::full(shape, 0.5);
  }
  mutable Fans last_fans;
};

}  // namespace fovea::testing
