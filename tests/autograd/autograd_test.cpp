// Tests for src/autograd/autograd.cpp: gradient accumulation, shared inputs, no-grad scopes, retained and freed
// graphs, the text of misuse errors, and that the graph does not keep intermediate tensors alive.
#include "fovea/autograd/autograd.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "error_text.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/math.h"
#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;

Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

using testing::error_text;

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = f64({3}, {1, 2, 3}).set_requires_grad(true);
  sum(x * x).backward();
  expect_close(x.grad(), f64({3}, {2, 4, 6}), 0);
  sum(x * 3.0).backward();
  expect_close(x.grad(), f64({3}, {5, 7, 9}), 0);
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  sum(x).backward();
  expect_close(x.grad(), f64({3}, {1, 1, 1}), 0);
}

TEST(Autograd, TensorUsedTwiceGetsTheSumOfBothGradients) {
  Tensor x = f64({2}, {1.5, -2}).set_requires_grad(true);
  Tensor y = sigmoid(x);
  // loss = sum(y * x + y): both y and x reach the loss along two paths.
  sum(y * x + y).backward();
  std::vector<double> expected;
  for (double v : x.to_vector()) {
    const double s = 1.0 / (1.0 + std::exp(-v));
    expected.push_back(s + (v + 1.0) * s * (1.0 - s));
  }
  expect_close(x.grad(), f64({2}, expected), 1e-12);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = f64({2}, {1, 2}).set_requires_grad(true);
  {
    autograd::NoGradGuard no_grad;
    EXPECT_FALSE(autograd::grad_enabled());
    Tensor y = sum(x * 2.0);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
  }
  EXPECT_TRUE(autograd::grad_enabled());
  EXPECT_TRUE(sum(x * 2.0).requires_grad());
  EXPECT_EQ(error_text([&] {
              autograd::NoGradGuard no_grad;
              sum(x).backward();
            }),
            "backward() on a tensor that does not require grad: no parameter it depends on has "
            "set_requires_grad(true), or it was computed under NoGradGuard");
}

TEST(Autograd, SecondBackwardNeedsRetainGraph) {
  Tensor x = f64({2}, {1, 2}).set_requires_grad(true);
  Tensor loss = sum(x * x);
  loss.backward();
  EXPECT_EQ(error_text([&] { loss.backward(); }),
            "backward through 'sum' a second time: its graph was freed after the first backward(); pass "
            "retain_graph=true");

  Tensor kept = sum(x * x);
  x.zero_grad();
  kept.backward(Tensor(), true);
  kept.backward();
  expect_close(x.grad(), f64({2}, {4, 8}), 0);
}

TEST(Autograd, NonScalarBackwardNeedsAGradient) {
  Tensor x = f64({2, 3}, {1, 2, 3, 4, 5, 6}).set_requires_grad(true);
  Tensor y = x * 2.0;
  EXPECT_EQ(error_text([&] { y.backward(); }),
            "backward() without a gradient needs a scalar, got shape (2, 3); pass a gradient of that shape");
  y.backward(f64({2, 3}, {1, 0, 0, 0, 0, -1}));
  expect_close(x.grad(), f64({2, 3}, {2, 0, 0, 0, 0, -2}), 0);
}

TEST(Autograd, IntermediatesAreFreed) {
  Tensor x = f64({3}, {1, 2, 3}).set_requires_grad(true);
  Tensor loss;
  std::weak_ptr<TensorImpl> intermediate;
  {
    // add's backward rule captures nothing, and sum's captures only shapes: nothing holds h but this scope.
    Tensor h = x + x;
    intermediate = h.impl();
    loss = sum(h);
  }
  EXPECT_TRUE(intermediate.expired());
  loss.backward();
  expect_close(x.grad(), f64({3}, {2, 2, 2}), 0);
}

TEST(Autograd, LeavesWithoutRequiresGradGetNoGradient) {
  Tensor x = f64({2}, {1, 2}).set_requires_grad(true);
  Tensor c = f64({2}, {3, 4});
  sum(x * c).backward();
  expect_close(x.grad(), c, 0);
  EXPECT_FALSE(c.grad().defined());
}

}  // namespace
}  // namespace fovea
