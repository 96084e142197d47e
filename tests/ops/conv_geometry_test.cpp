// Tests for the convolution shape functions (src/ops/conv_geometry.cpp): the output-size rule, every padding
// mode, per-dimension lists, parse_padding, and the exact text of the errors for bad arguments.
#include "ops/conv_geometry.h"

#include <gtest/gtest.h>

#include "fovea/fovea.h"
#include "ops/image_test_util.h"

namespace fovea {
namespace {

using testing::expect_error;

TEST(ConvGeometry, OutputSizeRuleFromTheSlides) {
  // W2 = (W1 - F + 2P) / S + 1 for (W1, F, P, S).
  EXPECT_EQ(conv_output_size(6, 2, 1, 1, 0, 0), 5);
  EXPECT_EQ(conv_output_size(6, 2, 2, 1, 0, 0), 3);
  EXPECT_EQ(conv_output_size(6, 2, 2, 1, 1, 1), 4);
  // Dilation widens the kernel to dilation * (k - 1) + 1; asymmetric pads add up.
  EXPECT_EQ(conv_output_size(7, 3, 1, 2, 0, 0), 3);
  EXPECT_EQ(conv_output_size(5, 3, 2, 1, 0, 1), 2);
  // A kernel wider than the padded input has no output.
  EXPECT_LE(conv_output_size(3, 5, 2, 1, 0, 0), 0);
}

TEST(ConvGeometry, AlexNetFirstLayerValidAndSame) {
  // W1 = 128, F = 11, S = 6: 20 with 'valid', ceil(128 / 6) = 22 with 'same'.
  const Shape x{1, 3, 128, 128};
  const Shape w{96, 3, 11, 11};
  EXPECT_EQ(conv_output_shape(x, w, {.strides = {6}}), Shape({1, 96, 20, 20}));
  EXPECT_EQ(conv_output_shape(x, w, {.strides = {6}, .padding = Padding::same}), Shape({1, 96, 22, 22}));
}

TEST(ConvGeometry, SamePaddingPutsTheOddPadAtTheEnd) {
  // in 6, k 4, s 2: out 3, total pad (3 - 1) * 2 + 4 - 6 = 2 -> 1/1; in 5, k 4, s 1: total 3 -> 1/2.
  ConvGeometry g = detail::conv_geometry({1, 1, 6, 5}, {1, 1, 4, 4}, {.strides = {2, 1}, .padding = Padding::same});
  EXPECT_EQ(g.pads_begin, Dims({1, 1}));
  EXPECT_EQ(g.pads_end, Dims({1, 2}));
  EXPECT_EQ(g.out_size, Dims({3, 5}));
  // Dilation 2 with k 3 acts as k 5: in 7, s 3 -> out 3, total (3 - 1) * 3 + 5 - 7 = 4 -> 2/2.
  g = detail::conv_geometry({1, 1, 7}, {1, 1, 3}, {.strides = {3}, .padding = Padding::same, .dilation = {2}});
  EXPECT_EQ(g.pads_begin, Dims({2}));
  EXPECT_EQ(g.pads_end, Dims({2}));
  EXPECT_EQ(g.out_size, Dims({3}));
}

TEST(ConvGeometry, FullCausalAndExplicitPadding) {
  ConvGeometry g = detail::conv_geometry({1, 1, 5, 5}, {1, 1, 3, 2}, {.padding = Padding::full, .dilation = {2}});
  EXPECT_EQ(g.pads_begin, Dims({4, 2}));
  EXPECT_EQ(g.pads_end, Dims({4, 2}));
  EXPECT_EQ(g.out_size, Dims({9, 7}));
  g = detail::conv_geometry({1, 1, 10}, {1, 1, 2}, {.padding = Padding::causal, .dilation = {4}});
  EXPECT_EQ(g.pads_begin, Dims({4}));
  EXPECT_EQ(g.pads_end, Dims({0}));
  EXPECT_EQ(g.out_size, Dims({10}));
  g = detail::conv_geometry({1, 1, 5, 5}, {1, 1, 3, 3},
                            {.padding = Padding::explicit_, .pads_begin = {1, 0}, .pads_end = {2}});
  EXPECT_EQ(g.pads_begin, Dims({1, 0}));
  EXPECT_EQ(g.pads_end, Dims({2, 2}));
  EXPECT_EQ(g.out_size, Dims({6, 5}));
}

TEST(ConvGeometry, ChannelsLastShapesAndGroups) {
  EXPECT_EQ(conv_output_shape({2, 8, 8, 6}, {4, 3, 3, 3}, {.groups = 2, .layout = Layout::channels_last}),
            Shape({2, 6, 6, 4}));
  EXPECT_EQ(conv_output_shape({2, 4, 9, 9, 9}, {8, 1, 3, 3, 3}, {.strides = {2}, .groups = 4}), Shape({2, 8, 4, 4, 4}));
}

TEST(ConvGeometry, ParsePadding) {
  EXPECT_EQ(parse_padding("valid"), Padding::valid);
  EXPECT_EQ(parse_padding("same"), Padding::same);
  EXPECT_EQ(parse_padding("SAME"), Padding::same);
  EXPECT_EQ(parse_padding("full"), Padding::full);
  EXPECT_EQ(parse_padding("causal"), Padding::causal);
  expect_error<ValueError>([] { parse_padding("smae"); },
                           "unknown padding 'smae'; valid names: valid, same, full, causal");
}

TEST(ConvGeometry, ErrorsSayWhatWasExpectedAndWhatWasGot) {
  expect_error<ShapeError>(
      [] {
        conv_output_shape({2, 64, 3, 3}, {8, 64, 5, 5}, {});
      },
      "conv: kernel 5x5 does not fit input 3x3 with padding='valid' (input shape (2, 64, 3, 3))");
  expect_error<ShapeError>(
      [] {
        conv_output_shape({1, 1, 4}, {1, 1, 3}, {.dilation = {2}});
      },
      "conv: kernel 3 with dilation 2 does not fit input 4 with padding='valid' (input shape "
      "(1, 1, 4))");
  expect_error<ShapeError>(
      [] {
        conv_output_shape({1, 6, 5, 5}, {4, 2, 3, 3}, {.groups = 2});
      },
      "conv: input has 6 channels but the kernel expects 4 (in_channels 2 x groups 2)");
  expect_error<ShapeError>(
      [] {
        conv_output_shape({1, 5, 5, 3}, {4, 4, 3, 3}, {.layout = Layout::channels_last});
      },
      "conv: input has 3 channels but the kernel expects 4 (in_channels 4 x groups 1)");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 4, 5, 5}, {3, 1, 3, 3}, {.groups = 3});
      },
      "conv: groups=3 does not divide in_channels=4");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 4, 5, 5}, {3, 2, 3, 3}, {.groups = 2});
      },
      "conv: groups=2 does not divide out_channels=3 (kernel shape (3, 2, 3, 3))");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 4, 5, 5}, {4, 4, 3, 3}, {.groups = 0});
      },
      "conv: groups must be positive, got 0");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 1, 5, 5}, {1, 1, 3, 3}, {.strides = {0, 1}});
      },
      "conv: strides must be positive, got (0, 1)");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 1, 5, 5}, {1, 1, 3, 3}, {.strides = {-2}});
      },
      "conv: strides must be positive, got (-2, -2)");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 1, 5, 5}, {1, 1, 3, 3}, {.dilation = {1, 0}});
      },
      "conv: dilation must be positive, got (1, 0)");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 1, 5, 5}, {1, 1, 3, 3}, {.strides = {1, 1, 1}});
      },
      "conv: strides must have 1 or 2 values (one per spatial dimension), got 3 (1, 1, 1)");
  expect_error<ValueError>(
      [] {
        conv_output_shape({1, 1, 5, 5}, {1, 1, 3, 3}, {.padding = Padding::explicit_, .pads_begin = {-1, 0}});
      },
      "conv: pads must be non-negative, got pads_begin (-1, 0) and pads_end (0, 0)");
  expect_error<ShapeError>(
      [] {
        conv_output_shape({5, 5}, {1, 1, 3, 3}, {});
      },
      "conv: input must have rank 3, 4 or 5 (batch, channels and 1-3 spatial dimensions), got "
      "shape (5, 5)");
  expect_error<ShapeError>(
      [] {
        conv_output_shape({1, 1, 2, 2, 2, 2}, {1, 1, 1, 1, 1, 1}, {});
      },
      "conv: input must have rank 3, 4 or 5 (batch, channels and 1-3 spatial dimensions), got "
      "shape (1, 1, 2, 2, 2, 2)");
  expect_error<ShapeError>(
      [] {
        conv_output_shape({1, 1, 5, 5}, {1, 1, 3}, {});
      },
      "conv: kernel must have rank 4 (2 channel dimensions and 2 kernel dimensions, as the input "
      "has 2 spatial dimensions), got shape (1, 1, 3)");
}

