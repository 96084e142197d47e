// Tests of Dropout and SpatialDropout1D/2D/3D.
#include "fovea/layers/regularization.h"

#include <gtest/gtest.h>

#include "gradcheck.h"
#include "layers/misc_layer_test_util.h"

namespace fovea::testing {
namespace {

TEST(RegularizationLayers, DropoutShapeParamsAndInference) {
  const Layer layer = Dropout({.rate = 0.25});
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, 12, 12, 64}}), (Shape{-1, 12, 12, 64}));
  const Tensor x = uniform32({2, 6});
  const Tensor y = run_layer(layer, {x}, /*training=*/false);
  expect_close(y, x, 0, 0);
  EXPECT_EQ(layer->count_params(), 0);
  EXPECT_EQ(layer->default_name_base(), "dropout");
}

TEST(RegularizationLayers, DropoutTrainingScalesKeptValues) {
  const Tensor x = Tensor::ones({4, 250});
  const Tensor y = run_layer(Dropout({.rate = 0.5, .seed = 7}), {x}, /*training=*/true);
  int64_t dropped = 0;
  for (double v : y.to_vector()) {
    EXPECT_TRUE(v == 0.0 || v == 2.0) << v;
    dropped += v == 0.0;
  }
  EXPECT_GT(dropped, 400);
  EXPECT_LT(dropped, 600);
  // A seed makes the masks repeatable; the generator then moves on, so a second call draws a new mask.
  const Layer seeded = Dropout({.rate = 0.5, .seed = 7});
  const Tensor again = run_layer(seeded, {x}, true);
  EXPECT_EQ(again.to_vector(), y.to_vector());
  EXPECT_NE(run_layer(seeded, {x}, true).to_vector(), y.to_vector());
}

TEST(RegularizationLayers, DropoutNoiseShapeSharesTheMask) {
  Tensor x = Tensor::ones({2, 5, 4});
  x.set_requires_grad(true);
  const Tensor y = run_layer(Dropout({.rate = 0.5, .noise_shape = Shape{-1, 1, 4}, .seed = 3}), {x}, true);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 4; ++c)
      for (int64_t t = 1; t < 5; ++t) EXPECT_EQ(y.at({n, t, c}), y.at({n, 0, c}));
  // The gradient is the same mask (x is all ones, so it equals y).
  sum(y).backward();
  expect_close(x.grad(), y.detach(), 0, 0);
}

TEST(RegularizationLayers, DropoutConfig) {
  const Layer layer = Dropout({.rate = 0.25, .noise_shape = Shape{-1, 1, 4}, .seed = 42, .name = "drop"});
  EXPECT_EQ(layer->config().dump(),
            R"({"name":"drop","noise_shape":[null,1,4],"rate":0.25,"seed":42,"trainable":true})");
  expect_round_trip(layer, {Shape{-1, 5, 4}});
  expect_round_trip(Dropout(), {Shape{-1, 5}});
  EXPECT_EQ(Dropout()->config()["noise_shape"].dump(), "null");
}

TEST(RegularizationLayers, DropoutErrors) {
  EXPECT_EQ(error_text<ValueError>([] { Dropout({.rate = 1.0}); }), "Dropout: rate must be in [0, 1), got 1");
  EXPECT_EQ(error_text<ValueError>([] {
              Dropout({.noise_shape = Shape{-1, 0}});
            }),
            "Dropout: noise_shape entries must be positive or -1 (None), got (None, 0)");
  EXPECT_EQ(error_text<ShapeError>([] {
              Dropout({.noise_shape = Shape{-1, 3, 4}, .name = "d"})->ensure_built({Shape{-1, 5, 4}});
            }),
            "Dropout 'd': noise_shape (None, 3, 4) does not fit input shape (None, 5, 4) (each entry must be 1, None "
            "or the input's size)");
  EXPECT_EQ(error_text<ValueError>([] {
              layer_from_config("Dropout", {{"rate", 1.5}}, "layers[3]");
            }),
            "layers[3] (Dropout): Dropout: rate must be in [0, 1), got 1.5");
  EXPECT_EQ(error_text<ValueError>([] { layer_from_config("Dropout", nlohmann::json::object(), "layers[3]"); }),
            "layers[3] (Dropout): 'rate' must be a number, got nothing");
}

