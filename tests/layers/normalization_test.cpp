// Tests of the BatchNormalization, LayerNormalization and LocalResponseNormalization layers.
#include "fovea/layers/normalization.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gradcheck.h"
#include "layers/misc_layer_test_util.h"

namespace fovea::testing {
namespace {

// Per-channel mean and biased variance of a channels_last tensor.
std::pair<std::vector<double>, std::vector<double>> channel_stats(const Tensor& x) {
  const int64_t c = x.dim(-1);
  const int64_t count = x.numel() / c;
  const std::vector<double> v = x.to_vector();
  std::vector<double> mean(c, 0.0), var(c, 0.0);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t ch = 0; ch < c; ++ch) mean[ch] += v[i * c + ch] / count;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t ch = 0; ch < c; ++ch) var[ch] += (v[i * c + ch] - mean[ch]) * (v[i * c + ch] - mean[ch]) / count;
  return {mean, var};
}

TEST(NormalizationLayers, BatchNormalizationWeightsAndParams) {
  const Layer bn = BatchNormalization();
  bn->ensure_built({Shape{-1, 12, 12, 64}});
  EXPECT_EQ(bn->compute_output_shape({Shape{-1, 12, 12, 64}}), (Shape{-1, 12, 12, 64}));
  EXPECT_EQ(bn->count_params(), 256);
  EXPECT_EQ(bn->count_trainable_params(), 128);
  const char* names[] = {"gamma", "beta", "moving_mean", "moving_variance"};
  const bool trainable[] = {true, true, false, false};
  const double initial[] = {1, 0, 0, 1};
  ASSERT_EQ(bn->weights().size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const Weight& w = bn->weights()[i];
    EXPECT_EQ(w.name, names[i]);
    EXPECT_EQ(w.trainable, trainable[i]);
    EXPECT_EQ(w.value.requires_grad(), trainable[i]);
    EXPECT_EQ(w.value.shape(), (Shape{64}));
    EXPECT_EQ(w.value.to_vector(), std::vector<double>(64, initial[i]));
  }
  const Layer plain = BatchNormalization({.axis = 1, .center = false, .scale = false});
  plain->ensure_built({Shape{-1, 8, 5, 5}});
  EXPECT_EQ(plain->count_params(), 16);
  EXPECT_EQ(plain->count_trainable_params(), 0);
  EXPECT_EQ(bn->default_name_base(), "batch_normalization");
}

TEST(NormalizationLayers, BatchNormalizationInferenceUsesMovingStatistics) {
  const Layer bn = BatchNormalization();
  const Tensor x = uniform32({2, 3, 3, 4});
  bn->ensure_built({Shape{-1, 3, 3, 4}});
  bn->set_weights({Tensor::full({4}, 2.0), Tensor::full({4}, 0.5), Tensor::full({4}, 0.25), Tensor::full({4}, 4.0)});
  const Tensor y = bn->call({x}, /*training=*/false);
  expect_close(y, (x - 0.25) * (2.0 / std::sqrt(4.0 + 1e-3)) + 0.5, 1e-5, 1e-5);
}

TEST(NormalizationLayers, BatchNormalizationTrainingUsesBatchStatistics) {
  const Layer bn = BatchNormalization({.momentum = 0.9});
  const Tensor x = uniform32({4, 3, 3, 5}) * 3.0 + 1.0;
  const Tensor y = run_layer(bn, {x}, /*training=*/true);
  const auto [mean, var] = channel_stats(x);
  const auto [y_mean, y_var] = channel_stats(y);
  for (int c = 0; c < 5; ++c) {
    EXPECT_NEAR(y_mean[c], 0.0, 1e-5);
    EXPECT_NEAR(y_var[c], var[c] / (var[c] + 1e-3), 1e-4);
    // Keras: moving = moving * momentum + batch * (1 - momentum).
    EXPECT_NEAR(bn->weight("moving_mean").value.at({c}), 0.1 * mean[c], 1e-5);
    EXPECT_NEAR(bn->weight("moving_variance").value.at({c}), 0.9 + 0.1 * var[c], 1e-4);
  }
  // Gradients reach gamma and beta; dbeta of sum(y * w) is the per-channel sum of w.
  const Tensor w = uniform32({4, 3, 3, 5}, 9);
  sum(run_layer(bn, {x}, true) * w).backward();
  const Tensor dbeta = bn->weight("beta").value.grad();
  ASSERT_TRUE(dbeta.defined());
  ASSERT_TRUE(bn->weight("gamma").value.grad().defined());
  expect_close(dbeta, sum(w, {0, 1, 2}), 1e-4, 1e-4);
  EXPECT_FALSE(bn->weight("moving_mean").value.grad().defined());
}

