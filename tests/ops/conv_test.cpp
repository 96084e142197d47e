// Tests for conv() (src/ops/conv.cpp): the seed documents' worked examples, layout equivalence, fused
// activations, and float64 gradient checks over strides, padding modes, dilation, groups, bias and layouts.
#include "fovea/ops/conv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>

#include "fovea/fovea.h"
#include "gradcheck.h"
#include "ops/image_test_util.h"

namespace fovea {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::f64;
using testing::random64;
using testing::to_channels_last;

const std::vector<double> kSeedImage = {3, 3, 2, 1, 0, 0, 0, 1, 3, 1, 3, 1, 2, 2, 3, 2, 0, 0, 2, 2, 2, 0, 0, 0, 1};
const std::vector<double> kSeedKernel = {0, 1, 2, 2, 2, 0, 0, 1, 2};

TEST(Conv, SeedCrossCorrelationExample) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor x = Tensor::from_vector({1, 1, 5, 5}, kSeedImage, dtype);
    const Tensor w = Tensor::from_vector({1, 1, 3, 3}, kSeedKernel, dtype);
    const Tensor y = conv(x, {.kernel = w});
    expect_close(y, f64({1, 1, 3, 3}, {12, 12, 17, 10, 17, 19, 9, 6, 14}), 0, 0);
    // With bias 2 every window gains 2: the last one gives 14 + 2 = 16.
    const Tensor with_bias = conv(x, {.kernel = w, .bias = Tensor::full({1}, 2.0, dtype)});
    EXPECT_EQ(with_bias.at({0, 0, 2, 2}), 16.0);
    EXPECT_EQ(with_bias.at({0, 0, 0, 0}), 14.0);
  }
}

TEST(Conv, SeedExampleInChannelsLast) {
  const Tensor x = f64({1, 5, 5, 1}, kSeedImage);
  const Tensor y = conv(x, {.kernel = f64({1, 1, 3, 3}, kSeedKernel)}, {.layout = Layout::channels_last});
  expect_close(y, f64({1, 3, 3, 1}, {12, 12, 17, 10, 17, 19, 9, 6, 14}), 0, 0);
}

TEST(Conv, MinusOnePlusOneKernelGivesHorizontalDifferences) {
  const Tensor image = f64({1, 1, 3, 4}, {0, 0, 9, 9, 1, 2, 4, 8, 5, 5, 5, 0});
  const Tensor y = conv(image, {.kernel = f64({1, 1, 1, 2}, {-1, 1})});
  // Each output is the right neighbour minus the pixel: large where the intensity changes.
  expect_close(y, f64({1, 1, 3, 3}, {0, 9, 0, 1, 2, 4, 0, 0, -5}), 0, 0);
}

TEST(Conv, StridedSamePaddingValues) {
  // 1-D, in 5, k 3, stride 2, 'same': out 3, total pad 2 -> 1 before, 1 after.
  const Tensor x = f64({1, 1, 5}, {1, 2, 3, 4, 5});
  const Tensor y = conv(x, {.kernel = f64({1, 1, 3}, {1, 10, 100})}, {.strides = {2}, .padding = Padding::same});
  expect_close(y, f64({1, 1, 3}, {0 + 10 + 200, 2 + 30 + 400, 4 + 50 + 0}), 0, 0);
  // 'causal' pads dilation * (k - 1) = 4 at the beginning only.
  const Tensor c = conv(x, {.kernel = f64({1, 1, 3}, {1, 10, 100})}, {.padding = Padding::causal, .dilation = {2}});
  expect_close(c, f64({1, 1, 5}, {100, 200, 310, 420, 531}), 0, 0);
}

TEST(Conv, GroupsSeeOnlyTheirChannels) {
  // Depthwise: each output channel is its own input channel times its own scalar.
  const Tensor x = f64({1, 2, 1, 2}, {1, 2, 3, 4});
  const Tensor y = conv(x, {.kernel = f64({2, 1, 1, 1}, {10, 100})}, {.groups = 2});
  expect_close(y, f64({1, 2, 1, 2}, {10, 20, 300, 400}), 0, 0);
}

