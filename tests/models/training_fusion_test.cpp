// Model::call's training-time rewrites: a ZeroPadding folded into the next convolution's padding, and batch norm ->
// ReLU run as one op (one oneDNN kernel). The model's training-mode output, its gradients and the batch norm's
// updated moving statistics must equal the same computation written op by op (pad, conv, batch_norm, relu) on the
// reference backend, whose loops accumulate in double.
#include <gtest/gtest.h>

#include "fovea/fovea.h"
#include "gradcheck.h"
#include "models/bn_relu_fusion.h"
#include "models/pad_folding.h"

namespace fovea {
namespace {

Tensor random_tensor(const Shape& shape, uint64_t seed, double low, double high) {
  Generator gen(seed);
  return Tensor::uniform(shape, low, high, &gen);
}

Tensor weight(Model& model, const std::string& name) {
  for (Weight* w : model.weights())
    if (w->name == name) return w->value;
  throw ValueError("no weight " + name);
}

struct Result {
  Tensor y, dx, dkernel, dgamma, dbeta, moving_mean, moving_var;
};

TEST(TrainingFusion, PaddedConvAndBatchNormReluEqualTheOpByOpComputation) {
  for (Layout layout : {Layout::channels_last, Layout::channels_first}) {
    SCOPED_TRACE(layout == Layout::channels_last ? "channels_last" : "channels_first");
    const bool last = layout == Layout::channels_last;
    manual_seed(7);
    SymbolicTensor in = Input(last ? Shape{9, 9, 16} : Shape{16, 9, 9});
    SymbolicTensor h = ZeroPadding2D({.padding = 1, .data_format = layout})(in);
    h = Conv2D({.filters = 24, .kernel_size = {3}, .strides = {2}, .data_format = layout, .use_bias = false})(h);
    h = BatchNormalization({.axis = last ? -1 : 1, .momentum = 0.9, .epsilon = 1e-5})(h);
    h = ActivationLayer({.activation = ActivationKind::relu})(h);
    Model model(in, h);
    weight(model, "gamma").copy_(random_tensor({24}, 1, 0.5, 2.0));
    weight(model, "beta").copy_(random_tensor({24}, 2, -0.5, 0.5));
    // Both rewrites apply to this graph.
    EXPECT_EQ(model_detail::find_foldable_pads(model.nodes(), model.outputs()).size(), 1u);
    EXPECT_EQ(model_detail::find_bn_relu_pairs(model.nodes(), model.outputs()).size(), 1u);

    const Tensor x0 = random_tensor(last ? Shape{4, 9, 9, 16} : Shape{4, 16, 9, 9}, 3, -1, 1);
    const Tensor kernel0 = weight(model, "kernel").clone(), gamma0 = weight(model, "gamma").clone();
    const Tensor beta0 = weight(model, "beta").clone();
    const Tensor upstream = random_tensor(last ? Shape{4, 5, 5, 24} : Shape{4, 24, 5, 5}, 4, -1, 1);

    // The model on oneDNN (with both rewrites).
    Result fused;
    {
      Tensor x = x0.clone();
      x.set_requires_grad(true);
      fused.y = model(x, /*training=*/true);
      sum(mul(fused.y, upstream)).backward();
      fused = {fused.y.detach(), x.grad(), weight(model, "kernel").grad(), weight(model, "gamma").grad(),
               weight(model, "beta").grad(), weight(model, "moving_mean").clone(), weight(model, "moving_variance").clone()};
    }
    // Op by op on the reference backend, from the same starting weights.
    Result manual;
    {
      BackendScope reference(BackendKind::reference);
      Tensor x = x0.clone(), kernel = kernel0.clone(), gamma = gamma0.clone(), beta = beta0.clone();
      for (Tensor* t : {&x, &kernel, &gamma, &beta}) t->set_requires_grad(true);
      Tensor moving_mean = Tensor::zeros({24}), moving_var = Tensor::ones({24});
      const Dims pads = last ? Dims{0, 1, 1, 0} : Dims{0, 0, 1, 1};
      Tensor h1 = pad(x, {.begin = pads, .end = pads});
      h1 = conv(h1, {kernel, Tensor()}, {.strides = {2, 2}, .layout = layout});
      h1 = batch_norm(h1, {.gamma = gamma, .beta = beta, .running_mean = moving_mean, .running_var = moving_var},
                      {.training = true, .momentum = 0.9, .epsilon = 1e-5, .axis = last ? -1 : 1});
      manual.y = relu(h1);
      sum(mul(manual.y, upstream)).backward();
      manual = {manual.y.detach(), x.grad(), kernel.grad(), gamma.grad(), beta.grad(), moving_mean, moving_var};
    }
    testing::expect_close(fused.y, manual.y, 1e-4, 1e-4);
    testing::expect_close(fused.dx, manual.dx, 1e-4, 1e-4);
    testing::expect_close(fused.dkernel, manual.dkernel, 1e-4, 1e-4);
    testing::expect_close(fused.dgamma, manual.dgamma, 1e-4, 1e-4);
    testing::expect_close(fused.dbeta, manual.dbeta, 1e-4, 1e-4);
    testing::expect_close(fused.moving_mean, manual.moving_mean, 1e-5, 1e-5);
    testing::expect_close(fused.moving_var, manual.moving_var, 1e-5, 1e-5);
  }
}

}  // namespace
}  // namespace fovea
