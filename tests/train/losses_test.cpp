// Tests for src/train/losses*.cpp: every loss against values computed by hand (float64), the course's softmax
// plus cross-entropy example, sample weights and reductions, label formats, names, configs and error texts.
// Gradients and extreme-logit stability are in losses_gradient_test.cpp.
#include "fovea/train/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error_text.h"
#include "gradcheck.h"

namespace fovea::losses {
namespace {

using fovea::testing::expect_close;

Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

using testing::error_text;

// Keras's documentation examples share these two samples of two outputs each.
Tensor doc_true() { return f64({2, 2}, {0, 1, 0, 0}); }
Tensor doc_pred() { return f64({2, 2}, {0.6, 0.4, 0.4, 0.6}); }

// One-hot targets for classes 1 and 2 against probability rows.
Tensor cce_true() { return f64({2, 3}, {0, 1, 0, 0, 0, 1}); }
Tensor cce_pred() { return f64({2, 3}, {0.05, 0.95, 0, 0.1, 0.8, 0.1}); }
double cce_expected() { return (-std::log(0.95) - std::log(0.1)) / 2; }

TEST(CategoricalCrossentropy, ProbabilitiesByHand) {
  EXPECT_NEAR(CategoricalCrossentropy()(cce_true(), cce_pred()).item(), cce_expected(), 1e-12);
  EXPECT_NEAR(cce_expected(), 1.1769, 1e-4);  // the value Keras documents for this example
}

TEST(CategoricalCrossentropy, RescalesRowsToSumToOne) {
  // Keras divides probabilities by their sum: (1, 3) is read as (0.25, 0.75).
  EXPECT_NEAR(CategoricalCrossentropy()(f64({1, 2}, {0, 1}), f64({1, 2}, {1, 3})).item(), -std::log(0.75), 1e-12);
}

TEST(CategoricalCrossentropy, ClipsZeroProbabilityToEpsilon) {
  const double loss = CategoricalCrossentropy()(f64({1, 2}, {1, 0}), f64({1, 2}, {0, 1})).item();
  EXPECT_NEAR(loss, -std::log(kEpsilon), 1e-9);
}

// The course (slides on the typical output layer): y_hat_i = exp(h_i) / sum_j exp(h_j) and
// L_CE = -sum_i y_i log(y_hat_i). With h = (2, 1, 0.1) and the first class true, y_hat = (0.659, 0.242, 0.099).
TEST(CategoricalCrossentropy, CourseSoftmaxCrossEntropyExample) {
  const double z = std::exp(2.0) + std::exp(1.0) + std::exp(0.1);
  const double expected = -std::log(std::exp(2.0) / z);
  EXPECT_NEAR(expected, 0.4170, 1e-4);
  Tensor h = f64({1, 3}, {2.0, 1.0, 0.1});
  Tensor y = f64({1, 3}, {1, 0, 0});
  EXPECT_NEAR(CategoricalCrossentropy({.from_logits = true})(y, h).item(), expected, 1e-12);
  // Softmax first, then the loss on probabilities, gives the same number.
  EXPECT_NEAR(CategoricalCrossentropy()(y, softmax(h)).item(), expected, 1e-12);
  // Sparse labels give it too, and so does float32.
  EXPECT_NEAR(SparseCategoricalCrossentropy({.from_logits = true})(f64({1}, {0}), h).item(), expected, 1e-12);
  EXPECT_NEAR(CategoricalCrossentropy({.from_logits = true})(y.to(DType::f32), h.to(DType::f32)).item(), expected,
              1e-5);
}

TEST(CategoricalCrossentropy, LabelSmoothingByHand) {
  // s = 0.3 over 3 classes: targets become (0.1, 0.8, 0.1).
  Tensor logits = f64({1, 3}, {0.5, 2.0, -1.0});
  const double z = std::exp(0.5) + std::exp(2.0) + std::exp(-1.0);
  const double expected = -(0.1 * (0.5 - std::log(z)) + 0.8 * (2.0 - std::log(z)) + 0.1 * (-1.0 - std::log(z)));
  CategoricalCrossentropy loss({.from_logits = true, .label_smoothing = 0.3});
  EXPECT_NEAR(loss(f64({1, 3}, {0, 1, 0}), logits).item(), expected, 1e-12);
}

TEST(SparseCategoricalCrossentropy, LabelSmoothingByHand) {
  // PyTorch's CrossEntropyLoss(label_smoothing=0.3) over 3 classes: class 1's target becomes (0.1, 0.8, 0.1).
  Tensor logits = f64({2, 3}, {0.5, 2.0, -1.0, 1.0, 0.0, 3.0});
  const double z0 = std::log(std::exp(0.5) + std::exp(2.0) + std::exp(-1.0));
  const double z1 = std::log(std::exp(1.0) + std::exp(0.0) + std::exp(3.0));
  const double first = -(0.1 * (0.5 - z0) + 0.8 * (2.0 - z0) + 0.1 * (-1.0 - z0));
  const double second = -(0.1 * (1.0 - z1) + 0.1 * (0.0 - z1) + 0.8 * (3.0 - z1));  // class 2
  SparseCategoricalCrossentropy loss({.from_logits = true, .label_smoothing = 0.3});
  const Tensor ids = Tensor::from_vector({2}, {1, 2}, DType::i64);
  EXPECT_NEAR(loss(ids, logits).item(), (first + second) / 2, 1e-12);
  // The same as the one-hot loss with the same smoothing, from probabilities too.
  CategoricalCrossentropy one_hot({.label_smoothing = 0.3});
  EXPECT_NEAR(SparseCategoricalCrossentropy({.label_smoothing = 0.3})(ids, softmax(logits)).item(),
              one_hot(f64({2, 3}, {0, 1, 0, 0, 0, 1}), softmax(logits)).item(), 1e-12);
  // Stored in the config only when used (Keras's sparse loss has no such argument), and read back.
  EXPECT_FALSE(SparseCategoricalCrossentropy().config().contains("label_smoothing"));
  EXPECT_EQ(loss.config()["label_smoothing"], 0.3);
  EXPECT_NEAR((*deserialize(serialize(loss)))(ids, logits).item(), (first + second) / 2, 1e-12);
  EXPECT_EQ(error_text([] { SparseCategoricalCrossentropy({.label_smoothing = 1.5}); }),
            "SparseCategoricalCrossentropy: label_smoothing must be in [0, 1], got 1.5");
}

TEST(CategoricalCrossentropy, ClassAxisOption) {
  // Classes along axis 0 of each (classes, batch) column pair: the transpose of cce_pred.
  Tensor t = f64({3, 2}, {0, 0, 1, 0, 0, 1});
  Tensor p = f64({3, 2}, {0.05, 0.1, 0.95, 0.8, 0, 0.1});
  EXPECT_NEAR(CategoricalCrossentropy({.axis = 0})(t, p).item(), cce_expected(), 1e-12);
}

TEST(SparseCategoricalCrossentropy, LabelFormats) {
  SparseCategoricalCrossentropy loss;
  EXPECT_NEAR(loss(Tensor::from_vector({2}, {1, 2}, DType::i32), cce_pred()).item(), cce_expected(), 1e-12);
  EXPECT_NEAR(loss(Tensor::from_vector({2}, {1, 2}, DType::i64), cce_pred()).item(), cce_expected(), 1e-12);
  EXPECT_NEAR(loss(f64({2, 1}, {1, 2}), cce_pred()).item(), cce_expected(), 1e-12);
  EXPECT_NEAR(loss(Tensor::from_vector({2}, {1, 2}, DType::f32), cce_pred()).item(), cce_expected(), 1e-12);
}

TEST(SparseCategoricalCrossentropy, SequenceOfPositions) {
  // (batch 1, 2 positions, 3 classes): one loss per position, averaged.
  Tensor p = f64({1, 2, 3}, {0.05, 0.95, 0, 0.1, 0.8, 0.1});
  Tensor ids = Tensor::from_vector({1, 2}, {1, 2}, DType::i32);
  EXPECT_NEAR(SparseCategoricalCrossentropy()(ids, p).item(), cce_expected(), 1e-12);
  Tensor each = SparseCategoricalCrossentropy({.reduction = Reduction::none})(ids, p);
  expect_close(each, f64({1, 2}, {-std::log(0.95), -std::log(0.1)}), 1e-12);
}

TEST(SparseCategoricalCrossentropy, ErrorTexts) {
  SparseCategoricalCrossentropy loss;
  EXPECT_EQ(error_text([&] {
              loss(Tensor::from_vector({2}, {1, 3}, DType::i32), cce_pred());
            }),
            "SparseCategoricalCrossentropy: label 3 is out of range for 3 classes (expected 0 to 2)");
  EXPECT_EQ(error_text([&] {
              loss(Tensor::from_vector({2}, {-1, 0}, DType::i64), cce_pred());
            }),
            "SparseCategoricalCrossentropy: label -1 is out of range for 3 classes (expected 0 to 2)");
  EXPECT_EQ(error_text([&] {
              loss(f64({2}, {1.5, 0}), cce_pred());
            }),
            "SparseCategoricalCrossentropy: label 1.5 is not a class id (expected a whole number from 0 to 2)");
  EXPECT_EQ(error_text([&] {
              loss(f64({3}, {1, 0, 2}), cce_pred());
            }),
            "SparseCategoricalCrossentropy: y_true shape (3,) does not fit y_pred shape (2, 3); expected class ids "
            "of shape (2,) or (2, 1)");
  EXPECT_THROW(loss(Tensor::from_vector({2}, {1, 3}, DType::i32), cce_pred()), ValueError);
}

TEST(BinaryCrossentropy, ProbabilitiesByHand) {
  // Per element -log(0.4), -log(0.4) | -log(0.6), -log(0.4); each sample averages its two.
  const double expected = (-std::log(0.4) + (-std::log(0.6) - std::log(0.4)) / 2) / 2;
  EXPECT_NEAR(BinaryCrossentropy()(doc_true(), doc_pred()).item(), expected, 1e-12);
  EXPECT_NEAR(expected, 0.8149, 1e-4);
}

TEST(BinaryCrossentropy, LogitsByHand) {
  const std::vector<double> x = {-18.6, 0.51, 2.94, -12.8};
  const std::vector<double> z = {0, 1, 0, 0};
  double expected = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double p = 1 / (1 + std::exp(-x[i]));
    expected += -(z[i] * std::log(p) + (1 - z[i]) * std::log(1 - p)) / 4;
  }
  EXPECT_NEAR(BinaryCrossentropy({.from_logits = true})(f64({4}, z), f64({4}, x)).item(), expected, 1e-9);
  EXPECT_NEAR(expected, 0.8654, 1e-4);  // Keras's documented value
}

TEST(BinaryCrossentropy, LabelSmoothingByHand) {
  // s = 0.2: targets 0 -> 0.1 and 1 -> 0.9.
  const double p = 0.7;
  const double expected =
      (-(0.9 * std::log(p) + 0.1 * std::log(1 - p)) - (0.1 * std::log(p) + 0.9 * std::log(1 - p))) / 2;
  BinaryCrossentropy loss({.label_smoothing = 0.2});
  EXPECT_NEAR(loss(f64({2, 1}, {1, 0}), f64({2, 1}, {p, p})).item(), expected, 1e-12);
}

TEST(RegressionLosses, ByHand) {
  Tensor t = f64({2, 2}, {0, 1, 0, 0});
  Tensor p = f64({2, 2}, {1, 1, 1, 0});
  EXPECT_NEAR(MeanSquaredError()(t, p).item(), 0.5, 1e-12);
  EXPECT_NEAR(MeanAbsoluteError()(t, p).item(), 0.5, 1e-12);
  Tensor a = f64({2, 2}, {1, 2, 4, -5});
  Tensor b = f64({2, 2}, {1.5, 1, 4, -4});
  // |1 - 1.5| / 1, |2 - 1| / 2 | 0, 1 / 5 -> 100 * ((0.5 + 0.5) / 2 + 0.2 / 2) / 2
  EXPECT_NEAR(MeanAbsolutePercentageError()(a, b).item(), 100 * (0.5 + 0.1) / 2, 1e-10);
  Tensor c = f64({1, 2}, {1, 3});
  Tensor d = f64({1, 2}, {2, -1});  // a negative prediction is floored at eps
  const double msle =
      (std::pow(std::log(3.0) - std::log(2.0), 2) + std::pow(std::log(1 + kEpsilon) - std::log(4.0), 2)) / 2;
  EXPECT_NEAR(MeanSquaredLogarithmicError()(c, d).item(), msle, 1e-10);
}

TEST(Huber, QuadraticInsideLinearOutside) {
  Tensor t = f64({1, 3}, {0, 0, 0});
  Tensor p = f64({1, 3}, {0.5, -2.0, 1.0});
  // delta 1: 0.5 * 0.25, 1 * 2 - 0.5, 0.5 * 1 (the boundary)
  EXPECT_NEAR(Huber()(t, p).item(), (0.125 + 1.5 + 0.5) / 3, 1e-12);
  // delta 1.5: 0.125, 1.5 * 2 - 0.5 * 2.25, 0.5
  EXPECT_NEAR(Huber({.delta = 1.5})(t, p).item(), (0.125 + 1.875 + 0.5) / 3, 1e-12);
  EXPECT_EQ(error_text([] { Huber({.delta = 0}); }), "Huber: delta must be positive, got 0");
}

TEST(LogCosh, ByHandAndLargeErrors) {
  Tensor t = f64({1, 2}, {0, 1});
  Tensor p = f64({1, 2}, {0.5, -1});
  EXPECT_NEAR(LogCosh()(t, p).item(), (std::log(std::cosh(0.5)) + std::log(std::cosh(2.0))) / 2, 1e-12);
  // cosh(500) overflows; log(cosh(x)) -> |x| - log 2.
  Tensor big =
      LogCosh()(Tensor::from_vector({1, 1}, {0.0}, DType::f32), Tensor::from_vector({1, 1}, {500.0}, DType::f32));
  EXPECT_NEAR(big.item(), 500 - std::log(2.0), 1e-3);
}

TEST(HingeLosses, ByHand) {
  // Labels {0, 1} become {-1, 1}: margins 1.6, 0.6 | 1.4, 1.6.
  EXPECT_NEAR(Hinge()(doc_true(), doc_pred()).item(), ((1.6 + 0.6) / 2 + (1.4 + 1.6) / 2) / 2, 1e-12);
  EXPECT_NEAR(SquaredHinge()(doc_true(), doc_pred()).item(),
              ((1.6 * 1.6 + 0.6 * 0.6) / 2 + (1.4 * 1.4 + 1.6 * 1.6) / 2) / 2, 1e-12);
  // Labels already in {-1, 1} are used as they are.
  EXPECT_NEAR(Hinge()(f64({1, 2}, {-1, 1}), f64({1, 2}, {0.6, 2.0})).item(), (1.6 + 0) / 2, 1e-12);
  // Categorical: max(0, 1 + max wrong score - true score): 1 + 0.6 - 0.4 | 1 + 0.6 - 0.
  EXPECT_NEAR(CategoricalHinge()(doc_true(), doc_pred()).item(), (1.2 + 1.6) / 2, 1e-12);
}

// The multiclass SVM loss on the scores (cat 3.2, car 5.1, frog -1.7) of a cat image: only the car violates the
// margin, so max(0, 5.1 - 3.2 + 1) = 2.9; a well-separated sample costs 0.
TEST(CategoricalHinge, MulticlassSvmExample) {
  Tensor scores = f64({2, 3}, {3.2, 5.1, -1.7, 1.3, 4.9, 2.0});
  Tensor labels = f64({2, 3}, {1, 0, 0, 0, 1, 0});
  Tensor each = CategoricalHinge({.reduction = Reduction::none})(labels, scores);
  expect_close(each, f64({2}, {2.9, 0.0}), 1e-12);
}

TEST(KLDivergence, ByHand) {
  const double e = kEpsilon;
  const double first = e * std::log(e / 0.6) + std::log(1 / 0.4);
  const double second = e * std::log(e / 0.4) + e * std::log(e / 0.6);
  EXPECT_NEAR(KLDivergence()(doc_true(), doc_pred()).item(), (first + second) / 2, 1e-12);
}

TEST(Poisson, ByHand) {
  Tensor p = f64({2, 2}, {1, 2, 0.5, 0});
  Tensor t = f64({2, 2}, {0, 1, 2, 0});
  const double first = (1 + (2 - std::log(2 + kEpsilon))) / 2;
  const double second = ((0.5 - 2 * std::log(0.5 + kEpsilon)) + 0) / 2;
  EXPECT_NEAR(Poisson()(t, p).item(), (first + second) / 2, 1e-12);
}

TEST(CosineSimilarity, ByHand) {
  Tensor t = f64({3, 2}, {0, 1, 1, 1, 3, 4});
  Tensor p = f64({3, 2}, {1, 0, 1, 1, -4, 3});
  Tensor each = CosineSimilarity({.reduction = Reduction::none})(t, p);
  expect_close(each, f64({3}, {0, -1, 0}), 1e-12);
  // Along axis 0 of a (2, 1) pair of columns: parallel vectors.
  EXPECT_NEAR(CosineSimilarity({.axis = 0})(f64({2, 1}, {1, 2}), f64({2, 1}, {2, 4})).item(), -1, 1e-12);
  // A zero vector gives 0, not NaN.
  EXPECT_NEAR(CosineSimilarity()(f64({1, 2}, {0, 0}), f64({1, 2}, {1, 2})).item(), 0, 1e-12);
}

TEST(LossBase, SampleWeightsAndReductions) {
  const double a = -std::log(0.95), b = -std::log(0.1);
  Tensor w = f64({2}, {0.3, 0.7});
  // sum_over_batch_size divides the weighted sum by the number of samples, not by the sum of the weights.
  EXPECT_NEAR(CategoricalCrossentropy()(cce_true(), cce_pred(), w).item(), (0.3 * a + 0.7 * b) / 2, 1e-12);
  EXPECT_NEAR(CategoricalCrossentropy()(cce_true(), cce_pred(), f64({2, 1}, {0.3, 0.7})).item(),
              (0.3 * a + 0.7 * b) / 2, 1e-12);
  EXPECT_NEAR(CategoricalCrossentropy()(cce_true(), cce_pred(), Tensor::scalar(2.0, DType::f64)).item(), a + b, 1e-12);
  EXPECT_NEAR(CategoricalCrossentropy({.reduction = Reduction::sum})(cce_true(), cce_pred(), w).item(),
              0.3 * a + 0.7 * b, 1e-12);
  expect_close(CategoricalCrossentropy({.reduction = Reduction::none})(cce_true(), cce_pred(), w),
               f64({2}, {0.3 * a, 0.7 * b}), 1e-12);
  // Per-sample weights of an elementwise loss on rank-1 inputs: one sample per element.
  EXPECT_NEAR(MeanSquaredError()(f64({3}, {0, 0, 0}), f64({3}, {1, 2, 3}), f64({3}, {1, 0, 2})).item(),
              (1 + 0 + 18) / 3.0, 1e-12);
  // A (batch,) weight broadcasts over the positions of a (batch, positions) loss; float32 weights are converted.
  Tensor seq = SparseCategoricalCrossentropy()(Tensor::from_vector({2, 1}, {1, 2}, DType::i32),
                                               f64({2, 1, 3}, {0.05, 0.95, 0, 0.1, 0.8, 0.1}),
                                               Tensor::from_vector({2}, {0.3, 0.7}, DType::f32));
  EXPECT_NEAR(seq.item(), (0.3 * a + 0.7 * b) / 2, 1e-7);
}

TEST(LossBase, ShapeErrors) {
  EXPECT_EQ(error_text([] {
              MeanSquaredError()(Tensor::zeros({2, 3}), Tensor::zeros({2, 4}));
            }),
            "MeanSquaredError: y_true shape (2, 3) does not match y_pred shape (2, 4)");
  EXPECT_EQ(error_text([] {
              CategoricalCrossentropy()(Tensor::zeros({2, 3}), Tensor::zeros({3, 2}));
            }),
            "CategoricalCrossentropy: y_true shape (2, 3) does not match y_pred shape (3, 2)");
  EXPECT_THROW(Hinge()(Tensor::zeros({4}), Tensor::zeros({2, 2})), ShapeError);
  EXPECT_EQ(error_text([] { MeanSquaredError()(Tensor::zeros({2}), Tensor::zeros({2}), Tensor::ones({3})); }),
            "MeanSquaredError: sample_weight shape (3,) does not fit the per-sample losses of shape (2,)");
  EXPECT_EQ(error_text([] { MeanSquaredError()(Tensor::zeros({}), Tensor::zeros({})); }),
            "MeanSquaredError: y_pred must have at least one axis, got shape ()");
  EXPECT_EQ(error_text([] { MeanSquaredError()(Tensor::zeros({2}, DType::i32), Tensor::zeros({2}, DType::i32)); }),
            "MeanSquaredError: y_pred must be float32 or float64, got int32");
  EXPECT_EQ(error_text([] { CategoricalCrossentropy({.label_smoothing = 1.5}); }),
            "CategoricalCrossentropy: label_smoothing must be in [0, 1], got 1.5");
  // A trailing axis of size 1 on either side is squeezed, as in Keras.
  EXPECT_NEAR(MeanSquaredError()(f64({2}, {1, 2}), f64({2, 1}, {2, 4})).item(), 2.5, 1e-12);
  EXPECT_NEAR(MeanSquaredError()(f64({2, 1}, {1, 2}), f64({2}, {2, 4})).item(), 2.5, 1e-12);
}

// Labels meant for the other cross-entropy: the error names the loss that fits them.
TEST(LossBase, LabelsForTheOtherCrossentropyNameIt) {
  const std::string ids_hint =
      ": these look like integer class labels; use sparse_categorical_crossentropy for class indices, or one-hot "
      "encode the labels";
  EXPECT_EQ(error_text([] { CategoricalCrossentropy()(Tensor::zeros({32}), Tensor::zeros({32, 10})); }),
            "CategoricalCrossentropy: y_true has shape (32,) but y_pred has shape (32, 10)" + ids_hint);
  EXPECT_EQ(error_text([] {
              CategoricalCrossentropy({.from_logits = true})(Tensor::zeros({32, 1}, DType::i64),
                                                             Tensor::zeros({32, 10}));
            }),
            "CategoricalCrossentropy: y_true has shape (32, 1) but y_pred has shape (32, 10)" + ids_hint);
  EXPECT_EQ(error_text([] { BinaryCrossentropy()(Tensor::zeros({8}), Tensor::zeros({8, 3})); }),
            "BinaryCrossentropy: y_true has shape (8,) but y_pred has shape (8, 3)" + ids_hint);
  EXPECT_EQ(error_text([] { SparseCategoricalCrossentropy()(Tensor::zeros({32, 10}), Tensor::zeros({32, 10})); }),
            "SparseCategoricalCrossentropy: y_true has shape (32, 10), the same as y_pred: these look like one-hot "
            "labels; use categorical_crossentropy for one-hot labels, or pass class indices of shape (32,) or (32, 1)");
  // One sigmoid unit under categorical_crossentropy would train nothing: its loss is always 0.
  EXPECT_EQ(error_text([] { CategoricalCrossentropy()(Tensor::zeros({4, 1}), Tensor::ones({4, 1})); }),
            "CategoricalCrossentropy: y_pred has shape (4, 1), a single class, so the loss is always 0; use "
            "binary_crossentropy for one sigmoid output, or give the last layer one unit per class");
  // What the losses are for still passes: one-hot rows, class ids, per-output 0/1 targets, one output per sample.
  EXPECT_NO_THROW(CategoricalCrossentropy()(cce_true(), cce_pred()));
  EXPECT_NO_THROW(SparseCategoricalCrossentropy()(f64({2}, {1, 2}), cce_pred()));
  EXPECT_NO_THROW(SparseCategoricalCrossentropy()(f64({2, 1}, {0, 0}), f64({2, 1}, {1, 1})));
  EXPECT_NO_THROW(BinaryCrossentropy()(doc_true(), doc_pred()));
  EXPECT_NO_THROW(BinaryCrossentropy()(f64({2}, {0, 1}), f64({2, 1}, {0.2, 0.7})));
  EXPECT_NO_THROW(BinaryCrossentropy()(f64({2}, {0, 1}), f64({2}, {0.2, 0.7})));
}

TEST(LossBase, NamesAndAliases) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"categorical_crossentropy", "CategoricalCrossentropy"},
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
      {"binary_crossentropy", "BinaryCrossentropy"},
      {"mse", "MeanSquaredError"},
      {"mean_squared_error", "MeanSquaredError"},
      {"mae", "MeanAbsoluteError"},
      {"mape", "MeanAbsolutePercentageError"},
      {"msle", "MeanSquaredLogarithmicError"},
      {"huber", "Huber"},
      {"logcosh", "LogCosh"},
      {"log_cosh", "LogCosh"},
      {"hinge", "Hinge"},
      {"squared_hinge", "SquaredHinge"},
      {"categorical_hinge", "CategoricalHinge"},
      {"kld", "KLDivergence"},
      {"kl_divergence", "KLDivergence"},
      {"poisson", "Poisson"},
      {"cosine_similarity", "CosineSimilarity"},
      {"CategoricalCrossentropy", "CategoricalCrossentropy"},
  };
  for (const auto& [name, cls] : cases) EXPECT_EQ(from_name(name)->class_name(), cls) << name;
  EXPECT_EQ(from_name("mse")->name(), "mean_squared_error");
  EXPECT_EQ(from_name("huber")->name(), "huber_loss");
  const std::string text = error_text([] { from_name("crossentropy"); });
  EXPECT_EQ(text.rfind("unknown loss 'crossentropy'; valid names: categorical_crossentropy, "
                       "sparse_categorical_crossentropy, binary_crossentropy, mean_squared_error, mse, ",
                       0),
            0u)
      << text;
  EXPECT_THROW(from_name("crossentropy"), ValueError);
}

