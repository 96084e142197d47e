// Tests of Conv1D/Conv2D/Conv3D (src/layers/conv.cpp): shapes, Keras parameter counts (the seed model, the LWLS
// example and the slides' filter facts), forward values, gradients, channels_first, configs and error texts.
#include "fovea/layers/conv.h"

#include <gtest/gtest.h>

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

TEST(Conv2DLayerTest, SeedModelShapesAndParams) {
  const Layer c1 = Conv2D({.filters = 32, .kernel_size = {3}, .activation = Activation::relu()});
  EXPECT_EQ(output_of(c1, {-1, 28, 28, 1}), (Shape{-1, 26, 26, 32}));
  EXPECT_EQ(c1->count_params(), 320);
  const Layer c2 = Conv2D({.filters = 64, .kernel_size = {3, 3}, .activation = Activation::relu()});
  EXPECT_EQ(output_of(c2, {-1, 26, 26, 32}), (Shape{-1, 24, 24, 64}));
  EXPECT_EQ(c2->count_params(), 18496);
  EXPECT_EQ(c2->weights()[0].value.shape(), (Shape{64, 32, 3, 3}));
  EXPECT_EQ(c2->weights()[0].name, "kernel");
  EXPECT_EQ(c2->weights()[1].name, "bias");
}

TEST(Conv2DLayerTest, LwlsExampleShapesAndParams) {
  const Layer c1 = Conv2D({.filters = 4, .kernel_size = {5}, .strides = {1}, .padding = Padding::same});
  const Layer c2 = Conv2D({.filters = 8, .kernel_size = {5}, .strides = {2}, .padding = Padding::same});
  const Layer c3 = Conv2D({.filters = 12, .kernel_size = {4}, .strides = {2}, .padding = Padding::same});
  const Shape s1 = output_of(c1, {-1, 28, 28, 1});
  const Shape s2 = output_of(c2, s1);
  const Shape s3 = output_of(c3, s2);
  EXPECT_EQ(s1, (Shape{-1, 28, 28, 4}));
  EXPECT_EQ(s2, (Shape{-1, 14, 14, 8}));
  EXPECT_EQ(s3, (Shape{-1, 7, 7, 12}));
  EXPECT_EQ(s1[1] * s1[2] * s1[3], 3136);
  EXPECT_EQ(s2[1] * s2[2] * s2[3], 1568);
  EXPECT_EQ(s3[1] * s3[2] * s3[3], 588);
  EXPECT_EQ(c1->count_params(), 104);
  EXPECT_EQ(c2->count_params(), 808);
  EXPECT_EQ(c3->count_params(), 1548);
}

TEST(Conv2DLayerTest, SlideParameterFacts) {
  // One 5x5x3 filter: 75 weights and 1 bias; four of them: 300 weights and 4 biases.
  const Layer one = Conv2D({.filters = 1, .kernel_size = {5}, .use_bias = false});
  const Layer one_b = Conv2D({.filters = 1, .kernel_size = {5}});
  const Layer four = Conv2D({.filters = 4, .kernel_size = {5}, .use_bias = false});
  const Layer four_b = Conv2D({.filters = 4, .kernel_size = {5}});
  for (const Layer& l : {one, one_b, four, four_b}) l->ensure_built({Shape{-1, 32, 32, 3}});
  EXPECT_EQ(one->count_params(), 75);
  EXPECT_EQ(one_b->count_params(), 75 + 1);
  EXPECT_EQ(four->count_params(), 300);
  EXPECT_EQ(four_b->count_params(), 300 + 4);

  // Two stacked 3x3 filters see a 5x5 window with 18 weights; one 5x5 filter needs 25.
  const Layer a = Conv2D({.filters = 1, .kernel_size = {3}, .use_bias = false});
  const Layer b = Conv2D({.filters = 1, .kernel_size = {3}, .use_bias = false});
  const Layer big = Conv2D({.filters = 1, .kernel_size = {5}, .use_bias = false});
  const Shape after_a = output_of(a, {-1, 9, 9, 1});
  EXPECT_EQ(output_of(b, after_a), output_of(big, {-1, 9, 9, 1}));
  EXPECT_EQ(a->count_params() + b->count_params(), 18);
  EXPECT_EQ(big->count_params(), 25);
  const int64_t field = 1 + (a->spatial_window().kernel[0] - 1) + (b->spatial_window().kernel[0] - 1);
  EXPECT_EQ(field, big->spatial_window().kernel[0]);
}

