// Tests for pool() and global_pool() (src/ops/pool.cpp): worked examples with exact forward and backward
// values, padding rules, layouts, error text and float64 gradient checks for every pooling kind.
#include "fovea/ops/pool.h"

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
using testing::expect_error;
using testing::expect_gradients_match;
using testing::f64;
using testing::random64;
using testing::to_channels_last;

const std::vector<double> kImage = {1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4};

// Runs pool on x (requiring grad) and back-propagates dy; returns {y, dx}.
std::pair<Tensor, Tensor> pool_with_grad(Tensor x, const PoolArgs& args, const Tensor& dy) {
  x.set_requires_grad(true);
  BackendScope reference(BackendKind::reference);
  Tensor y = pool(x, args);
  y.backward(dy);
  return {y, x.grad()};
}

TEST(Pool, MaxPool2x2Stride2RoutesTheGradientToTheMaxOnly) {
  const auto [y, dx] = pool_with_grad(f64({1, 1, 4, 4}, kImage), {.kind = PoolKind::max, .pool_size = {2}},
                                      f64({1, 1, 2, 2}, {1, 2, 3, 4}));
  expect_close(y, f64({1, 1, 2, 2}, {6, 8, 3, 4}), 0, 0);
  expect_close(dx, f64({1, 1, 4, 4}, {0, 0, 0, 0, 0, 1, 0, 2, 3, 0, 0, 0, 0, 0, 0, 4}), 0, 0);
}

TEST(Pool, AveragePool2x2Stride2SpreadsTheGradientEvenly) {
  const auto [y, dx] = pool_with_grad(f64({1, 1, 4, 4}, kImage), {.kind = PoolKind::average, .pool_size = {2}},
                                      f64({1, 1, 2, 2}, {4, 8, 12, 16}));
  expect_close(y, f64({1, 1, 2, 2}, {3.25, 5.25, 2, 2}), 0, 0);
  expect_close(dx, f64({1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}), 0, 0);
}

TEST(Pool, SumAndL2Pooling) {
  const Tensor x = f64({1, 1, 4, 4}, kImage);
  expect_close(pool(x, {.kind = PoolKind::sum, .pool_size = {2}}), f64({1, 1, 2, 2}, {13, 21, 8, 8}), 0, 0);
  expect_close(pool(x, {.kind = PoolKind::l2, .pool_size = {2}}),
               f64({1, 1, 2, 2}, {std::sqrt(63.0), std::sqrt(133.0), std::sqrt(18.0), std::sqrt(26.0)}), 1e-15, 0);
  // L2 backward is dy * x / y; an all-zero window passes no gradient (and no NaN).
  const auto [y, dx] =
      pool_with_grad(f64({1, 1, 4}, {3, 4, 0, 0}), {.kind = PoolKind::l2, .pool_size = {2}}, f64({1, 1, 2}, {10, 7}));
  expect_close(y, f64({1, 1, 2}, {5, 0}), 0, 0);
  expect_close(dx, f64({1, 1, 4}, {6, 8, 0, 0}), 1e-15, 0);
}

TEST(Pool, MaxTiesGoToTheFirstMaximumAndPaddingNeverWins) {
  const auto [y, dx] =
      pool_with_grad(f64({1, 1, 2, 2}, {-5, -5, -5, -5}),
                     {.kind = PoolKind::max, .pool_size = {2}, .strides = {1}, .padding = Padding::same},
                     f64({1, 1, 2, 2}, {1, 1, 1, 1}));
  // 'same' pads one row and column at the end; the padding (0) must never beat the -5s.
  expect_close(y, f64({1, 1, 2, 2}, {-5, -5, -5, -5}), 0, 0);
  // Every window's first maximum is its top-left element.
  expect_close(dx, f64({1, 1, 2, 2}, {1, 1, 1, 1}), 0, 0);
}

