// Tests of the pooling layers (src/layers/pooling.cpp): shapes with Keras's defaults, hand values for max,
// average and L2 pooling, 'same' padding, gradients, channels_first, global pooling with keepdims, configs and
// error texts.
#include "fovea/layers/pooling.h"

#include <gtest/gtest.h>

#include <cmath>

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

// 1..16 as a (1, 4, 4, 1) image.
Tensor counting_image() {
  std::vector<double> v(16);
  for (int i = 0; i < 16; ++i) v[i] = i + 1;
  return Tensor::from_vector({1, 4, 4, 1}, v);
}

TEST(PoolingLayerTest, DefaultsHalveTheImage) {
  const Layer p = MaxPooling2D();
  EXPECT_EQ(output_of(p, {-1, 24, 24, 64}), (Shape{-1, 12, 12, 64}));
  EXPECT_EQ(p->count_params(), 0);
  EXPECT_EQ(p->class_name(), "MaxPooling2D");
  EXPECT_EQ(p->spatial_window().kernel, (Dims{2, 2}));
  EXPECT_EQ(p->spatial_window().strides, (Dims{2, 2}));
  EXPECT_EQ(output_of(MaxPooling2D({.strides = {1}}), {-1, 24, 24, 64}), (Shape{-1, 23, 23, 64}));
  EXPECT_EQ(output_of(AveragePooling1D({.pool_size = {3}}), {-1, 10, 4}), (Shape{-1, 3, 4}));
  EXPECT_EQ(output_of(L2Pooling3D({.data_format = DataFormat::channels_first}), {-1, 5, 4, 6, -1}),
            (Shape{-1, 5, 2, 3, -1}));
  EXPECT_EQ(output_of(MaxPooling2D({.pool_size = {2}, .padding = Padding::same}), {-1, 5, 5, 1}), (Shape{-1, 3, 3, 1}));
  EXPECT_EQ(output_of(AveragePooling2D({.pool_size = {3, 1}, .strides = {2, 1}}), {-1, 7, 7, 2}), (Shape{-1, 3, 7, 2}));
}

TEST(PoolingLayerTest, HandValues) {
  const Tensor x = counting_image();
  expect_close(MaxPooling2D()(x), Tensor::from_vector({1, 2, 2, 1}, std::vector<double>{6, 8, 14, 16}));
  expect_close(AveragePooling2D()(x), Tensor::from_vector({1, 2, 2, 1}, std::vector<double>{3.5, 5.5, 11.5, 13.5}));
  const double l2 = std::sqrt(1.0 + 4 + 25 + 36);
  EXPECT_NEAR(L2Pooling2D()(x).at({0, 0, 0, 0}), l2, 1e-5);
  // 'same' averages leave the padding out (Keras): [1, 2, 3] with windows [1, 2] and [3].
  const Tensor seq = Tensor::from_vector({1, 3, 1}, std::vector<double>{1, 2, 3});
  expect_close(AveragePooling1D({.padding = Padding::same})(seq),
               Tensor::from_vector({1, 2, 1}, std::vector<double>{1.5, 3}));
  const Tensor neg = Tensor::from_vector({1, 3, 1}, std::vector<double>{-1, -2, -3});
  expect_close(MaxPooling1D({.padding = Padding::same})(neg),
               Tensor::from_vector({1, 2, 1}, std::vector<double>{-1, -3}));
}

TEST(PoolingLayerTest, GradientGoesToTheMaxima) {
  Tensor x = counting_image();
  x.set_requires_grad(true);
  sum(MaxPooling2D()(x)).backward();
  const std::vector<double> g = x.grad().to_vector();
  for (int i = 0; i < 16; ++i) {
    const bool is_max = i == 5 || i == 7 || i == 13 || i == 15;
    EXPECT_EQ(g[i], is_max ? 1.0 : 0.0) << i;
  }
}

TEST(PoolingLayerTest, ChannelsFirstMatchesChannelsLastOnPermutedData) {
  for (PoolKind kind : {PoolKind::max, PoolKind::average, PoolKind::l2}) {
    for (int rank = 1; rank <= 3; ++rank) {
      SCOPED_TRACE(::testing::Message() << "rank " << rank << " kind " << static_cast<int>(kind));
      const PoolingOptions o{.pool_size = {3}, .strides = {2}, .padding = Padding::same};
      PoolingOptions of = o;
      of.data_format = DataFormat::channels_first;
      const Layer last = make_layer<PoolingImpl>(kind, rank, o);
      const Layer first = make_layer<PoolingImpl>(kind, rank, of);
      Shape cf{2, 3};
      for (int i = 0; i < rank; ++i) cf.push_back(5);
      const Tensor x_cf = random32(cf, 30 + rank);
      expect_close(testing::to_channels_last(first(x_cf)), last(testing::to_channels_last(x_cf)), 1e-5, 1e-5);
    }
  }
}

