// Keras metrics: stateful accumulators updated batch by batch and read with result(). They read tensor values
// directly (no autograd), so updating one never touches the training graph.
//
//   metrics::SparseCategoricalAccuracy acc;
//   acc.update(labels, probabilities);  // once per batch
//   double a = acc.result();            // over all batches since reset()
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/train/losses.h"

namespace fovea::metrics {

// Tensors are read batch first: axis 0 indexes samples, and sample_weight holds one weight per sample (shape
// (batch,) or (batch, 1)) or is a scalar. Values of a sample with several positions are averaged first.
class Metric {
 public:
  virtual ~Metric() = default;
  // Forgets everything seen since construction or the last reset().
  virtual void reset() = 0;
  virtual void update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) = 0;
  // The metric over everything seen; 0 before any update.
  virtual double result() const = 0;
  // The name in logs: the Keras default ("categorical_accuracy") unless options gave another.
  const std::string& name() const { return name_; }

 protected:
  explicit Metric(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

using MetricPtr = std::shared_ptr<Metric>;

// Running weighted mean of per-sample values: the common base of the accuracies and of loss metrics.
// result() = sum(w * value) / sum(w).
class MeanMetric : public Metric {
 public:
  void reset() override;
  void update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
  double result() const override;
  double total() const { return total_; }
  double count() const { return count_; }

 protected:
  using Metric::Metric;
  // One value per element of a per-sample result; the returned values' first axis must be the batch.
  virtual Tensor values(const Tensor& y_true, const Tensor& y_pred) const = 0;
  // Adds values (batch first) with one weight per sample, or per value when the shapes match.
  void accumulate(const Tensor& values, const Tensor& sample_weight);

 private:
  double total_ = 0;
  double count_ = 0;
};

struct MetricOptions {
  std::string name{};  // empty: the Keras default name
};

// Running weighted mean of values: what fit() reports as "loss". As a Metric, update() averages y_pred and
// ignores y_true.
class Mean : public MeanMetric {
 public:
  explicit Mean(const MetricOptions& options = {});
  // Adds every element of values (weights per sample, or per element when shapes match).
  void update_state(const Tensor& values, const Tensor& sample_weight = Tensor());
  // Adds one value with a weight: mean.add(batch_loss, batch_size).
  void add(double value, double weight = 1.0);

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 1 where y_pred equals y_true exactly.
class Accuracy : public MeanMetric {
 public:
  explicit Accuracy(const MetricOptions& options = {});

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 1 where argmax(y_true) == argmax(y_pred) along the last axis (y_true one-hot).
class CategoricalAccuracy : public MeanMetric {
 public:
  explicit CategoricalAccuracy(const MetricOptions& options = {});

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 1 where the class id y_true == argmax(y_pred) along the last axis.
class SparseCategoricalAccuracy : public MeanMetric {
 public:
  explicit SparseCategoricalAccuracy(const MetricOptions& options = {});

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct BinaryAccuracyOptions {
  double threshold = 0.5;  // y_pred > threshold counts as 1
  std::string name{};
};

class BinaryAccuracy : public MeanMetric {
 public:
  explicit BinaryAccuracy(const BinaryAccuracyOptions& options = {});

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  double threshold_;
};

struct TopKOptions {
  int k = 5;
  std::string name{};
};

// 1 where the true class is among the k highest scores. Ties straddling the k-th place count as inside, as in
// tf.math.in_top_k.
class TopKCategoricalAccuracy : public MeanMetric {
 public:
  explicit TopKCategoricalAccuracy(const TopKOptions& options = {});

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  int k_;
};

class SparseTopKCategoricalAccuracy : public MeanMetric {
 public:
  explicit SparseTopKCategoricalAccuracy(const TopKOptions& options = {});

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  int k_;
};

// A loss used as a metric: the weighted mean of its per-sample values ("mse" in metrics=).
class LossMetric : public MeanMetric {
 public:
  explicit LossMetric(losses::LossPtr loss, const MetricOptions& options = {});

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  losses::LossPtr loss_;
};

struct ThresholdOptions {
  double threshold = 0.5;  // y_pred > threshold is a positive prediction; y_true != 0 is a positive label
  int class_id = -1;       // >= 0: only that index of the last axis counts
  std::string name{};
};

// Binary decision counts (weighted) shared by Precision and Recall.
class ThresholdMetric : public Metric {
 public:
  void reset() override;
  void update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
  double true_positives() const { return tp_; }
  double false_positives() const { return fp_; }
  double false_negatives() const { return fn_; }

 protected:
  ThresholdMetric(std::string default_name, const ThresholdOptions& options);
  double tp_ = 0, fp_ = 0, fn_ = 0;

 private:
  ThresholdOptions options_;
};

// tp / (tp + fp), 0 when nothing was predicted positive.
class Precision : public ThresholdMetric {
 public:
  explicit Precision(const ThresholdOptions& options = {});
  double result() const override;
};

// tp / (tp + fn), 0 when there was no positive label.
class Recall : public ThresholdMetric {
 public:
  explicit Recall(const ThresholdOptions& options = {});
  double result() const override;
};

struct AucOptions {
  int num_thresholds = 200;  // thresholds 0 - eps, 1/(n-1), ..., (n-2)/(n-1), 1 + eps as in Keras
  bool from_logits = false;  // apply a sigmoid to y_pred first
  std::string name{};
};

// Area under the ROC curve, by the trapezoid rule over the thresholds (Keras's "interpolation" for ROC).
// Every element is one binary decision: y_true != 0 is positive, y_pred > threshold predicts positive.
class AUC : public Metric {
 public:
  explicit AUC(const AucOptions& options = {});
  void reset() override;
  void update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
  double result() const override;
  const std::vector<double>& thresholds() const { return thresholds_; }

 private:
  AucOptions options_;
  std::vector<double> thresholds_;
  // Weighted counts of positive / negative labels per bucket: bucket i holds predictions above exactly the
  // first i thresholds.
  std::vector<double> positives_, negatives_;
};

struct ConfusionMatrixOptions {
  int num_classes = 0;  // required, at least 1
  std::string name{};
};

// Counts of (true class, predicted class) pairs: rows are true classes, columns predicted ones, as in
// tf.math.confusion_matrix. y_true is class ids ((batch,) or (batch, 1)) or one-hot (batch, classes); y_pred is
// scores (batch, classes), read through argmax, or class ids.
class ConfusionMatrix : public Metric {
 public:
  explicit ConfusionMatrix(const ConfusionMatrixOptions& options);
  void reset() override;
  void update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
  // The fraction on the diagonal (the accuracy); the matrix itself is matrix().
  double result() const override;
  // (num_classes, num_classes) float64 counts (weighted when sample weights were given).
  Tensor matrix() const;
  // A table with a header row of predicted classes and one row per true class; class_names (one per class)
  // replace the numbers when given.
  std::string to_string(const std::vector<std::string>& class_names = {}) const;
  int num_classes() const { return num_classes_; }

 private:
  int num_classes_;
  std::vector<double> counts_;
};

// A metric from a Keras string: "accuracy"/"acc" (exact match; see accuracy_for), "categorical_accuracy",
// "sparse_categorical_accuracy", "binary_accuracy", "top_k_categorical_accuracy",
// "sparse_top_k_categorical_accuracy", "precision", "recall", "auc", "mean", a class name, or any loss name
// (then the loss's mean, named as the loss). Throws ValueError listing the valid names.
MetricPtr from_name(std::string_view name);
// What Keras means by "accuracy" for a model trained with this loss: binary accuracy for binary_crossentropy,
// sparse categorical accuracy for sparse_categorical_crossentropy, categorical accuracy otherwise. The metric
// is called `name` in logs. Throws ValueError for an unknown loss name.
MetricPtr accuracy_for(std::string_view loss_name, const std::string& name = "accuracy");
// Keras 3's rule, from the shapes: binary when y_pred's last axis is 1, sparse when y_true has lower rank than
// y_pred or a last axis of 1 against several classes, categorical otherwise.
MetricPtr accuracy_for_shapes(const Shape& y_true_shape, const Shape& y_pred_shape,
                              const std::string& name = "accuracy");

}  // namespace fovea::metrics
