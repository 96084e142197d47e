// Tests of feature_maps: pixel-exact channel tiles from hand-set weights (each channel stretched over its own
// range, dead channels black), Sequential and functional models, uint8 images through Rescaling and Normalization
// fronts, 1-D and 3-D maps, channels_first layers, titles in text, and the exact text of every error.
#include "fovea/viz/feature_maps.h"

#include <gtest/gtest.h>

#include <cmath>

#include "error_text.h"
#include "fovea/layers/activations.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/normalization.h"
#include "fovea/layers/pooling.h"
#include "fovea/layers/preprocessing.h"
#include "fovea/layers/reshaping.h"
#include "fovea/models/model.h"
#include "fovea/ops/backend_select.h"

namespace fovea::viz {
namespace {

using fovea::testing::error_text;

uint8_t grey(double t) { return static_cast<uint8_t>(std::lround(t * 255.0)); }

Rgb pixel(const Tensor& image, int64_t x, int64_t y) {
  return {static_cast<uint8_t>(image.at({y, x, 0})), static_cast<uint8_t>(image.at({y, x, 1})),
          static_cast<uint8_t>(image.at({y, x, 2}))};
}

void set_weights(Model& model, const std::string& name, const std::vector<double>& kernel,
                 const std::vector<double>& bias) {
  const Layer layer = model.get_layer(name);
  std::vector<Weight>& weights = layer->weights();
  weights[0].value.copy_(Tensor::from_vector(weights[0].value.shape(), kernel));
  weights[1].value.copy_(Tensor::from_vector(weights[1].value.shape(), bias));
}

// A 4x4 one-channel image holding 0 .. 15.
Tensor ramp_image() {
  std::vector<double> values;
  for (int i = 0; i < 16; ++i) values.push_back(i);
  return Tensor::from_vector(Shape{4, 4, 1}, values);
}

// 1x1 convolution with three filters: x, -x and 0 * x - 1 (a constant channel, as a dead unit gives).
Sequential one_by_one() {
  Sequential model({InputLayer({4, 4, 1}), Conv2D({.filters = 3, .kernel_size = {1}, .name = "conv"})}, "seq");
  set_weights(model, "conv", {1, -1, 0}, {0, 0, -1});
  return model;
}

TEST(FeatureMaps, EachChannelIsATileScaledToItsOwnRange) {
  const BackendScope reference(BackendKind::reference);
  const Sequential model = one_by_one();
  const std::vector<FeatureMapPicture> pictures =
      feature_maps(model, ramp_image(), {.upscale = 1, .spacing = 1, .titles = false});
  ASSERT_EQ(pictures.size(), 1u);
  EXPECT_EQ(pictures[0].layer, "conv");
  EXPECT_EQ(pictures[0].shape, (Shape{1, 4, 4, 3}));
  const Tensor& image = pictures[0].image;
  // Three 4x4 tiles in 2 columns and 2 rows: 1 + 2 * 5 square.
  ASSERT_EQ(image.shape(), (Shape{11, 11, 3}));
  for (int64_t y = 0; y < 11; ++y) {
    for (int64_t x = 0; x < 11; ++x) {
      const int64_t tile = (y >= 6 ? 2 : 0) + (x >= 6 ? 1 : 0);
      const int64_t left = x >= 6 ? 6 : 1, top = y >= 6 ? 6 : 1;
      const bool inside = x >= left && x < left + 4 && y >= top && y < top + 4 && tile < 3;
      if (!inside) {
        ASSERT_EQ(pixel(image, x, y), kWhite) << x << ", " << y;
        continue;
      }
      const double v = static_cast<double>((y - top) * 4 + (x - left));
      const uint8_t expected = tile == 0 ? grey(v / 15) : tile == 1 ? grey((15 - v) / 15) : 0;  // constant: black
      ASSERT_EQ(pixel(image, x, y), (Rgb{expected, expected, expected})) << x << ", " << y;
    }
  }
  // A batch of one gives the same picture; viridis colours the tiles.
  EXPECT_EQ(feature_maps(model, ramp_image().view(Shape{1, 4, 4, 1}), {.upscale = 1, .spacing = 1, .titles = false})[0]
                .image.to_vector(),
            image.to_vector());
  const Tensor viridis =
      feature_maps(model, ramp_image(), {.colormap = Colormap::viridis, .upscale = 1, .titles = false})[0].image;
  EXPECT_EQ(pixel(viridis, 1, 1), colormap_color(Colormap::viridis, 0.0));
  EXPECT_EQ(pixel(viridis, 4, 4), colormap_color(Colormap::viridis, 1.0));
}

TEST(FeatureMaps, UpscaleColumnsAndMaxChannels) {
  const Sequential model = one_by_one();
  const Tensor image = ramp_image();
  // Automatic: 4x4 maps are upscaled 12 times (48 pixels).
  EXPECT_EQ(feature_maps(model, image, {.titles = false})[0].image.shape(), (Shape{1 + 2 * 49, 1 + 2 * 49, 3}));
  EXPECT_EQ(feature_maps(model, image, {.upscale = 2, .spacing = 0, .columns = 3, .titles = false})[0].image.shape(),
            (Shape{8, 24, 3}));
  EXPECT_EQ(feature_maps(model, image, {.upscale = 1, .max_channels = 1, .titles = false})[0].image.shape(),
            (Shape{6, 6, 3}));
}

TEST(FeatureMaps, TitlesAreTheLayerNamesInText) {
  const Sequential model = one_by_one();
  const Tensor plain = feature_maps(model, ramp_image(), {.upscale = 1, .titles = false})[0].image;
  const Tensor titled = feature_maps(model, ramp_image(), {.upscale = 1})[0].image;
  const int64_t title_h = titled.dim(0) - plain.dim(0);
  EXPECT_GT(title_h, 10);
  // The grid sits under the title, unchanged; the title's rows hold dark text.
  for (int64_t y = 0; y < plain.dim(0); ++y) {
    for (int64_t x = 0; x < plain.dim(1); ++x) ASSERT_EQ(pixel(titled, x, y + title_h), pixel(plain, x, y));
  }
  bool text = false;
  for (int64_t y = 0; y < title_h; ++y) {
    for (int64_t x = 0; x < titled.dim(1); ++x) text = text || pixel(titled, x, y)[0] < 128;
  }
  EXPECT_TRUE(text);
}

TEST(FeatureMaps, FunctionalModelsDefaultToEveryConvolution) {
  SymbolicTensor x = Input({8, 8, 1}, "image");
  SymbolicTensor a = Conv2D({.filters = 2, .kernel_size = {3}, .padding = Padding::same, .name = "first"})(x);
  SymbolicTensor p = MaxPooling2D({.pool_size = {2}, .name = "pool"})(a);
  SymbolicTensor b = Conv2D({.filters = 5, .kernel_size = {3}, .name = "second"})(p);
  SymbolicTensor y = Dense({.units = 3, .name = "head"})(Flatten()(b));
  const Model model(x, y, "functional");
  const Tensor image = Tensor::uniform(Shape{8, 8, 1}, 0, 255);
  const std::vector<FeatureMapPicture> pictures = feature_maps(model, image, {.upscale = 1, .titles = false});
  ASSERT_EQ(pictures.size(), 2u);
  EXPECT_EQ(pictures[0].layer, "first");
  EXPECT_EQ(pictures[0].shape, (Shape{1, 8, 8, 2}));
  EXPECT_EQ(pictures[0].image.shape(), (Shape{1 + 9, 1 + 2 * 9, 3}));
  EXPECT_EQ(pictures[1].layer, "second");
  EXPECT_EQ(pictures[1].image.shape(), (Shape{1 + 2 * 3, 1 + 3 * 3, 3}));  // 5 tiles of 2x2 in 3 columns
  // Chosen layers, in the order asked for; a pooling layer's maps too.
  const auto chosen = feature_maps(model, image, {.layers = {"pool", "first"}, .upscale = 1, .titles = false});
  ASSERT_EQ(chosen.size(), 2u);
  EXPECT_EQ(chosen[0].layer, "pool");
  EXPECT_EQ(chosen[0].shape, (Shape{1, 4, 4, 2}));
  EXPECT_EQ(chosen[1].image.to_vector(), pictures[0].image.to_vector());
}

TEST(FeatureMaps, AConvolutionFollowedByBatchNormAndReluIsShownUnfused) {
  // Inference folds Conv -> BatchNormalization -> ReLU into one op; a convolution whose output is drawn must keep
  // its own output, negatives included (its ramp -8 .. 7 from black to white, not clipped at 0).
  Sequential model({InputLayer({4, 4, 1}), Conv2D({.filters = 1, .kernel_size = {1}, .name = "conv"}),
                    BatchNormalization({.name = "bn"}), ReLU({.name = "relu"})},
                   "fused");
  set_weights(model, "conv", {1}, {-8});
  const auto pictures =
      feature_maps(model, ramp_image(), {.layers = {"conv", "relu"}, .upscale = 1, .spacing = 0, .titles = false});
  ASSERT_EQ(pictures.size(), 2u);
  const std::vector<double> conv = pictures[0].image.to_vector();
  const std::vector<double> relu = pictures[1].image.to_vector();
  for (int64_t i = 0; i < 16; ++i) {
    EXPECT_EQ(conv[static_cast<size_t>(3 * i)], grey(static_cast<double>(i) / 15)) << i;
    EXPECT_EQ(relu[static_cast<size_t>(3 * i)], i <= 8 ? 0 : grey((static_cast<double>(i) - 8) / 7)) << i;
  }
}

TEST(FeatureMaps, Uint8ImagesThroughPreprocessingFronts) {
  const BackendScope reference(BackendKind::reference);
  // Rescaling(1/255) then x -> x: the channel's picture is the image stretched over its range.
  Sequential model({InputLayer({2, 3, 1}), Rescaling({.scale = 1.0 / 255, .name = "rescale"}),
                    Conv2D({.filters = 1, .kernel_size = {1}, .name = "conv"})},
                   "pixels");
  set_weights(model, "conv", {1}, {0});
  const Tensor bytes = Tensor::from_vector(Shape{2, 3, 1}, std::vector<double>{0, 51, 102, 153, 204, 255}, DType::u8);
  const Tensor image = feature_maps(model, bytes, {.upscale = 1, .spacing = 0, .titles = false})[0].image;
  ASSERT_EQ(image.shape(), (Shape{2, 3, 3}));
  const std::vector<double> values = image.to_vector();
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(values[static_cast<size_t>(3 * i)], 51 * i) << i;
  // Normalization with given statistics.
  Sequential normalized({InputLayer({2, 3, 1}), Normalization({.mean = {100}, .variance = {400}, .name = "norm"}),
                         Conv2D({.filters = 2, .kernel_size = {1}, .name = "conv"})},
                        "normalized");
  EXPECT_EQ(feature_maps(normalized, bytes, {.upscale = 1, .titles = false})[0].shape, (Shape{1, 2, 3, 2}));
}

TEST(FeatureMaps, OneDimensionalThreeDimensionalAndChannelsFirstMaps) {
  // Conv1D: a heat strip row per channel, each value at least 8 pixels high.
  Sequential one({InputLayer({50, 2}), Conv1D({.filters = 3, .kernel_size = {3}, .name = "c1"})}, "one");
  EXPECT_EQ(feature_maps(one, Tensor::uniform(Shape{50, 2}, -1, 1), {.upscale = 1, .titles = false})[0].image.shape(),
            (Shape{1 + 3 * 9, 1 + 48 + 1, 3}));
  // Conv3D: a row of depth slices per channel.
  Sequential three({InputLayer({3, 4, 4, 1}), Conv3D({.filters = 2, .kernel_size = {1}, .name = "c3"})}, "three");
  EXPECT_EQ(
      feature_maps(three, Tensor::uniform(Shape{3, 4, 4, 1}, -1, 1), {.upscale = 1, .titles = false})[0].image.shape(),
      (Shape{1 + 2 * 5, 1 + 3 * 4 + 2 + 1, 3}));
  // channels_first: (C, H, W) maps; 4 channels of 5x6.
  Sequential first(
      {InputLayer({1, 5, 6}),
       Conv2D({.filters = 4, .kernel_size = {1}, .data_format = DataFormat::channels_first, .name = "cf"})},
      "first");
  EXPECT_EQ(
      feature_maps(first, Tensor::uniform(Shape{1, 5, 6}, -1, 1), {.upscale = 1, .titles = false})[0].image.shape(),
      (Shape{1 + 2 * 6, 1 + 2 * 7, 3}));
}

TEST(FeatureMaps, Errors) {
  const Sequential model = one_by_one();
  EXPECT_EQ(error_text([&] {
              feature_maps(model, Tensor::zeros(Shape{4, 4, 3}));
            }),
            "feature_maps: the image has shape (4, 4, 3) but model 'seq' takes (None, 4, 4, 1): give one image of "
            "shape (4, 4, 1) or a batch of one");
  EXPECT_EQ(error_text([&] {
              feature_maps(model, Tensor::zeros(Shape{2, 4, 4, 1}));
            }),
            "feature_maps: the image has shape (2, 4, 4, 1) but model 'seq' takes (None, 4, 4, 1): give one image of "
            "shape (4, 4, 1) or a batch of one");
  EXPECT_THROW(feature_maps(model, Tensor::zeros(Shape{16})), ShapeError);
  EXPECT_EQ(error_text([&] { feature_maps(model, Tensor()); }), "feature_maps: no image given (an undefined tensor)");
  EXPECT_EQ(error_text([&] {
              feature_maps(model, ramp_image(), {.layers = {"conv", "nope"}});
            }),
            "feature_maps: model 'seq' has no layer named 'nope'; its convolution layers are: conv");
  Sequential dense({InputLayer({4}), Dense({.units = 2, .name = "dense"})}, "flat");
  EXPECT_EQ(error_text([&] { feature_maps(dense, Tensor::zeros(Shape{4})); }),
            "feature_maps: model 'flat' has no convolution layers; name the layers to draw in "
            "FeatureMapOptions::layers");
  EXPECT_EQ(error_text([&] { feature_maps(dense, Tensor::zeros(Shape{4}), {.layers = {"dense"}}); }),
            "feature_maps: layer 'dense' gives (None, 2), not a map of channels over positions; choose layers whose "
            "outputs have 1 to 3 spatial axes");
  EXPECT_EQ(error_text([&] { feature_maps(dense, Tensor::zeros(Shape{4}), {.layers = {"x"}}); }),
            "feature_maps: model 'flat' has no layer named 'x'; it has no convolution layers");
  const Sequential unbuilt({Conv2D({.filters = 1, .kernel_size = {1}})}, "later");
  EXPECT_EQ(error_text([&] { feature_maps(unbuilt, ramp_image()); }),
            "feature_maps: model 'later' is not built yet; give it an Input layer or call it on data first");
  EXPECT_EQ(error_text([&] { feature_maps(model, ramp_image(), {.upscale = -1}); }),
            "feature_maps: upscale must be >= 0 (0: automatic), got -1");
  EXPECT_EQ(error_text([&] { feature_maps(model, ramp_image(), {.spacing = -1}); }),
            "feature_maps: spacing must be >= 0, got -1");
  EXPECT_EQ(error_text([&] { feature_maps(model, ramp_image(), {.columns = -1}); }),
            "feature_maps: columns must be >= 0 (0: automatic), got -1");
  EXPECT_EQ(error_text([&] { feature_maps(model, ramp_image(), {.max_channels = -1}); }),
            "feature_maps: max_channels must be >= 0 (0: all), got -1");
  EXPECT_EQ(error_text([&] { feature_maps(model, ramp_image(), {.title_size = 0}); }),
            "feature_maps: title_size must be >= 1, got 0");
}

}  // namespace
}  // namespace fovea::viz
