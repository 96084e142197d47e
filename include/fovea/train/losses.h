// Keras losses: differentiable functions of (y_true, y_pred) built from public ops, so autograd differentiates
// them like any other op. Names, arguments, defaults and the sum_over_batch_size reduction follow Keras 3.
//
//   losses::CategoricalCrossentropy loss({.from_logits = true, .label_smoothing = 0.1});
//   Tensor value = loss(y_true, logits);  // a scalar; value.backward() reaches the logits
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fovea/core/tensor.h"

namespace fovea::losses {

// Keras's epsilon: probabilities are clipped to [kEpsilon, 1 - kEpsilon] before a log.
inline constexpr double kEpsilon = 1e-7;

// How per-sample losses become the returned value. sum_over_batch_size (Keras's default) divides the weighted
// sum by the number of per-sample losses, not by the sum of the weights; none returns the weighted per-sample
// losses.
enum class Reduction { sum_over_batch_size, sum, none };
std::string_view reduction_name(Reduction reduction);
// "sum_over_batch_size", "sum", "none"; throws ValueError listing the valid names.
Reduction parse_reduction(std::string_view name);

// A loss: per-sample losses (call()), then sample weighting and reduction (operator()).
class Loss {
 public:
  virtual ~Loss() = default;

  // The reduced loss, recorded for autograd (a scalar unless the reduction is none). sample_weight holds one
  // weight per sample (shape (batch,) or (batch, 1)), a weight per per-sample loss, or a scalar. Throws
  // ShapeError naming the loss and both shapes when y_true does not fit y_pred.
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) const;
  // Unweighted, unreduced losses: one per sample (per position for inputs of rank > 2). Rank-1 inputs of the
  // elementwise losses (mse, binary_crossentropy, hinge, ...) are read as (batch, 1), one value per sample.
  Tensor per_sample(const Tensor& y_true, const Tensor& y_pred) const;

  // Keras function name ("categorical_crossentropy"), also the default name in logs.
  const std::string& name() const { return name_; }
  // Keras class name ("CategoricalCrossentropy").
  const std::string& class_name() const { return class_name_; }
  Reduction reduction() const { return reduction_; }
  // Keras get_config(): {"name", "reduction"} plus the loss's own arguments.
  virtual nlohmann::json config() const;

 protected:
  Loss(std::string class_name, std::string name, Reduction reduction);
  // Per-sample losses from validated inputs; y_true already has y_pred's dtype.
  virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;
  // Checks y_true against y_pred and returns y_true as call() expects it (converted to y_pred's dtype).
  // Default: equal shapes, where a trailing axis of size 1 on either side is tolerated (Keras squeezes it).
  virtual Tensor prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const;
  // True for losses averaged over the last axis element by element: rank-1 inputs then mean one sample each.
  virtual bool elementwise() const { return true; }

 private:
  std::string class_name_;
  std::string name_;
  Reduction reduction_;
};

using LossPtr = std::shared_ptr<Loss>;

// Options of the losses that take nothing but a reduction.
struct LossOptions {
  Reduction reduction = Reduction::sum_over_batch_size;
};

struct CategoricalCrossentropyOptions {
  bool from_logits = false;      // y_pred holds logits: log_softmax is used, never log(softmax)
  double label_smoothing = 0.0;  // y_true * (1 - s) + s / num_classes
  int axis = -1;                 // the class axis
  Reduction reduction = Reduction::sum_over_batch_size;
};

// -sum(y_true * log(p)) along axis, with p = y_pred / sum(y_pred) clipped to [eps, 1 - eps], or p = softmax of
// the logits. y_true is one-hot (or a distribution).
class CategoricalCrossentropy : public Loss {
 public:
  explicit CategoricalCrossentropy(const CategoricalCrossentropyOptions& options = {});
  nlohmann::json config() const override;
  const CategoricalCrossentropyOptions& options() const { return options_; }

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  // Also refuses class ids (naming sparse_categorical_crossentropy) and a y_pred of one class.
  Tensor prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const override;
  bool elementwise() const override { return false; }

 private:
  CategoricalCrossentropyOptions options_;
};

struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  // The targets become (1 - s) * onehot + s / num_classes, as PyTorch's CrossEntropyLoss(label_smoothing=s) and
  // Keras's CategoricalCrossentropy do; Keras's sparse loss lacks the argument. In [0, 1].
  double label_smoothing = 0.0;
  Reduction reduction = Reduction::sum_over_batch_size;
};

