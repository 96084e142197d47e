// Mean-style metrics (Mean, the accuracies, top-k, losses as metrics) and the name registry: from_name and
// accuracy_for.
#include "fovea/train/metrics.h"

#include <functional>
#include <type_traits>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "train/metrics_internal.h"

namespace fovea::metrics {

using detail::argmax;
using detail::check_same_shape;
using detail::element_weights;
using detail::is_class_id;
using detail::name_or;
using detail::samples_of;

namespace {

// y_pred's shape without its last (class) axis: one value per row of scores.
Shape rows_shape(const Shape& y_pred) { return Shape(y_pred.begin(), y_pred.end() - 1); }

Tensor values_tensor(const Shape& shape, const std::vector<double>& values) {
  return Tensor::from_vector(shape, values, DType::f64);
}

void check_scores(std::string_view metric, const Tensor& y_pred) {
  FOVEA_CHECK(y_pred.rank() >= 1 && y_pred.dim(-1) >= 1, ShapeError, metric,
              ": y_pred must hold class scores along its last axis, got shape ", y_pred.shape().to_string());
}

// Class ids for y_pred's rows: shape y_pred.shape[:-1] or that with a trailing 1.
std::vector<double> sparse_labels(std::string_view metric, const Tensor& y_true, const Tensor& y_pred) {
  const Shape rows = rows_shape(y_pred.shape());
  Shape rows_column = rows;
  rows_column.push_back(1);
  FOVEA_CHECK(y_true.shape() == rows || y_true.shape() == rows_column, ShapeError, metric, ": y_true shape ",
              y_true.shape().to_string(), " does not fit y_pred shape ", y_pred.shape().to_string(),
              "; expected class ids of shape ", rows.to_string(), " or ", rows_column.to_string());
  return y_true.to_vector();
}

// 1 when the score of `target` is among the k highest of the row (ties at the boundary count as inside).
double in_top_k(const double* row, int64_t classes, int64_t target, int k) {
  if (!std::isfinite(row[target])) return 0.0;
  int64_t higher = 0;
  for (int64_t j = 0; j < classes; ++j) higher += row[j] > row[target] ? 1 : 0;
  return higher < k ? 1.0 : 0.0;
}

}  // namespace

// ---- MeanMetric and Mean ----

void MeanMetric::reset() {
  total_ = 0;
  count_ = 0;
}

void MeanMetric::update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  FOVEA_CHECK(y_true.defined() && y_pred.defined(), ValueError, name(),
              ": y_true and y_pred must both be defined tensors");
  autograd::NoGradGuard no_grad;
  accumulate(values(y_true, y_pred), sample_weight);
}

void MeanMetric::accumulate(const Tensor& values, const Tensor& sample_weight) {
  const std::vector<double> v = values.to_vector();
  if (v.empty()) return;
  const std::vector<double> w = element_weights(name(), sample_weight, values.shape());
  // Each sample counts once however many values it has: its values share its weight equally.
  const double per_sample = static_cast<double>(v.size()) / static_cast<double>(samples_of(values.shape()));
  double total = 0, count = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    total += w[i] * v[i];
    count += w[i];
  }
  total_ += total / per_sample;
  count_ += count / per_sample;
}

double MeanMetric::result() const { return count_ == 0 ? 0.0 : total_ / count_; }

Mean::Mean(const MetricOptions& options) : MeanMetric(name_or(options.name, "mean")) {}

void Mean::update_state(const Tensor& values, const Tensor& sample_weight) {
  FOVEA_CHECK(values.defined(), ValueError, name(), ": values must be a defined tensor");
  accumulate(values, sample_weight);
}

void Mean::add(double value, double weight) {
  update_state(Tensor::scalar(value, DType::f64), Tensor::scalar(weight, DType::f64));
}

Tensor Mean::values(const Tensor& /*y_true*/, const Tensor& y_pred) const { return y_pred; }

// ---- accuracies ----

Accuracy::Accuracy(const MetricOptions& options) : MeanMetric(name_or(options.name, "accuracy")) {}

Tensor Accuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  check_same_shape(name(), y_true.shape(), y_pred.shape());
  const std::vector<double> t = y_true.to_vector();
  std::vector<double> p = y_pred.to_vector();
  for (size_t i = 0; i < p.size(); ++i) p[i] = t[i] == p[i] ? 1.0 : 0.0;
  return values_tensor(y_pred.shape(), p);
}

