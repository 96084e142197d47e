// Tests for batch_norm, lrn and dropout: known values, float64 gradient checks, and the exact text of errors.
#include "fovea/ops/normalization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "error_text.h"
#include "fovea/core/threading.h"
#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random64;

Tensor values(const Shape& shape, const std::vector<double>& v, DType dtype = DType::f32) {
  return Tensor::from_vector(shape, v, dtype);
}

using testing::error_text;

// Per-channel mean and biased variance of x around axis a, computed independently of the kernels.
struct ChannelStats {
  std::vector<double> mean, var;
};
ChannelStats channel_stats(const Tensor& x, int a) {
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < a; ++d) outer *= s[d];
  for (int d = a + 1; d < s.rank(); ++d) inner *= s[d];
  const int64_t channels = s[a];
  const std::vector<double> v = x.to_vector();
  ChannelStats out{std::vector<double>(channels, 0.0), std::vector<double>(channels, 0.0)};
  const double n = static_cast<double>(outer * inner);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) out.mean[c] += v[(o * channels + c) * inner + i] / n;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const double d = v[(o * channels + c) * inner + i] - out.mean[c];
        out.var[c] += d * d / n;
      }
  }
  return out;
}

class Normalization : public ::testing::Test {
 protected:
  BackendScope reference_{BackendKind::reference};
};

// ---- batch norm ----

TEST_F(Normalization, BatchNormTrainingNormalizesEachChannel) {
  for (int axis : {1, -1}) {
    Generator gen(3);
    Tensor x = Tensor::uniform({4, 3, 2, 5}, -2.0, 5.0, &gen);
    const int a = axis < 0 ? axis + 4 : axis;
    Tensor y = batch_norm(x, {}, {.training = true, .epsilon = 1e-6, .axis = axis});
    const ChannelStats stats = channel_stats(y, a);
    for (size_t c = 0; c < stats.mean.size(); ++c) {
      EXPECT_NEAR(stats.mean[c], 0.0, 1e-5) << "axis " << axis << " channel " << c;
      EXPECT_NEAR(stats.var[c], 1.0, 1e-4) << "axis " << axis << " channel " << c;
    }
  }
}

TEST_F(Normalization, BatchNormAppliesGammaAndBeta) {
  Generator gen(5);
  Tensor x = Tensor::uniform({6, 2}, -1.0, 1.0, &gen);
  BatchNormState state{.gamma = values({2}, {2.0, 0.5}), .beta = values({2}, {-1.0, 3.0})};
  Tensor y = batch_norm(x, state, {.training = true, .epsilon = 1e-8});
  const ChannelStats stats = channel_stats(y, 1);
  EXPECT_NEAR(stats.mean[0], -1.0, 1e-5);
  EXPECT_NEAR(stats.mean[1], 3.0, 1e-5);
  EXPECT_NEAR(stats.var[0], 4.0, 1e-4);
  EXPECT_NEAR(stats.var[1], 0.25, 1e-5);
}

TEST_F(Normalization, BatchNormUpdatesRunningAveragesWithKerasMomentum) {
  Generator gen(9);
  Tensor x = Tensor::uniform({5, 3, 2}, 0.0, 4.0, &gen, DType::f64);
  BatchNormState state{.running_mean = values({3}, {1.0, -2.0, 0.5}, DType::f64),
                       .running_var = values({3}, {1.0, 3.0, 0.25}, DType::f64)};
  const std::vector<double> old_mean = state.running_mean.to_vector(), old_var = state.running_var.to_vector();
  batch_norm(x, state, {.training = true, .momentum = 0.9});
  const ChannelStats batch = channel_stats(x, 1);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(state.running_mean.to_vector()[c], 0.9 * old_mean[c] + 0.1 * batch.mean[c], 1e-12);
    EXPECT_NEAR(state.running_var.to_vector()[c], 0.9 * old_var[c] + 0.1 * batch.var[c], 1e-12);
  }
}

TEST_F(Normalization, BatchNormInferenceUsesRunningStatistics) {
  // channels_last (N, W, C): y = gamma * (x - mean) / sqrt(var + eps) + beta per channel.
  Tensor x = values({1, 2, 2}, {1.0, 2.0, 3.0, -4.0});
  BatchNormState state{.gamma = values({2}, {2.0, 1.0}),
                       .beta = values({2}, {0.5, 0.0}),
                       .running_mean = values({2}, {1.0, -1.0}),
                       .running_var = values({2}, {3.0, 8.0})};
  Tensor y = batch_norm(x, state, {.training = false, .epsilon = 1.0, .axis = -1});
  expect_close(y, values({1, 2, 2}, {0.5, 1.0, 2.5, -1.0}));
  // Inference leaves the running statistics alone.
  expect_close(state.running_mean, values({2}, {1.0, -1.0}), 0, 0);
}