TEST(Conv2DLayerTest, GroupsParamsAndFans) {
  auto init = std::make_shared<testing::RecordingInitializer>();
  const Layer c = Conv2D({.filters = 6, .kernel_size = {3}, .groups = 2, .kernel_initializer = init});
  EXPECT_EQ(output_of(c, {-1, 8, 8, 4}), (Shape{-1, 6, 6, 6}));
  EXPECT_EQ(c->weights()[0].value.shape(), (Shape{6, 2, 3, 3}));
  EXPECT_EQ(c->count_params(), 6 * 2 * 9 + 6);  // Keras: (3, 3, 2, 6) + 6 = 114
  // Keras: fan_in = in / groups * receptive, fan_out = filters * receptive.
  EXPECT_EQ(init->last_fans.fan_in, 2 * 9);
  EXPECT_EQ(init->last_fans.fan_out, 6 * 9);
  EXPECT_EQ(c->weights()[0].fan_in_axes, (Dims{1, 2, 3}));
}

TEST(Conv2DLayerTest, UnknownSpatialSizesStayUnknown) {
  const Layer c = Conv2D({.filters = 8, .kernel_size = {3}});
  EXPECT_EQ(output_of(c, {-1, -1, -1, 3}), (Shape{-1, -1, -1, 8}));
  EXPECT_EQ(c->count_params(), 8 * 3 * 9 + 8);
}

TEST(Conv2DLayerTest, ForwardMatchesConvOpWithFusedActivation) {
  const Layer c = Conv2D({.filters = 4,
                          .kernel_size = {3, 2},
                          .strides = {2, 1},
                          .padding = Padding::same,
                          .activation = Activation::relu(),
                          .bias_initializer = initializers::Constant(0.1)});
  const Tensor x = random32({2, 5, 6, 3});
  const Tensor y = c(x);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 6, 4}));
  const Tensor expected = conv(
      x, {c->weights()[0].value, c->weights()[1].value},
      {.strides = {2, 1}, .padding = Padding::same, .layout = Layout::channels_last, .activation = Activation::relu()});
  expect_close(y, expected, 1e-6, 1e-6);
  for (double v : y.to_vector()) EXPECT_GE(v, 0.0);
}

TEST(Conv1DLayerTest, HandValuesValidAndCausal) {
  // x = [1, 2, 3, 4], kernel [1, 2], bias 0.5.
  const Tensor x = Tensor::from_vector({1, 4, 1}, std::vector<double>{1, 2, 3, 4});
  const Layer valid = Conv1D({.filters = 1, .kernel_size = {2}});
  const Layer causal = Conv1D({.filters = 1, .kernel_size = {2}, .padding = Padding::causal});
  for (const Layer& l : {valid, causal}) {
    l->ensure_built({Shape{-1, 4, 1}});
    l->set_weights({Tensor::from_vector({1, 1, 2}, std::vector<double>{1, 2}), Tensor::full({1}, 0.5)});
  }
  expect_close(valid(x), Tensor::from_vector({1, 3, 1}, std::vector<double>{5.5, 8.5, 11.5}));
  // Causal: one zero in front, so output t sees x[t-1] and x[t] only.
  expect_close(causal(x), Tensor::from_vector({1, 4, 1}, std::vector<double>{2.5, 5.5, 8.5, 11.5}));
}

TEST(Conv1DLayerTest, DilatedCausalStackKeepsLength) {
  // WaveNet-style: dilations 1, 2, 4 with causal padding keep the sequence length.
  Shape s{-1, 16, 2};
  for (int64_t d : {1, 2, 4}) {
    const Layer c = Conv1D({.filters = 2, .kernel_size = {2}, .padding = Padding::causal, .dilation_rate = {d}});
    s = output_of(c, s);
    EXPECT_EQ(s, (Shape{-1, 16, 2}));
    EXPECT_EQ(c->spatial_window().kernel, (Dims{d + 1}));
  }
}

TEST(ConvLayerTest, ChannelsFirstMatchesChannelsLastOnPermutedData) {
  for (int rank = 1; rank <= 3; ++rank) {
    SCOPED_TRACE(rank);
    ConvOptions o{.filters = 3,
                  .kernel_size = {2},
                  .strides = {2},
                  .padding = Padding::same,
                  .activation = Activation::of(ActivationKind::tanh)};
    const Layer last = make_layer<ConvImpl>(rank, o);
    o.data_format = DataFormat::channels_first;
    const Layer first = make_layer<ConvImpl>(rank, o);
    Shape cf{2, 2};
    for (int i = 0; i < rank; ++i) cf.push_back(5);
    const Tensor x_cf = random32(cf, 3 + rank);
    const Tensor x_cl = testing::to_channels_last(x_cf);
    const Tensor y_cl = last(x_cl);
    first->ensure_built({x_cf.shape()});
    first->set_weights(last->get_weights());
    const Tensor y_cf = first(x_cf);
    EXPECT_EQ(first->count_params(), last->count_params());
    expect_close(testing::to_channels_last(y_cf), y_cl, 1e-5, 1e-5);
  }
}