// Every (sample, channel) pair is either dropped everywhere or kept (scaled by 2) everywhere.
void expect_whole_channels(const Tensor& y, int channel_axis) {
  const Shape& s = y.shape();
  const int64_t n = s[0], c = s[channel_axis];
  const int64_t volume = y.numel() / (n * c);
  const std::vector<double> v = y.to_vector();
  int64_t dropped = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      std::vector<double> values;
      for (int64_t p = 0; p < volume; ++p) {
        // channels_last: (b, p, ch); channels_first: (b, ch, p)
        values.push_back(channel_axis == 1 ? v[(b * c + ch) * volume + p] : v[(b * volume + p) * c + ch]);
      }
      for (double x : values) EXPECT_EQ(x, values[0]);
      EXPECT_TRUE(values[0] == 0.0 || values[0] == 2.0);
      dropped += values[0] == 0.0;
    }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, n * c);
}

TEST(RegularizationLayers, SpatialDropoutDropsWholeChannels) {
  expect_whole_channels(run_layer(SpatialDropout2D({.rate = 0.5, .seed = 1}), {Tensor::ones({2, 3, 3, 8})}, true), 3);
  expect_whole_channels(run_layer(SpatialDropout2D({.rate = 0.5, .data_format = DataFormat::channels_first, .seed = 1}),
                                  {Tensor::ones({2, 8, 3, 3})}, true),
                        1);
  expect_whole_channels(run_layer(SpatialDropout1D({.rate = 0.5, .seed = 2}), {Tensor::ones({2, 5, 8})}, true), 2);
  expect_whole_channels(run_layer(SpatialDropout3D({.rate = 0.5, .seed = 3}), {Tensor::ones({2, 2, 2, 2, 8})}, true),
                        4);
  const Tensor x = uniform32({2, 3, 3, 4});
  expect_close(run_layer(SpatialDropout2D({.rate = 0.5}), {x}, false), x, 0, 0);
}

TEST(RegularizationLayers, SpatialDropoutShapesConfigAndErrors) {
  const Layer sd2 = SpatialDropout2D({.rate = 0.2, .name = "sd"});
  EXPECT_EQ(sd2->compute_output_shape({Shape{-1, 8, 8, 3}}), (Shape{-1, 8, 8, 3}));
  EXPECT_EQ(sd2->default_name_base(), "spatial_dropout2d");
  EXPECT_EQ(sd2->config().dump(),
            R"({"data_format":"channels_last","name":"sd","rate":0.2,"seed":null,"trainable":true})");
  expect_round_trip(sd2, {Shape{-1, 8, 8, 3}});
  // Keras's SpatialDropout1D has no data_format argument.
  EXPECT_FALSE(SpatialDropout1D()->config().contains("data_format"));
  expect_round_trip(SpatialDropout1D({.data_format = DataFormat::channels_first}), {Shape{-1, 3, 8}});
  expect_round_trip(SpatialDropout3D({.seed = 5}), {Shape{-1, 2, 3, 4, 5}});
  EXPECT_EQ(error_text<ShapeError>([&] {
              sd2->ensure_built({Shape{-1, 3, 8}});
            }),
            "SpatialDropout2D 'sd' expects a rank-4 input (None, rows, cols, channels) but got (None, 3, 8)");
  EXPECT_EQ(error_text<ValueError>([] { SpatialDropout3D({.rate = -0.1}); }),
            "SpatialDropout3D: rate must be in [0, 1), got -0.1");
}

}  // namespace
}  // namespace fovea::testing
