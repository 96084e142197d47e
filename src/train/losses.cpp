// The Loss base (input checks, sample weighting, reduction) and the name registry: from_name, serialize and
// deserialize with Keras's strings.
#include "fovea/train/losses.h"

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "fovea/ops/shape_ops.h"

namespace fovea::losses {

std::string_view reduction_name(Reduction reduction) {
  switch (reduction) {
    case Reduction::sum_over_batch_size:
      return "sum_over_batch_size";
    case Reduction::sum:
      return "sum";
    case Reduction::none:
      return "none";
  }
  return "unknown";
}

Reduction parse_reduction(std::string_view name) {
  for (Reduction r : {Reduction::sum_over_batch_size, Reduction::sum, Reduction::none}) {
    if (reduction_name(r) == name) return r;
  }
  throw ValueError(
      fovea::detail::concat("unknown loss reduction '", name, "'; valid names: sum_over_batch_size, sum, none"));
}

Loss::Loss(std::string class_name, std::string name, Reduction reduction)
    : class_name_(std::move(class_name)), name_(std::move(name)), reduction_(reduction) {}

nlohmann::json Loss::config() const {
  return {{"name", name_}, {"reduction", std::string(reduction_name(reduction_))}};
}

Tensor Loss::prepare_y_true(const Tensor& y_true, const Tensor& y_pred) const {
  const Shape& t = y_true.shape();
  const Shape& p = y_pred.shape();
  Tensor out = y_true.dtype() == y_pred.dtype() ? y_true : y_true.to(y_pred.dtype());
  if (t == p) return out;
  // Keras squeezes or expands a trailing axis of size 1 so that (batch,) labels fit (batch, 1) outputs.
  const bool squeeze = t.rank() == p.rank() + 1 && t.dim(-1) == 1;
  const bool expand = p.rank() == t.rank() + 1 && p.dim(-1) == 1;
  if (squeeze || expand) {
    bool leading_match = true;
    for (int i = 0; i < std::min(t.rank(), p.rank()); ++i) leading_match = leading_match && t[i] == p[i];
    if (leading_match) return reshape(out, p);
  }
  throw ShapeError(fovea::detail::concat(class_name_, ": y_true shape ", t.to_string(), " does not match y_pred shape ",
                                         p.to_string()));
}

Tensor Loss::per_sample(const Tensor& y_true, const Tensor& y_pred) const {
  FOVEA_CHECK(y_true.defined() && y_pred.defined(), ValueError, class_name_,
              ": y_true and y_pred must both be defined tensors");
  FOVEA_CHECK(y_pred.dtype() == DType::f32 || y_pred.dtype() == DType::f64, ValueError, class_name_,
              ": y_pred must be float32 or float64, got ", dtype_name(y_pred.dtype()));
  FOVEA_CHECK(y_pred.rank() >= 1, ShapeError, class_name_, ": y_pred must have at least one axis, got shape ",
              y_pred.shape().to_string());
  Tensor t = prepare_y_true(y_true, y_pred);
  if (elementwise() && y_pred.rank() == 1) {
    const Shape column{y_pred.dim(0), 1};
    return call(reshape(t, column), reshape(y_pred, column));
  }
  return call(t, y_pred);
}

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) const {
  Tensor values = per_sample(y_true, y_pred);
  if (sample_weight.defined()) {
    const Shape& l = values.shape();
    Tensor w = sample_weight.dtype() == values.dtype() ? sample_weight : sample_weight.to(values.dtype());
    Shape ws = w.shape();
    if (ws.rank() == l.rank() + 1 && ws.dim(-1) == 1) ws.pop_back();
    while (ws.rank() < l.rank() && ws.rank() > 0) ws.push_back(1);
    bool fits = ws.rank() <= l.rank();
    for (int i = 0; fits && i < ws.rank(); ++i) fits = ws[i] == l[i] || ws[i] == 1;
    // A weight vector must name one weight per sample: (1,) against a batch of 3 is a mistake, not a broadcast.
    if (fits && ws.rank() > 0 && l.rank() > 0) fits = ws[0] == l[0];
    FOVEA_CHECK(fits, ShapeError, class_name_, ": sample_weight shape ", sample_weight.shape().to_string(),
                " does not fit the per-sample losses of shape ", l.to_string());
    values = values * (ws == w.shape() ? w : reshape(w, ws));
  }
  switch (reduction_) {
    case Reduction::none:
      return values;
    case Reduction::sum:
      return sum(values);
    case Reduction::sum_over_batch_size:
      return mean(values);
  }
  return values;
}

