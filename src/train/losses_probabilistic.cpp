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
    : Loss("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", options.reduction), options_(options) {}

nlohmann::json SparseCategoricalCrossentropy::config() const {
  nlohmann::json c = Loss::config();
  c["from_logits"] = options_.from_logits;
  c["ignore_class"] = nullptr;
  return c;
}

Tensor SparseCategoricalCrossentropy::prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const {
  const Shape& p = y_pred.shape();
  Shape ids(p.begin(), p.end() - 1);
  Shape ids_column = ids;
  ids_column.push_back(1);
  const Shape& t = y_true.shape();
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
