// The oneDNN convolutions keep weights reordered into their blocked layout between calls (cached_weights). These
// tests change the weights in every way a program can after a first call has filled that cache (element writes,
// copy_, fill_, writes through a view, a kernel writing its output into them, an optimizer step, set_weights)
// and check that the next call sees the new values: each result is compared with the reference backend, which
// caches nothing, and with the result before the change, so a stale copy fails the test.
#include <gtest/gtest.h>

#include "backends/onednn/onednn_test_util.h"
#include "fovea/fovea.h"
#include "parity.h"

namespace fovea::testing {
namespace {

// 3x3, 16 -> 32 channels, channels_last: a geometry for which oneDNN picks a blocked weights layout, so the
// forward and backward-data kernels really go through the cache.
ConvGeometry blocked_geometry() {
  ConvGeometry g;
  g.spatial_rank = 2;
  g.batch = 2;
  g.in_channels = 16;
  g.out_channels = 32;
  g.in_size = {6, 6};
  g.kernel_size = {3, 3};
  g.strides = {1, 1};
  g.dilation = {1, 1};
  g.pads_begin = {1, 1};
  g.pads_end = {1, 1};
  g.out_size = {6, 6};
  g.layout = Layout::channels_last;
  return g;
}

Tensor forward(Backend& be, const ConvGeometry& g, const Tensor& x, const Tensor& w) {
  Tensor y = Tensor::empty({g.batch, 6, 6, g.out_channels});
  be.conv_forward(g, x, w, Tensor(), y);
  return y;
}

Tensor backward_data(Backend& be, const ConvGeometry& g, const Tensor& dy, const Tensor& w) {
  Tensor dx = Tensor::empty({g.batch, 6, 6, g.in_channels});
  be.conv_backward_data(g, dy, w, dx);
  return dx;
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, std::abs(va[i] - vb[i]));
  return m;
}

// Runs forward and backward-data on oneDNN (filling its cache), applies change to w, and expects both kernels to
// agree with the reference on the new weights and to differ from their results before the change.
void expect_change_seen(const char* what, const std::function<void(Tensor&)>& change) {
  SCOPED_TRACE(what);
  const ConvGeometry g = blocked_geometry();
  const Tensor x = random32({g.batch, 6, 6, g.in_channels}, 1);
  const Tensor dy = random32({g.batch, 6, 6, g.out_channels}, 2);
  Tensor w = random32({g.out_channels, g.in_channels, 3, 3}, 3);
  const Tensor y_before = forward(onednn_backend(), g, x, w);
  const Tensor dx_before = backward_data(onednn_backend(), g, dy, w);
  // A second call reuses the cached copy and must still be right.
  expect_close(forward(onednn_backend(), g, x, w), forward(reference_backend(), g, x, w), 1e-4, 1e-4);

  change(w);
  const Tensor y_after = forward(onednn_backend(), g, x, w);
  const Tensor dx_after = backward_data(onednn_backend(), g, dy, w);
  expect_close(y_after, forward(reference_backend(), g, x, w), 1e-4, 1e-4);
  expect_close(dx_after, backward_data(reference_backend(), g, dy, w), 1e-4, 1e-4);
  EXPECT_GT(max_abs_difference(y_after, y_before), 1e-2) << "the change did not alter the forward result";
  EXPECT_GT(max_abs_difference(dx_after, dx_before), 1e-2) << "the change did not alter the backward result";
}

TEST(OnednnWeightCache, ElementWriteThroughDataIsSeen) {
  expect_change_seen("data<float>() write", [](Tensor& w) {
    float* p = w.data<float>();
    for (int64_t i = 0; i < w.numel(); i += 7) p[i] += 1.f;
  });
}

TEST(OnednnWeightCache, CopyAndFillAreSeen) {
  expect_change_seen("copy_", [](Tensor& w) { w.copy_(random32(w.shape(), 99)); });
  expect_change_seen("fill_", [](Tensor& w) { w.fill_(0.25); });
}

TEST(OnednnWeightCache, WriteThroughAViewIsSeen) {
  expect_change_seen("view", [](Tensor& w) {
    Tensor flat = w.view({w.numel()});
    flat.data<float>()[5] = 40.f;
  });
}

TEST(OnednnWeightCache, KernelWritingIntoTheWeightsIsSeen) {
  expect_change_seen("kernel output", [](Tensor& w) {
    Tensor out = w;  // same storage: the kernel writes the weights in place
    onednn_backend().eltwise_forward(Activation::relu(), w, out);
  });
}

// The layer path: the weights a Conv2D layer owns change through an optimizer step and set_weights; predictions
// must follow (compared with the reference backend on the same weights).
TEST(OnednnWeightCache, ModelFollowsTrainingStepsAndSetWeights) {
  manual_seed(5);
  Sequential model({
      InputLayer({6, 6, 16}),
      Conv2D({.filters = 32, .kernel_size = {3}, .padding = Padding::same}),
      Flatten(),
  });
  model.compile({.optimizer = optimizers::SGD({.learning_rate = 0.5}), .loss = "mse"});
  const Tensor x = random32({4, 6, 6, 16}, 11);
  const Tensor target = random32({4, 6 * 6 * 32}, 12);
  auto reference_prediction = [&] {
    BackendScope scope(BackendKind::reference);
    return model.predict_on_batch(x);
  };
  const Tensor first = model.predict_on_batch(x);
  expect_close(first, reference_prediction(), 1e-4, 1e-4);

  model.train_on_batch(x, target);
  const Tensor trained = model.predict_on_batch(x);
  expect_close(trained, reference_prediction(), 1e-4, 1e-4);
  EXPECT_GT(max_abs_difference(trained, first), 1e-3) << "the training step did not change the prediction";

  Layer conv = model.layers()[0];
  for (const Layer& layer : model.layers())
    if (!layer->get_weights().empty()) conv = layer;
  std::vector<Tensor> weights = conv->get_weights();
  ASSERT_EQ(weights.size(), 2u) << "expected the Conv2D layer's kernel and bias";
  weights[0] = random32(weights[0].shape(), 13);
  conv->set_weights(weights);
  const Tensor replaced = model.predict_on_batch(x);
  expect_close(replaced, reference_prediction(), 1e-4, 1e-4);
  EXPECT_GT(max_abs_difference(replaced, trained), 1e-2) << "set_weights did not change the prediction";
}

}  // namespace
}  // namespace fovea::testing
