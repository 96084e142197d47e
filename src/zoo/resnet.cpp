// ResNet-18/34/50/101/152 in torchvision's layout (torchvision/models/resnet.py), with Keras's layer names
// (conv2_block1_1_conv, ...). torchvision's Bottleneck is "ResNet v1.5": the stride sits on the 3x3 convolution,
// where the paper (and Keras's ResNet50) put it on the first 1x1.
#include <array>

#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/merging.h"
#include "fovea/layers/pooling.h"
#include "zoo/modern.h"

namespace fovea::zoo {

namespace {

using namespace modern_detail;

constexpr double kResNetBatchNormEpsilon = 1e-5;  // PyTorch's default; Keras's ResNets use 1.001e-5

struct ResNetSpec {
  const char* title;  // "ResNet-50", for errors
  const char* name;   // "resnet50", the model's name
  bool bottleneck;
  std::array<int, 4> blocks;  // per stage
};

// torchvision initializes convolutions with kaiming_normal_(mode="fan_out", nonlinearity="relu"): variance
// 2 / fan_out. The same variance drawn uniform: normal draws cost seven times more here, which is seconds for
// ResNet-152's 58M convolution weights, and batch norm follows every convolution anyway.
InitializerPtr kaiming_fan_out() {
  return initializers::VarianceScaling(2.0, initializers::Mode::fan_out, initializers::Distribution::uniform);
}

struct Unit {
  int64_t filters;
  int64_t kernel;
  int64_t stride = 1;
  bool relu = true;
};

// conv (bias-free, PyTorch padding kernel / 2) -> batch norm -> optional relu, named prefix_conv / _bn / _relu.
SymbolicTensor conv_bn(const SymbolicTensor& x, const Unit& u, Layout layout, const std::string& prefix) {
  SymbolicTensor y = torch_conv2d(x,
                                  {.filters = u.filters,
                                   .kernel = u.kernel,
                                   .stride = u.stride,
                                   .padding = u.kernel / 2,
                                   .kernel_initializer = kaiming_fan_out()},
                                  layout, prefix + "_conv");
  y = batch_norm(y, kResNetBatchNormEpsilon, layout, prefix + "_bn");
  return u.relu ? relu(y, prefix + "_relu") : y;
}

// The shortcut: the input itself, or a strided 1x1 convolution + batch norm (torchvision's downsample) when the
// block changes the resolution or the channel count.
SymbolicTensor shortcut(const SymbolicTensor& x, int64_t out_channels, int64_t stride, Layout layout,
                        const std::string& name) {
  if (stride == 1 && channels_of(x, layout) == out_channels) return x;
  return conv_bn(x, {.filters = out_channels, .kernel = 1, .stride = stride, .relu = false}, layout, name + "_0");
}

SymbolicTensor finish_block(const SymbolicTensor& residual, const SymbolicTensor& identity, const std::string& name) {
  return relu(Add({.name = name + "_add"})({identity, residual}), name + "_out");
}

// BasicBlock: 3x3 (stride) -> 3x3, expansion 1.
SymbolicTensor basic_block(const SymbolicTensor& x, int64_t width, int64_t stride, Layout layout,
                           const std::string& name) {
  SymbolicTensor y = conv_bn(x, {.filters = width, .kernel = 3, .stride = stride}, layout, name + "_1");
  y = conv_bn(y, {.filters = width, .kernel = 3, .relu = false}, layout, name + "_2");
  return finish_block(y, shortcut(x, width, stride, layout, name), name);
}

// Bottleneck v1.5: 1x1 -> 3x3 (stride) -> 1x1 to 4 * width channels.
SymbolicTensor bottleneck_block(const SymbolicTensor& x, int64_t width, int64_t stride, Layout layout,
                                const std::string& name) {
  SymbolicTensor y = conv_bn(x, {.filters = width, .kernel = 1}, layout, name + "_1");
  y = conv_bn(y, {.filters = width, .kernel = 3, .stride = stride}, layout, name + "_2");
  y = conv_bn(y, {.filters = 4 * width, .kernel = 1, .relu = false}, layout, name + "_3");
  return finish_block(y, shortcut(x, 4 * width, stride, layout, name), name);
}

Model resnet(const ZooOptions& options, const ResNetSpec& spec) {
  const Layout layout = options.data_format;
  const Shape input_shape = image_input(options, spec.title, {224, 224, 3});
  check_min_side(input_shape, layout, spec.title, 32, " (five stride-2 steps)");
  const int64_t classes = classes_or(options, spec.title, 1000);

  SymbolicTensor input = Input(input_shape);
  SymbolicTensor x = conv_bn(input, {.filters = 64, .kernel = 7, .stride = 2}, layout, "conv1");
  // MaxPool2d(3, stride 2, padding 1): PyTorch pads with -inf; zeros are the same after the relu.
  x = ZeroPadding2D({.padding = 1, .data_format = layout, .name = "pool1_pad"})(x);
  x = MaxPooling2D({.pool_size = {3}, .strides = {2}, .data_format = layout, .name = "pool1_pool"})(x);
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t width = int64_t{64} << stage;
    for (int b = 0; b < spec.blocks[stage]; ++b) {
      const int64_t stride = stage > 0 && b == 0 ? 2 : 1;
      const std::string name = "conv" + std::to_string(stage + 2) + "_block" + std::to_string(b + 1);
      x = spec.bottleneck ? bottleneck_block(x, width, stride, layout, name)
                          : basic_block(x, width, stride, layout, name);
    }
  }
  if (options.include_top) {
    x = GlobalAveragePooling2D({.data_format = layout, .name = "avg_pool"})(x);
    x = Dense({.units = classes, .activation = ActivationKind::softmax, .name = "predictions"})(x);
  }
  return Model(input, x, spec.name);
}

}  // namespace

Model resnet18(const ZooOptions& options) { return resnet(options, {"ResNet-18", "resnet18", false, {2, 2, 2, 2}}); }
Model resnet34(const ZooOptions& options) { return resnet(options, {"ResNet-34", "resnet34", false, {3, 4, 6, 3}}); }
Model resnet50(const ZooOptions& options) { return resnet(options, {"ResNet-50", "resnet50", true, {3, 4, 6, 3}}); }
Model resnet101(const ZooOptions& options) { return resnet(options, {"ResNet-101", "resnet101", true, {3, 4, 23, 3}}); }
Model resnet152(const ZooOptions& options) { return resnet(options, {"ResNet-152", "resnet152", true, {3, 8, 36, 3}}); }

namespace registry_detail {

std::vector<Registered> resnet_networks() {
  return {
      {{"resnet18", "ResNet-18, torchvision layout (11,689,512 parameters at 224x224x3, 1000 classes)"},
       maker(&resnet18)},
      {{"resnet34", "ResNet-34, torchvision layout (21,797,672 parameters at 224x224x3, 1000 classes)"},
       maker(&resnet34)},
      {{"resnet50", "ResNet-50 v1.5, torchvision layout (25,557,032 parameters at 224x224x3, 1000 classes)"},
       maker(&resnet50)},
      {{"resnet101", "ResNet-101 v1.5, torchvision layout (44,549,160 parameters at 224x224x3, 1000 classes)"},
       maker(&resnet101)},
      {{"resnet152", "ResNet-152 v1.5, torchvision layout (60,192,808 parameters at 224x224x3, 1000 classes)"},
       maker(&resnet152)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
