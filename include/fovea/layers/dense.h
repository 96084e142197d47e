// Dense: the fully-connected layer, activation(x @ kernel + bias), on the last axis of its input.
#pragma once

#include "fovea/layers/layer.h"
#include "fovea/ops/activation.h"

namespace fovea {

// Keras's Dense arguments and defaults.
struct DenseOptions {
  int64_t units = 0;
  Activation activation{};
  bool use_bias = true;
  InitializerOption kernel_initializer = initializers::GlorotUniform();
  InitializerOption bias_initializer = initializers::Zeros();
  RegularizerPtr kernel_regularizer{};
  RegularizerPtr bias_regularizer{};
  RegularizerPtr activity_regularizer{};
  ConstraintPtr kernel_constraint{};
  ConstraintPtr bias_constraint{};
  std::string name{};
};

class DenseImpl : public LayerImpl {
 public:
  // Throws ValueError when units < 1.
  explicit DenseImpl(const DenseOptions& options);
  std::string class_name() const override { return "Dense"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  int64_t macs(const std::vector<Shape>& inputs, const Shape& output) const override;
  const DenseOptions& options() const { return options_; }
  static Layer from_config(const class ConfigReader& config);

 private:
  DenseOptions options_;
};

// Dense({.units = 128, .activation = Activation::relu()}).
Layer Dense(const DenseOptions& options);

}  // namespace fovea
