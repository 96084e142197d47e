// Tests of DepthwiseConv2D and SeparableConv2D (src/layers/depthwise_conv.cpp): Keras parameter counts, the
// channel order of the depth multiplier, equivalence with plain convolutions, gradients, configs and errors.
#include <gtest/gtest.h>

#include "fovea/layers/conv.h"
#include "layers/conv_layer_test_util.h"

namespace fovea {
namespace {

using testing::expect_close;
using testing::expect_config_round_trip;
using testing::expect_error;
using testing::random32;

Shape output_of(const Layer& layer, const Shape& input) {
  layer->ensure_built({input});
  return layer->compute_output_shape({input});
}

// The dense (groups = 1) kernel equal to a depthwise kernel (in * m, 1, kh, kw): zero outside each channel's group.
Tensor dense_equivalent(const Tensor& depthwise, int64_t in, int64_t multiplier) {
  const Shape& s = depthwise.shape();
  Tensor full = Tensor::zeros({in * multiplier, in, s[2], s[3]});
  for (int64_t c = 0; c < in; ++c)
    for (int64_t m = 0; m < multiplier; ++m)
      for (int64_t i = 0; i < s[2]; ++i)
        for (int64_t j = 0; j < s[3]; ++j) {
          const int64_t o = c * multiplier + m;
          full.data<float>()[((o * in + c) * s[2] + i) * s[3] + j] = static_cast<float>(depthwise.at({o, 0, i, j}));
        }
  return full;
}

TEST(DepthwiseConv2DLayerTest, ShapesParamsAndFans) {
  auto init = std::make_shared<testing::RecordingInitializer>();
  const Layer d = DepthwiseConv2D({.kernel_size = {3}, .depth_multiplier = 2, .depthwise_initializer = init});
  EXPECT_EQ(output_of(d, {-1, 8, 8, 3}), (Shape{-1, 6, 6, 6}));
  EXPECT_EQ(d->weights()[0].name, "kernel");
  EXPECT_EQ(d->weights()[0].value.shape(), (Shape{6, 1, 3, 3}));
  EXPECT_EQ(d->count_params(), 3 * 2 * 9 + 6);  // Keras: (3, 3, 3, 2) + 6 = 60
  EXPECT_EQ(init->last_fans.fan_in, 3 * 9);     // Keras's fans of its (3, 3, in, multiplier) kernel
  EXPECT_EQ(init->last_fans.fan_out, 2 * 9);
  EXPECT_EQ(d->macs({Shape{-1, 8, 8, 3}}, Shape{-1, 6, 6, 6}), 6 * 6 * 6 * 9);
  EXPECT_EQ(output_of(DepthwiseConv2D({.kernel_size = {3}, .strides = {2}, .padding = Padding::same}), {-1, 7, 7, 4}),
            (Shape{-1, 4, 4, 4}));
}

TEST(DepthwiseConv2DLayerTest, EqualsConvolutionWithBlockDiagonalKernel) {
  const Layer d = DepthwiseConv2D({.kernel_size = {3, 2},
                                   .padding = Padding::same,
                                   .depth_multiplier = 2,
                                   .bias_initializer = initializers::Constant(0.3)});
  const Tensor x = random32({2, 5, 4, 3});
  const Tensor y = d(x);
  const Tensor expected = conv(x, {dense_equivalent(d->weights()[0].value, 3, 2), d->weights()[1].value},
                               {.padding = Padding::same, .layout = Layout::channels_last});
  expect_close(y, expected, 1e-5, 1e-5);
}

TEST(DepthwiseConv2DLayerTest, ChannelsFirstAndGradients) {
  const Layer last = DepthwiseConv2D({.kernel_size = {2}, .depth_multiplier = 2});
  const Layer first =
      DepthwiseConv2D({.kernel_size = {2}, .depth_multiplier = 2, .data_format = DataFormat::channels_first});
  const Tensor x_cf = random32({2, 2, 4, 4}, 5);
  const Tensor y_cl = last(testing::to_channels_last(x_cf));
  first->ensure_built({x_cf.shape()});
  first->set_weights(last->get_weights());
  const Tensor y_cf = first(x_cf);
  expect_close(testing::to_channels_last(y_cf), y_cl, 1e-5, 1e-5);
  sum(y_cf).backward();
  expect_close(first->weights()[1].value.grad(), Tensor::full({4}, 2 * 3 * 3));
  EXPECT_TRUE(first->weights()[0].value.grad().defined());
}

TEST(SeparableConv2DLayerTest, ShapesParamsAndWeightNames) {
  const Layer s = SeparableConv2D({.filters = 8, .kernel_size = {3}});
  EXPECT_EQ(output_of(s, {-1, 8, 8, 3}), (Shape{-1, 6, 6, 8}));
  EXPECT_EQ(s->count_params(), 27 + 24 + 8);  // Keras: (3, 3, 3, 1) + (1, 1, 3, 8) + 8 = 59
  ASSERT_EQ(s->weights().size(), 3u);
  EXPECT_EQ(s->weights()[0].name, "depthwise_kernel");
  EXPECT_EQ(s->weights()[1].name, "pointwise_kernel");
  EXPECT_EQ(s->weights()[2].name, "bias");
  EXPECT_EQ(s->weights()[1].value.shape(), (Shape{8, 3, 1, 1}));
  const Layer m = SeparableConv2D(
      {.filters = 4, .kernel_size = {3}, .padding = Padding::same, .depth_multiplier = 2, .use_bias = false});
  EXPECT_EQ(output_of(m, {-1, 5, 5, 3}), (Shape{-1, 5, 5, 4}));
  EXPECT_EQ(m->count_params(), 3 * 2 * 9 + 6 * 4);
  EXPECT_EQ(m->macs({Shape{-1, 5, 5, 3}}, Shape{-1, 5, 5, 4}), 25 * 6 * (9 + 4));
}

TEST(SeparableConv2DLayerTest, EqualsDepthwiseThenPointwise) {
  auto pointwise_fans = std::make_shared<testing::RecordingInitializer>();
  const Layer s = SeparableConv2D({.filters = 5,
                                   .kernel_size = {3},
                                   .strides = {2},
                                   .depth_multiplier = 2,
                                   .activation = Activation::of(ActivationKind::tanh),
                                   .pointwise_initializer = pointwise_fans,
                                   .bias_initializer = initializers::Constant(0.1)});
  const Tensor x = random32({1, 7, 7, 2});
  const Tensor y = s(x);
  EXPECT_EQ(pointwise_fans->last_fans.fan_in, 4);
  EXPECT_EQ(pointwise_fans->last_fans.fan_out, 5);
  // The layer's pointwise kernel is the constant 0.5 (the recording initializer); randomize it for the check.
  s->weights()[1].value.copy_(random32({5, 4, 1, 1}, 9));
  const Tensor mid = conv(x, {dense_equivalent(s->weights()[0].value, 2, 2), Tensor()},
                          {.strides = {2}, .layout = Layout::channels_last});
  const Tensor expected = conv(mid, {s->weights()[1].value, s->weights()[2].value},
                               {.layout = Layout::channels_last, .activation = Activation::of(ActivationKind::tanh)});
  expect_close(s(x), expected, 1e-5, 1e-5);
  EXPECT_EQ(y.shape(), (Shape{1, 3, 3, 5}));
}

TEST(SeparableConv2DLayerTest, ChannelsFirstAndGradients) {
  const Layer last = SeparableConv2D({.filters = 3, .kernel_size = {2}});
  const Layer first = SeparableConv2D({.filters = 3, .kernel_size = {2}, .data_format = DataFormat::channels_first});
  const Tensor x_cf = random32({2, 2, 4, 4}, 8);
  const Tensor y_cl = last(testing::to_channels_last(x_cf));
  first->ensure_built({x_cf.shape()});
  first->set_weights(last->get_weights());
  const Tensor y_cf = first(x_cf);
  expect_close(testing::to_channels_last(y_cf), y_cl, 1e-5, 1e-5);
  sum(y_cf).backward();
  for (const Weight& w : first->weights()) EXPECT_TRUE(w.value.grad().defined()) << w.name;
  expect_close(first->weights()[2].value.grad(), Tensor::full({3}, 2 * 3 * 3));
}

TEST(DepthwiseSeparableLayerTest, ConfigRoundTrip) {
  expect_config_round_trip(DepthwiseConv2D({.kernel_size = {3},
                                            .strides = {2},
                                            .padding = Padding::same,
                                            .depth_multiplier = 3,
                                            .activation = Activation::relu(),
                                            .depthwise_regularizer = regularizers::L2(0.01)}),
                           {-1, 9, 9, 2});
  expect_config_round_trip(SeparableConv2D({.filters = 16,
                                            .kernel_size = {3, 5},
                                            .dilation_rate = {2},
                                            .depth_multiplier = 2,
                                            .pointwise_initializer = initializers::HeNormal()}),
                           {-1, 12, 12, 4});
  const nlohmann::json c = DepthwiseConv2D({.kernel_size = {3}})->config();
  EXPECT_EQ(c["depth_multiplier"], 1);
  EXPECT_FALSE(c.contains("filters"));
}

TEST(DepthwiseSeparableLayerTest, Errors) {
  expect_error<ValueError>([] { DepthwiseConv2D({.kernel_size = {3}, .depth_multiplier = 0}); },
                           "DepthwiseConv2D: depth_multiplier must be a positive integer, got 0");
  expect_error<ValueError>([] { SeparableConv2D({.kernel_size = {3}}); },
                           "SeparableConv2D: filters must be a positive integer, got 0");
  expect_error<ValueError>([] { SeparableConv2D({.filters = 2, .kernel_size = {3}, .padding = Padding::causal}); },
                           "SeparableConv2D: padding must be one of 'valid', 'same', 'full', got 'causal' (only Conv1D "
                           "supports 'causal')");
  const Layer d = DepthwiseConv2D({.kernel_size = {3}});
  expect_error<ShapeError>(
      [&] {
        d->ensure_built({Shape{-1, 8, 3}});
      },
      "DepthwiseConv2D 'depthwise_conv2d' expects a rank-4 input (None, height, width, channels) "
      "but got (None, 8, 3)");
  const Layer s = SeparableConv2D({.filters = 2, .kernel_size = {5}});
  expect_error<ShapeError>(
      [&] {
        s->ensure_built({Shape{-1, 4, 4, 3}});
      },
      "SeparableConv2D 'separable_conv2d': kernel 5x5 does not fit input 4x4 with padding='valid' "
      "(input shape (None, 4, 4, 3))");
}

}  // namespace
}  // namespace fovea
