// Tests of Flatten, Reshape, Permute, ZeroPadding1D/2D/3D and Cropping1D/2D/3D.
#include "fovea/layers/reshaping.h"

#include <gtest/gtest.h>

#include "gradcheck.h"
#include "layers/misc_layer_test_util.h"

namespace fovea::testing {
namespace {

// Checks that backward of sum(layer(x)) gives x a gradient of `count` ones and zeros elsewhere (data movement
// passes each kept element's gradient through unchanged).
void expect_unit_gradient(const Layer& layer, const Tensor& x_in, int64_t expected_ones) {
  Tensor x = x_in.clone();
  x.set_requires_grad(true);
  sum(run_layer(layer, {x})).backward();
  ASSERT_TRUE(x.grad().defined());
  int64_t ones = 0;
  for (double g : x.grad().to_vector()) {
    EXPECT_TRUE(g == 0.0 || g == 1.0) << g;
    ones += g == 1.0;
  }
  EXPECT_EQ(ones, expected_ones);
}

TEST(ReshapingLayers, FlattenShapeAndParams) {
  const Layer flatten = Flatten();
  EXPECT_EQ(flatten->compute_output_shape({Shape{-1, 12, 12, 64}}), (Shape{-1, 9216}));
  EXPECT_EQ(flatten->compute_output_shape({Shape{-1, 7}}), (Shape{-1, 7}));
  EXPECT_EQ(flatten->compute_output_shape({Shape{-1, -1, 3}}), (Shape{-1, -1}));
  flatten->ensure_built({Shape{-1, 12, 12, 64}});
  EXPECT_EQ(flatten->count_params(), 0);
  EXPECT_EQ(flatten->default_name_base(), "flatten");
}

TEST(ReshapingLayers, FlattenForwardBothFormats) {
  const Tensor x = uniform32({2, 3, 4, 5});
  const Tensor y = run_layer(Flatten(), {x});
  expect_close(y, x.view({2, 60}), 0, 0);
  // A channels_first input gives the channels_last feature order.
  const Tensor x_first = permute(x, {0, 3, 1, 2});
  const Tensor y_first = run_layer(Flatten({.data_format = DataFormat::channels_first}), {x_first});
  expect_close(y_first, y, 0, 0);
  expect_unit_gradient(Flatten({.data_format = DataFormat::channels_first}), x_first, 120);
}

TEST(ReshapingLayers, FlattenConfigAndErrors) {
  const Layer flatten = Flatten({.data_format = DataFormat::channels_first, .name = "flat"});
  EXPECT_EQ(flatten->config().dump(), R"({"data_format":"channels_first","name":"flat","trainable":true})");
  expect_round_trip(flatten, {Shape{-1, 3, 4, 5}});
  EXPECT_EQ(error_text<ShapeError>([&] { flatten->ensure_built({Shape{}}); }),
            "Flatten 'flat' expects an input with a batch axis but got a scalar");
}

TEST(ReshapingLayers, ReshapeShapes) {
  EXPECT_EQ(Reshape({.target_shape = {3, -1}})->compute_output_shape({Shape{-1, 2, 6}}), (Shape{-1, 3, 4}));
  EXPECT_EQ(Reshape({.target_shape = {12}})->compute_output_shape({Shape{-1, 2, 6}}), (Shape{-1, 12}));
  EXPECT_EQ(Reshape({.target_shape = {7, 7, 64}})->compute_output_shape({Shape{-1, 3136}}), (Shape{-1, 7, 7, 64}));
  // An unknown input size leaves the inferred dimension unknown until data flows.
  EXPECT_EQ(Reshape({.target_shape = {3, -1}})->compute_output_shape({Shape{-1, -1, 6}}), (Shape{-1, 3, -1}));
}

TEST(ReshapingLayers, ReshapeForwardAndGradient) {
  const Tensor x = uniform32({2, 2, 6});
  const Layer layer = Reshape({.target_shape = {4, -1}});
  const Tensor y = run_layer(layer, {x});
  EXPECT_EQ(y.shape(), (Shape{2, 4, 3}));
  expect_close(y, x.view({2, 4, 3}), 0, 0);
  EXPECT_EQ(layer->count_params(), 0);
  expect_unit_gradient(Reshape({.target_shape = {4, -1}}), x, 24);
  expect_round_trip(layer, {Shape{-1, 2, 6}});
  EXPECT_EQ(layer->config()["target_shape"].dump(), "[4,-1]");
}

TEST(ReshapingLayers, ReshapeErrors) {
  EXPECT_EQ(error_text<ValueError>([] {
              Reshape({.target_shape = {-1, -1}});
            }),
            "Reshape: target_shape may have at most one -1, got (-1, -1)");
  EXPECT_EQ(error_text<ValueError>([] {
              Reshape({.target_shape = {0, 3}});
            }),
            "Reshape: target_shape entries must be positive or -1, got (0, 3)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Reshape({.target_shape = {3, 4}, .name = "r"})->ensure_built({Shape{-1, 2, 5}});
            }),
            "Reshape 'r' cannot reshape an input of shape (None, 2, 5) (10 values per sample) to target shape (3, 4) "
            "(12 values)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Reshape({.target_shape = {3, -1}, .name = "r"})->ensure_built({Shape{-1, 2, 5}});
            }),
            "Reshape 'r' cannot reshape an input of shape (None, 2, 5) (10 values per sample) to target shape (3, -1): "
            "10 is not a multiple of 3");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("Reshape", {{"target_shape", {-1, -1}}}, "layers[2]");
            }),
            "layers[2] (Reshape): Reshape: target_shape may have at most one -1, got (-1, -1)");
}

