// Activation layers: Activation (any named function), ReLU, LeakyReLU, PReLU (a learned slope), ELU and Softmax.
// All keep the input shape; only PReLU has weights.
#pragma once

#include <optional>

#include "fovea/layers/layer.h"
#include "fovea/ops/activation.h"

namespace fovea {

class ConfigReader;

// ---- Activation ----

struct ActivationLayerOptions {
  Activation activation{};  // e.g. ActivationKind::relu, Activation::leaky_relu(0.1)
  std::string name{};
};

class ActivationLayerImpl : public LayerImpl {
 public:
  explicit ActivationLayerImpl(const ActivationLayerOptions& options);
  std::string class_name() const override { return "Activation"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  const ActivationLayerOptions& options() const { return options_; }
  static Layer from_config(const ConfigReader& config);

 private:
  ActivationLayerOptions options_;
};

// Keras's Activation layer. (The factory cannot be called Activation: that name is the activation descriptor.)
//   ActivationLayer({.activation = ActivationKind::tanh})
Layer ActivationLayer(const ActivationLayerOptions& options);

// ---- ReLU ----

struct ReLUOptions {
  std::optional<double> max_value{};  // unset: no upper bound
  double negative_slope = 0.0;
  double threshold = 0.0;
  std::string name{};
};

class ReLUImpl : public LayerImpl {
 public:
  // Throws ValueError when max_value, negative_slope or threshold is negative (as Keras does).
  explicit ReLUImpl(const ReLUOptions& options);
  std::string class_name() const override { return "ReLU"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  ReLUOptions options_;
};

// max_value if x >= max_value; x if threshold <= x < max_value; negative_slope * (x - threshold) otherwise.
Layer ReLU(const ReLUOptions& options = {});

// ---- LeakyReLU ----

struct LeakyReLUOptions {
  double negative_slope = 0.3;  // Keras 3's default (Keras 2 called it alpha)
  std::string name{};
};

class LeakyReLUImpl : public LayerImpl {
 public:
  // Throws ValueError when negative_slope is negative.
  explicit LeakyReLUImpl(const LeakyReLUOptions& options);
  std::string class_name() const override { return "LeakyReLU"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  LeakyReLUOptions options_;
};

Layer LeakyReLU(const LeakyReLUOptions& options = {});

// ---- PReLU ----

struct PReLUOptions {
  InitializerOption alpha_initializer = initializers::Zeros();
  RegularizerPtr alpha_regularizer{};
  ConstraintPtr alpha_constraint{};
  // Keras's axes (1-based: axis 0 is the batch) along which one slope is shared, e.g. {1, 2} for one slope per
  // channel of a channels_last image.
  Dims shared_axes{};
  std::string name{};
};

class PReLUImpl : public LayerImpl {
 public:
  // Throws ValueError when a shared axis is below 1.
  explicit PReLUImpl(const PReLUOptions& options);
  std::string class_name() const override { return "PReLU"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  // The weight "alpha" has the input's shape without the batch, with 1 on the shared axes.
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  PReLUOptions options_;
};

// x if x > 0 else alpha * x, with a learned alpha.
Layer PReLU(const PReLUOptions& options = {});

// ---- ELU ----

struct ELUOptions {
  double alpha = 1.0;
  std::string name{};
};

class ELUImpl : public LayerImpl {
 public:
  explicit ELUImpl(const ELUOptions& options);
  std::string class_name() const override { return "ELU"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  ELUOptions options_;
};

Layer ELU(const ELUOptions& options = {});

// ---- Softmax ----

struct SoftmaxOptions {
  int axis = -1;  // counts the batch axis as 0; negative counts from the end
  std::string name{};
};

class SoftmaxImpl : public LayerImpl {
 public:
  explicit SoftmaxImpl(const SoftmaxOptions& options);
  std::string class_name() const override { return "Softmax"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  SoftmaxOptions options_;
};

Layer Softmax(const SoftmaxOptions& options = {});

}  // namespace fovea