TEST(Conv2DLayerTest, GradientsReachKernelAndBias) {
  const Layer c = Conv2D({.filters = 2, .kernel_size = {3}});
  const Tensor x = random32({2, 5, 5, 1});
  sum(c(x)).backward();
  // d sum / d bias = number of output positions over the batch: 2 * 3 * 3.
  expect_close(c->weights()[1].value.grad(), Tensor::full({2}, 18.0));
  // d sum / d kernel[o, 0, i, j] = sum of x over the windows' (i, j) offsets.
  const Tensor dk = c->weights()[0].value.grad();
  ASSERT_EQ(dk.shape(), (Shape{2, 1, 3, 3}));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      double expected = 0;
      for (int b = 0; b < 2; ++b)
        for (int p = 0; p < 3; ++p)
          for (int q = 0; q < 3; ++q) expected += x.at({b, p + i, q + j, 0});
      EXPECT_NEAR(dk.at({0, 0, i, j}), expected, 1e-4);
      EXPECT_NEAR(dk.at({1, 0, i, j}), expected, 1e-4);
    }
  }
}

TEST(Conv2DLayerTest, RegularizersAndMacs) {
  const Layer c = Conv2D({.filters = 32,
                          .kernel_size = {3},
                          .kernel_initializer = initializers::Ones(),
                          .kernel_regularizer = regularizers::L2(0.01),
                          .activity_regularizer = regularizers::L1(0.5)});
  const Shape out = output_of(c, {-1, 28, 28, 1});
  EXPECT_EQ(c->macs({Shape{-1, 28, 28, 1}}, out), 26 * 26 * 32 * 9);
  EXPECT_NEAR(c->regularization_loss().item(), 0.01 * 32 * 9, 1e-4);
  const Tensor y = c(Tensor::full({1, 28, 28, 1}, 1.0));
  // Ones kernel on ones input: every output is 9, so the activity penalty is 0.5 * 9 * 26 * 26 * 32.
  EXPECT_NEAR(c->regularization_loss().item(), 0.01 * 32 * 9 + 0.5 * 9 * 26 * 26 * 32, 1.0);
  const SpatialWindow w = Conv2D({.filters = 1, .kernel_size = {3}, .dilation_rate = {2}})->spatial_window();
  EXPECT_EQ(w.kernel, (Dims{5, 5}));
  EXPECT_EQ(w.strides, (Dims{1, 1}));
}

TEST(ConvLayerTest, ConfigRoundTrip) {
  expect_config_round_trip(Conv2D({.filters = 32,
                                   .kernel_size = {3},
                                   .activation = Activation::relu(),
                                   .kernel_regularizer = regularizers::L2(0.001),
                                   .name = "conv2d_7"}),
                           {-1, 28, 28, 1});
  expect_config_round_trip(
      Conv1D({.filters = 4, .kernel_size = {3}, .padding = Padding::causal, .dilation_rate = {2}, .use_bias = false}),
      {-1, 20, 3});
  expect_config_round_trip(Conv3D({.filters = 4,
                                   .kernel_size = {1, 2, 3},
                                   .strides = {1, 2, 1},
                                   .data_format = DataFormat::channels_first,
                                   .groups = 2}),
                           {-1, 4, 6, 6, 6});
  const nlohmann::json c = Conv2D({.filters = 8, .kernel_size = {3}})->config();
  EXPECT_EQ(c["kernel_size"], nlohmann::json::parse("[3, 3]"));
  EXPECT_EQ(c["strides"], nlohmann::json::parse("[1, 1]"));
  EXPECT_EQ(c["padding"], "valid");
  EXPECT_EQ(c["data_format"], "channels_last");
  EXPECT_EQ(c["activation"], "linear");
  EXPECT_EQ(c["groups"], 1);
}

TEST(ConvLayerTest, HandWrittenKerasConfigLoads) {
  const auto config = nlohmann::json::parse(R"({"name": "conv2d", "filters": 32, "kernel_size": [3, 3],
      "activation": "relu", "padding": "same", "strides": 2, "kernel_initializer": "he_normal"})");
  const Layer c = layer_from_config("Conv2D", config, "layers[1]");
  EXPECT_EQ(c->name(), "conv2d");
  EXPECT_EQ(output_of(c, {-1, 28, 28, 1}), (Shape{-1, 14, 14, 32}));
  EXPECT_EQ(c->count_params(), 320);
  auto* impl = c.as<ConvImpl>();
  ASSERT_NE(impl, nullptr);
  EXPECT_EQ(impl->options().activation, Activation::relu());
}

