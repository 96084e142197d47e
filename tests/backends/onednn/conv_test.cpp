// Parity of the oneDNN convolution kernels (forward with fused bias/activation, backward-data, backward-weights
// with the bias gradient) against the reference backend, across strides, paddings, dilations, groups, ranks,
// batch sizes and both layouts.
#include <gtest/gtest.h>

#include <sstream>

#include "backends/onednn/dense_conv.h"
#include "backends/onednn/onednn_context.h"
#include "backends/onednn/onednn_test_util.h"
#include "backends/onednn/tap_crop.h"
#include "parity.h"

namespace fovea::testing {
namespace {

struct ConvCase {
  Dims in{7, 6};
  Dims kernel{3, 2};
  int64_t batch = 2;
  int64_t in_channels = 3;
  int64_t out_channels = 4;
  int64_t groups = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  Padding padding = Padding::valid;
  Layout layout = Layout::channels_first;
  bool bias = true;
  Activation activation = Activation::relu();
};

std::string describe(const ConvCase& c) {
  std::ostringstream out;
  out << c.in.size() << "-D in " << dims_text(c.in) << " kernel " << dims_text(c.kernel) << " batch " << c.batch
      << " channels " << c.in_channels << "->" << c.out_channels << " groups " << c.groups << " stride " << c.stride
      << " dilation " << c.dilation << " padding " << padding_text(c.padding) << " " << layout_text(c.layout)
      << (c.bias ? " bias" : " no bias") << " activation " << activation_name(c.activation.kind);
  return out.str();
}

// The geometry of c; false when the output would be empty (the combination does not exist).
bool make_geometry(const ConvCase& c, ConvGeometry& g) {
  const int n = c.in.size();
  g.spatial_rank = n;
  g.batch = c.batch;
  g.in_channels = c.in_channels;
  g.out_channels = c.out_channels;
  g.groups = c.groups;
  g.in_size = c.in;
  g.kernel_size = c.kernel;
  g.strides = Dims::filled(n, c.stride);
  g.dilation = Dims::filled(n, c.dilation);
  g.layout = c.layout;
  g.activation = c.activation;
  for (int i = 0; i < n; ++i) {
    const int64_t dk = c.dilation * (c.kernel[i] - 1) + 1;
    int64_t begin, end;
    pads_for(c.padding, c.in[i], dk, c.stride, begin, end);
    g.pads_begin.push_back(begin);
    g.pads_end.push_back(end);
    g.out_size.push_back(out_size(c.in[i], dk, c.stride, begin, end));
    if (g.out_size[i] <= 0) return false;
  }
  return true;
}

// Checks forward, backward-data and backward-weights (+ bias gradient) of c; returns false when c is skipped.
bool expect_conv_parity(const ConvCase& c, uint64_t seed) {
  ConvGeometry g;
  if (!make_geometry(c, g)) return false;
  SCOPED_TRACE(describe(c));
  Shape w_shape{c.out_channels, c.in_channels / c.groups};
  for (int64_t k : c.kernel) w_shape.push_back(k);
  const Shape x_shape = image_shape(c.batch, c.in_channels, g.in_size, c.layout);
  const Shape y_shape = image_shape(c.batch, c.out_channels, g.out_size, c.layout);
  const Tensor x = random32(x_shape, seed);
  const Tensor w = random32(w_shape, seed + 1);
  const Tensor b = c.bias ? random32(Shape{c.out_channels}, seed + 2) : Tensor();
  const Tensor dy = random32(y_shape, seed + 3);
  {
    SCOPED_TRACE("forward");
    expect_backends_agree([&](Backend& be) {
      Tensor y = Tensor::full(y_shape, 123.0);
      be.conv_forward(g, x, w, b, y);
      return y;
    });
  }
  {
    SCOPED_TRACE("backward data");
    expect_backends_agree([&](Backend& be) {
      Tensor dx = Tensor::full(x_shape, 123.0);
      be.conv_backward_data(g, dy, w, dx);
      return dx;
    });
  }
  for (bool want_bias : {false, true}) {
    if (want_bias && !c.bias) continue;
    SCOPED_TRACE(want_bias ? "backward weights and bias" : "backward weights");
    expect_backends_agree([&](Backend& be) {
      Tensor dw = Tensor::full(w_shape, 123.0);
      Tensor db = want_bias ? Tensor::full(Shape{c.out_channels}, 123.0) : Tensor();
      be.conv_backward_weights(g, x, dy, dw, db);
      return dw;
    });
    if (want_bias) {
      expect_backends_agree([&](Backend& be) {
        Tensor dw = Tensor::empty(w_shape);
        Tensor db = Tensor::full(Shape{c.out_channels}, 123.0);
        be.conv_backward_weights(g, x, dy, dw, db);
        return db;
      });
    }
  }
  return true;
}

constexpr Padding kPaddings[] = {Padding::valid, Padding::same, Padding::full, Padding::causal, Padding::explicit_};
constexpr Layout kLayouts[] = {Layout::channels_first, Layout::channels_last};

TEST(OneDnnConv, StridesPaddingsAndDilations2d) {
  int checked = 0;
  uint64_t seed = 1;
  for (int64_t stride : {1, 2, 3})
    for (Padding padding : kPaddings)
      for (int64_t dilation : {1, 2})
        for (Layout layout : kLayouts) {
          ConvCase c;
          c.stride = stride;
          c.padding = padding;
          c.dilation = dilation;
          c.layout = layout;
          checked += expect_conv_parity(c, seed += 10);
        }
  EXPECT_EQ(checked, 60);
}

TEST(OneDnnConv, StridesPaddingsAndDilations1dAnd3d) {
  int checked = 0;
  uint64_t seed = 1000;
  int index = 0;
  for (int rank : {1, 3})
    for (int64_t stride : {1, 2, 3})
      for (Padding padding : kPaddings)
        for (int64_t dilation : {1, 2}) {
          ConvCase c;
          c.in = rank == 1 ? Dims{10} : Dims{5, 6, 5};
          c.kernel = rank == 1 ? Dims{3} : Dims{2, 3, 2};
          c.batch = 1 + index % 2;
          c.stride = stride;
          c.padding = padding;
          c.dilation = dilation;
          c.layout = kLayouts[index++ % 2];
          checked += expect_conv_parity(c, seed += 10);
        }
  EXPECT_EQ(checked, 60);
}

// Images smaller than the kernel's reach: taps that only ever meet padding are cropped away before oneDNN runs
// (tap_crop.h), which must not change any result, including the zero gradient of the cropped taps. The smallest
// of these images run as matrix products instead (dense_conv.h); the last four cases take the cropped path.
TEST(OneDnnConv, KernelTapsThatOnlyMeetPaddingAreCroppedWithoutChangingResults) {
  struct Small {
    Dims in, kernel;
    int64_t stride;
  };
  const Small cases[] = {{{1, 1}, {3, 3}, 1},       {{2, 2}, {3, 3}, 2}, {{1, 5}, {3, 3}, 1},
                         {{2, 2}, {5, 5}, 1},       {{1}, {5}, 1},      {{1, 2, 1}, {3, 3, 3}, 1},
                         {{1, 8}, {3, 3}, 2},       {{2, 7}, {5, 5}, 1}, {{1, 2, 5}, {3, 3, 3}, 1},
                         {{1, 6}, {3, 3}, 1}};
  int checked = 0, cropped = 0, cropped_for_onednn = 0;
  uint64_t seed = 1500;
  for (const Small& small : cases)
    for (Layout layout : kLayouts) {
      ConvCase c;
      c.in = small.in;
      c.kernel = small.kernel;
      c.stride = small.stride;
      c.padding = Padding::same;
      c.layout = layout;
      c.in_channels = 5;
      c.out_channels = 7;
      ConvGeometry g;
      ASSERT_TRUE(make_geometry(c, g));
      cropped += onednn::tap_crop(g).has_value();
      cropped_for_onednn += onednn::tap_crop(g).has_value() && !onednn::is_dense_conv(g);
      checked += expect_conv_parity(c, seed += 10);
    }
  EXPECT_EQ(checked, 20);
  EXPECT_EQ(cropped, 20);
  EXPECT_EQ(cropped_for_onednn, 10);  // {1, 5} and the last four, in both layouts

  // A 3x3 kernel with padding 1 on a 1x1 map keeps only its centre tap, without padding.
  ConvCase c;
  c.in = {1, 1};
  c.kernel = {3, 3};
  c.padding = Padding::same;
  ConvGeometry g;
  ASSERT_TRUE(make_geometry(c, g));
  const auto crop = onednn::tap_crop(g);
  ASSERT_TRUE(crop.has_value());
  EXPECT_EQ(crop->geometry.kernel_size, (Dims{1, 1}));
  EXPECT_EQ(crop->geometry.pads_begin, (Dims{0, 0}));
  EXPECT_EQ(crop->geometry.pads_end, (Dims{0, 0}));
  EXPECT_EQ(crop->first_tap, (Dims{1, 1}));
  // Where every tap reaches the image there is nothing to crop.
  c.in = {7, 6};
  ASSERT_TRUE(make_geometry(c, g));
  EXPECT_FALSE(onednn::tap_crop(g).has_value());
}

// Images with no more positions than the kernel has reaching taps run as one matrix product over whole samples
// with an unrolled kernel (dense_conv.h): several output positions (a 3x3 kernel on a 2x2 map, a ResNet's third
// stage on 32x32 inputs), one output position, strided, 1-D and 3-D, both layouts, with bias and activation.
TEST(OneDnnConv, ConvolutionsOnImagesSmallerThanTheKernelRunAsMatrixProducts) {
  struct Small {
    Dims in, kernel;
    int64_t stride;
    Padding padding;
  };
  const Small cases[] = {{{2, 2}, {3, 3}, 1, Padding::same},  {{2, 2}, {3, 3}, 2, Padding::same},
                         {{2, 3}, {2, 3}, 1, Padding::valid}, {{3, 3}, {3, 3}, 1, Padding::valid},
                         {{2}, {3}, 1, Padding::same},        {{1, 2, 2}, {3, 3, 3}, 1, Padding::same},
                         {{2}, {3}, 1, Padding::causal}};
  int checked = 0;
  uint64_t seed = 1700;
  for (const Small& small : cases)
    for (Layout layout : kLayouts)
      for (bool bias : {false, true}) {
        ConvCase c;
        c.in = small.in;
        c.kernel = small.kernel;
        c.stride = small.stride;
        c.padding = small.padding;
        c.layout = layout;
        c.bias = bias;
        c.batch = 3;
        c.in_channels = 5;
        c.out_channels = 6;
        ConvGeometry g;
        ASSERT_TRUE(make_geometry(c, g));
        EXPECT_TRUE(onednn::is_dense_conv(g)) << describe(c);
        checked += expect_conv_parity(c, seed += 10);
      }
  EXPECT_EQ(checked, 28);

  // More positions than reaching taps, or an unrolled kernel more than twice the kernel's size: the direct path.
  ConvCase c;
  c.kernel = {3, 3};
  c.padding = Padding::same;
  for (const Dims& in : {Dims{4, 4}, Dims{3, 3}, Dims{8, 8}}) {
    c.in = in;
    ConvGeometry g;
    ASSERT_TRUE(make_geometry(c, g));
    EXPECT_FALSE(onednn::is_dense_conv(g)) << describe(c);
  }
  // Grouped and dilated convolutions keep oneDNN's convolution too.
  c.in = {2, 2};
  ConvGeometry g;
  ASSERT_TRUE(make_geometry(c, g));
  EXPECT_TRUE(onednn::is_dense_conv(g));
  g.groups = 2;
  EXPECT_FALSE(onednn::is_dense_conv(g));
  g.groups = 1;
  g.dilation = Dims::filled(2, 2);
  EXPECT_FALSE(onednn::is_dense_conv(g));
}

TEST(OneDnnConv, GroupsDepthwiseBatchesAndBias) {
  int checked = 0;
  uint64_t seed = 2000;
  int index = 0;
  for (int rank : {1, 2, 3})
    for (int groups_choice : {0, 1, 2})  // 1 group, 2 groups, depthwise (one group per input channel)
      for (int64_t batch : {1, 3})
        for (bool bias : {false, true})
          for (Layout layout : kLayouts) {
            ConvCase c;
            c.in = rank == 1 ? Dims{9} : rank == 2 ? Dims{6, 5} : Dims{4, 5, 3};
            c.kernel = rank == 1 ? Dims{3} : rank == 2 ? Dims{3, 3} : Dims{3, 2, 2};
            c.in_channels = 4;
            c.groups = groups_choice == 0 ? 1 : groups_choice == 1 ? 2 : 4;
            c.out_channels = groups_choice == 2 ? 8 : 6;  // depthwise with channel multiplier 2
            c.batch = batch;
            c.bias = bias;
            c.layout = layout;
            c.stride = 1 + index % 2;
            c.padding = kPaddings[index % 5];
            c.activation = index % 3 == 0 ? Activation::linear() : Activation::relu();
            ++index;
            checked += expect_conv_parity(c, seed += 10);
          }
  EXPECT_EQ(checked, 72);
}

TEST(OneDnnConv, FusedAndUnfusedActivations) {
  const Activation activations[] = {
      Activation::linear(),
      Activation::relu(),
      Activation::relu(0.1, 0.8),  // negative slope and max value: two post-ops
      Activation::relu(0.0, std::numeric_limits<double>::infinity(), 0.2),  // threshold: not fusable
      Activation::leaky_relu(0.2),
      Activation::of(ActivationKind::relu6),
      Activation::elu(0.7),
      Activation::of(ActivationKind::selu),
      Activation::of(ActivationKind::gelu),
      Activation::of(ActivationKind::gelu_tanh),
      Activation::of(ActivationKind::sigmoid),
      Activation::hard_sigmoid(),
      Activation::of(ActivationKind::exponential),
      Activation::of(ActivationKind::softplus),
      Activation::of(ActivationKind::softsign),  // no oneDNN algorithm: applied after the convolution
      Activation::of(ActivationKind::swish),
      Activation::of(ActivationKind::tanh),
      Activation::of(ActivationKind::square),
      Activation::of(ActivationKind::abs),
      Activation::clip(-0.5, 0.5),
  };
  uint64_t seed = 3000;
  for (const Activation& f : activations)
    for (Layout layout : kLayouts) {
      ConvCase c;
      c.in = {5, 5};
      c.kernel = {3, 3};
      c.in_channels = 2;
      c.out_channels = 3;
      c.activation = f;
      c.layout = layout;
      c.padding = Padding::same;
      EXPECT_TRUE(expect_conv_parity(c, seed += 10));
    }
}

TEST(OneDnnConv, SeedExampleCrossCorrelation) {
  // The course's worked example: a 5x5 input cross-correlated with a 3x3 kernel, then with bias 2.
  const Tensor x = Tensor::from_vector(
      {1, 1, 5, 5}, std::vector<double>{3, 3, 2, 1, 0, 0, 0, 1, 3, 1, 3, 1, 2, 2, 3, 2, 0, 0, 2, 2, 2, 0, 0, 0, 1});
  const Tensor w = Tensor::from_vector({1, 1, 3, 3}, std::vector<double>{0, 1, 2, 2, 2, 0, 0, 1, 2});
  ConvCase c;
  c.in = {5, 5};
  c.kernel = {3, 3};
  c.in_channels = c.out_channels = 1;
  c.batch = 1;
  c.activation = Activation::linear();
  ConvGeometry g;
  ASSERT_TRUE(make_geometry(c, g));
  Tensor y = Tensor::empty({1, 1, 3, 3});
  onednn_backend().conv_forward(g, x, w, Tensor(), y);
  expect_close(y, Tensor::from_vector({1, 1, 3, 3}, std::vector<double>{12, 12, 17, 10, 17, 19, 9, 6, 14}), 0, 0);
  onednn_backend().conv_forward(g, x, w, Tensor::from_vector({1}, std::vector<double>{2}), y);
  EXPECT_EQ(y.at({0, 0, 2, 2}), 16.0);
}

TEST(OneDnnConv, PrimitivesAreCachedPerGeometry) {
  ConvCase c;
  c.in = {11, 13};  // a geometry no other test uses
  ConvGeometry g;
  ASSERT_TRUE(make_geometry(c, g));
  const Tensor x = random32(image_shape(c.batch, c.in_channels, g.in_size, c.layout), 1);
  const Tensor w = random32({c.out_channels, c.in_channels, 3, 2}, 2);
  Tensor y = Tensor::empty(image_shape(c.batch, c.out_channels, g.out_size, c.layout));
  onednn_backend().conv_forward(g, x, w, Tensor(), y);
  const size_t after_first = onednn::cache().size();
  onednn_backend().conv_forward(g, x, w, Tensor(), y);
  EXPECT_EQ(onednn::cache().size(), after_first);
  g.strides = {2, 2};
  g.out_size = {out_size(11, 3, 2, 0, 0), out_size(13, 2, 2, 0, 0)};
  Tensor y2 = Tensor::empty(image_shape(c.batch, c.out_channels, g.out_size, c.layout));
  onednn_backend().conv_forward(g, x, w, Tensor(), y2);
  EXPECT_EQ(onednn::cache().size(), after_first + 1);
}

}  // namespace
}  // namespace fovea::testing