TEST(ConvGeometry, TransposeSizes) {
  // (in - 1) * stride + dilation * (k - 1) + 1 - pads + output_padding.
  EXPECT_EQ(conv_transpose_output_shape({1, 2, 3}, {2, 5, 3}, {.strides = {2}}), Shape({1, 5, 7}));
  EXPECT_EQ(conv_transpose_output_shape({1, 2, 3}, {2, 5, 3}, {.strides = {2}, .output_padding = {1}}),
            Shape({1, 5, 8}));
  EXPECT_EQ(conv_transpose_output_shape(
                {1, 2, 3, 3}, {2, 1, 3, 3},
                {.strides = {2}, .padding = Padding::explicit_, .pads_begin = {1}, .pads_end = {1}, .groups = 2}),
            Shape({1, 2, 5, 5}));
  // 'same' gives input * stride, also when the stride exceeds the kernel.
  EXPECT_EQ(conv_transpose_output_shape({1, 2, 4, 3}, {2, 3, 3, 3}, {.strides = {2, 3}, .padding = Padding::same}),
            Shape({1, 3, 8, 9}));
  EXPECT_EQ(conv_transpose_output_shape({1, 4, 2, 2}, {2, 3, 2, 2},
                                        {.strides = {3}, .padding = Padding::same, .layout = Layout::channels_last}),
            Shape({1, 12, 6, 3}));
  // 'full' undoes a full-padded convolution: output = input - dilation * (k - 1) at stride 1.
  EXPECT_EQ(conv_transpose_output_shape({1, 1, 9}, {1, 1, 3}, {.padding = Padding::full, .dilation = {2}}),
            Shape({1, 1, 5}));
}