TEST_F(Normalization, BatchNormTrainingGradients) {
  struct Case {
    Shape shape;
    int axis;
  };
  for (const Case& k : {Case{{3, 2, 2, 2}, 1}, Case{{3, 2, 2, 2}, -1}, Case{{5, 3}, 1}, Case{{5, 3}, -1}}) {
    const int a = k.axis < 0 ? k.axis + k.shape.rank() : k.axis;
    const int64_t c = k.shape[a];
    SCOPED_TRACE(k.shape.to_string() + " axis " + std::to_string(k.axis));
    const BatchNormArgs args{.training = true, .epsilon = 1e-3, .axis = k.axis};
    expect_gradients_match(
        [&](const std::vector<Tensor>& in) { return batch_norm(in[0], {.gamma = in[1], .beta = in[2]}, args); },
        {random64(k.shape, 1), random64({c}, 2, 0.5, 1.5), random64({c}, 3)});
    expect_gradients_match([&](const std::vector<Tensor>& in) { return batch_norm(in[0], {}, args); },
                           {random64(k.shape, 4)});
  }
}

TEST_F(Normalization, BatchNormInferenceGradients) {
  struct Case {
    Shape shape;
    int axis;
  };
  for (const Case& k : {Case{{2, 3, 2, 2}, 1}, Case{{2, 2, 2, 3}, -1}, Case{{4, 3}, 1}, Case{{4, 3}, -1}}) {
    const int a = k.axis < 0 ? k.axis + k.shape.rank() : k.axis;
    const int64_t c = k.shape[a];
    SCOPED_TRACE(k.shape.to_string() + " axis " + std::to_string(k.axis));
    const Tensor running_mean = random64({c}, 5);
    const Tensor running_var = random64({c}, 6, 0.5, 2.0);
    const BatchNormArgs args{.training = false, .epsilon = 1e-3, .axis = k.axis};
    expect_gradients_match(
        [&](const std::vector<Tensor>& in) {
          return batch_norm(in[0], {in[1], in[2], running_mean, running_var}, args);
        },
        {random64(k.shape, 1), random64({c}, 2, 0.5, 1.5), random64({c}, 3)});
    expect_gradients_match(
        [&](const std::vector<Tensor>& in) {
          return batch_norm(in[0], {{}, {}, running_mean, running_var}, args);
        },
        {random64(k.shape, 4)});
  }
}

TEST_F(Normalization, BatchNormWrongSizedGammaErrorText) {
  Tensor x = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(error_text([&] { batch_norm(x, {.gamma = Tensor::ones({4})}, {.training = true}); }),
            "batch_norm: gamma must have shape (3,) (one value per channel of axis 1 of the input of shape "
            "(2, 3, 4)), got (4,)");
  EXPECT_EQ(error_text([&] { batch_norm(x, {.beta = Tensor::ones({3})}, {.training = true, .axis = -1}); }),
            "batch_norm: beta must have shape (4,) (one value per channel of axis 2 of the input of shape "
            "(2, 3, 4)), got (3,)");
  EXPECT_THROW(batch_norm(x, {}, {.training = false}), ValueError);  // inference without running statistics
  EXPECT_THROW(batch_norm(x, {}, {.training = true, .axis = 3}), ShapeError);
}

// ---- local response normalization ----

TEST_F(Normalization, LrnMatchesHandComputedValues) {
  // Channel c sums x^2 over c-1..c+1 for size 3: D = 2 + 0.3 / 3 * (1 + 4), (1 + 4 + 9), (4 + 9).
  Tensor x = values({1, 3, 1}, {1.0, 2.0, 3.0});
  const LrnArgs args{.size = 3, .alpha = 0.3, .beta = 0.75, .bias = 2.0};
  Tensor expected =
      values({1, 3, 1}, {1.0 / std::pow(2.5, 0.75), 2.0 / std::pow(3.4, 0.75), 3.0 / std::pow(3.3, 0.75)});
  expect_close(lrn(x, args), expected);
  // Same values from PyTorch's F.local_response_norm(x, 3, alpha=0.3, beta=0.75, k=2.0).
  expect_close(lrn(x, args), values({1, 3, 1}, {0.5029733777, 0.7987682223, 1.2252812386}));
  LrnArgs last = args;
  last.axis = -1;
  expect_close(lrn(x.view({1, 1, 3}), last), expected.view({1, 1, 3}));
}

TEST_F(Normalization, LrnEvenSizeWindowMatchesPyTorch) {
  // PyTorch places an even window of 4 over channels c-2..c+1 (ONNX would use c-1..c+2):
  // F.local_response_norm(x, 4, alpha=4.0, beta=1.0, k=1.0) with x = ones and x[3] = 2.
  Tensor x = values({1, 6, 1}, {1, 1, 1, 2, 1, 1});
  Tensor y = lrn(x, {.size = 4, .alpha = 4.0, .beta = 1.0, .bias = 1.0});
  expect_close(y, values({1, 6, 1}, {1.0 / 3, 0.25, 0.125, 0.25, 0.125, 1.0 / 7}));
}

