// Probabilistic losses: categorical, sparse categorical and binary cross-entropy (from probabilities or logits,
// with label smoothing), KL divergence, Poisson and cosine similarity.
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/math.h"
#include "fovea/train/losses.h"
#include "train/losses_internal.h"

namespace fovea::losses {

using detail::constant_like;
using detail::mean_along;
using detail::mean_last;
using detail::sum_along;

namespace {

void check_label_smoothing(std::string_view loss, double s) {
  FOVEA_CHECK(s >= 0.0 && s <= 1.0, ValueError, loss, ": label_smoothing must be in [0, 1], got ", s);
}

// The shape of class ids for y_pred (its class axis last): y_pred's shape without that axis.
Shape class_id_shape(const Shape& y_pred) { return Shape(y_pred.begin(), y_pred.end() - 1); }

// Integer class labels, (batch,) or (batch, 1), against a one-hot loss are the commonest Keras mix-up; the shape
// error alone does not say which loss was meant, so name it.
void reject_class_ids(const std::string& loss, const Shape& t, const Shape& p) {
  if (p.rank() < 1 || p.dim(-1) < 2) return;
  Shape ids = class_id_shape(p);
  Shape ids_column = ids;
  ids_column.push_back(1);
  FOVEA_CHECK(t != ids && t != ids_column, ShapeError, loss, ": y_true has shape ", t.to_string(),
              " but y_pred has shape ", p.to_string(),
              ": these look like integer class labels; use sparse_categorical_crossentropy for class indices, or "
              "one-hot encode the labels");
}

// -sum(t * log p) along axis, where p is softmax(y_pred) for logits (through log_softmax, so that extreme
// logits stay finite) or y_pred rescaled to sum to 1 and clipped to [eps, 1 - eps], as Keras does.
Tensor categorical_crossentropy(const Tensor& t, const Tensor& y_pred, bool from_logits, int axis) {
  Tensor log_p;
  if (from_logits) {
    log_p = log_softmax(y_pred, axis);
  } else {
    Tensor p = y_pred / sum_along(y_pred, axis, /*keepdims=*/true);
    log_p = log(clip(p, kEpsilon, 1.0 - kEpsilon));
  }
  return -sum_along(t * log_p, axis);
}

}  // namespace

CategoricalCrossentropy::CategoricalCrossentropy(const CategoricalCrossentropyOptions& options)
    : Loss("CategoricalCrossentropy", "categorical_crossentropy", options.reduction), options_(options) {
  check_label_smoothing(class_name(), options.label_smoothing);
}

nlohmann::json CategoricalCrossentropy::config() const {
  nlohmann::json c = Loss::config();
  c["from_logits"] = options_.from_logits;
  c["label_smoothing"] = options_.label_smoothing;
  c["axis"] = options_.axis;
  return c;
}

Tensor CategoricalCrossentropy::prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const {
  const Shape& p = y_pred.shape();
  if (p.rank() >= 1 && p.axis(options_.axis) == p.rank() - 1) {
    reject_class_ids(class_name(), y_true.shape(), p);
    // One sigmoid unit: the one class always has probability 1 and the loss is always 0, so nothing would train.
    FOVEA_CHECK(p.dim(-1) != 1, ShapeError, class_name(), ": y_pred has shape ", p.to_string(),
                ", a single class, so the loss is always 0; use binary_crossentropy for one sigmoid output, or give "
                "the last layer one unit per class");
  }
  return Loss::prepare_y_true(y_true, y_pred);
}

Tensor CategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  const int axis = y_pred.shape().axis(options_.axis);
  Tensor t = y_true;
  if (options_.label_smoothing > 0) {
    const double s = options_.label_smoothing;
    t = t * (1.0 - s) + s / static_cast<double>(y_pred.dim(axis));
  }
  return categorical_crossentropy(t, y_pred, options_.from_logits, axis);
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(const SparseCategoricalCrossentropyOptions& options)
    : Loss("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", options.reduction), options_(options) {
  check_label_smoothing(class_name(), options.label_smoothing);
}

nlohmann::json SparseCategoricalCrossentropy::config() const {
  nlohmann::json c = Loss::config();
  c["from_logits"] = options_.from_logits;
  c["ignore_class"] = nullptr;
  // Only when used: Keras's class has no such argument, so a default config stays one Keras reads.
  if (options_.label_smoothing > 0) c["label_smoothing"] = options_.label_smoothing;
  return c;
}

Tensor SparseCategoricalCrossentropy::prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const {
  const Shape& p = y_pred.shape();
  Shape ids = class_id_shape(p);
  Shape ids_column = ids;
  ids_column.push_back(1);
  const Shape& t = y_true.shape();
  // One-hot labels against the class-id loss: the reverse of reject_class_ids's mix-up.
  FOVEA_CHECK(t != p || t == ids_column, ShapeError, class_name(), ": y_true has shape ", t.to_string(),
              ", the same as y_pred: these look like one-hot labels; use categorical_crossentropy for one-hot labels, "
              "or pass class indices of shape ", ids.to_string(), " or ", ids_column.to_string());
  FOVEA_CHECK(t == ids || t == ids_column, ShapeError, class_name(), ": y_true shape ", t.to_string(),
              " does not fit y_pred shape ", p.to_string(), "; expected class ids of shape ", ids.to_string(), " or ",
              ids_column.to_string());
  const int64_t classes = p.dim(-1);
  const std::vector<double> labels = y_true.to_vector();
  std::vector<double> one_hot(static_cast<size_t>(p.numel()), 0.0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const double label = labels[i];
    FOVEA_CHECK(std::isfinite(label) && std::floor(label) == label, ValueError, class_name(), ": label ", label,
                " is not a class id (expected a whole number from 0 to ", classes - 1, ")");
    FOVEA_CHECK(label >= 0 && label < static_cast<double>(classes), ValueError, class_name(), ": label ",
                static_cast<int64_t>(label), " is out of range for ", classes, " classes (expected 0 to ", classes - 1,
                ")");
    one_hot[i * static_cast<size_t>(classes) + static_cast<size_t>(label)] = 1.0;
  }
  return Tensor::from_vector(p, one_hot, y_pred.dtype());
}

Tensor SparseCategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  if (options_.label_smoothing > 0) {  // y_true is prepare_y_true's one-hot encoding
    const double s = options_.label_smoothing;
    return categorical_crossentropy(y_true * (1.0 - s) + s / static_cast<double>(y_pred.dim(-1)), y_pred,
                                    options_.from_logits, -1);
  }
  return categorical_crossentropy(y_true, y_pred, options_.from_logits, -1);
}

