// Convolution layers with Keras's names, arguments and defaults: Conv1D/2D/3D, their transposes, DepthwiseConv2D
// and SeparableConv2D. Kernels are stored in the engine layout (see the classes); parameter counts match Keras.
//
//   Layer c = Conv2D({.filters = 32, .kernel_size = {3}, .activation = Activation::relu()});
//   Tensor y = c(x);  // x: (N, 28, 28, 1) -> y: (N, 26, 26, 32)
#pragma once

#include "fovea/layers/layer.h"
#include "fovea/ops/activation.h"

namespace fovea {

// Keras's Conv1D/Conv2D/Conv3D arguments and defaults. Per-dimension lists (kernel_size, strides, dilation_rate)
// hold one value (used for every spatial dimension) or one per spatial dimension. padding: 'valid', 'same',
// 'full' (a fovea extension: dilation * (kernel - 1) on both sides) and, for Conv1D only, 'causal'.
struct ConvOptions {
  int64_t filters = 0;
  Dims kernel_size{};  // required
  Dims strides = {1};
  PaddingOption padding = Padding::valid;
  DataFormatOption data_format = DataFormat::channels_last;
  Dims dilation_rate = {1};
  int64_t groups = 1;
  Activation activation{};  // fused into the convolution where the backend can
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

// Conv1D, Conv2D and Conv3D: one implementation, parameterized by the number of spatial dimensions (rank).
// Weights: kernel (filters, in_channels / groups, k...), bias (filters).
class ConvImpl : public LayerImpl {
 public:
  // Throws ValueError "Conv2D: ..." for invalid options (Keras's checks: filters > 0 and divisible by groups,
  // positive sizes, strides > 1 not combined with dilation_rate > 1, 'causal' only for Conv1D).
  ConvImpl(int rank, const ConvOptions& options);
  std::string class_name() const override;
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  int64_t macs(const std::vector<Shape>& inputs, const Shape& output) const override;
  SpatialWindow spatial_window() const override;
  int rank() const { return rank_; }
  // The options with per-dimension lists expanded to one value per spatial dimension.
  const ConvOptions& options() const { return options_; }
  template <int Rank>
  static Layer from_config(const class ConfigReader& config);

 private:
  int rank_;
  ConvOptions options_;
};

Layer Conv1D(const ConvOptions& options);
Layer Conv2D(const ConvOptions& options);
Layer Conv3D(const ConvOptions& options);

// Keras's Conv1DTranspose/Conv2DTranspose/Conv3DTranspose arguments. output_padding empty means Keras's None:
// the output is input * stride ('same') or input * stride + max(kernel - stride, 0) ('valid'); when given, the
// output is (input - 1) * stride + kernel - 2 * pad + output_padding with pad = kernel / 2 for 'same' and 0 for
// 'valid' (kernel counts dilation), the extra rows going to the end as in PyTorch. groups is a fovea extension
// (Keras has none) and is written to configs only when it is not 1.
struct ConvTransposeOptions {
  int64_t filters = 0;
  Dims kernel_size{};  // required
  Dims strides = {1};
  PaddingOption padding = Padding::valid;
  Dims output_padding{};
  DataFormatOption data_format = DataFormat::channels_last;
  Dims dilation_rate = {1};
  int64_t groups = 1;
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

// Transposed convolution ("deconvolution"). Weights: kernel (in_channels, filters / groups, k...) as in PyTorch,
// bias (filters). Fans follow Keras, whose kernel is (k..., filters, in_channels): fan_in = filters * k...
class ConvTransposeImpl : public LayerImpl {
 public:
  ConvTransposeImpl(int rank, const ConvTransposeOptions& options);
  std::string class_name() const override;
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  int64_t macs(const std::vector<Shape>& inputs, const Shape& output) const override;
  // An output position sees ceil(kernel / stride) neighbouring inputs; the finer output grid (a jump below one
  // input position) cannot be expressed, so strides are reported as 1.
  SpatialWindow spatial_window() const override;
  int rank() const { return rank_; }
  const ConvTransposeOptions& options() const { return options_; }
  template <int Rank>
  static Layer from_config(const class ConfigReader& config);

