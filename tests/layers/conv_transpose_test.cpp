// Tests of Conv1DTranspose/Conv2DTranspose/Conv3DTranspose (src/layers/conv_transpose.cpp): Keras's output sizes
// for 'valid', 'same' and output_padding, parameter counts and fans, hand values, gradients, channels_first,
// configs and error texts.
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

TEST(ConvTransposeLayerTest, KerasOutputSizes) {
  const Shape in{-1, 8, 8, 4};
  EXPECT_EQ(
      output_of(Conv2DTranspose({.filters = 16, .kernel_size = {3}, .strides = {2}, .padding = Padding::same}), in),
      (Shape{-1, 16, 16, 16}));
  // 'valid': input * stride + max(kernel - stride, 0).
  EXPECT_EQ(output_of(Conv2DTranspose({.filters = 16, .kernel_size = {3}, .strides = {2}}), in),
            (Shape{-1, 17, 17, 16}));
  EXPECT_EQ(output_of(Conv2DTranspose({.filters = 1, .kernel_size = {2}, .strides = {3}}), in), (Shape{-1, 24, 24, 1}));
  // With output_padding: (input - 1) * stride + kernel - 2 * pad + output_padding.
  EXPECT_EQ(
      output_of(
          Conv2DTranspose(
              {.filters = 2, .kernel_size = {3}, .strides = {2}, .padding = Padding::same, .output_padding = {1}}),
          in),
      (Shape{-1, 16, 16, 2}));
  EXPECT_EQ(
      output_of(Conv2DTranspose({.filters = 2, .kernel_size = {3}, .strides = {2}, .output_padding = {1, 0}}), in),
      (Shape{-1, 18, 17, 2}));
  EXPECT_EQ(output_of(Conv1DTranspose({.filters = 3, .kernel_size = {4}, .dilation_rate = {2}}), {-1, 10, 2}),
            (Shape{-1, 16, 3}));
  EXPECT_EQ(
      output_of(Conv3DTranspose(
                    {.filters = 3, .kernel_size = {2}, .strides = {2}, .data_format = DataFormat::channels_first}),
                {-1, 2, 3, -1, 5}),
      (Shape{-1, 3, 6, -1, 10}));
}

TEST(ConvTransposeLayerTest, ParamsMatchKerasAndFansFollowItsKernelLayout) {
  auto init = std::make_shared<testing::RecordingInitializer>();
  const Layer t = Conv2DTranspose({.filters = 16, .kernel_size = {3}, .kernel_initializer = init});
  t->ensure_built({Shape{-1, 8, 8, 4}});
  EXPECT_EQ(t->weights()[0].value.shape(), (Shape{4, 16, 3, 3}));
  EXPECT_EQ(t->count_params(), 4 * 16 * 9 + 16);  // Keras: (3, 3, 16, 4) + 16 = 592
  // Keras's kernel (k, k, filters, in) gives fan_in = filters * 9, fan_out = in * 9.
  EXPECT_EQ(init->last_fans.fan_in, 16 * 9);
  EXPECT_EQ(init->last_fans.fan_out, 4 * 9);
  EXPECT_EQ(t->weights()[0].fan_in_axes, (Dims{0, 2, 3}));
  EXPECT_EQ(t->macs({Shape{-1, 8, 8, 4}}, Shape{-1, 10, 10, 16}), 8 * 8 * 4 * 16 * 9);
}

TEST(ConvTransposeLayerTest, HandValues) {
  // One channel, x = [1, 2], kernel [1, 10]: each input stamps a scaled copy of the kernel at position i * stride.
  const Tensor x = Tensor::from_vector({1, 2, 1}, std::vector<double>{1, 2});
  const Layer s1 = Conv1DTranspose({.filters = 1, .kernel_size = {2}, .use_bias = false});
  const Layer s3 = Conv1DTranspose({.filters = 1, .kernel_size = {2}, .strides = {3}, .use_bias = false});
  for (const Layer& l : {s1, s3}) {
    l->ensure_built({Shape{-1, 2, 1}});
    l->set_weights({Tensor::from_vector({1, 1, 2}, std::vector<double>{1, 10})});
  }
  expect_close(s1(x), Tensor::from_vector({1, 3, 1}, std::vector<double>{1, 12, 20}));
  // Keras keeps the gap after the last stamp: length 2 * 3 = 6.
  expect_close(s3(x), Tensor::from_vector({1, 6, 1}, std::vector<double>{1, 10, 0, 2, 20, 0}));
}

TEST(ConvTransposeLayerTest, ForwardMatchesOpAndActivationApplies) {
  const Layer t = Conv2DTranspose({.filters = 3,
                                   .kernel_size = {3},
                                   .strides = {2},
                                   .padding = Padding::same,
                                   .activation = Activation::relu(),
                                   .bias_initializer = initializers::Constant(-0.2)});
  const Tensor x = random32({2, 3, 4, 2});
  const Tensor y = t(x);
  EXPECT_EQ(y.shape(), (Shape{2, 6, 8, 3}));
  const Tensor expected = conv_transpose(
      x, {t->weights()[0].value, t->weights()[1].value},
      {.strides = {2}, .padding = Padding::same, .layout = Layout::channels_last, .activation = Activation::relu()});
  expect_close(y, expected, 1e-6, 1e-6);
}

