// Model::call folds conv -> batch norm (-> activation) chains into one convolution when it runs for inference
// without gradient recording. The fused result must equal the layer-by-layer one (what the same call computes
// with gradient recording on, where nothing is fused), in both layouts, for chains with and without an activation,
// next to a convolution whose output has a second reader (never fused), and after any of the folded weights
// changes (a stale fold would keep the old result).
#include <gtest/gtest.h>

#include "fovea/fovea.h"
#include "gradcheck.h"
#include "models/inference_fusion.h"

namespace fovea {
namespace {

Tensor random_tensor(const Shape& shape, uint64_t seed, double low, double high) {
  Generator gen(seed);
  return Tensor::uniform(shape, low, high, &gen);
}

// conv(+bias) -> bn -> relu -> conv(no bias) -> bn (the output), with a side conv -> bn whose conv output also
// feeds an Add, so that chain must stay unfused.
Model chain_model(Layout layout) {
  const int axis = layout == Layout::channels_last ? -1 : 1;
  const Shape in = layout == Layout::channels_last ? Shape{9, 9, 3} : Shape{3, 9, 9};
  SymbolicTensor x = Input(in);
  SymbolicTensor y = Conv2D({.filters = 16, .kernel_size = {3}, .padding = Padding::same, .data_format = layout})(x);
  y = BatchNormalization({.axis = axis, .epsilon = 1e-3})(y);
  y = ActivationLayer({.activation = ActivationKind::relu})(y);
  SymbolicTensor side = Conv2D({.filters = 16, .kernel_size = {1}, .data_format = layout, .use_bias = false})(y);
  SymbolicTensor side_bn = BatchNormalization({.axis = axis})(side);
  y = Add()({side, side_bn});
  y = Conv2D({.filters = 8, .kernel_size = {3}, .strides = {2}, .data_format = layout, .use_bias = false})(y);
  y = BatchNormalization({.axis = axis, .epsilon = 1e-5})(y);
  return Model(x, y);
}

// Two ResNet blocks: a downsampling one whose shortcut is conv -> bn (defined after the main branch, so it runs
// later in node order than the main branch's last convolution) and an identity one whose Add is a model output
// (no activation after it). 16 channels, 3x3 stride 1: Winograd-eligible convolutions where the CPU has them.
Model residual_model(Layout layout) {
  const int axis = layout == Layout::channels_last ? -1 : 1;
  const Shape in = layout == Layout::channels_last ? Shape{8, 8, 16} : Shape{16, 8, 8};
  auto conv = [&](int64_t filters, int64_t kernel, int64_t stride) {
    return Conv2D({.filters = filters,
                   .kernel_size = {kernel},
                   .strides = {stride},
                   .padding = Padding::same,
                   .data_format = layout,
                   .use_bias = false});
  };
  auto bn = [&] { return BatchNormalization({.axis = axis}); };
  auto relu = [] { return ActivationLayer({.activation = ActivationKind::relu}); };
  SymbolicTensor x = Input(in);
  SymbolicTensor y = bn()(conv(16, 3, 1)(relu()(bn()(conv(32, 3, 2)(x)))));
  SymbolicTensor shortcut = bn()(conv(16, 1, 2)(x));
  SymbolicTensor block = relu()(Add()({y, shortcut}));
  SymbolicTensor z = bn()(conv(16, 3, 1)(relu()(bn()(conv(16, 3, 1)(block)))));
  return Model(x, Add()({z, block}));
}

// Gives every batch norm non-trivial statistics and affine weights, and every conv a non-zero bias.
void randomize_weights(Model& model, uint64_t seed) {
  for (Weight* w : model.weights()) {
    const bool positive = w->name == "moving_variance" || w->name == "gamma";
    w->value.copy_(random_tensor(w->value.shape(), seed++, positive ? 0.5 : -0.5, positive ? 2.0 : 0.5));
  }
}

Tensor fused(Model& model, const Tensor& x) {
  autograd::NoGradGuard no_grad;
  return model(x, /*training=*/false);
}

Tensor unfused(Model& model, const Tensor& x) { return model(x, /*training=*/false).detach(); }

Weight& weight_named(Model& model, const std::string& name, int which) {
  for (Weight* w : model.weights())
    if (w->name == name && which-- == 0) return *w;
  throw ValueError("no such weight: " + name);
}

TEST(InferenceFusion, FoldedChainsEqualTheLayerByLayerResultInBothLayouts) {
  for (Layout layout : {Layout::channels_last, Layout::channels_first}) {
    SCOPED_TRACE(layout == Layout::channels_last ? "channels_last" : "channels_first");
    manual_seed(3);
    Model model = chain_model(layout);
    randomize_weights(model, 10);
    const Tensor x = random_tensor(layout == Layout::channels_last ? Shape{2, 9, 9, 3} : Shape{2, 3, 9, 9}, 1, -1, 1);
    testing::expect_close(fused(model, x), unfused(model, x), 1e-4, 1e-4);
  }
}

TEST(InferenceFusion, ResidualBlocksFuseTheShortcutAndEqualTheLayerByLayerResult) {
  for (Layout layout : {Layout::channels_last, Layout::channels_first}) {
    SCOPED_TRACE(layout == Layout::channels_last ? "channels_last" : "channels_first");
    manual_seed(5);
    Model model = residual_model(layout);
    randomize_weights(model, 40);
    // Every convolution is in a chain; each of the two Adds is taken by exactly one chain.
    const auto chains = model_detail::find_conv_bn_chains(model.nodes(), model.outputs());
    EXPECT_EQ(chains.size(), 5u);
    int with_add = 0;
    for (const auto& [last, chain] : chains) with_add += chain.add != nullptr;
    EXPECT_EQ(with_add, 2);
    const Tensor x = random_tensor(layout == Layout::channels_last ? Shape{2, 8, 8, 16} : Shape{2, 16, 8, 8}, 6, -1, 1);
    testing::expect_close(fused(model, x), unfused(model, x), 1e-4, 1e-4);
  }
}

TEST(InferenceFusion, ChangedWeightsAreFoldedAgain) {
  manual_seed(4);
  Model model = chain_model(Layout::channels_last);
  randomize_weights(model, 20);
  const Tensor x = random_tensor({2, 9, 9, 3}, 2, -1, 1);
  const Tensor before = fused(model, x);
  testing::expect_close(before, unfused(model, x), 1e-4, 1e-4);

  // Each change, made after a fused call has cached the fold, must show in the next fused call.
  const std::vector<std::pair<std::string, int>> changes = {{"moving_mean", 0}, {"moving_variance", 2}, {"gamma", 0},
                                                            {"beta", 2},        {"kernel", 0},          {"bias", 0}};
  uint64_t seed = 100;
  Tensor previous = before;
  for (const auto& [name, which] : changes) {
    SCOPED_TRACE(name);
    Weight& w = weight_named(model, name, which);
    const bool positive = name == "moving_variance" || name == "gamma";
    w.value.copy_(random_tensor(w.value.shape(), seed++, positive ? 0.5 : -1.0, positive ? 3.0 : 1.0));
    const Tensor now = fused(model, x);
    testing::expect_close(now, unfused(model, x), 1e-4, 1e-4);
    const std::vector<double> a = now.to_vector(), b = previous.to_vector();
    double changed = 0;
    for (size_t i = 0; i < a.size(); ++i) changed = std::max(changed, std::abs(a[i] - b[i]));
    EXPECT_GT(changed, 1e-3) << "changing " << name << " did not change the output";
    previous = now;
  }
}

}  // namespace
}  // namespace fovea