 private:
  ConvTransposeArgs op_args() const;
  int rank_;
  ConvTransposeOptions options_;
};

Layer Conv1DTranspose(const ConvTransposeOptions& options);
Layer Conv2DTranspose(const ConvTransposeOptions& options);
Layer Conv3DTranspose(const ConvTransposeOptions& options);

// Keras's DepthwiseConv2D arguments: each input channel gets depth_multiplier filters of its own.
struct DepthwiseConv2DOptions {
  Dims kernel_size{};  // required
  Dims strides = {1};
  PaddingOption padding = Padding::valid;
  int64_t depth_multiplier = 1;
  DataFormatOption data_format = DataFormat::channels_last;
  Dims dilation_rate = {1};
  Activation activation{};
  bool use_bias = true;
  InitializerOption depthwise_initializer = initializers::GlorotUniform();
  InitializerOption bias_initializer = initializers::Zeros();
  RegularizerPtr depthwise_regularizer{};
  RegularizerPtr bias_regularizer{};
  RegularizerPtr activity_regularizer{};
  ConstraintPtr depthwise_constraint{};
  ConstraintPtr bias_constraint{};
  std::string name{};
};

// Weights: kernel (in_channels * depth_multiplier, 1, kh, kw), a grouped convolution with groups = in_channels
// (output channel c * depth_multiplier + m is filter m of input channel c, as in Keras), bias (in * multiplier).
class DepthwiseConv2DImpl : public LayerImpl {
 public:
  explicit DepthwiseConv2DImpl(const DepthwiseConv2DOptions& options);
  std::string class_name() const override { return "DepthwiseConv2D"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  int64_t macs(const std::vector<Shape>& inputs, const Shape& output) const override;
  SpatialWindow spatial_window() const override;
  const DepthwiseConv2DOptions& options() const { return options_; }
  static Layer from_config(const class ConfigReader& config);

 private:
  DepthwiseConv2DOptions options_;
};

Layer DepthwiseConv2D(const DepthwiseConv2DOptions& options);

// Keras's SeparableConv2D arguments: a depthwise convolution followed by a pointwise (1x1) one.
struct SeparableConv2DOptions {
  int64_t filters = 0;
  Dims kernel_size{};  // required
  Dims strides = {1};
  PaddingOption padding = Padding::valid;
  DataFormatOption data_format = DataFormat::channels_last;
  Dims dilation_rate = {1};
  int64_t depth_multiplier = 1;
  Activation activation{};
  bool use_bias = true;
  InitializerOption depthwise_initializer = initializers::GlorotUniform();
  InitializerOption pointwise_initializer = initializers::GlorotUniform();
  InitializerOption bias_initializer = initializers::Zeros();
  RegularizerPtr depthwise_regularizer{};
  RegularizerPtr pointwise_regularizer{};
  RegularizerPtr bias_regularizer{};
  RegularizerPtr activity_regularizer{};
  ConstraintPtr depthwise_constraint{};
  ConstraintPtr pointwise_constraint{};
  ConstraintPtr bias_constraint{};
  std::string name{};
};

// Weights: depthwise_kernel (in * depth_multiplier, 1, kh, kw), pointwise_kernel (filters, in * multiplier, 1, 1),
// bias (filters). Bias and activation are applied after the pointwise step.
class SeparableConv2DImpl : public LayerImpl {
 public:
  explicit SeparableConv2DImpl(const SeparableConv2DOptions& options);
  std::string class_name() const override { return "SeparableConv2D"; }
  Shape compute_output_shape(const std::vector<Shape>& inputs) const override;
  void build(const std::vector<Shape>& inputs) override;
  Tensor call(const std::vector<Tensor>& inputs, bool training) override;
  nlohmann::json config() const override;
  int64_t macs(const std::vector<Shape>& inputs, const Shape& output) const override;
  SpatialWindow spatial_window() const override;
  const SeparableConv2DOptions& options() const { return options_; }
  static Layer from_config(const class ConfigReader& config);

 private:
  SeparableConv2DOptions options_;
};

Layer SeparableConv2D(const SeparableConv2DOptions& options);

}  // namespace fovea
