// GoogLeNet (Inception v1) in torchvision's layout (torchvision/models/googlenet.py): BasicConv2d units (conv
// without bias, batch norm eps 0.001, relu), inception modules whose "5x5" branch is a 3x3 convolution (a
// torchvision quirk kept for its weights; the paper has 5x5), max pools in ceil mode, optional auxiliary heads.
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "fovea/layers/merging.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/regularization.h"
#include "zoo/modern.h"

namespace fovea::zoo {

namespace {

using namespace modern_detail;

constexpr double kGoogLeNetBatchNormEpsilon = 0.001;
// The paper's auxiliary head pools 5x5 windows with stride 3 (14x14 -> 4x4 at 224x224). torchvision uses an
// adaptive average pool to 4x4 instead, which fovea has no layer for; at 224x224 both give 4x4 and the same
// parameters, but torchvision's windows are [0,4), [3,7), [7,11), [10,14) where these are [0,5), [3,8), ...
constexpr int64_t kAuxPool = 5;
constexpr int64_t kAuxStride = 3;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PyTorch's output size of MaxPool2d(kernel, stride, ceil_mode=True) without padding; <= 0 when no window fits.
// (PyTorch also drops a last window that would start past the input; with kernel >= stride none does.)
int64_t ceil_pool_size(int64_t in, int64_t kernel, int64_t stride) {
  return floor_div(in - kernel + stride - 1, stride) + 1;
}

// The side of inception 4a's output (the first auxiliary head's input) and of the last feature map for an input
// side n, or 0 where a pooling window would find no input.
struct Sides {
  int64_t aux = 0;
  int64_t last = 0;
};
Sides sides_for(int64_t n) {
  int64_t s = floor_div(n + 2 * 3 - 7, 2) + 1;  // conv1: 7x7, stride 2, padding 3
  for (int pool = 0; pool < 3 && s > 0; ++pool) s = ceil_pool_size(s, 3, 2);
  if (s <= 0) return {};
  return {s, ceil_pool_size(s, 2, 2)};
}

// The smallest input side the network accepts.
int64_t minimum_side(bool aux_logits) {
  int64_t n = 1;
  while (sides_for(n).last < 1 || (aux_logits && sides_for(n).aux < kAuxPool)) ++n;
  return n;
}

// BasicConv2d: conv (no bias, PyTorch padding kernel / 2) -> batch norm -> relu, named prefix_conv / _bn / _relu.
// Weights start as torchvision's trunc_normal_(std=0.01) (its bounds are +-2 absolute, so a plain normal).
SymbolicTensor basic_conv(const SymbolicTensor& x, int64_t filters, int64_t kernel, Layout layout,
                          const std::string& prefix, int64_t stride = 1) {
  SymbolicTensor y = torch_conv2d(x,
                                  {.filters = filters,
                                   .kernel = kernel,
                                   .stride = stride,
                                   .padding = kernel / 2,
                                   .kernel_initializer = initializers::RandomNormal(0.0, 0.01)},
                                  layout, prefix + "_conv");
  return relu(batch_norm(y, kGoogLeNetBatchNormEpsilon, layout, prefix + "_bn"), prefix + "_relu");
}

// MaxPool2d(kernel, stride, ceil_mode=True): the windows start at 0 and the last one may hang over the end by
// `extra` positions. When that overhang is 0 everywhere, 'valid' pooling is the same; when it is at most 1 and
// 'same' gives the same size, 'same' is (TensorFlow's 'same' puts an odd pad at the end, and padding never wins a
// max); otherwise (sides of different parity) explicit zeros at the end, which cannot win either because every
// pooled tensor here follows a relu.
SymbolicTensor max_pool_ceil(const SymbolicTensor& x, int64_t kernel, int64_t stride, Layout layout,
                             const std::string& name) {
  const auto [h, w] = spatial_size(x.shape(), layout);
  const int64_t out_h = ceil_pool_size(h, kernel, stride), out_w = ceil_pool_size(w, kernel, stride);
  const int64_t extra_h = (out_h - 1) * stride + kernel - h, extra_w = (out_w - 1) * stride + kernel - w;
  auto same_fits = [&](int64_t in, int64_t out, int64_t extra) {
    return extra <= 1 && (in + stride - 1) / stride == out;
  };
  PoolingOptions pool{.pool_size = {kernel}, .strides = {stride}, .data_format = layout, .name = name};
  if (extra_h == 0 && extra_w == 0) return MaxPooling2D(pool)(x);
  if (same_fits(h, out_h, extra_h) && same_fits(w, out_w, extra_w)) {
    pool.padding = Padding::same;
    return MaxPooling2D(pool)(x);
  }
  SymbolicTensor padded =
      ZeroPadding2D({.padding = {{0, extra_h}, {0, extra_w}}, .data_format = layout, .name = name + "_pad"})(x);
  return MaxPooling2D(pool)(padded);
}

struct InceptionSpec {
  int64_t ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj;
};

// Four branches concatenated on the channel axis: 1x1; 1x1 -> 3x3; 1x1 -> 3x3 (torchvision's "5x5"); 3x3 max pool
// (stride 1, padding 1: 'same', whose padding never wins) -> 1x1.
SymbolicTensor inception(const SymbolicTensor& x, const InceptionSpec& s, Layout layout, const std::string& name) {
  SymbolicTensor b1 = basic_conv(x, s.ch1x1, 1, layout, name + "_branch1");
  SymbolicTensor b2 =
      basic_conv(basic_conv(x, s.ch3x3red, 1, layout, name + "_branch2_0"), s.ch3x3, 3, layout, name + "_branch2_1");
  SymbolicTensor b3 =
      basic_conv(basic_conv(x, s.ch5x5red, 1, layout, name + "_branch3_0"), s.ch5x5, 3, layout, name + "_branch3_1");
  SymbolicTensor pooled = MaxPooling2D({.pool_size = {3},
                                        .strides = {1},
                                        .padding = Padding::same,
                                        .data_format = layout,
                                        .name = name + "_branch4_pool"})(x);
  SymbolicTensor b4 = basic_conv(pooled, s.pool_proj, 1, layout, name + "_branch4_1");
  return Concatenate({.axis = channel_axis(layout), .name = name + "_concat"})({b1, b2, b3, b4});
}

// InceptionAux: average pool to 4x4 (at 224x224) -> 1x1 BasicConv2d to 128 -> flatten -> dense 1024, relu ->
// dropout 0.7 -> dense classes.
SymbolicTensor aux_head(const SymbolicTensor& x, int64_t classes, double dropout, Layout layout,
                        const std::string& name) {
  SymbolicTensor y = AveragePooling2D(
      {.pool_size = {kAuxPool}, .strides = {kAuxStride}, .data_format = layout, .name = name + "_pool"})(x);
  y = basic_conv(y, 128, 1, layout, name + "_conv");
  y = Flatten({.data_format = layout, .name = name + "_flatten"})(y);
  y = Dense({.units = 1024, .activation = ActivationKind::relu, .name = name + "_fc1"})(y);
  y = Dropout({.rate = dropout, .name = name + "_dropout"})(y);
  return Dense({.units = classes, .activation = ActivationKind::softmax, .name = name + "_fc2"})(y);
}

}  // namespace

Model googlenet(const ZooOptions& options) { return googlenet(options, {}); }

Model googlenet(const ZooOptions& options, const GoogLeNetOptions& googlenet_options) {
  const Layout layout = options.data_format;
  const bool aux = googlenet_options.aux_logits;
  FOVEA_CHECK(!aux || options.include_top, ValueError,
              "GoogLeNet: aux_logits needs include_top (the auxiliary classifiers are classifier heads)");
  const Shape input_shape = image_input(options, "GoogLeNet", {224, 224, 3});
  check_min_side(input_shape, layout, "GoogLeNet", minimum_side(aux),
                 aux ? " (aux_logits: the auxiliary heads pool 5x5 windows of inception 4a's output)" : "");
  const int64_t classes = classes_or(options, "GoogLeNet", 1000);
  const double aux_dropout = dropout_or(options, "GoogLeNet", 0.7), dropout = dropout_or(options, "GoogLeNet", 0.2);

  SymbolicTensor input = Input(input_shape);
  SymbolicTensor x = basic_conv(input, 64, 7, layout, "conv1", /*stride=*/2);
  x = max_pool_ceil(x, 3, 2, layout, "maxpool1");
  x = basic_conv(x, 64, 1, layout, "conv2");
  x = basic_conv(x, 192, 3, layout, "conv3");
  x = max_pool_ceil(x, 3, 2, layout, "maxpool2");

  x = inception(x, {64, 96, 128, 16, 32, 32}, layout, "inception3a");
  x = inception(x, {128, 128, 192, 32, 96, 64}, layout, "inception3b");
  x = max_pool_ceil(x, 3, 2, layout, "maxpool3");

  x = inception(x, {192, 96, 208, 16, 48, 64}, layout, "inception4a");
  SymbolicTensor aux1 = aux ? aux_head(x, classes, aux_dropout, layout, "aux1") : SymbolicTensor();
  x = inception(x, {160, 112, 224, 24, 64, 64}, layout, "inception4b");
  x = inception(x, {128, 128, 256, 24, 64, 64}, layout, "inception4c");
  x = inception(x, {112, 144, 288, 32, 64, 64}, layout, "inception4d");
  SymbolicTensor aux2 = aux ? aux_head(x, classes, aux_dropout, layout, "aux2") : SymbolicTensor();
  x = inception(x, {256, 160, 320, 32, 128, 128}, layout, "inception4e");
  x = max_pool_ceil(x, 2, 2, layout, "maxpool4");

  x = inception(x, {256, 160, 320, 32, 128, 128}, layout, "inception5a");
  x = inception(x, {384, 192, 384, 48, 128, 128}, layout, "inception5b");
  if (!options.include_top) return Model(input, x, "googlenet");

  x = GlobalAveragePooling2D({.data_format = layout, .name = "avgpool"})(x);
  x = Dropout({.rate = dropout, .name = "dropout"})(x);
  x = Dense({.units = classes, .activation = ActivationKind::softmax, .name = "fc"})(x);
  if (!aux) return Model(input, x, "googlenet");
  return Model(std::vector<SymbolicTensor>{input}, {x, aux2, aux1},
               "googlenet");  // torchvision's GoogLeNetOutputs order
}

namespace registry_detail {

std::vector<Registered> googlenet_networks() {
  return {
      {{"googlenet", "GoogLeNet (Inception v1), torchvision layout (6,624,904 parameters at 224x224x3, 1000 classes)"},
       maker(&googlenet)},
  };
}

}  // namespace registry_detail
}  // namespace fovea::zoo