// Categorical cross-entropy with y_true as class ids, shape y_pred.shape[:-1] (or with a trailing 1), as int32,
// int64 or floats holding whole numbers. A label outside [0, classes) throws ValueError naming it.
class SparseCategoricalCrossentropy : public Loss {
 public:
  explicit SparseCategoricalCrossentropy(const SparseCategoricalCrossentropyOptions& options = {});
  nlohmann::json config() const override;

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  // Returns the one-hot encoding of the labels; refuses one-hot labels, naming categorical_crossentropy.
  Tensor prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const override;
  bool elementwise() const override { return false; }

 private:
  SparseCategoricalCrossentropyOptions options_;
};

struct BinaryCrossentropyOptions {
  bool from_logits = false;      // stable form: max(x, 0) - x * z + log(1 + exp(-|x|))
  double label_smoothing = 0.0;  // y_true * (1 - s) + s / 2
  int axis = -1;                 // the axis the per-element losses are averaged over
  Reduction reduction = Reduction::sum_over_batch_size;
};

// -(z log p + (1 - z) log(1 - p)) averaged over axis, p clipped to [eps, 1 - eps] (or sigmoid of logits).
class BinaryCrossentropy : public Loss {
 public:
  explicit BinaryCrossentropy(const BinaryCrossentropyOptions& options = {});
  nlohmann::json config() const override;

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  // Also refuses one class id per sample against several outputs, naming sparse_categorical_crossentropy.
  Tensor prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  BinaryCrossentropyOptions options_;
};

// mean((y_pred - y_true)^2) over the last axis.
class MeanSquaredError : public Loss {
 public:
  explicit MeanSquaredError(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean(|y_pred - y_true|) over the last axis.
class MeanAbsoluteError : public Loss {
 public:
  explicit MeanAbsoluteError(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 100 * mean(|y_true - y_pred| / max(|y_true|, eps)) over the last axis.
class MeanAbsolutePercentageError : public Loss {
 public:
  explicit MeanAbsolutePercentageError(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2) over the last axis.
class MeanSquaredLogarithmicError : public Loss {
 public:
  explicit MeanSquaredLogarithmicError(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct HuberOptions {
  double delta = 1.0;  // where the loss turns from quadratic to linear; must be positive
  Reduction reduction = Reduction::sum_over_batch_size;
};

// mean(0.5 e^2 if |e| <= delta else delta (|e| - 0.5 delta)) over the last axis, e = y_pred - y_true.
class Huber : public Loss {
 public:
  explicit Huber(const HuberOptions& options = {});
  nlohmann::json config() const override;

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  HuberOptions options_;
};

// mean(log(cosh(y_pred - y_true))) over the last axis, computed without overflow for large errors.
class LogCosh : public Loss {
 public:
  explicit LogCosh(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean(max(1 - y_true * y_pred, 0)) over the last axis; y_true in {-1, 1}, or {0, 1} (mapped to {-1, 1}).
class Hinge : public Loss {
 public:
  explicit Hinge(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean(max(1 - y_true * y_pred, 0)^2) over the last axis, labels as for Hinge.
class SquaredHinge : public Loss {
 public:
  explicit SquaredHinge(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// The multiclass SVM loss on class scores with one-hot y_true, in Keras's (Crammer-Singer) form:
// max(0, 1 + max_{j != y} s_j - s_y). (The Weston-Watkins form of some course notes sums over j instead.)
class CategoricalHinge : public Loss {
 public:
  explicit CategoricalHinge(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  bool elementwise() const override { return false; }
};

// sum(t * log(t / p)) over the last axis with t, p clipped to [eps, 1].
class KLDivergence : public Loss {
 public:
  explicit KLDivergence(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  bool elementwise() const override { return false; }
};

// mean(y_pred - y_true * log(y_pred + eps)) over the last axis.
class Poisson : public Loss {
 public:
  explicit Poisson(const LossOptions& options = {});

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct CosineSimilarityOptions {
  int axis = -1;
  Reduction reduction = Reduction::sum_over_batch_size;
};

// -sum(l2_normalize(y_true) * l2_normalize(y_pred)) along axis: -1 when the vectors point the same way.
class CosineSimilarity : public Loss {
 public:
  explicit CosineSimilarity(const CosineSimilarityOptions& options = {});
  nlohmann::json config() const override;

 protected:
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  bool elementwise() const override { return false; }

 private:
  CosineSimilarityOptions options_;
};

// A loss from a Keras string: a function name ("categorical_crossentropy"), an alias ("mse", "mae", "mape",
// "msle", "kld", "logcosh", "huber_loss") or a class name ("CategoricalCrossentropy"), with default options.
// Throws ValueError listing the valid names.
LossPtr from_name(std::string_view name);
// Every name from_name accepts.
std::vector<std::string> names();
// Keras serialization: {"class_name": ..., "config": {...}} and back; deserialize also takes a plain string.
nlohmann::json serialize(const Loss& loss);
LossPtr deserialize(const nlohmann::json& json);

}  // namespace fovea::losses