TEST(ConvLayerTest, ConstructionErrors) {
  expect_error<ValueError>([] { Conv2D({.kernel_size = {3}}); }, "Conv2D: filters must be a positive integer, got 0");
  expect_error<ValueError>([] { Conv2D({.filters = 8}); },
                           "Conv2D: kernel_size is required (one value, or one per spatial dimension)");
  expect_error<ValueError>(
      [] {
        Conv2D({.filters = 8, .kernel_size = {3, 3, 3}});
      },
      "Conv2D: kernel_size must have 1 or 2 values (one per spatial dimension), got 3 (3, 3, 3)");
  expect_error<ValueError>([] { Conv3D({.filters = 8, .kernel_size = {3}, .strides = {0}}); },
                           "Conv3D: strides must be positive, got (0, 0, 0)");
  expect_error<ValueError>([] { Conv2D({.filters = 10, .kernel_size = {3}, .groups = 4}); },
                           "Conv2D: the number of filters must be divisible by groups, got filters=10 and groups=4");
  expect_error<ValueError>([] { Conv2D({.filters = 8, .kernel_size = {3}, .strides = {2}, .dilation_rate = {2}}); },
                           "Conv2D: strides > 1 cannot be combined with dilation_rate > 1 (as in Keras), got strides "
                           "(2, 2) and dilation_rate (2, 2)");
  expect_error<ValueError>([] { Conv2D({.filters = 8, .kernel_size = {3}, .padding = Padding::causal}); },
                           "Conv2D: padding must be one of 'valid', 'same', 'full', got 'causal' (only Conv1D "
                           "supports 'causal')");
  expect_error<ValueError>(
      [] { layer_from_config("Conv2D", nlohmann::json::parse(R"({"filters": 0, "kernel_size": 3})"), "layers[2]"); },
      "layers[2] (Conv2D): Conv2D: filters must be a positive integer, got 0");
  expect_error<ValueError>(
      [] {
        layer_from_config("Conv3D", nlohmann::json::parse(R"({"filters": 2, "kernel_size": 3, "padding": "causal"})"),
                          "layers[4]");
      },
      "layers[4] (Conv3D): Conv3D: padding must be one of 'valid', 'same', 'full', got 'causal' (only Conv1D supports "
      "'causal')");
}

TEST(ConvLayerTest, BuildErrors) {
  const Layer c = Conv2D({.filters = 32, .kernel_size = {3}});
  expect_error<ShapeError>(
      [&] {
        c(Input({28, 28}));
      },
      "Conv2D 'conv2d' expects a rank-4 input (None, height, width, channels) but got (None, 28, "
      "28)");
  const Layer cf = Conv1D({.filters = 2, .kernel_size = {3}, .data_format = DataFormat::channels_first});
  expect_error<ShapeError>(
      [&] {
        cf->ensure_built({Shape{-1, 28, 28, 1}});
      },
      "Conv1D 'conv1d' expects a rank-3 input (None, channels, steps) but got (None, 28, 28, 1)");
  const Layer big = Conv2D({.filters = 8, .kernel_size = {5}, .name = "conv2d_3"});
  expect_error<ShapeError>(
      [&] {
        big->ensure_built({Shape{-1, 3, 3, 64}});
      },
      "Conv2D 'conv2d_3': kernel 5x5 does not fit input 3x3 with padding='valid' (input shape "
      "(None, 3, 3, 64))");
  const Layer dilated = Conv2D({.filters = 8, .kernel_size = {3}, .dilation_rate = {3}});
  expect_error<ShapeError>(
      [&] {
        dilated->ensure_built({Shape{-1, 6, 6, 1}});
      },
      "Conv2D 'conv2d': kernel 3x3 with dilation 3x3 does not fit input 6x6 with padding='valid' "
      "(input shape (None, 6, 6, 1))");
  const Layer grouped = Conv2D({.filters = 8, .kernel_size = {3}, .groups = 4});
  expect_error<ShapeError>(
      [&] {
        grouped->ensure_built({Shape{-1, 8, 8, 6}});
      },
      "Conv2D 'conv2d': groups=4 does not divide the 6 input channels (input shape (None, 8, 8, "
      "6))");
  EXPECT_FALSE(grouped->built());
}

}  // namespace
}  // namespace fovea