namespace {

struct Entry {
  std::string_view name;
  std::string_view class_name;
  std::function<LossPtr()> make;
};

template <class L>
std::function<LossPtr()> maker() {
  return [] { return std::make_shared<L>(); };
}

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"categorical_crossentropy", "CategoricalCrossentropy", maker<CategoricalCrossentropy>()},
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", maker<SparseCategoricalCrossentropy>()},
      {"binary_crossentropy", "BinaryCrossentropy", maker<BinaryCrossentropy>()},
      {"mean_squared_error", "MeanSquaredError", maker<MeanSquaredError>()},
      {"mse", "", maker<MeanSquaredError>()},
      {"mean_absolute_error", "MeanAbsoluteError", maker<MeanAbsoluteError>()},
      {"mae", "", maker<MeanAbsoluteError>()},
      {"mean_absolute_percentage_error", "MeanAbsolutePercentageError", maker<MeanAbsolutePercentageError>()},
      {"mape", "", maker<MeanAbsolutePercentageError>()},
      {"mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", maker<MeanSquaredLogarithmicError>()},
      {"msle", "", maker<MeanSquaredLogarithmicError>()},
      {"huber", "Huber", maker<Huber>()},
      {"huber_loss", "", maker<Huber>()},
      {"log_cosh", "LogCosh", maker<LogCosh>()},
      {"logcosh", "", maker<LogCosh>()},
      {"hinge", "Hinge", maker<Hinge>()},
      {"squared_hinge", "SquaredHinge", maker<SquaredHinge>()},
      {"categorical_hinge", "CategoricalHinge", maker<CategoricalHinge>()},
      {"kl_divergence", "KLDivergence", maker<KLDivergence>()},
      {"kld", "", maker<KLDivergence>()},
      {"kullback_leibler_divergence", "", maker<KLDivergence>()},
      {"poisson", "Poisson", maker<Poisson>()},
      {"cosine_similarity", "CosineSimilarity", maker<CosineSimilarity>()},
  };
  return entries;
}

std::string valid_names() {
  std::string out;
  for (const Entry& e : registry()) {
    out += out.empty() ? "" : ", ";
    out += e.name;
  }
  return out;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const Entry& e : registry()) {
    out.emplace_back(e.name);
    if (!e.class_name.empty()) out.emplace_back(e.class_name);
  }
  return out;
}

LossPtr from_name(std::string_view name) {
  for (const Entry& e : registry()) {
    if (e.name == name || (!e.class_name.empty() && e.class_name == name)) return e.make();
  }
  throw ValueError(fovea::detail::concat("unknown loss '", name, "'; valid names: ", valid_names(),
                                         " (or a class name such as CategoricalCrossentropy)"));
}

nlohmann::json serialize(const Loss& loss) { return {{"class_name", loss.class_name()}, {"config", loss.config()}}; }

LossPtr deserialize(const nlohmann::json& json) {
  if (json.is_string()) return from_name(json.get<std::string>());
  FOVEA_CHECK(json.is_object() && json.contains("class_name") && json["class_name"].is_string(), ValueError,
              "a serialized loss must be a name or an object with \"class_name\" and \"config\", got ", json.dump());
  const std::string cls = json["class_name"].get<std::string>();
  const nlohmann::json config = json.value("config", nlohmann::json::object());
  const Reduction reduction = parse_reduction(config.value("reduction", std::string("sum_over_batch_size")));
  const bool from_logits = config.value("from_logits", false);
  const double label_smoothing = config.value("label_smoothing", 0.0);
  const int axis = config.value("axis", -1);
  if (cls == "CategoricalCrossentropy") {
    return std::make_shared<CategoricalCrossentropy>(CategoricalCrossentropyOptions{
        .from_logits = from_logits, .label_smoothing = label_smoothing, .axis = axis, .reduction = reduction});
  }
  if (cls == "SparseCategoricalCrossentropy") {
    return std::make_shared<SparseCategoricalCrossentropy>(
        SparseCategoricalCrossentropyOptions{
            .from_logits = from_logits, .label_smoothing = label_smoothing, .reduction = reduction});
  }
  if (cls == "BinaryCrossentropy") {
    return std::make_shared<BinaryCrossentropy>(BinaryCrossentropyOptions{
        .from_logits = from_logits, .label_smoothing = label_smoothing, .axis = axis, .reduction = reduction});
  }
  if (cls == "Huber") {
    return std::make_shared<Huber>(HuberOptions{.delta = config.value("delta", 1.0), .reduction = reduction});
  }
  if (cls == "CosineSimilarity") {
    return std::make_shared<CosineSimilarity>(CosineSimilarityOptions{.axis = axis, .reduction = reduction});
  }
  const LossOptions options{.reduction = reduction};
  if (cls == "MeanSquaredError") return std::make_shared<MeanSquaredError>(options);
  if (cls == "MeanAbsoluteError") return std::make_shared<MeanAbsoluteError>(options);
  if (cls == "MeanAbsolutePercentageError") return std::make_shared<MeanAbsolutePercentageError>(options);
  if (cls == "MeanSquaredLogarithmicError") return std::make_shared<MeanSquaredLogarithmicError>(options);
  if (cls == "LogCosh") return std::make_shared<LogCosh>(options);
  if (cls == "Hinge") return std::make_shared<Hinge>(options);
  if (cls == "SquaredHinge") return std::make_shared<SquaredHinge>(options);
  if (cls == "CategoricalHinge") return std::make_shared<CategoricalHinge>(options);
  if (cls == "KLDivergence") return std::make_shared<KLDivergence>(options);
  if (cls == "Poisson") return std::make_shared<Poisson>(options);
  throw ValueError(fovea::detail::concat("unknown loss class '", cls, "'; valid names: ", valid_names(),
                                         " (or a class name such as CategoricalCrossentropy)"));
}

}  // namespace fovea::losses
