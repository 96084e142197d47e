// Tests for conv_transpose() (src/ops/conv.cpp): worked values, the adjoint relation with conv(), layout
// equivalence and float64 gradient checks.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "fovea/fovea.h"
#include "gradcheck.h"
#include "ops/conv_geometry.h"
#include "ops/image_test_util.h"

namespace fovea {
namespace {

using testing::dot;
using testing::expect_close;
using testing::expect_gradients_match;
using testing::f64;
using testing::random64;
using testing::to_channels_last;

TEST(ConvTranspose, ScattersEachInputTimesTheKernel) {
  const Tensor x = f64({1, 1, 2}, {1, 2});
  const Tensor w = f64({1, 1, 3}, {1, 2, 3});
  // Each input drops a scaled copy of the kernel, `stride` apart; overlaps add up.
  expect_close(conv_transpose(x, {.kernel = w}, {.strides = {2}}), f64({1, 1, 5}, {1, 2, 5, 4, 6}), 0, 0);
  // 'same' keeps input * stride = 4 outputs; the single pad of the forward convolution goes to the end.
  expect_close(conv_transpose(x, {.kernel = w}, {.strides = {2}, .padding = Padding::same}),
               f64({1, 1, 4}, {1, 2, 5, 4}), 0, 0);
  // Explicit pads crop the full result; output_padding adds to the end.
  expect_close(
      conv_transpose(
          x, {.kernel = w},
          {.strides = {2}, .padding = Padding::explicit_, .pads_begin = {1}, .pads_end = {1}, .output_padding = {1}}),
      f64({1, 1, 4}, {2, 5, 4, 6}), 0, 0);
}

TEST(ConvTranspose, BiasAndChannels) {
  // Two input channels, each contributing to both output channels.
  const Tensor x = f64({1, 2, 1, 1}, {1, 10});
  const Tensor w = f64({2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const Tensor y = conv_transpose(x, {.kernel = w, .bias = f64({2}, {100, 200})});
  expect_close(y, f64({1, 2, 1, 2}, {100 + 1 + 50, 100 + 2 + 60, 200 + 3 + 70, 200 + 4 + 80}), 0, 0);
}

// conv_transpose is the adjoint of conv: <conv(x, w), y> = <x, conv_transpose(y, w)> for the same geometry.
TEST(ConvTranspose, IsTheAdjointOfConv) {
  struct Case {
    Shape x;
    Shape w;
    ConvArgs args;
  };
  const Case cases[] = {
      {{2, 3, 9}, {4, 3, 3}, {.strides = {2}, .padding = Padding::same}},
      {{1, 4, 7, 6}, {6, 2, 3, 2}, {.strides = {3, 2}, .padding = Padding::full, .dilation = {1, 2}, .groups = 2}},
      {{1, 3, 5, 4, 2}, {2, 1, 2, 3, 2}, {.strides = {2}, .groups = 2, .layout = Layout::channels_last}},
      {{1, 3, 8}, {3, 1, 2}, {.strides = {2}, .padding = Padding::causal, .dilation = {3}, .groups = 3}},
  };
  for (const Case& c : cases) {
    const ConvGeometry g = detail::conv_geometry(c.x, c.w, c.args);
    ConvTransposeArgs t{.strides = g.strides,
                        .padding = Padding::explicit_,
                        .pads_begin = g.pads_begin,
                        .pads_end = g.pads_end,
                        .dilation = g.dilation,
                        .groups = g.groups,
                        .layout = g.layout};
    // The output padding recovers the input positions that the forward stride skipped at the end.
    for (int i = 0; i < g.spatial_rank; ++i) {
      const int64_t dk = g.dilation[i] * (g.kernel_size[i] - 1) + 1;
      t.output_padding.push_back(g.in_size[i] -
                                 ((g.out_size[i] - 1) * g.strides[i] + dk - g.pads_begin[i] - g.pads_end[i]));
    }
    const Tensor x = random64(c.x, 31), w = random64(c.w, 32);
    const Tensor y = random64(conv_output_shape(c.x, c.w, c.args), 33);
    const Tensor xt = conv_transpose(y, {.kernel = w}, t);
    ASSERT_EQ(xt.shape(), x.shape());
    EXPECT_NEAR(dot(conv(x, {.kernel = w}, c.args), y), dot(x, xt), 1e-10);
  }
}

TEST(ConvTranspose, ChannelsLastMatchesChannelsFirst) {
  const Tensor x = random64({2, 4, 3, 2}, 41), w = random64({4, 3, 3, 2}, 42), b = random64({6}, 43);
  const ConvTransposeArgs args{.strides = {2, 3}, .padding = Padding::same, .groups = 2};
  const Tensor y_first = conv_transpose(x, {.kernel = w, .bias = b}, args);
  ConvTransposeArgs last = args;
  last.layout = Layout::channels_last;
  const Tensor y_last = conv_transpose(to_channels_last(x), {.kernel = w, .bias = b}, last);
  expect_close(y_last, to_channels_last(y_first), 1e-12, 1e-12);
}

struct TransposeCase {
  std::string name;
  Shape x;
  Shape kernel;
  ConvTransposeArgs args;
  bool bias;
};

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const TransposeCase& c, std::ostream* os) { *os << c.name; }

class ConvTransposeGradient : public ::testing::TestWithParam<TransposeCase> {};

TEST_P(ConvTransposeGradient, MatchesNumericalGradient) {
  const TransposeCase& c = GetParam();
  std::vector<Tensor> inputs = {random64(c.x, 51), random64(c.kernel, 52)};
  const int64_t out_channels =
      conv_transpose_output_shape(c.x, c.kernel, c.args)[c.args.layout == Layout::channels_first ? 1 : c.x.rank() - 1];
  if (c.bias) inputs.push_back(random64({out_channels}, 53));
  const ConvTransposeArgs args = c.args;
  expect_gradients_match(
      [args](const std::vector<Tensor>& in) {
        return conv_transpose(in[0], {.kernel = in[1], .bias = in.size() > 2 ? in[2] : Tensor()}, args);
      },
      inputs);
}

INSTANTIATE_TEST_SUITE_P(
    ConvTranspose, ConvTransposeGradient,
    ::testing::Values(
        TransposeCase{"d1_stride2_valid", {1, 2, 4}, {2, 3, 3}, {.strides = {2}}, false},
        TransposeCase{
            "d1_stride3_output_padding_bias", {2, 2, 3}, {2, 1, 2}, {.strides = {3}, .output_padding = {2}}, true},
        TransposeCase{"d2_same_stride2_groups2",
                      {1, 4, 3, 2},
                      {4, 1, 3, 3},
                      {.strides = {2}, .padding = Padding::same, .groups = 2},
                      false},
        TransposeCase{"d2_explicit_dilation2",
                      {1, 2, 3, 3},
                      {2, 2, 2, 3},
                      {.padding = Padding::explicit_, .pads_begin = {1, 0}, .pads_end = {0, 2}, .dilation = {2}},
                      false},
        TransposeCase{"d2_full_stride2", {1, 1, 4, 4}, {1, 2, 2, 2}, {.strides = {2}, .padding = Padding::full}, false},
        TransposeCase{"d2_last_depthwise_same",
                      {1, 3, 3, 2},
                      {2, 1, 2, 2},
                      {.strides = {2}, .padding = Padding::same, .groups = 2, .layout = Layout::channels_last},
                      false},
        TransposeCase{"d3_stride2_last",
                      {1, 2, 2, 2, 2},
                      {2, 2, 2, 1, 2},
                      {.strides = {2, 1, 2}, .layout = Layout::channels_last},
                      false},
        TransposeCase{"d2_bias_sigmoid",
                      {1, 2, 2, 2},
                      {2, 2, 2, 2},
                      {.strides = {2}, .activation = Activation::of(ActivationKind::sigmoid)},
                      true}),
    [](const ::testing::TestParamInfo<TransposeCase>& info) { return info.param.name; });

}  // namespace
}  // namespace fovea
