// AlexNet: the paper's layout (LRN, grouped convolutions) and torchvision's.
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/normalization.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/regularization.h"
#include "fovea/layers/reshaping.h"
#include "zoo/classic.h"

namespace fovea::zoo {

using namespace classic_detail;

namespace {

Layer conv(int64_t filters, int64_t kernel, int64_t stride, Padding padding, Layout format, int64_t groups = 1) {
  return Conv2D({.filters = filters,
                 .kernel_size = {kernel},
                 .strides = {stride},
                 .padding = padding,
                 .data_format = format,
                 .groups = groups,
                 .activation = ActivationKind::relu});
}

// Overlapping pooling (3x3 windows, stride 2), which the paper found to overfit slightly less than 2x2/2.
Layer overlapping_pool(Layout format) {
  return MaxPooling2D({.pool_size = {3}, .strides = {2}, .data_format = format});
}

// The paper's section 3.3: b = a / (k + alpha * sum over n = 5 neighbouring channels of a^2)^beta, k = 2,
// alpha = 1e-4, beta = 0.75. alpha multiplies the plain sum, which is TensorFlow's form (depth_radius 2); PyTorch's
// and Caffe's LocalResponseNorm(5, alpha = 1e-4) divide alpha by 5 and so normalize less than the paper.
Layer paper_lrn(Layout format) {
  return LocalResponseNormalization(
      {.depth_radius = 2, .alpha = 1e-4, .beta = 0.75, .bias = 2.0, .data_format = format});
}

}  // namespace

// Caffe's bvlc_alexnet order: convolution + ReLU, then LRN, then pooling; dropout after the ReLU of fc6 and fc7.
// Groups: the paper trained on two GPUs, and conv2, conv4 and conv5 see only the half of the previous layer on their
// GPU, i.e. groups = 2 (conv3 and the dense layers connect across GPUs).
Sequential alexnet(const ZooOptions& options) {
  const std::string network = "AlexNet";
  const Layout format = options.data_format;
  const Shape input = image_input(options, network, {227, 227, 3});
  const int64_t classes = classes_or(options, network, 1000);
  const double dropout = dropout_or(options, network, 0.5);
  // conv1 (s - 11) / 4 + 1, then three 3x3/2 pools: (s - 11) / 4 + 1 >= 15.
  check_min_size(network, input, format, 67,
                 "the 11x11 stride-4 convolution and three 3x3 stride-2 poolings need at least 67x67");
  std::vector<Layer> layers{
      InputLayer(input),
      conv(96, 11, 4, Padding::valid, format),
      paper_lrn(format),
      overlapping_pool(format),
      conv(256, 5, 1, Padding::same, format, 2),
      paper_lrn(format),
      overlapping_pool(format),
      conv(384, 3, 1, Padding::same, format),
      conv(384, 3, 1, Padding::same, format, 2),
      conv(256, 3, 1, Padding::same, format, 2),
      overlapping_pool(format),
  };
  if (options.include_top) {
    layers.push_back(Flatten({.data_format = format}));
    layers.push_back(Dense({.units = 4096, .activation = ActivationKind::relu}));
    layers.push_back(Dropout({.rate = dropout}));
    layers.push_back(Dense({.units = 4096, .activation = ActivationKind::relu}));
    layers.push_back(Dropout({.rate = dropout}));
    layers.push_back(Dense({.units = classes, .activation = ActivationKind::softmax}));
  }
  return Sequential(layers, "alexnet");
}

// torchvision.models.alexnet: Krizhevsky's 2014 single-GPU variant. Its padding 2 on the 11x11 stride-4
// convolution is not Keras's 'same' (which would pad 3 and 4 at 224), so it is an explicit ZeroPadding2D; the
// 5x5 pad 2 and 3x3 pad 1 convolutions are 'same'. Dropout comes before fc6 and fc7, as in torchvision.
Sequential alexnet_torchvision(const ZooOptions& options) {
  const std::string network = "AlexNet (torchvision)";
  const Layout format = options.data_format;
  const Shape input = image_input(options, network, {224, 224, 3});
  const int64_t classes = classes_or(options, network, 1000);
  const double dropout = dropout_or(options, network, 0.5);
  // (s + 4 - 11) / 4 + 1 >= 15 positions before the three 3x3/2 pools.
  check_min_size(network, input, format, 63,
                 "the 11x11 stride-4 convolution and three 3x3 stride-2 poolings need at least 63x63");
  std::vector<Layer> layers{
      InputLayer(input),
      ZeroPadding2D({.padding = 2, .data_format = format}),
      conv(64, 11, 4, Padding::valid, format),
      overlapping_pool(format),
      conv(192, 5, 1, Padding::same, format),
      overlapping_pool(format),
      conv(384, 3, 1, Padding::same, format),
      conv(256, 3, 1, Padding::same, format),
      conv(256, 3, 1, Padding::same, format),
      overlapping_pool(format),
  };
  if (options.include_top) {
    layers.push_back(Flatten({.data_format = format}));
    layers.push_back(Dropout({.rate = dropout}));
    layers.push_back(Dense({.units = 4096, .activation = ActivationKind::relu}));
    layers.push_back(Dropout({.rate = dropout}));
    layers.push_back(Dense({.units = 4096, .activation = ActivationKind::relu}));
    layers.push_back(Dense({.units = classes, .activation = ActivationKind::softmax}));
  }
  return Sequential(layers, "alexnet_torchvision");
}

namespace registry_detail {

std::vector<Registered> alexnet_networks() {
  return {
      {{"alexnet", "AlexNet as in the paper: LRN, grouped convolutions, 227x227x3 (60,965,224 parameters)"},
       maker(&alexnet)},
      {{"alexnet-torchvision", "torchvision's AlexNet: no LRN, no groups, 224x224x3 (61,100,840 parameters)"},
       maker(&alexnet_torchvision)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
