// Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum (elementwise over inputs of one shape) and
// Concatenate (along an axis). They join the branches of functional models: residual shortcuts, Inception
// modules, DenseNet blocks.
//   SymbolicTensor y = Add()({x, shortcut});
#pragma once

#include "fovea/layers/layer.h"

namespace fovea {

class ConfigReader;

struct MergeOptions {
  std::string name{};
};

enum class MergeKind { add, subtract, multiply, average, maximum, minimum };

// The elementwise merges. All inputs must have the same shape (an unknown size matches any size).
class MergeImpl : public LayerImpl {
 public:
  MergeImpl(MergeKind kind, const MergeOptions& options);
  std::string class_name() const override;
  int min_inputs() const override { return 2; }
  // Subtract takes exactly two inputs; the others any number from two on.
  int max_inputs() const override;
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  MergeKind kind() const { return kind_; }

 private:
  MergeKind kind_;
};

Layer Add(const MergeOptions& options = {});
Layer Subtract(const MergeOptions& options = {});  // inputs[0] - inputs[1]
Layer Multiply(const MergeOptions& options = {});
Layer Average(const MergeOptions& options = {});
Layer Maximum(const MergeOptions& options = {});
Layer Minimum(const MergeOptions& options = {});

struct ConcatenateOptions {
  int axis = -1;  // counts the batch axis as 0; the channel axis of channels_last images by default
  std::string name{};
};

class ConcatenateImpl : public LayerImpl {
 public:
  explicit ConcatenateImpl(const ConcatenateOptions& options);
  std::string class_name() const override { return "Concatenate"; }
  int min_inputs() const override { return 2; }
  int max_inputs() const override;
  // Inputs must agree on every axis except `axis`; the output's size there is the sum.
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  static Layer from_config(const ConfigReader& config);

 private:
  ConcatenateOptions options_;
};

Layer Concatenate(const ConcatenateOptions& options = {});

// Config readers for the registry.
Layer add_from_config(const ConfigReader& config);
Layer subtract_from_config(const ConfigReader& config);
Layer multiply_from_config(const ConfigReader& config);
Layer average_from_config(const ConfigReader& config);
Layer maximum_from_config(const ConfigReader& config);
Layer minimum_from_config(const ConfigReader& config);

}  // namespace fovea
