// Tests of filter_grid: pixel-exact tiles from hand-set kernels (own and common ranges, colour, per-channel and mean
// views, upscaling, spacing), the layouts of Conv1D strips, Conv3D slices, depthwise and transposed kernels,
// labels in text, and the exact text of every error.
#include "fovea/viz/filters.h"

#include <gtest/gtest.h>

#include <cmath>

#include "error_text.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/reshaping.h"
#include "fovea/models/model.h"

namespace fovea::viz {
namespace {

using fovea::testing::error_text;

// A layer built for input (batch excluded), its kernel set to values 0, 1, 2, ... in row-major order, times sign
// per filter when given.
Layer built(const Layer& layer, const Shape& input) {
  Shape batched{-1};
  for (int64_t d : input) batched.push_back(d);
  layer->ensure_built({batched});
  return layer;
}

void set_kernel(const Layer& layer, const std::vector<double>& values) {
  Tensor& kernel = layer->weights()[0].value;
  kernel.copy_(Tensor::from_vector(kernel.shape(), values));
}

std::vector<double> iota(int64_t count, double start = 0, double step = 1) {
  std::vector<double> out;
  for (int64_t i = 0; i < count; ++i) out.push_back(start + step * static_cast<double>(i));
  return out;
}

uint8_t grey(double t) { return static_cast<uint8_t>(std::lround(t * 255.0)); }

Rgb pixel(const Tensor& image, int64_t x, int64_t y) {
  return {static_cast<uint8_t>(image.at({y, x, 0})), static_cast<uint8_t>(image.at({y, x, 1})),
          static_cast<uint8_t>(image.at({y, x, 2}))};
}

// Every pixel of image against expected(x, y).
template <class Expected>
void expect_pixels(const Tensor& image, Expected expected) {
  for (int64_t y = 0; y < image.dim(0); ++y) {
    for (int64_t x = 0; x < image.dim(1); ++x) {
      ASSERT_EQ(pixel(image, x, y), expected(x, y)) << "pixel (" << x << ", " << y << ")";
    }
  }
}

TEST(FilterGrid, ColourFiltersOfAFirstLayerScaledToTheirOwnRange) {
  // Two 3x3 filters over RGB: filter 0 holds 0 .. 26 (channel-major: R taps 0-8, G 9-17, B 18-26), filter 1 the
  // same times -2 (so its minimum, -52, is its last tap of B and its maximum, 0, its first of R).
  const Layer conv = built(Conv2D({.filters = 2, .kernel_size = {3}}), {5, 5, 3});
  std::vector<double> values = iota(27);
  for (double v : iota(27)) values.push_back(-2 * v);
  set_kernel(conv, values);
  const Tensor image = filter_grid(conv, {.upscale = 2, .spacing = 1});
  // Two one-tile filters side by side (ceil(sqrt(2)) = 2 columns): 1 + 2 * (6 + 1) wide, 1 + 6 + 1 high.
  ASSERT_EQ(image.shape(), (Shape{8, 15, 3}));
  expect_pixels(image, [](int64_t x, int64_t y) -> Rgb {
    const int64_t filter = x >= 8 ? 1 : 0;
    const int64_t left = filter == 0 ? 1 : 8;
    if (y < 1 || y >= 7 || x < left || x >= left + 6) return kWhite;  // spacing is the background
    const int64_t tap = ((y - 1) / 2) * 3 + (x - left) / 2;           // each tap is 2x2 pixels
    Rgb color{};
    for (int64_t c = 0; c < 3; ++c) {
      const double v = static_cast<double>(c * 9 + tap);
      color[static_cast<size_t>(c)] = grey(filter == 0 ? v / 26 : (-2 * v + 52) / 52);
    }
    return color;
  });
  EXPECT_EQ(pixel(image, 1, 1), (Rgb{0, grey(9.0 / 26), grey(18.0 / 26)}));  // min -> 0
  EXPECT_EQ(pixel(image, 6, 6)[2], 255);                                     // max -> 255
}

TEST(FilterGrid, CommonRangeScalesAllFiltersAlike) {
  // Filter 0 holds 0 .. 8 (one channel), filter 1 holds 0 .. 16 in steps of 2: one range 0 .. 16 for both.
  const Layer conv = built(Conv2D({.filters = 2, .kernel_size = {3}}), {4, 4, 1});
  std::vector<double> values = iota(9);
  for (double v : iota(9, 0, 2)) values.push_back(v);
  set_kernel(conv, values);
  const Tensor own = filter_grid(conv, {.upscale = 1, .spacing = 0});
  const Tensor common = filter_grid(conv, {.scale = FilterScale::common, .upscale = 1, .spacing = 0});
  ASSERT_EQ(common.shape(), (Shape{3, 6, 3}));
  for (int64_t tap = 0; tap < 9; ++tap) {
    const int64_t x = tap % 3, y = tap / 3;
    const auto t = static_cast<double>(tap);
    EXPECT_EQ(pixel(own, x, y)[0], grey(t / 8));
    EXPECT_EQ(pixel(own, 3 + x, y)[0], grey(t / 8));  // own ranges: both filters look alike
    EXPECT_EQ(pixel(common, x, y)[0], grey(t / 16));
    EXPECT_EQ(pixel(common, 3 + x, y)[0], grey(2 * t / 16));
  }
}

TEST(FilterGrid, ConstantFiltersAreMidGrey) {
  const Layer conv = built(Conv2D({.filters = 1, .kernel_size = {2}}), {4, 4, 1});
  set_kernel(conv, {0.25, 0.25, 0.25, 0.25});
  const Tensor image = filter_grid(conv, {.upscale = 1, .spacing = 0});
  EXPECT_EQ(image.to_vector(), std::vector<double>(12, 128));
}

TEST(FilterGrid, ChannelsEachAsGreyTilesOrTheirMean) {
  // One 2x2 filter over two channels: channel 0 holds 0 1 2 3, channel 1 holds 8 9 10 11.
  const Layer conv = built(Conv2D({.filters = 1, .kernel_size = {2}}), {4, 4, 2});
  set_kernel(conv, {0, 1, 2, 3, 8, 9, 10, 11});
  // each (automatic for two channels): the channel tiles side by side, one range over the filter (0 .. 11).
  const Tensor each = filter_grid(conv, {.upscale = 1, .spacing = 1});
  ASSERT_EQ(each.shape(), (Shape{4, 7, 3}));  // 1 + (2 + 1 + 2) + 1 wide
  expect_pixels(each, [](int64_t x, int64_t y) -> Rgb {
    if (y < 1 || y > 2 || x < 1 || x == 3 || x > 5) return kWhite;
    const double v = x < 3 ? (y - 1) * 2 + (x - 1) : 8 + (y - 1) * 2 + (x - 4);
    return {grey(v / 11), grey(v / 11), grey(v / 11)};
  });
  // mean: one tile of 4 5 6 7, stretched over its own range.
  const Tensor mean = filter_grid(conv, {.channels = FilterChannels::mean, .upscale = 1, .spacing = 1});
  ASSERT_EQ(mean.shape(), (Shape{4, 4, 3}));
  EXPECT_EQ(pixel(mean, 1, 1), (Rgb{0, 0, 0}));
  EXPECT_EQ(pixel(mean, 2, 1)[0], grey(1.0 / 3));
  EXPECT_EQ(pixel(mean, 1, 2)[0], grey(2.0 / 3));
  EXPECT_EQ(pixel(mean, 2, 2)[0], 255);
  // A colour map for the grey tiles.
  const Tensor viridis =
      filter_grid(conv, {.channels = FilterChannels::mean, .colormap = Colormap::viridis, .upscale = 1, .spacing = 1});
  EXPECT_EQ(pixel(viridis, 1, 1), colormap_color(Colormap::viridis, 0.0));
  EXPECT_EQ(pixel(viridis, 2, 2), colormap_color(Colormap::viridis, 1.0));
  // Three channels drawn as grey tiles when asked.
  const Layer rgb = built(Conv2D({.filters = 1, .kernel_size = {2}}), {4, 4, 3});
  EXPECT_EQ(filter_grid(rgb, {.channels = FilterChannels::each, .upscale = 1, .spacing = 1}).shape(),
            (Shape{4, 10, 3}));
}

TEST(FilterGrid, AutomaticUpscaleColumnsAndMaxFilters) {
  // 3x3 kernels become 33x33 tiles (upscale 11); 10 one-tile filters sit in 4 columns and 3 rows.
  const Layer conv = built(Conv2D({.filters = 10, .kernel_size = {3}}), {8, 8, 1});
  EXPECT_EQ(filter_grid(conv).shape(), (Shape{1 + 3 * 34, 1 + 4 * 34, 3}));
  EXPECT_EQ(filter_grid(conv, {.columns = 5}).shape(), (Shape{1 + 2 * 34, 1 + 5 * 34, 3}));
  EXPECT_EQ(filter_grid(conv, {.upscale = 1, .max_filters = 3}).shape(), (Shape{1 + 2 * 4, 1 + 2 * 4, 3}));
  // An 11x11 kernel is upscaled 3 times.
  const Layer alexnet = built(Conv2D({.filters = 1, .kernel_size = {11}}), {32, 32, 3});
  EXPECT_EQ(filter_grid(alexnet, {.spacing = 2}).shape(), (Shape{37, 37, 3}));
}

TEST(FilterGrid, Conv1DFiltersAreHeatStrips) {
  // Four filters of 5 taps over two channels: a 2-row strip each (a row per channel), one filter per row, viridis.
  const Layer conv = built(Conv1D({.filters = 4, .kernel_size = {5}}), {20, 2});
  set_kernel(conv, iota(40));
  const Tensor image = filter_grid(conv, {.upscale = 1, .spacing = 1});
  ASSERT_EQ(image.shape(), (Shape{1 + 4 * 3, 7, 3}));
  // Filter 1 holds 10 .. 19: its channel 1 starts at 15, 5/9 of the way through its range.
  EXPECT_EQ(pixel(image, 1, 4), colormap_color(Colormap::viridis, 0.0));
  EXPECT_EQ(pixel(image, 1, 5), colormap_color(Colormap::viridis, 5.0 / 9));
  EXPECT_EQ(pixel(image, 5, 5), colormap_color(Colormap::viridis, 1.0));
  EXPECT_EQ(pixel(image, 0, 4), kWhite);
  EXPECT_EQ(pixel(image, 1, 6), kWhite);
  // The mean view: one row per filter; upscale 3 makes each tap 3x3.
  EXPECT_EQ(filter_grid(conv, {.channels = FilterChannels::mean, .upscale = 3, .spacing = 1}).shape(),
            (Shape{1 + 4 * 4, 1 + 15 + 1, 3}));
}

TEST(FilterGrid, Conv3DFiltersAreDepthSlicesSideBySide) {
  // Two filters of 2x3x3 over one channel: the two depth slices side by side, one filter per row.
  const Layer conv = built(Conv3D({.filters = 2, .kernel_size = {2, 3, 3}}), {4, 6, 6, 1});
  set_kernel(conv, iota(36));
  const Tensor image = filter_grid(conv, {.upscale = 1, .spacing = 1});
  ASSERT_EQ(image.shape(), (Shape{1 + 2 * 4, 1 + 7 + 1, 3}));
  // Filter 0: slice 0 holds 0 .. 8, slice 1 holds 9 .. 17 (range 0 .. 17).
  EXPECT_EQ(pixel(image, 1, 1)[0], 0);
  EXPECT_EQ(pixel(image, 5, 1)[0], grey(9.0 / 17));
  EXPECT_EQ(pixel(image, 7, 3)[0], 255);
  EXPECT_EQ(pixel(image, 4, 1), kWhite);  // between the slices
  // Two channels: a row of slices per channel.
  const Layer two = built(Conv3D({.filters = 2, .kernel_size = {2, 3, 3}}), {4, 6, 6, 2});
  EXPECT_EQ(filter_grid(two, {.upscale = 1, .spacing = 1}).shape(), (Shape{1 + 2 * 8, 9, 3}));
}

TEST(FilterGrid, DepthwiseKernelsAreOneTilePerChannelAndMultiplier) {
  const Layer depthwise = built(DepthwiseConv2D({.kernel_size = {3}, .depth_multiplier = 2}), {8, 8, 3});
  set_kernel(depthwise, iota(54));
  const Tensor image = filter_grid(depthwise, {.upscale = 1, .spacing = 1});
  ASSERT_EQ(image.shape(), (Shape{1 + 2 * 4, 1 + 3 * 4, 3}));  // 6 one-channel tiles, 3 columns
  // Each tile 0 .. 8 of its own: top left black, bottom right white.
  for (int64_t f = 0; f < 6; ++f) {
    const int64_t x = 1 + (f % 3) * 4, y = 1 + (f / 3) * 4;
    EXPECT_EQ(pixel(image, x, y)[0], 0);
    EXPECT_EQ(pixel(image, x + 2, y + 2)[0], 255);
  }
  // SeparableConv2D shows its depthwise kernel.
  const Layer separable = built(SeparableConv2D({.filters = 8, .kernel_size = {3}}), {8, 8, 3});
  EXPECT_EQ(filter_grid(separable, {.upscale = 1, .spacing = 1}).shape(), (Shape{1 + 2 * 4, 1 + 2 * 4, 3}));
}

TEST(FilterGrid, TransposedKernelsAreDrawnPerOutputFilter) {
  // Conv2DTranspose kernel (in = 4, filters = 2, 3, 3) holding 0 .. 71: output filter 1 reads kernel[c][1] for
  // c = 0 .. 3, i.e. 9 .. 17, 27 .. 35, 45 .. 53, 63 .. 71 (range 9 .. 71), drawn as 4 tiles side by side.
  const Layer transpose = built(Conv2DTranspose({.filters = 2, .kernel_size = {3}}), {5, 5, 4});
  set_kernel(transpose, iota(72));
  const Tensor image = filter_grid(transpose, {.upscale = 1, .spacing = 1});
  ASSERT_EQ(image.shape(), (Shape{1 + 2 * 4, 1 + 15 + 1, 3}));
  const int64_t top = 5;  // filter 1's row
  for (int64_t c = 0; c < 4; ++c) {
    const int64_t left = 1 + c * 4;
    EXPECT_EQ(pixel(image, left, top)[0], grey((c * 18 + 9 - 9) / 62.0)) << c;
    EXPECT_EQ(pixel(image, left + 2, top + 2)[0], grey((c * 18 + 17 - 9) / 62.0)) << c;
  }
  // Grouped (groups = 2): kernel (4, 1, 3, 3); output filter 1 reads inputs 2 and 3, i.e. 18 .. 35.
  const Layer grouped = built(Conv2DTranspose({.filters = 2, .kernel_size = {3}, .groups = 2}), {5, 5, 4});
  set_kernel(grouped, iota(36));
  const Tensor groups_image = filter_grid(grouped, {.upscale = 1, .spacing = 1});
  ASSERT_EQ(groups_image.shape(), (Shape{1 + 2 * 4, 1 + 7 + 1, 3}));
  EXPECT_EQ(pixel(groups_image, 1, top)[0], 0);               // 18
  EXPECT_EQ(pixel(groups_image, 5, top)[0], grey(9.0 / 17));  // 27
  EXPECT_EQ(pixel(groups_image, 7, top + 2)[0], 255);         // 35
}

TEST(FilterGrid, LabelsAreTextUnderEachFilter) {
  const Layer conv = built(Conv2D({.filters = 2, .kernel_size = {3}}), {5, 5, 1});
  const Tensor plain = filter_grid(conv, {.upscale = 4, .spacing = 2});
  const Tensor labelled = filter_grid(conv, {.upscale = 4, .spacing = 2, .labels = true});
  EXPECT_EQ(labelled.dim(1), plain.dim(1));
  ASSERT_GT(labelled.dim(0), plain.dim(0) + 8);
  // The filters are where they were; below them the labels are dark text on the white background.
  for (int64_t y = 0; y < 2 + 12; ++y) {
    for (int64_t x = 0; x < plain.dim(1); ++x) ASSERT_EQ(pixel(labelled, x, y), pixel(plain, x, y));
  }
  bool text = false;
  for (int64_t y = 2 + 12; y < labelled.dim(0); ++y) {
    for (int64_t x = 2; x < 2 + 12; ++x) text = text || pixel(labelled, x, y)[0] < 128;
  }
  EXPECT_TRUE(text);
}

Sequential small_model() {
  return Sequential({InputLayer({8, 8, 3}), Conv2D({.filters = 4, .kernel_size = {3}, .name = "conv_a"}),
                     Conv2D({.filters = 4, .kernel_size = {3}, .name = "conv_b"}), Flatten({.name = "flatten"}),
                     Dense({.units = 2, .name = "dense"})},
                    "small");
}

TEST(FilterGrid, FindsLayersOfAModelByName) {
  const Sequential model = small_model();
  EXPECT_EQ(filter_grid(model, "conv_a", {.upscale = 1}).shape(), (Shape{1 + 2 * 4, 1 + 2 * 4, 3}));
  // Four filters over four channels: a row of four grey tiles each.
  EXPECT_EQ(filter_grid(model, "conv_b", {.upscale = 1}).shape(), (Shape{1 + 4 * 4, 1 + 4 * 3 + 3 + 1, 3}));
}

TEST(FilterGrid, Errors) {
  const Sequential model = small_model();
  EXPECT_EQ(error_text([&] { filter_grid(model, "conv_c"); }),
            "filter_grid: model 'small' has no layer named 'conv_c'; its convolution layers are: conv_a, conv_b");
  EXPECT_EQ(error_text([&] { filter_grid(model, "dense"); }),
            "filter_grid: Dense 'dense' has no convolution filters (filters are the kernels of Conv1D/2D/3D, "
            "Conv1D/2D/3DTranspose, DepthwiseConv2D and SeparableConv2D layers); its convolution layers are: conv_a, "
            "conv_b");
  EXPECT_THROW(filter_grid(model, "dense"), ValueError);
  const Sequential no_conv({InputLayer({4}), Dense({.units = 2, .name = "d"})}, "flat");
  EXPECT_EQ(error_text([&] { filter_grid(no_conv, "x"); }),
            "filter_grid: model 'flat' has no layer named 'x'; it has no convolution layers");
  EXPECT_EQ(error_text([] { filter_grid(Dense({.units = 3, .name = "head"})); }),
            "filter_grid: Dense 'head' has no convolution filters (filters are the kernels of Conv1D/2D/3D, "
            "Conv1D/2D/3DTranspose, DepthwiseConv2D and SeparableConv2D layers)");
  EXPECT_EQ(error_text([] { filter_grid(Conv2D({.filters = 3, .kernel_size = {3}, .name = "fresh"})); }),
            "filter_grid: Conv2D 'fresh' is not built yet, so it has no kernel; call it (or its model) on data "
            "first, or give its model an Input");
  EXPECT_EQ(error_text([] { filter_grid(Layer()); }), "filter_grid: no layer given (an empty Layer handle)");
  const Layer two_channels = built(Conv2D({.filters = 1, .kernel_size = {2}, .name = "two"}), {4, 4, 2});
  EXPECT_EQ(error_text([&] { filter_grid(two_channels, {.channels = FilterChannels::color}); }),
            "filter_grid: Conv2D 'two': channels = color needs filters over 3 input channels, these have 2");
  EXPECT_EQ(error_text([&] { filter_grid(two_channels, {.upscale = -1}); }),
            "filter_grid: upscale must be >= 0 (0: automatic), got -1");
  EXPECT_EQ(error_text([&] { filter_grid(two_channels, {.spacing = -1}); }),
            "filter_grid: spacing must be >= 0, got -1");
  EXPECT_EQ(error_text([&] { filter_grid(two_channels, {.columns = -2}); }),
            "filter_grid: columns must be >= 0 (0: automatic), got -2");
  EXPECT_EQ(error_text([&] { filter_grid(two_channels, {.max_filters = -1}); }),
            "filter_grid: max_filters must be >= 0 (0: all), got -1");
  EXPECT_EQ(error_text([&] { filter_grid(two_channels, {.label_size = 0}); }),
            "filter_grid: label_size must be >= 1, got 0");
}

}  // namespace
}  // namespace fovea::viz