CategoricalAccuracy::CategoricalAccuracy(const MetricOptions& options)
    : MeanMetric(name_or(options.name, "categorical_accuracy")) {}

Tensor CategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  check_scores(name(), y_pred);
  check_same_shape(name(), y_true.shape(), y_pred.shape());
  const int64_t classes = y_pred.dim(-1);
  const std::vector<double> t = y_true.to_vector();
  const std::vector<double> p = y_pred.to_vector();
  std::vector<double> out(p.size() / static_cast<size_t>(classes));
  for (size_t r = 0; r < out.size(); ++r) {
    const size_t at = r * static_cast<size_t>(classes);
    out[r] = argmax(&t[at], classes) == argmax(&p[at], classes) ? 1.0 : 0.0;
  }
  return values_tensor(rows_shape(y_pred.shape()), out);
}

SparseCategoricalAccuracy::SparseCategoricalAccuracy(const MetricOptions& options)
    : MeanMetric(name_or(options.name, "sparse_categorical_accuracy")) {}

Tensor SparseCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  check_scores(name(), y_pred);
  const std::vector<double> labels = sparse_labels(name(), y_true, y_pred);
  const int64_t classes = y_pred.dim(-1);
  const std::vector<double> p = y_pred.to_vector();
  std::vector<double> out(labels.size());
  for (size_t r = 0; r < out.size(); ++r) {
    out[r] = labels[r] == static_cast<double>(argmax(&p[r * static_cast<size_t>(classes)], classes)) ? 1.0 : 0.0;
  }
  return values_tensor(rows_shape(y_pred.shape()), out);
}

BinaryAccuracy::BinaryAccuracy(const BinaryAccuracyOptions& options)
    : MeanMetric(name_or(options.name, "binary_accuracy")), threshold_(options.threshold) {}

Tensor BinaryAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  check_same_shape(name(), y_true.shape(), y_pred.shape());
  const std::vector<double> t = y_true.to_vector();
  std::vector<double> p = y_pred.to_vector();
  for (size_t i = 0; i < p.size(); ++i) p[i] = (p[i] > threshold_ ? 1.0 : 0.0) == t[i] ? 1.0 : 0.0;
  return values_tensor(y_pred.shape(), p);
}

TopKCategoricalAccuracy::TopKCategoricalAccuracy(const TopKOptions& options)
    : MeanMetric(name_or(options.name, "top_k_categorical_accuracy")), k_(options.k) {
  FOVEA_CHECK(k_ >= 1, ValueError, name(), ": k must be at least 1, got ", k_);
}

Tensor TopKCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  check_scores(name(), y_pred);
  check_same_shape(name(), y_true.shape(), y_pred.shape());
  const int64_t classes = y_pred.dim(-1);
  const std::vector<double> t = y_true.to_vector();
  const std::vector<double> p = y_pred.to_vector();
  std::vector<double> out(p.size() / static_cast<size_t>(classes));
  for (size_t r = 0; r < out.size(); ++r) {
    const size_t at = r * static_cast<size_t>(classes);
    out[r] = in_top_k(&p[at], classes, argmax(&t[at], classes), k_);
  }
  return values_tensor(rows_shape(y_pred.shape()), out);
}

SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(const TopKOptions& options)
    : MeanMetric(name_or(options.name, "sparse_top_k_categorical_accuracy")), k_(options.k) {
  FOVEA_CHECK(k_ >= 1, ValueError, name(), ": k must be at least 1, got ", k_);
}

Tensor SparseTopKCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  check_scores(name(), y_pred);
  const std::vector<double> labels = sparse_labels(name(), y_true, y_pred);
  const int64_t classes = y_pred.dim(-1);
  const std::vector<double> p = y_pred.to_vector();
  std::vector<double> out(labels.size());
  for (size_t r = 0; r < out.size(); ++r) {
    // A label that is no class id cannot be among the top k.
    out[r] = is_class_id(labels[r], classes)
                 ? in_top_k(&p[r * static_cast<size_t>(classes)], classes, static_cast<int64_t>(labels[r]), k_)
                 : 0.0;
  }
  return values_tensor(rows_shape(y_pred.shape()), out);
}

// ---- losses as metrics ----

LossMetric::LossMetric(losses::LossPtr loss, const MetricOptions& options)
    : MeanMetric(name_or(options.name, loss ? loss->name() : std::string())), loss_(std::move(loss)) {
  FOVEA_CHECK(loss_ != nullptr, ValueError, "LossMetric: the loss must not be null");
}