TEST(NormalizationLayers, FrozenBatchNormalizationRunsInInferenceMode) {
  const Layer bn = BatchNormalization();
  const Tensor x = uniform32({4, 6}) * 2.0 + 3.0;
  bn->ensure_built({Shape{-1, 6}});
  bn->set_trainable(false);
  EXPECT_EQ(bn->count_trainable_params(), 0);
  const Tensor y = bn->call({x}, /*training=*/true);
  expect_close(y, x * (1.0 / std::sqrt(1.0 + 1e-3)), 1e-5, 1e-5);
  EXPECT_EQ(bn->weight("moving_mean").value.to_vector(), std::vector<double>(6, 0.0));
  EXPECT_EQ(bn->weight("moving_variance").value.to_vector(), std::vector<double>(6, 1.0));
}

TEST(NormalizationLayers, BatchNormalizationChannelsFirst) {
  const Tensor x_last = uniform32({3, 2, 2, 4});
  const Tensor x_first = permute(x_last, {0, 3, 1, 2});
  const Tensor y_last = run_layer(BatchNormalization(), {x_last}, true);
  const Tensor y_first = run_layer(BatchNormalization({.axis = 1}), {x_first}, true);
  expect_close(y_first, permute(y_last, {0, 3, 1, 2}), 1e-5, 1e-5);
}

TEST(NormalizationLayers, BatchNormalizationConfigAndErrors) {
  const Layer bn = BatchNormalization(
      {.axis = 1, .momentum = 0.9, .epsilon = 1e-5, .center = false, .gamma_regularizer = regularizers::L2(0.01)});
  expect_round_trip(bn, {Shape{-1, 8, 5, 5}});
  const nlohmann::json c = bn->config();
  EXPECT_EQ(c["axis"], 1);
  EXPECT_EQ(c["momentum"], 0.9);
  EXPECT_EQ(c["epsilon"], 1e-5);
  EXPECT_EQ(c["center"], false);
  EXPECT_EQ(c["scale"], true);
  expect_round_trip(BatchNormalization(), {Shape{-1, 3}});
  EXPECT_EQ(error_text<ShapeError>([] {
              BatchNormalization({.axis = 4, .name = "bn"})->ensure_built({Shape{-1, 8, 8, 3}});
            }),
            "BatchNormalization 'bn': axis 4 is out of range for input shape (None, 8, 8, 3) of rank 4");
  EXPECT_EQ(error_text<ShapeError>([] {
              BatchNormalization({.axis = 0, .name = "bn"})->ensure_built({Shape{-1, 8}});
            }),
            "BatchNormalization 'bn': axis 0 is the batch axis of input shape (None, 8); use the feature axis (-1 for "
            "channels_last, 1 for channels_first)");
  EXPECT_EQ(error_text<ShapeError>([] {
              BatchNormalization({.name = "bn"})->ensure_built({Shape{-1, 4, -1}});
            }),
            "BatchNormalization 'bn' needs a known size on its axis -1, got input shape (None, 4, -1)");
  EXPECT_EQ(error_text<ValueError>([] { BatchNormalization({.momentum = 1.5}); }),
            "BatchNormalization: momentum must be in [0, 1], got 1.5");
  EXPECT_EQ(
      error_text<ValueError>([] {
        layer_from_config("BatchNormalization", {{"axis", {1, 2}}}, "layers[5]");
      }),
      "layers[5] (BatchNormalization): 'axis' must be a single axis (fovea normalizes one feature axis), got [1,2]");
}

TEST(NormalizationLayers, LayerNormalizationWeightsAndForward) {
  const Layer ln = LayerNormalization();
  const Tensor x = uniform32({2, 3, 4}) * 2.0 + 0.5;
  ln->ensure_built({Shape{-1, 3, 4}});
  EXPECT_EQ(ln->count_params(), 8);
  EXPECT_EQ(ln->weights()[0].name, "gamma");
  EXPECT_EQ(ln->weights()[1].name, "beta");
  ln->set_weights({Tensor::from_vector({4}, std::vector<double>{1, 2, 3, 4}),
                   Tensor::from_vector({4}, std::vector<double>{0.5, 0, -0.5, 1})});
  Tensor xg = x.clone();
  xg.set_requires_grad(true);
  const Tensor y = ln->call({xg}, false);
  ASSERT_EQ(y.shape(), x.shape());
  const double gamma[] = {1, 2, 3, 4}, beta[] = {0.5, 0, -0.5, 1};
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t t = 0; t < 3; ++t) {
      double mean = 0, var = 0;
      for (int64_t c = 0; c < 4; ++c) mean += x.at({n, t, c}) / 4;
      for (int64_t c = 0; c < 4; ++c) var += (x.at({n, t, c}) - mean) * (x.at({n, t, c}) - mean) / 4;
      for (int64_t c = 0; c < 4; ++c) {
        EXPECT_NEAR(y.at({n, t, c}), (x.at({n, t, c}) - mean) / std::sqrt(var + 1e-3) * gamma[c] + beta[c], 1e-5);
      }
    }
  sum(y * uniform32({2, 3, 4}, 5)).backward();
  EXPECT_TRUE(xg.grad().defined());
  EXPECT_TRUE(ln->weight("gamma").value.grad().defined());
  expect_close(ln->weight("beta").value.grad(), sum(uniform32({2, 3, 4}, 5), {0, 1}), 1e-5, 1e-5);
}

