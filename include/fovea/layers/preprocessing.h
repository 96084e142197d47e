// Preprocessing layers that live inside a model, so that a saved model carries its own input normalization
// (Keras's names, arguments and configs): Rescaling (a fixed scale and offset, no weights) and Normalization
// (a mean and variance per feature, given or learned from the training set by adapt(), kept as non-trainable
// weights). Both take integer inputs (stored pixels, uint8) and compute in float32; float64 stays float64.
//
//   Layer r = Rescaling({.scale = 1.0 / 127.5, .offset = -1.0});  // pixels in [0, 255] -> [-1, 1]
//   Layer n = Normalization();                                     // one mean and variance per channel
//   n.as<NormalizationImpl>()->adapt(train_images);                // (60000, 28, 28, 1) uint8 -> their statistics
#pragma once

#include <string>
#include <vector>

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
  // Any input shape; the output has the same shape, and the input's dtype (float32 for an integer input).
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  // The gradient flows through as scale * upstream gradient (the same in training and inference). An integer input
  // is converted to float32 first (it gets no gradient).
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  bool accepts_integer_input() const override { return true; }
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

// ---- Normalization ----

struct NormalizationOptions {
  // The axes that keep their own statistic (one mean and variance per index; negative counts from the end); the
  // statistics are taken over all the others, batch included. {} is Keras's None: one mean and variance for all.
  std::vector<int> axis{-1};
  // Given statistics (Keras's mean and variance arguments), instead of adapt(): both or neither, each one value or
  // one per index of the kept axes (row-major over them).
  std::vector<double> mean{};
  std::vector<double> variance{};
  // y = mean + x * std instead of (x - mean) / std: undoes the normalization (of a model's outputs, say).
  bool invert = false;
  std::string name{};
};

class NormalizationImpl : public LayerImpl {
 public:
  // Throws ValueError when only one of mean and variance is given, or a value is not finite in float32, or a
  // variance is negative. The axes are checked against the input shape at build time.
  explicit NormalizationImpl(const NormalizationOptions& options);
  std::string class_name() const override { return "Normalization"; }
  // Any input shape whose kept axes exclude the batch and have known sizes; the output has the same shape. Throws
  // ShapeError naming the layer otherwise, or when given statistics have another count than the kept axes' indices.
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  // Non-trainable weights "mean" and "variance", shaped as the kept axes ((C,) for axis -1, (1,) for axis {}):
  // the given statistics, or zeros and ones (the identity) until adapt().
  void build(const std::vector<Shape>& inputs) override;
  // (x - mean) / max(sqrt(variance), 1e-7), or mean + x * max(sqrt(variance), 1e-7) with invert; the same in
  // training and inference. An integer input is converted to float32 first (it gets no gradient).
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  bool accepts_integer_input() const override { return true; }
  // Keras's config: name, trainable, axis (a list; [] for None), invert, mean and variance (lists when given,
  // null otherwise).
  nlohmann::json config() const override;
  // "axis" may be an integer or a list (Keras's default -1 when absent); "mean" and "variance" numbers or (nested)
  // lists of numbers.
  static Layer from_config(const ConfigReader& config);

  // Sets the mean and the population variance of data (the whole training set, batch first, any dtype) over every
  // axis but the kept ones, computed in float64 by two compensated passes, into the weights (building the layer
  // from data's shape first when it is not built). Throws ShapeError when data does not fit the built shape,
  // ValueError when the layer has given statistics, data has no samples, or a statistic is not finite in float32.
  void adapt(const Tensor& data);
  const NormalizationOptions& options() const { return options_; }
  // The statistics in use, row-major over the kept axes: the weights once built; before that the given ones
  // (one value when one was given), or empty without them.
  std::vector<double> mean() const;
  std::vector<double> variance() const;
  // max(sqrt(variance), 1e-7) for each statistic: what call() divides by (Keras's backend.epsilon() keeps a
  // constant feature from dividing by zero).
  std::vector<double> standard_deviation() const;

 private:
  // The kept axes for an input of this shape, sorted, each in [1, rank), with known sizes (ShapeError otherwise).
  std::vector<int> kept_axes(const Shape& input) const;
  NormalizationOptions options_;
};

// Normalization(): (None, 28, 28, 1) -> (None, 28, 28, 1), z-scored per channel once adapt() has seen the data.
Layer Normalization(const NormalizationOptions& options = {});

}  // namespace fovea
