// Metrics built on confusion counts: Precision and Recall at a threshold, ROC AUC over many thresholds, and
// the multiclass confusion matrix.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "fovea/core/error.h"
#include "fovea/train/metrics.h"
#include "train/metrics_internal.h"

namespace fovea::metrics {

using detail::argmax;
using detail::check_same_shape;
using detail::element_weights;
using detail::is_class_id;
using detail::name_or;

namespace {

double divide_no_nan(double a, double b) { return b == 0 ? 0.0 : a / b; }

}  // namespace

// ---- Precision and Recall ----

ThresholdMetric::ThresholdMetric(std::string default_name, const ThresholdOptions& options)
    : Metric(name_or(options.name, default_name)), options_(options) {}

void ThresholdMetric::reset() { tp_ = fp_ = fn_ = 0; }

void ThresholdMetric::update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  FOVEA_CHECK(y_true.defined() && y_pred.defined(), ValueError, name(),
              ": y_true and y_pred must both be defined tensors");
  check_same_shape(name(), y_true.shape(), y_pred.shape());
  const std::vector<double> t = y_true.to_vector();
  const std::vector<double> p = y_pred.to_vector();
  const std::vector<double> w = element_weights(name(), sample_weight, y_pred.shape());
  const int64_t last = y_pred.rank() == 0 ? 1 : y_pred.dim(-1);
  FOVEA_CHECK(options_.class_id < last, ValueError, name(), ": class_id ", options_.class_id,
              " is out of range for y_pred shape ", y_pred.shape().to_string());
  for (size_t i = 0; i < p.size(); ++i) {
    if (options_.class_id >= 0 && static_cast<int64_t>(i % static_cast<size_t>(last)) != options_.class_id) continue;
    const bool predicted = p[i] > options_.threshold;
    const bool actual = t[i] != 0.0;
    if (predicted && actual) tp_ += w[i];
    if (predicted && !actual) fp_ += w[i];
    if (!predicted && actual) fn_ += w[i];
  }
}

Precision::Precision(const ThresholdOptions& options) : ThresholdMetric("precision", options) {}
double Precision::result() const { return divide_no_nan(tp_, tp_ + fp_); }

Recall::Recall(const ThresholdOptions& options) : ThresholdMetric("recall", options) {}
double Recall::result() const { return divide_no_nan(tp_, tp_ + fn_); }

// ---- AUC ----

AUC::AUC(const AucOptions& options) : Metric(name_or(options.name, "auc")), options_(options) {
  const int n = options.num_thresholds;
  FOVEA_CHECK(n > 1, ValueError, name(), ": num_thresholds must be greater than 1, got ", n);
  constexpr double kEps = 1e-7;
  thresholds_.push_back(0.0 - kEps);
  for (int i = 1; i <= n - 2; ++i) thresholds_.push_back(static_cast<double>(i) / (n - 1));
  thresholds_.push_back(1.0 + kEps);
  reset();
}

void AUC::reset() {
  positives_.assign(thresholds_.size() + 1, 0.0);
  negatives_.assign(thresholds_.size() + 1, 0.0);
}

void AUC::update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  FOVEA_CHECK(y_true.defined() && y_pred.defined(), ValueError, name(),
              ": y_true and y_pred must both be defined tensors");
  check_same_shape(name(), y_true.shape(), y_pred.shape());
  const std::vector<double> t = y_true.to_vector();
  const std::vector<double> p = y_pred.to_vector();
  const std::vector<double> w = element_weights(name(), sample_weight, y_pred.shape());
  for (size_t i = 0; i < p.size(); ++i) {
    const double score = options_.from_logits ? 1.0 / (1.0 + std::exp(-p[i])) : p[i];
    // The prediction is positive at threshold j exactly when thresholds_[j] < score, i.e. for j < bucket.
    const auto bucket =
        static_cast<size_t>(std::lower_bound(thresholds_.begin(), thresholds_.end(), score) - thresholds_.begin());
    (t[i] != 0.0 ? positives_ : negatives_)[bucket] += w[i];
  }
}

double AUC::result() const {
  const size_t n = thresholds_.size();
  double total_pos = 0, total_neg = 0;
  for (size_t b = 0; b <= n; ++b) {
    total_pos += positives_[b];
    total_neg += negatives_[b];
  }
  // tpr[j] and fpr[j] at threshold j: the counts in buckets above j.
  std::vector<double> tpr(n), fpr(n);
  double tp = total_pos, fp = total_neg;
  for (size_t j = 0; j < n; ++j) {
    tp -= positives_[j];
    fp -= negatives_[j];
    tpr[j] = divide_no_nan(tp, total_pos);
    fpr[j] = divide_no_nan(fp, total_neg);
  }
  double area = 0;
  for (size_t j = 0; j + 1 < n; ++j) area += (fpr[j] - fpr[j + 1]) * (tpr[j] + tpr[j + 1]) / 2.0;
  return area;
}

