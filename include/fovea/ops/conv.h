// Convolution (cross-correlation, as in every deep-learning library) and transposed convolution in
// 1-D, 2-D and 3-D, with strides, padding modes, dilation, groups, optional bias and a fused activation.
#pragma once

#include "fovea/core/enum_option.h"
#include "fovea/core/inline_vec.h"
#include "fovea/core/tensor.h"
#include "fovea/ops/activation.h"

namespace fovea {

// Where the channel axis of an image tensor is: (N, C, spatial...) or (N, spatial..., C).
enum class Layout { channels_first, channels_last };

enum class Padding {
  valid,     // no padding
  same,      // output = ceil(input / stride); odd total padding goes to the end (TensorFlow/Keras rule)
  full,      // dilation * (kernel - 1) on both sides
  causal,    // dilation * (kernel - 1) at the beginning only (WaveNet's Conv1D)
  explicit_  // pads_begin / pads_end as given
};

// Parses "valid", "same", "full", "causal" (any case, as Keras lowercases them); throws ValueError listing the
// valid names.
Padding parse_padding(std::string_view name);
// Parses Keras's data_format names, "channels_last" and "channels_first"; throws ValueError listing them.
Layout parse_layout(std::string_view name);

// The layers' option fields (ConvOptions::padding, data_format, ...): the enum or its Keras name,
// `.padding = "same"`, `.data_format = "channels_first"`.
using PaddingOption = EnumOption<Padding, parse_padding>;
using DataFormatOption = EnumOption<Layout, parse_layout>;

// Options for conv(). Per-dimension lists may hold one value (used for every spatial dimension) or one per
// spatial dimension; empty strides and dilation mean 1.
struct ConvArgs {
  Dims strides{};
  Padding padding = Padding::valid;
  Dims pads_begin{};  // Padding::explicit_ only
  Dims pads_end{};
  Dims dilation{};
  int64_t groups = 1;
  Layout layout = Layout::channels_first;
  Activation activation{};  // applied after the bias, fused where the backend can
};

// The learned parameters of a convolution. kernel: (out_channels, in_channels / groups, k...); bias:
// (out_channels) or undefined for no bias.
struct ConvWeights {
  Tensor kernel{};
  Tensor bias{};
};

// Output shape of conv(); throws ShapeError/ValueError with the reason when the arguments do not fit.
Shape conv_output_shape(const Shape& input, const Shape& kernel, const ConvArgs& args);
// y = activation(conv(x, kernel) + bias). x: (N, C, spatial...) or (N, spatial..., C) by args.layout, with 1-3
// spatial dimensions.
Tensor conv(const Tensor& x, const ConvWeights& weights, const ConvArgs& args = {});

// Options for conv_transpose(), PyTorch/ONNX semantics: the gradient of conv() with respect to its input.
// 'same' gives output = input * stride (Keras Conv2DTranspose); output_padding adds to the end of each dim.
struct ConvTransposeArgs {
  Dims strides{};
  Padding padding = Padding::valid;
  Dims pads_begin{};
  Dims pads_end{};
  Dims output_padding{};
  Dims dilation{};
  int64_t groups = 1;
  Layout layout = Layout::channels_first;
  Activation activation{};
};

// Transposed convolution. kernel: (in_channels, out_channels / groups, k...) as in PyTorch; bias:
// (out_channels) or undefined.
Shape conv_transpose_output_shape(const Shape& input, const Shape& kernel, const ConvTransposeArgs& args);
Tensor conv_transpose(const Tensor& x, const ConvWeights& weights, const ConvTransposeArgs& args = {});

// The output-size rule for one dimension (the slides' W2 = (W1 - F + 2P) / S + 1, generalized to dilation and
// asymmetric padding): floor((in + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride) + 1.
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                         int64_t pad_end);

}  // namespace fovea
