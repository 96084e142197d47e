// DenseNet-121/169/201 in torchvision's layout (torchvision/models/densenet.py: growth rate 32, bn_size 4,
// compression 0.5, no dropout), with Keras's DenseNet layer names ("/" written "_": conv2_block1_1_conv, ...).
#include <array>

#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/merging.h"
#include "fovea/layers/pooling.h"
#include "zoo/modern.h"

namespace fovea::zoo {

namespace {

using namespace modern_detail;

constexpr double kDenseNetBatchNormEpsilon = 1e-5;  // PyTorch's default; Keras's DenseNets use 1.001e-5
constexpr int64_t kGrowthRate = 32;
constexpr int64_t kBottleneckWidth = 4 * kGrowthRate;  // bn_size * growth_rate
constexpr int64_t kInitialFeatures = 64;

struct DenseNetSpec {
  const char* title;          // "DenseNet-121"
  const char* name;           // "densenet121"
  std::array<int, 4> layers;  // dense layers per block
};

// torchvision initializes convolutions with kaiming_normal_ (variance 2 / fan_in); HeUniform has that variance
// and is seven times cheaper to draw here (see resnet.cpp).
// batch norm -> relu -> bias-free conv (PyTorch padding kernel / 2), named prefix_bn / _relu / _conv.
SymbolicTensor bn_relu_conv(const SymbolicTensor& x, int64_t filters, int64_t kernel, Layout layout,
                            const std::string& prefix) {
  SymbolicTensor y = relu(batch_norm(x, kDenseNetBatchNormEpsilon, layout, prefix + "_bn"), prefix + "_relu");
  return torch_conv2d(
      y, {.filters = filters, .kernel = kernel, .padding = kernel / 2, .kernel_initializer = initializers::HeUniform()},
      layout, prefix + "_conv");
}

// One dense layer: 1x1 to the bottleneck width, 3x3 to growth-rate new channels, appended to the input's.
SymbolicTensor dense_layer(const SymbolicTensor& x, Layout layout, const std::string& name) {
  SymbolicTensor y = bn_relu_conv(x, kBottleneckWidth, 1, layout, name + "_1");
  y = bn_relu_conv(y, kGrowthRate, 3, layout, name + "_2");
  return Concatenate({.axis = channel_axis(layout), .name = name + "_concat"})({x, y});
}

// Transition: batch norm -> relu -> 1x1 conv to half the channels -> 2x2 average pool, stride 2.
SymbolicTensor transition(const SymbolicTensor& x, Layout layout, const std::string& name) {
  SymbolicTensor y = bn_relu_conv(x, channels_of(x, layout) / 2, 1, layout, name);
  return AveragePooling2D({.pool_size = {2}, .strides = {2}, .data_format = layout, .name = name + "_pool"})(y);
}

Model densenet(const ZooOptions& options, const DenseNetSpec& spec) {
  const Layout layout = options.data_format;
  const Shape input_shape = image_input(options, spec.title, {224, 224, 3});
  check_min_side(input_shape, layout, spec.title, 32, " (five stride-2 steps)");
  const int64_t classes = classes_or(options, spec.title, 1000);

  SymbolicTensor input = Input(input_shape);
  SymbolicTensor x = torch_conv2d(input,
                                  {.filters = kInitialFeatures,
                                   .kernel = 7,
                                   .stride = 2,
                                   .padding = 3,
                                   .kernel_initializer = initializers::HeUniform()},
                                  layout, "conv1_conv");
  x = relu(batch_norm(x, kDenseNetBatchNormEpsilon, layout, "conv1_bn"), "conv1_relu");
  // MaxPool2d(3, stride 2, padding 1): PyTorch pads with -inf; zeros are the same after the relu.
  x = ZeroPadding2D({.padding = 1, .data_format = layout, .name = "pool1_pad"})(x);
  x = MaxPooling2D({.pool_size = {3}, .strides = {2}, .data_format = layout, .name = "pool1"})(x);
  for (int block = 0; block < 4; ++block) {
    const std::string stage = std::to_string(block + 2);
    for (int i = 0; i < spec.layers[block]; ++i) {
      x = dense_layer(x, layout, "conv" + stage + "_block" + std::to_string(i + 1));
    }
    if (block < 3) x = transition(x, layout, "pool" + stage);
  }
  // torchvision's features end with norm5; its forward() applies the relu before pooling (Keras names: bn, relu).
  x = relu(batch_norm(x, kDenseNetBatchNormEpsilon, layout, "bn"), "relu");
  if (options.include_top) {
    x = GlobalAveragePooling2D({.data_format = layout, .name = "avg_pool"})(x);
    x = Dense({.units = classes, .activation = ActivationKind::softmax, .name = "predictions"})(x);
  }
  return Model(input, x, spec.name);
}

}  // namespace

Model densenet121(const ZooOptions& options) {
  return densenet(options, {"DenseNet-121", "densenet121", {6, 12, 24, 16}});
}
Model densenet169(const ZooOptions& options) {
  return densenet(options, {"DenseNet-169", "densenet169", {6, 12, 32, 32}});
}
Model densenet201(const ZooOptions& options) {
  return densenet(options, {"DenseNet-201", "densenet201", {6, 12, 48, 32}});
}

namespace registry_detail {

std::vector<Registered> densenet_networks() {
  return {
      {{"densenet121", "DenseNet-121, torchvision layout (7,978,856 parameters at 224x224x3, 1000 classes)"},
       maker(&densenet121)},
      {{"densenet169", "DenseNet-169, torchvision layout (14,149,480 parameters at 224x224x3, 1000 classes)"},
       maker(&densenet169)},
      {{"densenet201", "DenseNet-201, torchvision layout (20,013,928 parameters at 224x224x3, 1000 classes)"},
       maker(&densenet201)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