TEST(ConvTransposeLayerTest, ChannelsFirstMatchesChannelsLastOnPermutedData) {
  for (int rank = 1; rank <= 3; ++rank) {
    SCOPED_TRACE(rank);
    ConvTransposeOptions o{.filters = 2, .kernel_size = {3}, .strides = {2}, .output_padding = {1}};
    const Layer last = make_layer<ConvTransposeImpl>(rank, o);
    o.data_format = DataFormat::channels_first;
    const Layer first = make_layer<ConvTransposeImpl>(rank, o);
    Shape cf{1, 3};
    for (int i = 0; i < rank; ++i) cf.push_back(3);
    const Tensor x_cf = random32(cf, 20 + rank);
    const Tensor y_cl = last(testing::to_channels_last(x_cf));
    first->ensure_built({x_cf.shape()});
    first->set_weights(last->get_weights());
    expect_close(testing::to_channels_last(first(x_cf)), y_cl, 1e-5, 1e-5);
  }
}

TEST(ConvTransposeLayerTest, GradientsReachKernelAndBias) {
  const Layer t = Conv2DTranspose({.filters = 2, .kernel_size = {2}, .strides = {2}});
  const Tensor x = random32({2, 3, 3, 1});
  sum(t(x)).backward();
  expect_close(t->weights()[1].value.grad(), Tensor::full({2}, 2 * 6 * 6));
  // Each kernel tap multiplies every input value once: d sum / d kernel = sum of x, for every tap.
  double total = 0;
  for (double v : x.to_vector()) total += v;
  expect_close(t->weights()[0].value.grad(), Tensor::full({1, 2, 2, 2}, total), 1e-4, 1e-4);
}

TEST(ConvTransposeLayerTest, ConfigRoundTrip) {
  expect_config_round_trip(Conv2DTranspose({.filters = 8,
                                            .kernel_size = {3},
                                            .strides = {2},
                                            .padding = Padding::same,
                                            .activation = Activation::of(ActivationKind::sigmoid)}),
                           {-1, 7, 7, 4});
  expect_config_round_trip(Conv1DTranspose({.filters = 2, .kernel_size = {3}, .strides = {2}, .output_padding = {1}}),
                           {-1, 9, 3});
  expect_config_round_trip(Conv3DTranspose({.filters = 4, .kernel_size = {2}, .groups = 2}), {-1, 3, 3, 3, 2});
  const nlohmann::json keras_like = Conv2DTranspose({.filters = 8, .kernel_size = {3}})->config();
  EXPECT_TRUE(keras_like["output_padding"].is_null());
  EXPECT_FALSE(keras_like.contains("groups"));  // Keras's transposed convolutions have no groups argument
}

TEST(ConvTransposeLayerTest, Errors) {
  expect_error<ValueError>(
      [] { Conv2DTranspose({.filters = 4, .kernel_size = {3}, .strides = {2}, .output_padding = {2}}); },
      "Conv2DTranspose: output_padding must be non-negative and smaller than strides, got output_padding (2, 2) and "
      "strides (2, 2)");
  expect_error<ValueError>([] { Conv1DTranspose({.filters = 4, .kernel_size = {3}, .padding = Padding::causal}); },
                           "Conv1DTranspose: padding must be one of 'valid', 'same', got 'causal' (only Conv1D "
                           "supports 'causal')");
  expect_error<ValueError>(
      [] { Conv2DTranspose({.filters = 4, .kernel_size = {3}, .strides = {2}, .dilation_rate = {2}}); },
      "Conv2DTranspose: strides > 1 cannot be combined with dilation_rate > 1 (as in Keras), got "
      "strides (2, 2) and dilation_rate (2, 2)");
  expect_error<ValueError>([] { Conv3DTranspose({.kernel_size = {3}}); },
                           "Conv3DTranspose: filters must be a positive integer, got 0");
  const Layer t = Conv2DTranspose({.filters = 4, .kernel_size = {3}});
  expect_error<ShapeError>(
      [&] {
        t->ensure_built({Shape{-1, 8, 8}});
      },
      "Conv2DTranspose 'conv2d_transpose' expects a rank-4 input (None, height, width, channels) "
      "but got (None, 8, 8)");
  const Layer even = Conv1DTranspose(
      {.filters = 1, .kernel_size = {2}, .strides = {2}, .padding = Padding::same, .output_padding = {0}});
  expect_error<ShapeError>(
      [&] {
        even->ensure_built({Shape{-1, 1, 1}});
      },
      "Conv1DTranspose 'conv1d_transpose': kernel 2 with padding='same' and output_padding (0) "
      "leaves no output for input 1 (input shape (None, 1, 1))");
}

}  // namespace
}  // namespace fovea
