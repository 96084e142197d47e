// Tests for src/train/losses*.cpp, second part: float64 gradient checks of every loss with respect to y_pred
// (from_logits forms, label smoothing and sample weights included), and stability with extreme logits.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "fovea/train/losses.h"
#include "gradcheck.h"

namespace fovea::losses {
namespace {

using fovea::testing::expect_close;
using fovea::testing::expect_gradients_match;
using fovea::testing::random64;

Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

// Checks d loss(y_true, y_pred [, weights]) / d y_pred against central differences.
void check_gradient(const Loss& loss, const Tensor& y_true, const Tensor& y_pred, const Tensor& weights = Tensor()) {
  expect_gradients_match([&](const std::vector<Tensor>& in) { return loss(y_true, in[0], weights); }, {y_pred});
}

Tensor one_hot_rows() { return f64({3, 4}, {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1}); }
// Probabilities of 3 samples over 4 classes, not normalized (the loss rescales them).
Tensor probabilities() { return random64({3, 4}, 11, 0.1, 1.0); }
Tensor logits() { return random64({3, 4}, 12, -3.0, 3.0); }

TEST(LossGradients, CategoricalCrossentropy) {
  check_gradient(CategoricalCrossentropy(), one_hot_rows(), probabilities());
  check_gradient(CategoricalCrossentropy({.from_logits = true}), one_hot_rows(), logits());
  check_gradient(CategoricalCrossentropy({.from_logits = true, .label_smoothing = 0.2}), one_hot_rows(), logits());
  check_gradient(CategoricalCrossentropy({.label_smoothing = 0.1}), one_hot_rows(), probabilities());
  check_gradient(CategoricalCrossentropy({.from_logits = true, .axis = 0}), random64({3, 4}, 13, 0.0, 1.0), logits());
  check_gradient(CategoricalCrossentropy({.from_logits = true}), one_hot_rows(), logits(), f64({3}, {0.5, 2, 1}));
}

TEST(LossGradients, SparseCategoricalCrossentropy) {
  Tensor ids = Tensor::from_vector({3}, {1, 0, 3}, DType::i32);
  check_gradient(SparseCategoricalCrossentropy(), ids, probabilities());
  check_gradient(SparseCategoricalCrossentropy({.from_logits = true}), ids, logits());
  check_gradient(SparseCategoricalCrossentropy({.from_logits = true}), ids, logits(), f64({3, 1}, {0.5, 2, 1}));
  check_gradient(SparseCategoricalCrossentropy({.from_logits = true, .label_smoothing = 0.2}), ids, logits());
  check_gradient(SparseCategoricalCrossentropy({.label_smoothing = 0.1}), ids, probabilities());
}

TEST(LossGradients, BinaryCrossentropy) {
  Tensor labels = f64({3, 2}, {0, 1, 1, 1, 0, 0});
  check_gradient(BinaryCrossentropy(), labels, random64({3, 2}, 14, 0.05, 0.95));
  check_gradient(BinaryCrossentropy({.from_logits = true}), labels, random64({3, 2}, 15, -4.0, 4.0));
  check_gradient(BinaryCrossentropy({.from_logits = true, .label_smoothing = 0.1}), labels,
                 random64({3, 2}, 15, -4.0, 4.0));
  check_gradient(BinaryCrossentropy({.label_smoothing = 0.2}), labels, random64({3, 2}, 16, 0.05, 0.95),
                 f64({3}, {1, 0.25, 3}));
  // Logits exactly 0 get the true gradient sigmoid(0) - z = 0.5 - z.
  check_gradient(BinaryCrossentropy({.from_logits = true}), labels, Tensor::zeros({3, 2}, DType::f64));
}

TEST(LossGradients, RegressionLosses) {
  Tensor t = random64({3, 3}, 21, -1.0, 1.0);
  // Predictions kept away from the kinks: y_pred - y_true is never near 0 or near Huber's delta.
  Tensor offsets = f64({3, 3}, {0.3, -0.45, 2.2, -1.7, 0.6, -0.25, 1.4, -2.5, 0.8});
  Tensor p = t + offsets;
  check_gradient(MeanSquaredError(), t, p.detach());
  check_gradient(MeanAbsoluteError(), t, p.detach());
  check_gradient(MeanAbsolutePercentageError(), t, p.detach());
  check_gradient(Huber(), t, p.detach());
  check_gradient(Huber({.delta = 0.5}), t, p.detach(), f64({3}, {1, 2, 0.5}));
  check_gradient(LogCosh(), t, p.detach());
  Tensor positive_true = random64({3, 3}, 22, 0.1, 2.0);
  check_gradient(MeanSquaredLogarithmicError(), positive_true, random64({3, 3}, 23, 0.1, 2.0));
  check_gradient(Poisson(), positive_true, random64({3, 3}, 24, 0.2, 3.0));
}

TEST(LossGradients, MarginLosses) {
  Tensor labels = f64({2, 3}, {0, 1, 1, 1, 0, 0});
  // Margins 1 - y * s away from 0: scores far from +-1.
  Tensor scores = f64({2, 3}, {0.3, -0.4, 1.6, -2.2, 0.1, -0.6});
  check_gradient(Hinge(), labels, scores);
  check_gradient(SquaredHinge(), labels, scores);
  check_gradient(CategoricalHinge(), f64({2, 3}, {0, 1, 0, 1, 0, 0}), f64({2, 3}, {0.9, 0.3, -0.2, 0.1, 0.6, -0.5}));
}

TEST(LossGradients, DistributionLosses) {
  Tensor t = random64({3, 4}, 31, 0.05, 1.0);
  check_gradient(KLDivergence(), t, random64({3, 4}, 32, 0.05, 1.0));
  check_gradient(CosineSimilarity(), t, random64({3, 4}, 33));
  check_gradient(CosineSimilarity({.axis = 0}), t, random64({3, 4}, 34));
}

TEST(LossStability, ExtremeLogitsCategorical) {
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor x = Tensor::from_vector({2, 3}, {1000, 0, -1000, 1000, 0, -1000}, dtype).set_requires_grad();
    Tensor t = Tensor::from_vector({2, 3}, {1, 0, 0, 0, 0, 1}, dtype);
    Tensor loss = CategoricalCrossentropy({.from_logits = true})(t, x);
    // Sample 1 is certain and right (0); sample 2 is off by 2000 in log space.
    EXPECT_NEAR(loss.item(), (0 + 2000) / 2.0, 1e-6);
    loss.backward();
    // d/dx = (softmax(x) - t) / batch.
    expect_close(x.grad(), Tensor::from_vector({2, 3}, {0, 0, 0, 0.5, 0, -0.5}, DType::f64).to(dtype), 1e-6);
    Tensor sparse =
        SparseCategoricalCrossentropy({.from_logits = true})(Tensor::from_vector({2}, {0, 2}, DType::i32), x.detach());
    EXPECT_NEAR(sparse.item(), 1000, 1e-6);
  }
}

TEST(LossStability, ExtremeLogitsBinary) {
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor x = Tensor::from_vector({4, 1}, {1000, -1000, 1000, -1000}, dtype).set_requires_grad();
    Tensor z = Tensor::from_vector({4, 1}, {1, 0, 0, 1}, dtype);
    Tensor loss = BinaryCrossentropy({.from_logits = true})(z, x);
    EXPECT_NEAR(loss.item(), (0 + 0 + 1000 + 1000) / 4.0, 1e-6);
    loss.backward();
    // d/dx = (sigmoid(x) - z) / batch.
    expect_close(x.grad(), Tensor::from_vector({4, 1}, {0, 0, 0.25, -0.25}, DType::f64).to(dtype), 1e-6);
  }
}

TEST(LossStability, SaturatedProbabilitiesStayFinite) {
  // Probabilities of exactly 0 and 1 are clipped to [eps, 1 - eps]: the loss is finite, never inf or NaN.
  Tensor p = f64({2, 2}, {0, 1, 1, 0});
  Tensor t = f64({2, 2}, {1, 0, 1, 0});
  const double cce = CategoricalCrossentropy()(t, p).item();
  const double bce = BinaryCrossentropy()(t, p).item();
  EXPECT_NEAR(cce, -std::log(kEpsilon) / 2, 1e-6);
  EXPECT_NEAR(bce, (-std::log(kEpsilon) * 2 + -std::log(1 - kEpsilon) * 2) / 4, 1e-6);
}

}  // namespace
}  // namespace fovea::losses