TEST(Pool, AverageSameExcludesPaddingUnlessCountIncludePad) {
  const Tensor x = f64({1, 1, 3}, {1, 2, 3});
  // out = ceil(3 / 2) = 2; the second window is {3, pad}.
  EXPECT_EQ(pool_output_shape(x.shape(), {.pool_size = {2}, .padding = Padding::same}), Shape({1, 1, 2}));
  expect_close(pool(x, {.kind = PoolKind::average, .pool_size = {2}, .padding = Padding::same}),
               f64({1, 1, 2}, {1.5, 3}), 0, 0);
  expect_close(
      pool(x, {.kind = PoolKind::average, .pool_size = {2}, .padding = Padding::same, .count_include_pad = true}),
      f64({1, 1, 2}, {1.5, 1.5}), 0, 0);
  // Explicit pads at the beginning: windows {pad, 1}, {2, 3}.
  const auto [y, dx] = pool_with_grad(x,
                                      {.kind = PoolKind::average,
                                       .pool_size = {2},
                                       .padding = Padding::explicit_,
                                       .pads_begin = {1},
                                       .count_include_pad = true},
                                      f64({1, 1, 2}, {4, 8}));
  expect_close(y, f64({1, 1, 2}, {0.5, 2.5}), 0, 0);
  expect_close(dx, f64({1, 1, 3}, {2, 4, 4}), 0, 0);
}

TEST(Pool, OutputShapes) {
  EXPECT_EQ(pool_output_shape({2, 3, 28, 28}, {.pool_size = {2}}), Shape({2, 3, 14, 14}));
  EXPECT_EQ(pool_output_shape({2, 27, 27, 3}, {.pool_size = {3}, .strides = {2}, .layout = Layout::channels_last}),
            Shape({2, 13, 13, 3}));
  EXPECT_EQ(pool_output_shape({1, 4, 5, 7, 9}, {.pool_size = {2, 3, 4}, .padding = Padding::same}),
            Shape({1, 4, 3, 3, 3}));
  EXPECT_EQ(pool_output_shape({1, 1, 10}, {.pool_size = {3}, .strides = {1}}), Shape({1, 1, 8}));
}

TEST(Pool, ChannelsLastMatchesChannelsFirstOnPermutedData) {
  const Tensor x = random64({2, 3, 5, 6}, 61);
  for (PoolKind kind : {PoolKind::max, PoolKind::average, PoolKind::sum, PoolKind::l2}) {
    const PoolArgs args{.kind = kind, .pool_size = {3, 2}, .strides = {2, 2}, .padding = Padding::same};
    PoolArgs last = args;
    last.layout = Layout::channels_last;
    expect_close(pool(to_channels_last(x), last), to_channels_last(pool(x, args)), 1e-12, 1e-12);
  }
}

TEST(Pool, ErrorsSayWhatWasExpectedAndWhatWasGot) {
  expect_error<ShapeError>(
      [] {
        pool_output_shape({1, 1, 2, 2}, {.pool_size = {3}});
      },
      "pool: window 3x3 does not fit input 2x2 with padding='valid' (input shape (1, 1, 2, 2))");
  expect_error<ValueError>(
      [] {
        pool_output_shape({1, 1, 4, 4}, {});
      },
      "pool: pool_size is required (one value, or one per spatial dimension)");
  expect_error<ValueError>(
      [] {
        pool_output_shape({1, 1, 4, 4}, {.pool_size = {2}, .strides = {0, 1}});
      },
      "pool: strides must be positive, got (0, 1)");
  expect_error<ValueError>(
      [] {
        pool_output_shape({1, 1, 4, 4}, {.pool_size = {2, -1}});
      },
      "pool: pool_size must be positive, got (2, -1)");
  expect_error<ValueError>(
      [] {
        pool_output_shape({1, 1, 4, 4}, {.pool_size = {2, 2, 2}});
      },
      "pool: pool_size must have 1 or 2 values (one per spatial dimension), got 3 (2, 2, 2)");
  expect_error<ValueError>(
      [] {
        pool_output_shape({1, 1, 4, 4}, {.pool_size = {2}, .padding = Padding::full});
      },
      "pool: padding must be 'valid', 'same' or 'explicit', got 'full'");
  expect_error<ValueError>(
      [] {
        pool_output_shape({1, 1, 4, 4}, {.pool_size = {2}, .padding = Padding::explicit_, .pads_begin = {2, 0}});
      },
      "pool: pads must be smaller than pool_size, got pads_begin (2, 0) and pads_end (0, 0) with pool_size (2, 2)");
  expect_error<ShapeError>(
      [] {
        pool_output_shape({4, 4}, {.pool_size = {2}});
      },
      "pool: input must have rank 3, 4 or 5 (batch, channels and 1-3 spatial dimensions), got "
      "shape (4, 4)");
  expect_error<ShapeError>(
      [] {
        global_pool(Tensor::zeros({4, 4}), PoolKind::max);
      },
      "global_pool: input must have rank 3, 4 or 5 (batch, channels and 1-3 spatial "
      "dimensions), got shape (4, 4)");
}