TEST_F(Normalization, LrnGradients) {
  for (int64_t size : {3, 4}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const LrnArgs args{.size = size, .alpha = 0.5, .beta = 0.75, .bias = 1.0};
    expect_gradients_match([&](const std::vector<Tensor>& in) { return lrn(in[0], args); }, {random64({2, 5, 2})});
    LrnArgs last = args;
    last.axis = -1;
    expect_gradients_match([&](const std::vector<Tensor>& in) { return lrn(in[0], last); }, {random64({2, 2, 5})});
  }
  EXPECT_THROW(lrn(Tensor::zeros({1, 3, 2}), {.size = 0}), ValueError);
}

// ---- dropout ----

TEST_F(Normalization, DropoutKeepsAboutOneMinusRateAndScales) {
  Generator gen(11);
  Tensor x = Tensor::ones({100, 100});
  Tensor y = dropout(x, {.rate = 0.3, .generator = &gen});
  int64_t kept = 0;
  for (double v : y.to_vector()) {
    if (v != 0.0) {
      ++kept;
      EXPECT_NEAR(v, 1.0 / 0.7, 1e-6);
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / x.numel(), 0.7, 0.02);
}

TEST_F(Normalization, DropoutSameSeedSameMask) {
  Tensor x = Tensor::ones({8, 16});
  Generator a(21), b(21), c(22);
  const std::vector<double> ya = dropout(x, {.rate = 0.5, .generator = &a}).to_vector();
  EXPECT_EQ(ya, dropout(x, {.rate = 0.5, .generator = &b}).to_vector());
  EXPECT_NE(ya, dropout(x, {.rate = 0.5, .generator = &c}).to_vector());
}

TEST_F(Normalization, DropoutMaskIsTheSameForAnyNumberOfThreads) {
  // Large enough to fill the mask in parallel; each element's draw depends only on the seed and its index.
  const Tensor x = Tensor::ones({400, 1000});
  const int threads = num_threads();
  std::vector<std::vector<double>> masks;
  for (int n : {1, 2, 3}) {
    set_num_threads(n);
    Generator gen(17);
    masks.push_back(dropout(x, {.rate = 0.3, .generator = &gen}).to_vector());
  }
  set_num_threads(threads);
  EXPECT_EQ(masks[1], masks[0]);
  EXPECT_EQ(masks[2], masks[0]);
}

TEST_F(Normalization, DropoutIsIdentityOutsideTrainingOrAtRateZero) {
  Tensor x = Tensor::ones({4, 4});
  EXPECT_TRUE(dropout(x, {.rate = 0.5, .training = false}).is_same(x));
  EXPECT_TRUE(dropout(x, {.rate = 0.0}).is_same(x));
}

TEST_F(Normalization, DropoutSharesTheMaskAlongBroadcastAxes) {
  // SpatialDropout2D on channels_first: one decision per (sample, channel).
  Generator gen(4);
  Tensor y = dropout(Tensor::ones({3, 4, 2, 3}), {.rate = 0.5, .generator = &gen, .broadcast_axes = {2, -1}});
  const std::vector<double> v = y.to_vector();
  for (int64_t plane = 0; plane < 12; ++plane) {
    for (int64_t i = 1; i < 6; ++i) EXPECT_EQ(v[plane * 6 + i], v[plane * 6]) << "plane " << plane;
  }
}

TEST_F(Normalization, DropoutGradientUsesTheSameMask) {
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        Generator gen(5);
        return dropout(in[0], {.rate = 0.4, .generator = &gen, .broadcast_axes = {1}});
      },
      {random64({3, 2, 4})});
}

TEST_F(Normalization, DropoutGradientWithOneMaskValuePerElement) {
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        Generator gen(5);
        return dropout(in[0], {.rate = 0.4, .generator = &gen});
      },
      {random64({3, 2, 4})});
}

TEST_F(Normalization, DropoutKeepsNanInDroppedPositions) {
  // x * mask, as in Keras and PyTorch: a NaN in the data must still reach the loss.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Generator gen(8);
  const std::vector<double> y = dropout(Tensor::full({64}, nan), {.rate = 0.5, .generator = &gen}).to_vector();
  for (double v : y) EXPECT_TRUE(std::isnan(v));
}

TEST_F(Normalization, DropoutBadRateErrorText) {
  Tensor x = Tensor::ones({2});
  EXPECT_EQ(error_text([&] { dropout(x, {.rate = 1.0}); }), "dropout: rate must be in [0, 1), got 1");
  EXPECT_EQ(error_text([&] { dropout(x, {.rate = -0.25, .training = false}); }),
            "dropout: rate must be in [0, 1), got -0.25");
}

}  // namespace
}  // namespace fovea