TEST(ConvGeometry, TransposeErrors) {
  expect_error<ValueError>(
      [] {
        conv_transpose_output_shape({1, 2, 3}, {2, 1, 3}, {.strides = {2}, .output_padding = {2}});
      },
      "conv_transpose: output_padding must be non-negative and smaller than the strides, got "
      "output_padding (2) with strides (2)");
  expect_error<ShapeError>(
      [] {
        conv_transpose_output_shape({1, 3, 4}, {2, 1, 3}, {});
      },
      "conv_transpose: input has 3 channels but the kernel expects 2 (kernel shape (2, 1, 3) is "
      "(in_channels, out_channels / groups, kernel...))");
  expect_error<ValueError>(
      [] {
        conv_transpose_output_shape({1, 3, 4}, {3, 1, 3}, {.groups = 2});
      },
      "conv_transpose: groups=2 does not divide in_channels=3");
  expect_error<ValueError>(
      [] {
        conv_transpose_output_shape({1, 2, 3}, {2, 1, 3},
                                    {.strides = {2}, .padding = Padding::same, .output_padding = {1}});
      },
      "conv_transpose: output_padding cannot be combined with padding='same' (which fixes output = input * stride), "
      "got (1)");
  expect_error<ShapeError>(
      [] {
        conv_transpose_output_shape({1, 1, 2}, {1, 1, 3}, {.padding = Padding::full});
      },
      "conv_transpose: kernel 3 with padding='full' and pads (2)/(2) leaves no output for input 2 "
      "(input shape (1, 1, 2))");
}

}  // namespace
}  // namespace fovea