TEST(NormalizationLayers, LayerNormalizationOverSeveralAxes) {
  const Layer ln = LayerNormalization({.axis = {2, 1}, .center = false});
  ln->ensure_built({Shape{-1, 3, 4, 2}});
  ASSERT_EQ(ln->weights().size(), 1u);
  EXPECT_EQ(ln->weights()[0].value.shape(), (Shape{3, 4}));
  EXPECT_EQ(ln->count_params(), 12);
  const Tensor x = uniform32({2, 3, 4, 2});
  const Tensor y = ln->call({x}, false);
  // Each (sample, last-axis entry) slice is normalized over the 12 positions of axes 1 and 2.
  const Tensor m = mean(y, {1, 2});
  expect_close(m, Tensor::zeros({2, 2}), 1e-5, 0);
  expect_round_trip(ln, {Shape{-1, 3, 4, 2}});
  EXPECT_EQ(ln->config()["axis"].dump(), "[2,1]");
  EXPECT_EQ(LayerNormalization()->config()["axis"].dump(), "-1");
  expect_round_trip(LayerNormalization(), {Shape{-1, 3}});
}

TEST(NormalizationLayers, LayerNormalizationErrors) {
  EXPECT_EQ(error_text<ShapeError>([] {
              LayerNormalization({.axis = {0}, .name = "ln"})->ensure_built({Shape{-1, 3}});
            }),
            "LayerNormalization 'ln': axis 0 is the batch axis of input shape (None, 3); normalize over feature axes");
  EXPECT_EQ(error_text<ShapeError>([] {
              LayerNormalization({.axis = {1, -2}, .name = "ln"})->ensure_built({Shape{-1, 3, 4}});
            }),
            "LayerNormalization 'ln': axis -2 is listed twice for input shape (None, 3, 4)");
  EXPECT_EQ(error_text<ShapeError>([] {
              LayerNormalization({.axis = {3}, .name = "ln"})->ensure_built({Shape{-1, 3}});
            }),
            "LayerNormalization 'ln': axis 3 is out of range for input shape (None, 3) of rank 2");
  EXPECT_EQ(error_text<ValueError>([] { LayerNormalization({.axis = {}}); }),
            "LayerNormalization: axis needs at least one axis");
}

TEST(NormalizationLayers, LocalResponseNormalizationMatchesTheOp) {
  const Tensor x = uniform32({2, 3, 3, 7});
  const Layer layer = LocalResponseNormalization();
  expect_close(run_layer(layer, {x}), lrn(x, {.axis = -1}), 1e-6, 1e-6);
  EXPECT_EQ(layer->count_params(), 0);
  const Tensor x_first = permute(x, {0, 3, 1, 2});
  expect_close(run_layer(LocalResponseNormalization({.data_format = DataFormat::channels_first}), {x_first}),
               permute(lrn(x, {.axis = -1}), {0, 3, 1, 2}), 1e-6, 1e-6);
}

TEST(NormalizationLayers, LocalResponseNormalizationDepthRadiusIsTensorFlows) {
  // tf.nn.local_response_normalization: x / (bias + alpha * sum over channels c-r..c+r of x^2) ^ beta.
  const Tensor x = uniform32({1, 2, 6});
  const Tensor y =
      run_layer(LocalResponseNormalization({.depth_radius = 1, .alpha = 0.5, .beta = 0.75, .bias = 1.0}), {x});
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t c = 0; c < 6; ++c) {
      double squares = 0;
      for (int64_t j = std::max<int64_t>(0, c - 1); j <= std::min<int64_t>(5, c + 1); ++j) {
        squares += x.at({0, p, j}) * x.at({0, p, j});
      }
      EXPECT_NEAR(y.at({0, p, c}), x.at({0, p, c}) / std::pow(1.0 + 0.5 * squares, 0.75), 1e-5);
    }
}

TEST(NormalizationLayers, LocalResponseNormalizationConfigAndErrors) {
  const Layer layer = LocalResponseNormalization({.size = 3, .alpha = 1e-3, .name = "lrn"});
  EXPECT_EQ(layer->config().dump(),
            R"({"alpha":0.001,"beta":0.75,"bias":2.0,"data_format":"channels_last","depth_radius":null,"name":"lrn",)"
            R"("size":3,"trainable":true})");
  expect_round_trip(layer, {Shape{-1, 4, 4, 8}});
  expect_round_trip(LocalResponseNormalization({.depth_radius = 2, .data_format = DataFormat::channels_first}),
                    {Shape{-1, 8, 4, 4}});
  EXPECT_EQ(error_text<ValueError>([] { LocalResponseNormalization({.size = 0}); }),
            "LocalResponseNormalization: size must be at least 1, got 0");
  EXPECT_EQ(error_text<ShapeError>([] { LocalResponseNormalization({.name = "lrn"})->ensure_built({Shape{-1}}); }),
            "LocalResponseNormalization 'lrn' expects an input with a channel axis, e.g. (None, rows, cols, channels), "
            "but got (None,)");
}

}  // namespace
}  // namespace fovea::testing