TEST(Conv, ChannelsLastMatchesChannelsFirstOnPermutedData) {
  struct Case {
    Shape x;
    Shape w;
    ConvArgs args;
  };
  const Case cases[] = {
      {{2, 3, 9}, {4, 3, 3}, {.strides = {2}, .padding = Padding::same}},
      {{2, 4, 6, 5}, {6, 2, 3, 3}, {.strides = {2, 1}, .padding = Padding::same, .dilation = {1, 2}, .groups = 2}},
      {{1, 2, 4, 5, 3}, {2, 1, 2, 3, 2}, {.padding = Padding::full, .groups = 2}},
  };
  for (const Case& c : cases) {
    const Tensor x = random64(c.x, 1), w = random64(c.w, 2), b = random64({c.w[0]}, 3);
    const Tensor y_first = conv(x, {.kernel = w, .bias = b}, c.args);
    ConvArgs last = c.args;
    last.layout = Layout::channels_last;
    const Tensor y_last = conv(to_channels_last(x), {.kernel = w, .bias = b}, last);
    expect_close(y_last, to_channels_last(y_first), 1e-12, 1e-12);
  }
}

TEST(Conv, Float32AgreesWithFloat64) {
  const Tensor x = random64({2, 3, 6, 6}, 4), w = random64({4, 3, 3, 3}, 5), b = random64({4}, 6);
  const ConvArgs args{.strides = {2}, .padding = Padding::same};
  const Tensor y64 = conv(x, {.kernel = w, .bias = b}, args);
  const Tensor y32 = conv(x.to(DType::f32), {.kernel = w.to(DType::f32), .bias = b.to(DType::f32)}, args);
  EXPECT_EQ(y32.dtype(), DType::f32);
  expect_close(y32, y64, 1e-5, 1e-5);
}

TEST(Conv, FusedActivationsApplyAfterTheBias) {
  const Tensor x = random64({1, 2, 4, 4}, 8), w = random64({3, 2, 2, 2}, 9), b = random64({3}, 10);
  const std::vector<double> linear = conv(x, {.kernel = w, .bias = b}).to_vector();
  struct Case {
    Activation f;
    double (*expected)(double);
  };
  const Case cases[] = {
      {Activation::relu(), [](double v) { return std::max(v, 0.0); }},
      {Activation::of(ActivationKind::sigmoid), [](double v) { return 1 / (1 + std::exp(-v)); }},
      {Activation::of(ActivationKind::tanh), [](double v) { return std::tanh(v); }},
      {Activation::elu(1.0), [](double v) { return v > 0 ? v : std::exp(v) - 1; }},
      {Activation::relu(0.0, 0.5), [](double v) { return std::clamp(v, 0.0, 0.5); }},
  };
  for (const Case& c : cases) {
    const std::vector<double> y = conv(x, {.kernel = w, .bias = b}, {.activation = c.f}).to_vector();
    ASSERT_EQ(y.size(), linear.size());
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], c.expected(linear[i]), 1e-12) << i;
  }
}

TEST(Conv, BackwardComputesOnlyTheGradientsAskedFor) {
  Tensor x = random64({1, 2, 4, 4}, 11);
  Tensor w = random64({2, 2, 3, 3}, 12);
  x.set_requires_grad(true);
  BackendScope reference(BackendKind::reference);
  conv(x, {.kernel = w}).backward(Tensor::ones({1, 2, 2, 2}, DType::f64));
  EXPECT_TRUE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  // d(sum y)/dx at a corner pixel touches only the first tap of each output channel's kernel.
  EXPECT_DOUBLE_EQ(x.grad().at({0, 1, 0, 0}), w.at({0, 1, 0, 0}) + w.at({1, 1, 0, 0}));
}

// ---- gradient checks ----

struct ConvCase {
  std::string name;
  Shape x;  // in the layout of args
  Shape kernel;
  ConvArgs args;
  bool bias;
};

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

class ConvGradient : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvGradient, MatchesNumericalGradient) {
  const ConvCase& c = GetParam();
  std::vector<Tensor> inputs = {random64(c.x, 21), random64(c.kernel, 22)};
  if (c.bias) inputs.push_back(random64({c.kernel[0]}, 23));
  const ConvArgs args = c.args;
  expect_gradients_match(
      [args](const std::vector<Tensor>& in) {
        return conv(in[0], {.kernel = in[1], .bias = in.size() > 2 ? in[2] : Tensor()}, args);
      },
      inputs);
}