BinaryCrossentropy::BinaryCrossentropy(const BinaryCrossentropyOptions& options)
    : Loss("BinaryCrossentropy", "binary_crossentropy", options.reduction), options_(options) {
  check_label_smoothing(class_name(), options.label_smoothing);
}

nlohmann::json BinaryCrossentropy::config() const {
  nlohmann::json c = Loss::config();
  c["from_logits"] = options_.from_logits;
  c["label_smoothing"] = options_.label_smoothing;
  c["axis"] = options_.axis;
  return c;
}

Tensor BinaryCrossentropy::prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const {
  // Per-class 0/1 targets have y_pred's shape; one class id per sample against several outputs is the mix-up.
  // (A rank-1 y_pred is one output per sample: it has no class axis.)
  if (y_pred.rank() >= 2) reject_class_ids(class_name(), y_true.shape(), y_pred.shape());
  return Loss::prepare_y_true(y_true, y_pred);
}

Tensor BinaryCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor t = y_true;
  if (options_.label_smoothing > 0) {
    const double s = options_.label_smoothing;
    t = t * (1.0 - s) + 0.5 * s;
  }
  Tensor per_element;
  if (options_.from_logits) {
    // -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) = softplus(x) - t x, and softplus is computed stably,
    // so logits of any size give a finite loss and the exact gradient sigmoid(x) - t.
    per_element = activation(y_pred, Activation::of(ActivationKind::softplus)) - t * y_pred;
  } else {
    Tensor p = clip(y_pred, kEpsilon, 1.0 - kEpsilon);
    per_element = -(t * log(p) + (1.0 - t) * log(1.0 - p));
  }
  return mean_along(per_element, options_.axis);
}

KLDivergence::KLDivergence(const LossOptions& options) : Loss("KLDivergence", "kl_divergence", options.reduction) {}

Tensor KLDivergence::call(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor t = clip(y_true, kEpsilon, 1.0);
  Tensor p = clip(y_pred, kEpsilon, 1.0);
  return sum_along(t * log(t / p), -1);
}

Poisson::Poisson(const LossOptions& options) : Loss("Poisson", "poisson", options.reduction) {}

Tensor Poisson::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_last(y_pred - y_true * log(y_pred + kEpsilon));
}

CosineSimilarity::CosineSimilarity(const CosineSimilarityOptions& options)
    : Loss("CosineSimilarity", "cosine_similarity", options.reduction), options_(options) {}

nlohmann::json CosineSimilarity::config() const {
  nlohmann::json c = Loss::config();
  c["axis"] = options_.axis;
  return c;
}

Tensor CosineSimilarity::call(const Tensor& y_true, const Tensor& y_pred) const {
  const int axis = y_pred.shape().axis(options_.axis);
  // l2_normalize as TensorFlow does: x / sqrt(max(sum(x^2), 1e-12)), so a zero vector gives 0, not NaN.
  auto normalize = [axis](const Tensor& x) {
    return x / sqrt(maximum(sum_along(square(x), axis, /*keepdims=*/true), constant_like(x, 1e-12)));
  };
  return -sum_along(normalize(y_true) * normalize(y_pred), axis);
}

}  // namespace fovea::losses