TEST(GlobalPool, ReducesEverySpatialDimension) {
  const Tensor x = f64({1, 2, 2, 2}, {1, 2, 3, 6, -1, -2, -3, -4});
  expect_close(global_pool(x, PoolKind::max), f64({1, 2}, {6, -1}), 0, 0);
  expect_close(global_pool(x, PoolKind::average), f64({1, 2}, {3, -2.5}), 0, 0);
  expect_close(global_pool(x, PoolKind::sum, Layout::channels_first, true), f64({1, 2, 1, 1}, {12, -10}), 0, 0);
  expect_close(global_pool(x, PoolKind::l2), f64({1, 2}, {std::sqrt(50.0), std::sqrt(30.0)}), 1e-15, 0);
  const Tensor last = global_pool(to_channels_last(x), PoolKind::average, Layout::channels_last, true);
  expect_close(last, f64({1, 1, 1, 2}, {3, -2.5}), 0, 0);
}

// ---- gradient checks ----

struct PoolCase {
  std::string name;
  Shape x;
  PoolArgs args;
};

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

class PoolGradient : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolGradient, MatchesNumericalGradient) {
  const PoolArgs args = GetParam().args;
  expect_gradients_match([args](const std::vector<Tensor>& in) { return pool(in[0], args); },
                         {random64(GetParam().x, 71)});
}

constexpr PoolKind kMax = PoolKind::max;
constexpr PoolKind kAvg = PoolKind::average;
constexpr PoolKind kSum = PoolKind::sum;
constexpr PoolKind kL2 = PoolKind::l2;
constexpr Padding kSame = Padding::same;
constexpr Layout kLast = Layout::channels_last;