Tensor LossMetric::values(const Tensor& y_true, const Tensor& y_pred) const {
  const bool is_float = y_pred.dtype() == DType::f32 || y_pred.dtype() == DType::f64;
  return loss_->per_sample(y_true, is_float ? y_pred : y_pred.to(DType::f32));
}

// ---- names ----

namespace {

struct Entry {
  std::string_view name;
  std::string_view class_name;
  std::function<MetricPtr(const std::string& name)> make;
};

template <class M>
std::function<MetricPtr(const std::string&)> maker() {
  return [](const std::string& name) {
    if constexpr (std::is_same_v<M, BinaryAccuracy>) {
      return MetricPtr(std::make_shared<M>(BinaryAccuracyOptions{.name = name}));
    } else if constexpr (std::is_same_v<M, TopKCategoricalAccuracy> ||
                         std::is_same_v<M, SparseTopKCategoricalAccuracy>) {
      return MetricPtr(std::make_shared<M>(TopKOptions{.name = name}));
    } else if constexpr (std::is_same_v<M, Precision> || std::is_same_v<M, Recall>) {
      return MetricPtr(std::make_shared<M>(ThresholdOptions{.name = name}));
    } else if constexpr (std::is_same_v<M, AUC>) {
      return MetricPtr(std::make_shared<M>(AucOptions{.name = name}));
    } else {
      return MetricPtr(std::make_shared<M>(MetricOptions{.name = name}));
    }
  };
}

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"accuracy", "Accuracy", maker<Accuracy>()},
      {"acc", "", maker<Accuracy>()},
      {"categorical_accuracy", "CategoricalAccuracy", maker<CategoricalAccuracy>()},
      {"sparse_categorical_accuracy", "SparseCategoricalAccuracy", maker<SparseCategoricalAccuracy>()},
      {"binary_accuracy", "BinaryAccuracy", maker<BinaryAccuracy>()},
      {"top_k_categorical_accuracy", "TopKCategoricalAccuracy", maker<TopKCategoricalAccuracy>()},
      {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy", maker<SparseTopKCategoricalAccuracy>()},
      {"precision", "Precision", maker<Precision>()},
      {"recall", "Recall", maker<Recall>()},
      {"auc", "AUC", maker<AUC>()},
      {"mean", "Mean", maker<Mean>()},
  };
  return entries;
}

}  // namespace

MetricPtr from_name(std::string_view name) {
  for (const Entry& e : registry()) {
    // Keras names the metric as it was asked for ("acc" stays "acc"); a class name gives the default name.
    if (e.name == name) return e.make(std::string(name));
    if (!e.class_name.empty() && e.class_name == name) return e.make("");
  }
  try {
    return std::make_shared<LossMetric>(losses::from_name(name));
  } catch (const ValueError&) {
    std::string valid;
    for (const Entry& e : registry()) {
      valid += valid.empty() ? "" : ", ";
      valid += e.name;
    }
    throw ValueError(fovea::detail::concat("unknown metric '", name, "'; valid names: ", valid,
                                           ", or a loss name such as mse or categorical_crossentropy"));
  }
}

MetricPtr accuracy_for(std::string_view loss_name, const std::string& name) {
  const std::string loss = losses::from_name(loss_name)->name();
  if (loss == "binary_crossentropy") return std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.name = name});
  if (loss == "sparse_categorical_crossentropy") {
    return std::make_shared<SparseCategoricalAccuracy>(MetricOptions{.name = name});
  }
  return std::make_shared<CategoricalAccuracy>(MetricOptions{.name = name});
}

MetricPtr accuracy_for_shapes(const Shape& y_true_shape, const Shape& y_pred_shape, const std::string& name) {
  const int64_t pred_last = y_pred_shape.rank() > 0 ? y_pred_shape.dim(-1) : 1;
  const int64_t true_last = y_true_shape.rank() > 0 ? y_true_shape.dim(-1) : 1;
  if (pred_last == 1) return std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.name = name});
  if (y_true_shape.rank() < y_pred_shape.rank() || (true_last == 1 && pred_last > 1)) {
    return std::make_shared<SparseCategoricalAccuracy>(MetricOptions{.name = name});
  }
  return std::make_shared<CategoricalAccuracy>(MetricOptions{.name = name});
}

}  // namespace fovea::metrics