TEST(GlobalPoolingLayerTest, ShapesAndValues) {
  EXPECT_EQ(output_of(GlobalAveragePooling2D(), {-1, 7, 7, 64}), (Shape{-1, 64}));
  EXPECT_EQ(output_of(GlobalAveragePooling2D({.keepdims = true}), {-1, 7, 7, 64}), (Shape{-1, 1, 1, 64}));
  EXPECT_EQ(
      output_of(GlobalMaxPooling3D({.data_format = DataFormat::channels_first, .keepdims = true}), {-1, 8, 3, 3, 3}),
      (Shape{-1, 8, 1, 1, 1}));
  EXPECT_EQ(output_of(GlobalMaxPooling1D(), {-1, -1, 5}), (Shape{-1, 5}));
  EXPECT_EQ(GlobalAveragePooling1D()->class_name(), "GlobalAveragePooling1D");
  const Tensor x = counting_image();
  expect_close(GlobalAveragePooling2D()(x), Tensor::from_vector({1, 1}, std::vector<double>{8.5}));
  expect_close(GlobalMaxPooling2D({.keepdims = true})(x), Tensor::from_vector({1, 1, 1, 1}, std::vector<double>{16}));
  // channels_first on permuted data gives the same numbers.
  const Tensor x_cf = random32({2, 3, 4, 5}, 4);
  expect_close(GlobalAveragePooling2D({.data_format = DataFormat::channels_first})(x_cf),
               GlobalAveragePooling2D()(testing::to_channels_last(x_cf)), 1e-6, 1e-6);
  expect_close(GlobalMaxPooling2D({.data_format = DataFormat::channels_first})(x_cf),
               GlobalMaxPooling2D()(testing::to_channels_last(x_cf)), 1e-6, 1e-6);
}

TEST(GlobalPoolingLayerTest, GradientOfTheAverage) {
  Tensor x = random32({1, 2, 2, 3});
  x.set_requires_grad(true);
  sum(GlobalAveragePooling2D()(x)).backward();
  expect_close(x.grad(), Tensor::full({1, 2, 2, 3}, 0.25));
}

TEST(PoolingLayerTest, ConfigRoundTrip) {
  expect_config_round_trip(MaxPooling2D({.name = "max_pooling2d_3"}), {-1, 24, 24, 64});
  expect_config_round_trip(AveragePooling1D({.pool_size = {3}, .strides = {1}, .padding = Padding::same}), {-1, 9, 2});
  expect_config_round_trip(L2Pooling3D({.pool_size = {1, 2, 2}, .data_format = DataFormat::channels_first}),
                           {-1, 2, 4, 4, 4});
  expect_config_round_trip(GlobalMaxPooling2D({.keepdims = true}), {-1, 5, 5, 3});
  expect_config_round_trip(GlobalAveragePooling3D({.data_format = DataFormat::channels_first}), {-1, 3, 2, 2, 2});
  const nlohmann::json c = MaxPooling2D()->config();
  EXPECT_EQ(c["pool_size"], nlohmann::json::parse("[2, 2]"));
  EXPECT_EQ(c["strides"], nlohmann::json::parse("[2, 2]"));
  EXPECT_EQ(c["padding"], "valid");
  // A Keras config with strides null means strides = pool_size.
  const Layer p = layer_from_config(
      "MaxPooling2D", nlohmann::json::parse(R"({"name": "pool", "pool_size": [3, 3], "strides": null})"), "layers[2]");
  EXPECT_EQ(output_of(p, {-1, 9, 9, 1}), (Shape{-1, 3, 3, 1}));
}

TEST(PoolingLayerTest, Errors) {
  expect_error<ValueError>([] { MaxPooling2D({.pool_size = {0}}); },
                           "MaxPooling2D: pool_size must be positive, got (0, 0)");
  expect_error<ValueError>(
      [] {
        AveragePooling3D({.pool_size = {2, 2}});
      },
      "AveragePooling3D: pool_size must have 1 or 3 values (one per spatial dimension), got 2 (2, "
      "2)");
  expect_error<ValueError>([] { L2Pooling2D({.padding = Padding::full}); },
                           "L2Pooling2D: padding must be one of 'valid', 'same', got 'full'");
  expect_error<ValueError>(
      [] { layer_from_config("MaxPooling1D", nlohmann::json::parse(R"({"pool_size": 0})"), "layers[5]"); },
      "layers[5] (MaxPooling1D): MaxPooling1D: pool_size must be positive, got (0)");
  const Layer p = MaxPooling2D();
  expect_error<ShapeError>(
      [&] {
        p->ensure_built({Shape{-1, 24, 24}});
      },
      "MaxPooling2D 'max_pooling2d' expects a rank-4 input (None, height, width, channels) but got "
      "(None, 24, 24)");
  expect_error<ShapeError>(
      [&] {
        p->ensure_built({Shape{-1, 1, 1, 8}});
      },
      "MaxPooling2D 'max_pooling2d': pool window 2x2 does not fit input 1x1 with padding='valid' "
      "(input shape (None, 1, 1, 8))");
  const Layer g = GlobalAveragePooling2D();
  expect_error<ShapeError>(
      [&] {
        g->ensure_built({Shape{-1, 64}});
      },
      "GlobalAveragePooling2D 'global_average_pooling2d' expects a rank-4 input (None, height, "
      "width, channels) but got (None, 64)");
}

}  // namespace
}  // namespace fovea