// ---- ConfusionMatrix ----

ConfusionMatrix::ConfusionMatrix(const ConfusionMatrixOptions& options)
    : Metric(name_or(options.name, "confusion_matrix")), num_classes_(options.num_classes) {
  FOVEA_CHECK(num_classes_ >= 1, ValueError, name(), ": num_classes must be at least 1, got ", num_classes_);
  reset();
}

void ConfusionMatrix::reset() { counts_.assign(static_cast<size_t>(num_classes_) * num_classes_, 0.0); }

void ConfusionMatrix::update(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  FOVEA_CHECK(y_true.defined() && y_pred.defined(), ValueError, name(),
              ": y_true and y_pred must both be defined tensors");
  const int64_t c = num_classes_;
  auto class_ids = [c](const Tensor& x) {
    // Scores (..., classes) are read through argmax; anything else holds class ids.
    std::vector<double> v = x.to_vector();
    if (x.rank() < 2 || x.dim(-1) != c || c == 1) return v;
    std::vector<double> ids(v.size() / static_cast<size_t>(c));
    for (size_t r = 0; r < ids.size(); ++r) ids[r] = static_cast<double>(argmax(&v[r * static_cast<size_t>(c)], c));
    return ids;
  };
  const std::vector<double> predicted = class_ids(y_pred);
  const std::vector<double> actual = class_ids(y_true);
  FOVEA_CHECK(actual.size() == predicted.size(), ShapeError, name(), ": y_true shape ", y_true.shape().to_string(),
              " does not fit y_pred shape ", y_pred.shape().to_string(), " (", actual.size(), " labels for ",
              predicted.size(), " predictions)");
  const std::vector<double> w = element_weights(name(), sample_weight, Shape{static_cast<int64_t>(predicted.size())});
  for (size_t i = 0; i < predicted.size(); ++i) {
    FOVEA_CHECK(is_class_id(actual[i], c), ValueError, name(), ": label ", actual[i], " is out of range for ", c,
                " classes (expected 0 to ", c - 1, ")");
    FOVEA_CHECK(is_class_id(predicted[i], c), ValueError, name(), ": predicted class ", predicted[i],
                " is out of range for ", c, " classes (expected 0 to ", c - 1, ")");
  }
  // Counted only once every pair is valid, so that a bad batch leaves the matrix as it was.
  for (size_t i = 0; i < predicted.size(); ++i) {
    counts_[static_cast<size_t>(actual[i]) * static_cast<size_t>(c) + static_cast<size_t>(predicted[i])] += w[i];
  }
}

double ConfusionMatrix::result() const {
  double diagonal = 0, total = 0;
  for (int i = 0; i < num_classes_; ++i) {
    for (int j = 0; j < num_classes_; ++j) {
      const double v = counts_[static_cast<size_t>(i) * num_classes_ + j];
      total += v;
      if (i == j) diagonal += v;
    }
  }
  return divide_no_nan(diagonal, total);
}

Tensor ConfusionMatrix::matrix() const {
  return Tensor::from_vector(Shape{num_classes_, num_classes_}, counts_, DType::f64);
}

std::string ConfusionMatrix::to_string(const std::vector<std::string>& class_names) const {
  FOVEA_CHECK(class_names.empty() || class_names.size() == static_cast<size_t>(num_classes_), ValueError, name(), ": ",
              class_names.size(), " class names given for ", num_classes_, " classes");
  std::vector<std::string> labels;
  for (int i = 0; i < num_classes_; ++i) labels.push_back(class_names.empty() ? std::to_string(i) : class_names[i]);
  const bool whole = std::all_of(counts_.begin(), counts_.end(), [](double v) { return std::floor(v) == v; });
  std::vector<std::string> cells;
  for (double v : counts_) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(whole ? 0 : 2) << v;
    cells.push_back(s.str());
  }
  const std::string corner = "true \\ pred";
  size_t first = corner.size(), width = 1;
  for (const std::string& l : labels) {
    first = std::max(first, l.size());
    width = std::max(width, l.size());
  }
  for (const std::string& cell : cells) width = std::max(width, cell.size());
  std::ostringstream out;
  out << std::left << std::setw(static_cast<int>(first)) << corner << std::right;
  for (const std::string& l : labels) out << "  " << std::setw(static_cast<int>(width)) << l;
  out << '\n';
  for (int i = 0; i < num_classes_; ++i) {
    out << std::left << std::setw(static_cast<int>(first)) << labels[i] << std::right;
    for (int j = 0; j < num_classes_; ++j) {
      out << "  " << std::setw(static_cast<int>(width)) << cells[static_cast<size_t>(i) * num_classes_ + j];
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace fovea::metrics