TEST(ReshapingLayers, PermuteShapeForwardAndGradient) {
  const Layer layer = Permute({.dims = {3, 1, 2}});
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, 2, 3, 4}}), (Shape{-1, 4, 2, 3}));
  const Tensor x = uniform32({2, 2, 3, 4});
  const Tensor y = run_layer(layer, {x});
  ASSERT_EQ(y.shape(), (Shape{2, 4, 2, 3}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t a = 0; a < 4; ++a)
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(y.at({n, a, b, c}), x.at({n, b, c, a}));
  EXPECT_EQ(layer->count_params(), 0);
  expect_unit_gradient(Permute({.dims = {3, 1, 2}}), x, 48);
  expect_round_trip(layer, {Shape{-1, 2, 3, 4}});
  EXPECT_EQ(layer->config()["dims"].dump(), "[3,1,2]");
}

TEST(ReshapingLayers, PermuteErrors) {
  EXPECT_EQ(error_text<ValueError>([] {
              Permute({.dims = {0, 1}});
            }),
            "Permute: dims must be a permutation of the axes 1..2 (1-based; the batch axis 0 stays first), got (0, 1)");
  EXPECT_EQ(error_text<ValueError>([] {
              Permute({.dims = {1, 1}});
            }),
            "Permute: dims must be a permutation of the axes 1..2 (1-based; the batch axis 0 stays first), got (1, 1)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Permute({.dims = {2, 1}, .name = "p"})->ensure_built({Shape{-1, 2, 3, 4}});
            }),
            "Permute 'p' with dims (2, 1) expects a rank-3 input but got (None, 2, 3, 4)");
}

TEST(ReshapingLayers, ZeroPaddingShapes) {
  const Shape in{-1, 4, 5, 3};
  EXPECT_EQ(ZeroPadding2D()->compute_output_shape({in}), (Shape{-1, 6, 7, 3}));
  EXPECT_EQ(ZeroPadding2D({.padding = 2})->compute_output_shape({in}), (Shape{-1, 8, 9, 3}));
  EXPECT_EQ(ZeroPadding2D({.padding = {1, 2}})->compute_output_shape({in}), (Shape{-1, 6, 9, 3}));
  EXPECT_EQ(ZeroPadding2D({.padding = {{1, 0}, {2, 3}}})->compute_output_shape({in}), (Shape{-1, 5, 10, 3}));
  EXPECT_EQ(ZeroPadding2D({.padding = {{1, 0}, {2, 3}}, .data_format = DataFormat::channels_first})
                ->compute_output_shape({Shape{-1, 3, 4, 5}}),
            (Shape{-1, 3, 5, 10}));
  // For 1-D, two ints are (begin, end), as in Keras.
  EXPECT_EQ(ZeroPadding1D({.padding = {1, 2}})->compute_output_shape({Shape{-1, 5, 3}}), (Shape{-1, 8, 3}));
  EXPECT_EQ(ZeroPadding3D()->compute_output_shape({Shape{-1, 2, 3, 4, 1}}), (Shape{-1, 4, 5, 6, 1}));
  EXPECT_EQ(ZeroPadding2D()->compute_output_shape({Shape{-1, -1, 5, 3}}), (Shape{-1, -1, 7, 3}));
}