constexpr Layout kLast = Layout::channels_last;

INSTANTIATE_TEST_SUITE_P(
    Conv, ConvGradient,
    ::testing::Values(
        ConvCase{"d1_valid", {2, 2, 7}, {3, 2, 3}, {}, true},
        ConvCase{"d1_stride2_same", {1, 2, 8}, {2, 2, 3}, {.strides = {2}, .padding = Padding::same}, true},
        ConvCase{"d1_stride3_full", {1, 2, 7}, {2, 2, 2}, {.strides = {3}, .padding = Padding::full}, false},
        ConvCase{"d1_causal_dilation2", {1, 2, 8}, {2, 2, 3}, {.padding = Padding::causal, .dilation = {2}}, true},
        ConvCase{"d1_explicit_asymmetric",
                 {1, 2, 6},
                 {2, 2, 3},
                 {.padding = Padding::explicit_, .pads_begin = {2}, .pads_end = {1}},
                 true},
        ConvCase{"d1_last_groups2",
                 {1, 7, 4},
                 {4, 2, 3},
                 {.strides = {2}, .padding = Padding::same, .groups = 2, .layout = kLast},
                 true},
        ConvCase{"d2_valid", {1, 2, 5, 4}, {3, 2, 3, 2}, {}, true},
        ConvCase{"d2_stride2_same", {1, 2, 5, 5}, {2, 2, 3, 3}, {.strides = {2}, .padding = Padding::same}, true},
        ConvCase{"d2_stride3_explicit",
                 {1, 1, 7, 6},
                 {2, 1, 3, 3},
                 {.strides = {3, 2}, .padding = Padding::explicit_, .pads_begin = {1, 0}, .pads_end = {0, 2}},
                 false},
        ConvCase{"d2_full_dilation2", {1, 1, 4, 4}, {1, 1, 2, 2}, {.padding = Padding::full, .dilation = {2}}, true},
        ConvCase{"d2_groups2", {1, 4, 4, 4}, {4, 2, 2, 2}, {.groups = 2}, true},
        ConvCase{"d2_depthwise_multiplier2", {1, 3, 4, 4}, {6, 1, 3, 3}, {.padding = Padding::same, .groups = 3}, true},
        ConvCase{"d2_last_stride2_same",
                 {2, 4, 4, 2},
                 {3, 2, 3, 3},
                 {.strides = {2}, .padding = Padding::same, .layout = kLast},
                 true},
        ConvCase{"d2_last_depthwise_dilation2",
                 {1, 5, 5, 2},
                 {2, 1, 2, 2},
                 {.dilation = {2}, .groups = 2, .layout = kLast},
                 false},
        ConvCase{"d3_valid", {1, 2, 3, 4, 3}, {2, 2, 2, 2, 2}, {}, true},
        ConvCase{"d3_stride2_same_groups2",
                 {1, 2, 4, 3, 4},
                 {2, 1, 3, 2, 2},
                 {.strides = {2}, .padding = Padding::same, .groups = 2},
                 true},
        ConvCase{"d3_last_causal_dilation2",
                 {1, 4, 3, 3, 1},
                 {2, 1, 2, 1, 2},
                 {.padding = Padding::causal, .dilation = {2, 1, 1}, .layout = kLast},
                 true},
        ConvCase{"fused_relu", {1, 2, 4, 4}, {2, 2, 2, 2}, {.activation = Activation::relu()}, true},
        ConvCase{"fused_sigmoid",
                 {1, 2, 4, 4},
                 {2, 2, 2, 2},
                 {.padding = Padding::same, .activation = Activation::of(ActivationKind::sigmoid)},
                 true},
        ConvCase{"fused_tanh",
                 {1, 4, 3, 2},
                 {2, 2, 2, 2},
                 {.layout = kLast, .activation = Activation::of(ActivationKind::tanh)},
                 true},
        ConvCase{"unfused_elu", {1, 2, 4, 4}, {2, 2, 2, 2}, {.activation = Activation::elu(1.0)}, true}),
    [](const ::testing::TestParamInfo<ConvCase>& info) { return info.param.name; });

}  // namespace
}  // namespace fovea
