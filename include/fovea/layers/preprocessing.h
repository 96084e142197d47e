// Preprocessing layers that live inside a model, so that a saved model carries its own input normalization:
// Rescaling (Keras's name, arguments and config). No weights.
//
//   Layer r = Rescaling({.scale = 1.0 / 127.5, .offset = -1.0});  // pixels in [0, 255] -> [-1, 1]
#pragma once

#include "fovea/layers/layer.h"

namespace fovea {

class ConfigReader;

// ---- Rescaling ----

struct RescalingOptions {
  // y = x * scale + offset, elementwise. Keras makes scale a required argument (a number or one per channel);
  // fovea takes one number, and its default 1.0 leaves the data unchanged.
  double scale = 1.0;
  double offset = 0.0;
  std::string name{};
};

class RescalingImpl : public LayerImpl {
 public:
  // Throws ValueError when scale or offset is not finite.
  explicit RescalingImpl(const RescalingOptions& options);
  std::string class_name() const override { return "Rescaling"; }
  // Any input shape; the output has the same shape and dtype.
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  // The gradient flows through as scale * upstream gradient (the same in training and inference).
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  // Keras's config: name, trainable, scale, offset.
  nlohmann::json config() const override;
  const RescalingOptions& options() const { return options_; }
  // Requires "scale" (as Keras's constructor does); "offset" defaults to 0.
  static Layer from_config(const ConfigReader& config);

 private:
  RescalingOptions options_;
};

// Rescaling({.scale = 1.0 / 255}): (None, 32, 32, 3) -> (None, 32, 32, 3) with values in [0, 1].
Layer Rescaling(const RescalingOptions& options = {});

}  // namespace fovea