TEST(ReshapingLayers, ZeroPaddingForward) {
  const Tensor x = Tensor::from_vector({1, 2, 1}, std::vector<double>{1, 2});
  const Tensor y = run_layer(ZeroPadding1D({.padding = {2, 1}}), {x});
  EXPECT_EQ(y.shape(), (Shape{1, 5, 1}));
  EXPECT_EQ(y.to_vector(), (std::vector<double>{0, 0, 1, 2, 0}));

  const Tensor image = uniform32({2, 2, 3, 4});  // channels_first
  const Layer layer = ZeroPadding2D({.padding = {{1, 0}, {0, 2}}, .data_format = DataFormat::channels_first});
  const Tensor padded = run_layer(layer, {image});
  ASSERT_EQ(padded.shape(), (Shape{2, 2, 4, 6}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 6; ++j) {
          const bool inside = i >= 1 && j < 4;
          EXPECT_EQ(padded.at({n, c, i, j}), inside ? image.at({n, c, i - 1, j}) : 0.0);
        }
  EXPECT_EQ(layer->count_params(), 0);
  expect_unit_gradient(ZeroPadding2D({.padding = {{1, 0}, {0, 2}}, .data_format = DataFormat::channels_first}), image,
                       48);
}

TEST(ReshapingLayers, ZeroPaddingConfig) {
  const Layer pad2 = ZeroPadding2D({.padding = {{1, 0}, {2, 3}}});
  EXPECT_EQ(pad2->config()["padding"].dump(), "[[1,0],[2,3]]");
  EXPECT_EQ(pad2->config()["data_format"], "channels_last");
  expect_round_trip(pad2, {Shape{-1, 4, 5, 3}});
  const Layer pad1 = ZeroPadding1D({.padding = 3});
  EXPECT_EQ(pad1->config()["padding"].dump(), "[3,3]");
  expect_round_trip(pad1, {Shape{-1, 4, 5}});
  expect_round_trip(ZeroPadding3D({.padding = {1, 2, 3}, .data_format = DataFormat::channels_first}),
                    {Shape{-1, 1, 4, 5, 6}});
  // Keras's forms written by hand.
  EXPECT_EQ(layer_from_config("ZeroPadding2D", {{"padding", 2}}, "l")->compute_output_shape({Shape{-1, 4, 5, 3}}),
            (Shape{-1, 8, 9, 3}));
  EXPECT_EQ(layer_from_config("ZeroPadding2D", {{"padding", {1, 2}}}, "l")->compute_output_shape({Shape{-1, 4, 5, 3}}),
            (Shape{-1, 6, 9, 3}));
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("ZeroPadding2D", {{"padding", "same"}}, "layers[1]");
            }),
            "layers[1] (ZeroPadding2D): 'padding' must be an integer, a list of integers or a list of [begin, end] "
            "pairs, got \"same\"");
}

TEST(ReshapingLayers, ZeroPaddingErrors) {
  EXPECT_EQ(error_text<ValueError>([] {
              ZeroPadding2D({.padding = {1, 2, 3}});
            }),
            "ZeroPadding2D: padding must be an int, 2 ints or 2 (begin, end) pairs, got 3 ints (1, 2, 3)");
  EXPECT_EQ(error_text<ValueError>([] {
              ZeroPadding1D({.padding = {1, 2, 3}});
            }),
            "ZeroPadding1D: padding must be an int or 2 ints (begin, end), got 3 ints (1, 2, 3)");
  EXPECT_EQ(error_text<ValueError>([] {
              ZeroPadding3D({.padding = {{1, 1}, {1, 1}}});
            }),
            "ZeroPadding3D: padding must be an int, 3 ints or 3 (begin, end) pairs, got 2 (begin, end) pairs");
  EXPECT_EQ(error_text<ValueError>([] { ZeroPadding2D({.padding = -1}); }),
            "ZeroPadding2D: padding amounts must be non-negative, got (-1)");
  EXPECT_EQ(error_text<ShapeError>([] {
              ZeroPadding2D({.name = "pad"})->ensure_built({Shape{-1, 4, 3}});
            }),
            "ZeroPadding2D 'pad' expects a rank-4 input (None, rows, cols, channels) but got (None, 4, 3)");
  EXPECT_EQ(error_text<ShapeError>([] {
              ZeroPadding1D({.data_format = DataFormat::channels_first, .name = "pad"})->ensure_built({Shape{-1, 4}});
            }),
            "ZeroPadding1D 'pad' expects a rank-3 input (None, features, steps) but got (None, 4)");
}

