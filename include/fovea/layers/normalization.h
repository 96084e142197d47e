// Normalization layers: BatchNormalization (with moving statistics), LayerNormalization and
// LocalResponseNormalization (AlexNet).
#pragma once

#include <optional>

#include "fovea/layers/layer.h"

namespace fovea {

class ConfigReader;

// ---- BatchNormalization ----

struct BatchNormalizationOptions {
  int axis = -1;  // the feature (channel) axis: -1 for channels_last, 1 for channels_first
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;  // learn beta
  bool scale = true;   // learn gamma
  InitializerOption beta_initializer = initializers::Zeros();
  InitializerOption gamma_initializer = initializers::Ones();
  InitializerOption moving_mean_initializer = initializers::Zeros();
  InitializerOption moving_variance_initializer = initializers::Ones();
  RegularizerPtr beta_regularizer{};
  RegularizerPtr gamma_regularizer{};
  ConstraintPtr beta_constraint{};
  ConstraintPtr gamma_constraint{};
  std::string name{};
};

class BatchNormalizationImpl : public LayerImpl {
 public:
  // Throws ValueError when momentum is outside [0, 1] or epsilon is negative.
  explicit BatchNormalizationImpl(const BatchNormalizationOptions& options);
  std::string class_name() const override { return "BatchNormalization"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  // Weights gamma (if scale), beta (if center), moving_mean and moving_variance (non-trainable), one per feature.
  void build(const std::vector<Shape>& inputs) override;
  // training (and a trainable layer) uses the batch statistics and updates the moving ones; otherwise the moving
  // statistics normalize. A frozen layer (set_trainable(false)) always runs in inference mode, as in Keras, so that
  // fine-tuning does not disturb statistics learned on the original data.
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  const BatchNormalizationOptions& options() const { return options_; }
  static Layer from_config(const ConfigReader& config);

 private:
  BatchNormalizationOptions options_;
};

Layer BatchNormalization(const BatchNormalizationOptions& options = {});

// ---- LayerNormalization ----

struct LayerNormalizationOptions {
  Dims axis = {-1};  // the axes normalized together, per sample; gamma and beta have their sizes
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  InitializerOption beta_initializer = initializers::Zeros();
  InitializerOption gamma_initializer = initializers::Ones();
  RegularizerPtr beta_regularizer{};
  RegularizerPtr gamma_regularizer{};
  ConstraintPtr beta_constraint{};
  ConstraintPtr gamma_constraint{};
  std::string name{};
};

class LayerNormalizationImpl : public LayerImpl {
 public:
  // Throws ValueError when axis is empty or epsilon is negative.
  explicit LayerNormalizationImpl(const LayerNormalizationOptions& options);
  std::string class_name() const override { return "LayerNormalization"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  // The normalized axes for an input of this rank, sorted, each in [1, rank).
  Dims resolved_axes(const Shape& input) const;
  LayerNormalizationOptions options_;
};

Layer LayerNormalization(const LayerNormalizationOptions& options = {});

// ---- LocalResponseNormalization ----

struct LocalResponseNormalizationOptions {
  // y = x / (bias + alpha / size * sum of x^2 over `size` neighbouring channels) ^ beta (AlexNet, PyTorch, ONNX).
  int64_t size = 5;
  // TensorFlow's form: when set, the window is 2 * depth_radius + 1 channels and alpha multiplies the plain sum of
  // squares (tf.nn.local_response_normalization); size is then ignored.
  std::optional<int64_t> depth_radius{};
  double alpha = 1e-4;
  double beta = 0.75;
  double bias = 2.0;  // AlexNet's k
  DataFormatOption data_format = DataFormat::channels_last;
  std::string name{};
};

class LocalResponseNormalizationImpl : public LayerImpl {
 public:
  // Throws ValueError when size < 1 or depth_radius < 0.
  explicit LocalResponseNormalizationImpl(const LocalResponseNormalizationOptions& options);
  std::string class_name() const override { return "LocalResponseNormalization"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  LocalResponseNormalizationOptions options_;
};

Layer LocalResponseNormalization(const LocalResponseNormalizationOptions& options = {});

}  // namespace fovea
