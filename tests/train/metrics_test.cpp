// Tests for src/train/metrics*.cpp: every metric against values computed by hand, sample weights, accumulation
// over batches and reset(), ROC AUC by the trapezoid rule, confusion-matrix counts and table, names and errors.
#include "fovea/train/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "error_text.h"
#include "gradcheck.h"

namespace fovea::metrics {
namespace {

using fovea::testing::expect_close;

Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

using testing::error_text;

// Two samples over three classes: the first is wrong (argmax 1, true 2), the second right.
Tensor scores() { return f64({2, 3}, {0.1, 0.9, 0.8, 0.05, 0.95, 0}); }
Tensor one_hot() { return f64({2, 3}, {0, 0, 1, 0, 1, 0}); }

TEST(Accuracy, ExactMatchWithWeights) {
  Accuracy acc;
  EXPECT_EQ(acc.name(), "accuracy");
  EXPECT_EQ(acc.result(), 0.0);  // nothing seen yet
  acc.update(f64({4, 1}, {1, 2, 3, 4}), f64({4, 1}, {0, 2, 3, 4}));
  EXPECT_NEAR(acc.result(), 0.75, 1e-12);
  acc.reset();
  acc.update(f64({4, 1}, {1, 2, 3, 4}), f64({4, 1}, {0, 2, 3, 4}), f64({4}, {1, 1, 0, 0}));
  EXPECT_NEAR(acc.result(), 0.5, 1e-12);
}

TEST(CategoricalAccuracy, ArgmaxMatch) {
  CategoricalAccuracy acc;
  acc.update(one_hot(), scores());
  EXPECT_NEAR(acc.result(), 0.5, 1e-12);
  acc.reset();
  acc.update(one_hot(), scores(), f64({2}, {0.7, 0.3}));
  EXPECT_NEAR(acc.result(), 0.3, 1e-12);
  // Accumulates across batches: (0.3 + 1 * 1) / (1 + 1).
  acc.update(f64({1, 3}, {1, 0, 0}), f64({1, 3}, {5, 1, 2}));
  EXPECT_NEAR(acc.result(), 1.3 / 2, 1e-12);
}

TEST(SparseCategoricalAccuracy, LabelFormats) {
  SparseCategoricalAccuracy acc;
  acc.update(f64({2, 1}, {2, 1}), scores());
  EXPECT_NEAR(acc.result(), 0.5, 1e-12);
  acc.reset();
  acc.update(Tensor::from_vector({2}, {2, 1}, DType::i32), scores(), f64({2}, {0.7, 0.3}));
  EXPECT_NEAR(acc.result(), 0.3, 1e-12);
  acc.reset();
  acc.update(Tensor::from_vector({2}, {1, 1}, DType::i64), scores().to(DType::f32));
  EXPECT_NEAR(acc.result(), 1.0, 1e-12);
  EXPECT_EQ(error_text([&] {
              acc.update(f64({3}, {1, 1, 0}), scores());
            }),
            "sparse_categorical_accuracy: y_true shape (3,) does not fit y_pred shape (2, 3); expected class ids "
            "of shape (2,) or (2, 1)");
}

TEST(BinaryAccuracy, Threshold) {
  BinaryAccuracy acc;
  acc.update(f64({4, 1}, {1, 1, 0, 0}), f64({4, 1}, {0.98, 1, 0, 0.6}));
  EXPECT_NEAR(acc.result(), 0.75, 1e-12);
  acc.reset();
  acc.update(f64({4, 1}, {1, 1, 0, 0}), f64({4, 1}, {0.98, 1, 0, 0.6}), f64({4}, {1, 0, 0, 1}));
  EXPECT_NEAR(acc.result(), 0.5, 1e-12);
  // 0.5 itself is not above the threshold; a higher threshold turns 0.6 into a 0.
  BinaryAccuracy strict({.threshold = 0.7});
  strict.update(f64({3}, {0, 0, 1}), f64({3}, {0.5, 0.6, 0.65}));
  EXPECT_NEAR(strict.result(), 2.0 / 3, 1e-12);
  // Several outputs per sample: each sample's mean, then the mean over samples.
  BinaryAccuracy multi;
  multi.update(f64({2, 2}, {1, 0, 1, 1}), f64({2, 2}, {0.9, 0.8, 0.9, 0.9}), f64({2}, {3, 1}));
  EXPECT_NEAR(multi.result(), (3 * 0.5 + 1 * 1.0) / 4, 1e-12);
}

TEST(TopKCategoricalAccuracy, KAndTies) {
  TopKCategoricalAccuracy top1({.k = 1});
  top1.update(one_hot(), scores());
  EXPECT_NEAR(top1.result(), 0.5, 1e-12);
  TopKCategoricalAccuracy top2({.k = 2});
  top2.update(one_hot(), scores());
  EXPECT_NEAR(top2.result(), 1.0, 1e-12);
  // Default k = 5 covers every one of 3 classes.
  TopKCategoricalAccuracy top5;
  EXPECT_EQ(top5.name(), "top_k_categorical_accuracy");
  top5.update(one_hot(), scores());
  EXPECT_NEAR(top5.result(), 1.0, 1e-12);
  // A tie at the boundary counts as inside (tf.math.in_top_k).
  TopKCategoricalAccuracy tie({.k = 1});
  tie.update(f64({1, 3}, {0, 1, 0}), f64({1, 3}, {0.45, 0.45, 0.1}));
  EXPECT_NEAR(tie.result(), 1.0, 1e-12);
  EXPECT_EQ(error_text([] { TopKCategoricalAccuracy({.k = 0}); }),
            "top_k_categorical_accuracy: k must be at least 1, got 0");
}

TEST(SparseTopKCategoricalAccuracy, Labels) {
  SparseTopKCategoricalAccuracy top1({.k = 1});
  top1.update(Tensor::from_vector({2}, {2, 1}, DType::i32), scores());
  EXPECT_NEAR(top1.result(), 0.5, 1e-12);
  SparseTopKCategoricalAccuracy top2({.k = 2});
  top2.update(f64({2, 1}, {2, 1}), scores());
  EXPECT_NEAR(top2.result(), 1.0, 1e-12);
  // A label that is no class never counts as found.
  top2.reset();
  top2.update(f64({2}, {7, 2}), scores());  // 7: no class; 2: third of three
  EXPECT_NEAR(top2.result(), 0.0, 1e-12);
}

TEST(PrecisionRecall, ByHand) {
  Tensor t = f64({4}, {0, 1, 1, 1});
  Tensor p = f64({4}, {1, 0, 1, 1});
  Precision precision;
  Recall recall;
  precision.update(t, p);
  recall.update(t, p);
  // tp 2, fp 1, fn 1.
  EXPECT_NEAR(precision.result(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(recall.result(), 2.0 / 3, 1e-12);
  EXPECT_EQ(precision.true_positives(), 2);
  precision.reset();
  recall.reset();
  precision.update(t, p, f64({4}, {0, 0, 1, 0}));
  recall.update(t, p, f64({4}, {0, 0, 1, 0}));
  EXPECT_NEAR(precision.result(), 1.0, 1e-12);
  EXPECT_NEAR(recall.result(), 1.0, 1e-12);
  // Nothing predicted positive: 0, not NaN.
  precision.reset();
  precision.update(t, f64({4}, {0.1, 0.2, 0.5, 0.3}));
  EXPECT_EQ(precision.result(), 0.0);
  // class_id restricts the counts to one column.
  Recall column({.class_id = 1});
  column.update(f64({2, 2}, {1, 1, 0, 1}), f64({2, 2}, {0.9, 0.2, 0.1, 0.8}));
  EXPECT_NEAR(column.result(), 0.5, 1e-12);
  EXPECT_EQ(error_text([] {
              Precision({.class_id = 3}).update(f64({1, 2}, {0, 1}), f64({1, 2}, {0, 1}));
            }),
            "precision: class_id 3 is out of range for y_pred shape (1, 2)");
}

// Five scores, three positive. With 3 thresholds (-eps, 0.5, 1 + eps) the ROC points are (fpr, tpr) = (1, 1),
// (1/2, 2/3), (0, 0): trapezoids (1 - 1/2)(1 + 2/3)/2 + (1/2 - 0)(2/3 + 0)/2 = 5/12 + 2/12 = 7/12.
// With 200 thresholds the scores are all separated, so the area is the exact pair count: 5 of 6 pairs.
TEST(AUC, TrapezoidByHand) {
  Tensor t = f64({5}, {1, 0, 1, 0, 1});
  Tensor p = f64({5}, {0.7, 0.6, 0.4, 0.2, 0.8});
  AUC coarse({.num_thresholds = 3});
  coarse.update(t, p);
  EXPECT_NEAR(coarse.result(), 7.0 / 12, 1e-12);
  AUC fine;
  EXPECT_EQ(fine.thresholds().size(), 200u);
  EXPECT_NEAR(fine.thresholds()[0], -1e-7, 1e-15);
  EXPECT_NEAR(fine.thresholds()[1], 1.0 / 199, 1e-15);
  EXPECT_NEAR(fine.thresholds()[199], 1 + 1e-7, 1e-15);
  fine.update(t, p);
  EXPECT_NEAR(fine.result(), 5.0 / 6, 1e-12);
  // Across two batches, the same counts.
  fine.reset();
  fine.update(f64({2}, {1, 0}), f64({2}, {0.7, 0.6}));
  fine.update(f64({3}, {1, 0, 1}), f64({3}, {0.4, 0.2, 0.8}));
  EXPECT_NEAR(fine.result(), 5.0 / 6, 1e-12);
  // Logits through a sigmoid keep the order.
  AUC logits({.from_logits = true});
  logits.update(t, f64({5}, {0.9, 0.4, -0.4, -1.4, 1.4}));
  EXPECT_NEAR(logits.result(), 5.0 / 6, 1e-12);
}

TEST(AUC, WeightsAndDegenerateCases) {
  // Weight 0 on the positive at 0.4 leaves pairs (0.7, 0.8) x (0.6, 0.2): all ordered.
  AUC auc;
  auc.update(f64({5}, {1, 0, 1, 0, 1}), f64({5}, {0.7, 0.6, 0.4, 0.2, 0.8}), f64({5}, {1, 1, 0, 1, 1}));
  EXPECT_NEAR(auc.result(), 1.0, 1e-12);
  AUC perfect_wrong;
  perfect_wrong.update(f64({2}, {1, 0}), f64({2}, {0.1, 0.9}));
  EXPECT_NEAR(perfect_wrong.result(), 0.0, 1e-12);
  AUC empty;
  EXPECT_EQ(empty.result(), 0.0);
  EXPECT_EQ(error_text([] { AUC({.num_thresholds = 1}); }), "auc: num_thresholds must be greater than 1, got 1");
}

TEST(MeanMetric, RunningWeightedMean) {
  Mean loss({.name = "loss"});
  EXPECT_EQ(loss.name(), "loss");
  loss.add(2.0, 1);
  loss.add(4.0, 3);
  EXPECT_NEAR(loss.result(), (2 + 12) / 4.0, 1e-12);
  loss.reset();
  EXPECT_EQ(loss.result(), 0.0);
  loss.update_state(f64({3}, {1, 2, 3}));
  EXPECT_NEAR(loss.result(), 2.0, 1e-12);
  loss.update_state(f64({2}, {10, 20}), f64({2}, {0, 1}));
  EXPECT_NEAR(loss.result(), (6 + 20) / 4.0, 1e-12);
  EXPECT_EQ(error_text([&] {
              loss.update_state(f64({2}, {1, 2}), f64({3}, {1, 1, 1}));
            }),
            "loss: sample_weight shape (3,) does not fit values of shape (2,)");
}

TEST(LossMetric, MeanOfPerSampleLosses) {
  MetricPtr mse = from_name("mse");
  EXPECT_EQ(mse->name(), "mean_squared_error");
  mse->update(f64({2, 2}, {0, 1, 0, 0}), f64({2, 2}, {1, 1, 1, 0}));  // per sample 0.5, 0.5
  mse->update(f64({1, 2}, {0, 0}), f64({1, 2}, {2, 2}));              // 4
  EXPECT_NEAR(mse->result(), 5.0 / 3, 1e-12);
  MetricPtr cce = from_name("categorical_crossentropy");
  cce->update(one_hot(), scores().to(DType::f32), f64({2}, {1, 3}));
  const double a = -std::log(0.8 / 1.8), b = -std::log(0.95);
  EXPECT_NEAR(cce->result(), (a + 3 * b) / 4, 1e-6);
}

TEST(ConfusionMatrix, CountsTableAndReset) {
  ConfusionMatrix cm({.num_classes = 3});
  // True 0, 1, 2, 2, 1; predicted (argmax) 0, 2, 2, 2, 1.
  Tensor pred = f64({5, 3}, {0.8, 0.1, 0.1, 0.2, 0.3, 0.5, 0, 0, 1, 0.1, 0.2, 0.7, 0.3, 0.6, 0.1});
  cm.update(Tensor::from_vector({5}, {0, 1, 2, 2, 1}, DType::i32), pred);
  expect_close(cm.matrix(), f64({3, 3}, {1, 0, 0, 0, 1, 1, 0, 0, 2}), 0);
  EXPECT_NEAR(cm.result(), 4.0 / 5, 1e-12);
  EXPECT_EQ(cm.to_string(),
            "true \\ pred  0  1  2\n"
            "0            1  0  0\n"
            "1            0  1  1\n"
            "2            0  0  2\n");
  EXPECT_EQ(cm.to_string({"cat", "dog", "bird"}),
            "true \\ pred   cat   dog  bird\n"
            "cat             1     0     0\n"
            "dog             0     1     1\n"
            "bird            0     0     2\n");
  // One-hot labels and predicted ids accumulate into the same matrix; weights scale the counts.
  cm.update(f64({2, 3}, {0, 0, 1, 1, 0, 0}), f64({2, 1}, {0, 0}), f64({2}, {2, 0.5}));
  expect_close(cm.matrix(), f64({3, 3}, {1.5, 0, 0, 0, 1, 1, 2, 0, 2}), 0);
  cm.reset();
  expect_close(cm.matrix(), Tensor::zeros({3, 3}, DType::f64), 0);
  EXPECT_EQ(error_text([&] {
              cm.update(f64({2}, {0, 3}), f64({2}, {0, 1}));
            }),
            "confusion_matrix: label 3 is out of range for 3 classes (expected 0 to 2)");
  EXPECT_EQ(error_text([&] {
              cm.update(f64({2}, {0, 1}), f64({2}, {0, 5}));
            }),
            "confusion_matrix: predicted class 5 is out of range for 3 classes (expected 0 to 2)");
  EXPECT_EQ(error_text([&] {
              cm.update(f64({3}, {0, 1, 1}), pred);
            }),
            "confusion_matrix: y_true shape (3,) does not fit y_pred shape (5, 3) (3 labels for 5 predictions)");
  EXPECT_EQ(error_text([] { ConfusionMatrix({.num_classes = 0}); }),
            "confusion_matrix: num_classes must be at least 1, got 0");
}

TEST(MetricNames, NamesAndAccuracyFor) {
  EXPECT_EQ(from_name("acc")->name(), "acc");
  EXPECT_NE(dynamic_cast<Accuracy*>(from_name("accuracy").get()), nullptr);
  EXPECT_NE(dynamic_cast<AUC*>(from_name("auc").get()), nullptr);
  EXPECT_NE(dynamic_cast<Precision*>(from_name("precision").get()), nullptr);
  EXPECT_EQ(from_name("SparseCategoricalAccuracy")->name(), "sparse_categorical_accuracy");
  EXPECT_EQ(from_name("top_k_categorical_accuracy")->name(), "top_k_categorical_accuracy");
  const std::string text = error_text([] { from_name("f1"); });
  EXPECT_EQ(text,
            "unknown metric 'f1'; valid names: accuracy, acc, categorical_accuracy, sparse_categorical_accuracy, "
            "binary_accuracy, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, precision, recall, auc, "
            "mean, or a loss name such as mse or categorical_crossentropy");

  MetricPtr binary = accuracy_for("binary_crossentropy");
  EXPECT_NE(dynamic_cast<BinaryAccuracy*>(binary.get()), nullptr);
  EXPECT_EQ(binary->name(), "accuracy");
  EXPECT_NE(dynamic_cast<SparseCategoricalAccuracy*>(accuracy_for("sparse_categorical_crossentropy", "acc").get()),
            nullptr);
  EXPECT_EQ(accuracy_for("SparseCategoricalCrossentropy", "acc")->name(), "acc");
  EXPECT_NE(dynamic_cast<CategoricalAccuracy*>(accuracy_for("categorical_crossentropy").get()), nullptr);
  EXPECT_THROW(accuracy_for("nope"), ValueError);

  EXPECT_NE(dynamic_cast<BinaryAccuracy*>(accuracy_for_shapes({8, 1}, {8, 1}).get()), nullptr);
  EXPECT_NE(dynamic_cast<SparseCategoricalAccuracy*>(accuracy_for_shapes({8}, {8, 10}).get()), nullptr);
  EXPECT_NE(dynamic_cast<SparseCategoricalAccuracy*>(accuracy_for_shapes({8, 1}, {8, 10}).get()), nullptr);
  EXPECT_NE(dynamic_cast<CategoricalAccuracy*>(accuracy_for_shapes({8, 10}, {8, 10}).get()), nullptr);
}

}  // namespace
}  // namespace fovea::metrics