INSTANTIATE_TEST_SUITE_P(
    Pool, PoolGradient,
    ::testing::Values(
        PoolCase{"d1_max_valid", {2, 2, 7}, {.kind = kMax, .pool_size = {3}, .strides = {2}}},
        PoolCase{"d1_avg_same", {1, 2, 7}, {.kind = kAvg, .pool_size = {2}, .padding = kSame}},
        PoolCase{"d1_avg_same_count_pad",
                 {1, 2, 7},
                 {.kind = kAvg, .pool_size = {3}, .strides = {2}, .padding = kSame, .count_include_pad = true}},
        PoolCase{"d1_l2_last", {1, 6, 2}, {.kind = kL2, .pool_size = {2}, .strides = {1}, .layout = kLast}},
        PoolCase{"d2_max_same", {1, 2, 5, 5}, {.kind = kMax, .pool_size = {2}, .padding = kSame}},
        PoolCase{
            "d2_max_overlapping_last", {1, 5, 5, 2}, {.kind = kMax, .pool_size = {3}, .strides = {2}, .layout = kLast}},
        PoolCase{"d2_avg_valid", {1, 2, 5, 4}, {.kind = kAvg, .pool_size = {2, 3}, .strides = {1, 1}}},
        PoolCase{"d2_avg_explicit_no_pad_count",
                 {1, 1, 5, 5},
                 {.kind = kAvg,
                  .pool_size = {3},
                  .strides = {2},
                  .padding = Padding::explicit_,
                  .pads_begin = {1},
                  .pads_end = {2, 1}}},
        PoolCase{"d2_avg_explicit_count_pad",
                 {1, 1, 5, 5},
                 {.kind = kAvg,
                  .pool_size = {3},
                  .strides = {2},
                  .padding = Padding::explicit_,
                  .pads_begin = {1},
                  .pads_end = {2, 1},
                  .count_include_pad = true}},
        PoolCase{"d2_sum_same", {1, 2, 4, 5}, {.kind = kSum, .pool_size = {2, 3}, .strides = {2, 1}, .padding = kSame}},
        PoolCase{"d2_l2_same", {1, 2, 5, 4}, {.kind = kL2, .pool_size = {2}, .padding = kSame}},
        PoolCase{"d3_max", {1, 2, 3, 4, 4}, {.kind = kMax, .pool_size = {2}}},
        PoolCase{
            "d3_avg_same_last", {1, 3, 3, 3, 2}, {.kind = kAvg, .pool_size = {2}, .padding = kSame, .layout = kLast}},
        PoolCase{"d3_sum_stride1", {1, 1, 3, 3, 3}, {.kind = kSum, .pool_size = {2}, .strides = {1}}},
        PoolCase{"d3_l2_same", {1, 2, 3, 3, 3}, {.kind = kL2, .pool_size = {2}, .padding = kSame}}),
    [](const ::testing::TestParamInfo<PoolCase>& info) { return info.param.name; });

TEST(GlobalPool, GradientsForEveryKind) {
  for (PoolKind kind : {PoolKind::max, PoolKind::average, PoolKind::sum, PoolKind::l2}) {
    for (bool keepdims : {false, true}) {
      expect_gradients_match(
          [=](const std::vector<Tensor>& in) { return global_pool(in[0], kind, Layout::channels_first, keepdims); },
          {random64({2, 3, 2, 3}, 81)});
    }
    expect_gradients_match(
        [=](const std::vector<Tensor>& in) { return global_pool(in[0], kind, Layout::channels_last); },
        {random64({1, 3, 4, 2}, 82)});
    expect_gradients_match([=](const std::vector<Tensor>& in) { return global_pool(in[0], kind); },
                           {random64({2, 2, 5}, 83)});
  }
}

// In training, max pooling keeps the backend's record of the max positions, not its input, and average pooling
// keeps nothing: once nothing else holds the input, its memory is free before the backward pass.
TEST(PoolMemory, TrainingPoolingDoesNotKeepItsInput) {
  for (BackendKind backend : {BackendKind::reference, BackendKind::onednn}) {
    for (PoolKind kind : {PoolKind::max, PoolKind::average}) {
      SCOPED_TRACE(std::string(backend_name(backend)) + (kind == PoolKind::max ? " max" : " average"));
      BackendScope scope(backend);
      release_cached_host_memory();  // so that h gets a block of its own size, not a larger cached one
      Tensor x = Tensor::uniform({4, 16, 32, 32}, -1, 1).set_requires_grad(true);  // 256 KiB
      Tensor h = x * 2.0;  // a non-leaf input that only the pooling could keep alive
      const Tensor y = pool(h, {.kind = kind, .pool_size = {2, 2}});
      const size_t before = host_memory_stats().in_use_bytes;
      h = Tensor();
      EXPECT_EQ(host_memory_stats().in_use_bytes, before - 256 * 1024);
      // The gradient is still right: each window's maximum (or every element, a quarter each) gets dy, times 2.
      sum(y).backward();
      const std::vector<double> g = x.grad().to_vector();
      double total = 0;
      for (double v : g) total += v;
      EXPECT_NEAR(total, 2.0 * static_cast<double>(y.numel()), 1e-6);
    }
  }
}

}  // namespace
}  // namespace fovea