TEST(LossBase, ConfigAndRoundTrip) {
  CategoricalCrossentropy cce({.from_logits = true, .label_smoothing = 0.1});
  EXPECT_EQ(cce.config(), nlohmann::json::parse(R"({"name": "categorical_crossentropy",
      "reduction": "sum_over_batch_size", "from_logits": true, "label_smoothing": 0.1, "axis": -1})"));
  LossPtr back = deserialize(serialize(cce));
  EXPECT_EQ(back->class_name(), "CategoricalCrossentropy");
  EXPECT_EQ(back->config(), cce.config());
  Huber huber({.delta = 2.5, .reduction = Reduction::sum});
  EXPECT_EQ(deserialize(serialize(huber))->config(), huber.config());
  EXPECT_EQ(huber.config()["delta"], 2.5);
  for (const std::string& name : names()) {
    LossPtr loss = from_name(name);
    EXPECT_EQ(deserialize(serialize(*loss))->config(), loss->config()) << name;
  }
  EXPECT_EQ(deserialize(nlohmann::json("mae"))->class_name(), "MeanAbsoluteError");
  EXPECT_EQ(error_text([] { parse_reduction("mean"); }),
            "unknown loss reduction 'mean'; valid names: sum_over_batch_size, sum, none");
}

}  // namespace
}  // namespace fovea::losses
