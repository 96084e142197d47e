// The modern family's registry list (one per file: googlenet.cpp, resnet.cpp, densenet.cpp, wavenet.cpp) and the
// small pieces those files share: option checks and torchvision's conv / batch norm / relu units.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/layers/activations.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/normalization.h"
#include "fovea/layers/reshaping.h"
#include "fovea/zoo/modern.h"
#include "zoo/registry.h"
#include "zoo/zoo_options.h"

namespace fovea::zoo {

namespace registry_detail {

std::vector<Registered> googlenet_networks();
std::vector<Registered> resnet_networks();
std::vector<Registered> densenet_networks();
std::vector<Registered> wavenet_networks();

// The whole family, in the order `fovea zoo` lists it.
inline std::vector<Registered> modern_networks() {
  std::vector<Registered> all;
  for (auto family : {googlenet_networks, resnet_networks, densenet_networks, wavenet_networks}) {
    for (Registered& r : family()) all.push_back(std::move(r));
  }
  return all;
}

}  // namespace registry_detail

namespace modern_detail {
using namespace options_detail;

// PyTorch's BatchNorm momentum 0.1 weighs the new batch; Keras's momentum weighs the running value.
constexpr double kTorchBatchNormMomentum = 0.9;

// The channel count of a symbolic tensor (batch first).
inline int64_t channels_of(const SymbolicTensor& x, Layout layout) { return x.shape().dim(channel_axis(layout)); }

// (height, width) of an image shape, batch excluded (rank 3) or included (rank 4).
inline std::pair<int64_t, int64_t> spatial_size(const Shape& shape, Layout layout) {
  const int first = shape.rank() - 3 + (layout == Layout::channels_last ? 0 : 1);
  return {shape[first], shape[first + 1]};
}

// Throws "<network>: input HxW is too small: needs at least NxN<why>" when either side is below min_size.
inline void check_min_side(const Shape& input, Layout layout, const std::string& network, int64_t min_size,
                           const std::string& why = "") {
  const std::string side = std::to_string(min_size);
  check_min_size(network, input, layout, min_size, "needs at least " + side + "x" + side + why);
}

// A convolution as PyTorch's Conv2d(kernel_size = k, stride, padding = p) states it: p zeros on both sides.
// Stride 1 with p = k / 2 is Keras's 'same'. Otherwise the zeros come from a ZeroPadding2D and the convolution is
// 'valid': with stride 2, 'same' would pad only at the end of even sizes (TensorFlow's rule) and shift every
// window by one pixel against torchvision's.
struct TorchConv {
  int64_t filters = 0;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t padding = 0;
  bool use_bias = false;
  InitializerPtr kernel_initializer = initializers::GlorotUniform();
};

inline SymbolicTensor torch_conv2d(const SymbolicTensor& x, const TorchConv& c, Layout layout,
                                   const std::string& name) {
  SymbolicTensor in = x;
  Padding padding = Padding::valid;
  if (c.padding > 0 && c.stride == 1 && 2 * c.padding == c.kernel - 1) {
    padding = Padding::same;
  } else if (c.padding > 0) {
    in = ZeroPadding2D({.padding = c.padding, .data_format = layout, .name = name + "_pad"})(x);
  }
  return Conv2D({.filters = c.filters,
                 .kernel_size = {c.kernel},
                 .strides = {c.stride},
                 .padding = padding,
                 .data_format = layout,
                 .use_bias = c.use_bias,
                 .kernel_initializer = c.kernel_initializer,
                 .name = name})(in);
}

// BatchNorm2d over the channel axis with torchvision's momentum.
inline SymbolicTensor batch_norm(const SymbolicTensor& x, double epsilon, Layout layout, const std::string& name) {
  return BatchNormalization(
      {.axis = channel_axis(layout), .momentum = kTorchBatchNormMomentum, .epsilon = epsilon, .name = name})(x);
}

inline SymbolicTensor relu(const SymbolicTensor& x, const std::string& name) {
  return ActivationLayer({.activation = ActivationKind::relu, .name = name})(x);
}

}  // namespace modern_detail
}  // namespace fovea::zoo