TEST(ReshapingLayers, CroppingShapesAndForward) {
  EXPECT_EQ(Cropping1D()->compute_output_shape({Shape{-1, 5, 3}}), (Shape{-1, 3, 3}));
  EXPECT_EQ(Cropping2D()->compute_output_shape({Shape{-1, 5, 6, 3}}), (Shape{-1, 5, 6, 3}));
  EXPECT_EQ(Cropping3D()->compute_output_shape({Shape{-1, 3, 4, 5, 2}}), (Shape{-1, 1, 2, 3, 2}));
  const Layer layer = Cropping2D({.cropping = {{1, 1}, {0, 2}}});
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, 5, 6, 2}}), (Shape{-1, 3, 4, 2}));
  const Tensor x = uniform32({1, 5, 6, 2});
  const Tensor y = run_layer(layer, {x});
  ASSERT_EQ(y.shape(), (Shape{1, 3, 4, 2}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t c = 0; c < 2; ++c) EXPECT_EQ(y.at({0, i, j, c}), x.at({0, i + 1, j, c}));
  EXPECT_EQ(layer->count_params(), 0);
  expect_unit_gradient(Cropping2D({.cropping = {{1, 1}, {0, 2}}}), x, 24);
  const Tensor x_first = permute(x, {0, 3, 1, 2});
  const Tensor y_first =
      run_layer(Cropping2D({.cropping = {{1, 1}, {0, 2}}, .data_format = DataFormat::channels_first}), {x_first});
  expect_close(y_first, permute(y, {0, 3, 1, 2}), 0, 0);
}

TEST(ReshapingLayers, CroppingConfigAndErrors) {
  const Layer crop1 = Cropping1D({.cropping = {2, 0}});
  // Keras's Cropping1D has no data_format: it is written only when it is not the default.
  EXPECT_EQ(crop1->config().dump(), R"({"cropping":[2,0],"name":"","trainable":true})");
  expect_round_trip(crop1, {Shape{-1, 5, 3}});
  expect_round_trip(Cropping1D({.data_format = DataFormat::channels_first}), {Shape{-1, 3, 5}});
  expect_round_trip(Cropping2D({.cropping = {{1, 1}, {0, 2}}}), {Shape{-1, 5, 6, 2}});
  expect_round_trip(Cropping3D({.cropping = 0}), {Shape{-1, 5, 6, 2, 1}});
  EXPECT_EQ(error_text<ShapeError>([] {
              Cropping2D({.cropping = {{2, 2}, {0, 0}}, .name = "crop"})->ensure_built({Shape{-1, 4, 6, 1}});
            }),
            "Cropping2D 'crop': cropping (2, 2) leaves nothing of the 4 positions of spatial axis 1 in input shape "
            "(None, 4, 6, 1)");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("Cropping2D", {{"cropping", {{1, 1}, {1}}}}, "layers[4]");
            }),
            "layers[4] (Cropping2D): 'cropping' must be an integer, a list of integers or a list of [begin, end] "
            "pairs, got [[1,1],[1]]");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("Cropping3D", {{"cropping", {1, 2}}}, "layers[4]");
            }),
            "layers[4] (Cropping3D): Cropping3D: cropping must be an int, 3 ints or 3 (begin, end) pairs, got 2 ints "
            "(1, 2)");
}

TEST(ReshapingLayers, FunctionalChain) {
  const SymbolicTensor x = Input({12, 12, 64});
  const SymbolicTensor y = Flatten()(ZeroPadding2D({.padding = 0})(Permute({.dims = {2, 1, 3}})(x)));
  EXPECT_EQ(y.shape(), (Shape{-1, 9216}));
}

}  // namespace
}  // namespace fovea::testing
