// Weight constraints (Keras MaxNorm, MinMaxNorm, NonNeg, UnitNorm) and their JSON forms. The projections run
// with gradient recording off: they replace a weight's value after an optimizer step.
#include "fovea/layers/constraints.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/math.h"

namespace fovea {
namespace constraints {
namespace {

// Keras's backend epsilon, added to norms before dividing.
constexpr double kEpsilon = 1e-7;

// The axes given to the constraint, or the weight's fan-in axes; normalized against w's rank.
Dims norm_axes(const Dims& own, const Dims& fan_in_axes, const Tensor& w) {
  Dims out;
  for (int64_t a : own.empty() ? fan_in_axes : own) out.push_back(w.shape().axis(static_cast<int>(a)));
  return out;
}

// The L2 norm per output unit, kept broadcastable against w.
Tensor unit_norms(const Tensor& w, const Dims& axes) { return sqrt(sum(square(w), axes, /*keepdims=*/true)); }

nlohmann::json axes_json(const Dims& axes) {
  if (axes.empty()) return nullptr;  // null: the weight's fan-in axes
  nlohmann::json out = nlohmann::json::array();
  for (int64_t a : axes) out.push_back(a);
  return out;
}

class MaxNormImpl : public Constraint {
 public:
  MaxNormImpl(double max_value, const Dims& axes) : max_value_(max_value), axes_(axes) {}
  std::string class_name() const override { return "MaxNorm"; }
  Tensor operator()(const Tensor& w, const Dims& fan_in_axes) const override {
    autograd::NoGradGuard no_grad;
    const Tensor norms = unit_norms(w, norm_axes(axes_, fan_in_axes, w));
    return w * (clip(norms, 0.0, max_value_) / (norms + kEpsilon));
  }
  nlohmann::json config() const override { return {{"max_value", max_value_}, {"axis", axes_json(axes_)}}; }

 private:
  double max_value_;
  Dims axes_;
};

class MinMaxNormImpl : public Constraint {
 public:
  MinMaxNormImpl(double min_value, double max_value, double rate, const Dims& axes)
      : min_value_(min_value), max_value_(max_value), rate_(rate), axes_(axes) {}
  std::string class_name() const override { return "MinMaxNorm"; }
  Tensor operator()(const Tensor& w, const Dims& fan_in_axes) const override {
    autograd::NoGradGuard no_grad;
    const Tensor norms = unit_norms(w, norm_axes(axes_, fan_in_axes, w));
    // rate 1 projects onto [min, max] at once; a smaller rate moves the norm only part of the way.
    const Tensor desired = rate_ * clip(norms, min_value_, max_value_) + (1.0 - rate_) * norms;
    return w * (desired / (norms + kEpsilon));
  }
  nlohmann::json config() const override {
    return {{"min_value", min_value_}, {"max_value", max_value_}, {"rate", rate_}, {"axis", axes_json(axes_)}};
  }

 private:
  double min_value_, max_value_, rate_;
  Dims axes_;
};

class NonNegImpl : public Constraint {
 public:
  std::string class_name() const override { return "NonNeg"; }
  Tensor operator()(const Tensor& w, const Dims&) const override {
    autograd::NoGradGuard no_grad;
    return w * binary(w, Tensor::scalar(0.0, w.dtype()), BinaryKind::greater_equal);
  }
  nlohmann::json config() const override { return nlohmann::json::object(); }
};

class UnitNormImpl : public Constraint {
 public:
  explicit UnitNormImpl(const Dims& axes) : axes_(axes) {}
  std::string class_name() const override { return "UnitNorm"; }
  Tensor operator()(const Tensor& w, const Dims& fan_in_axes) const override {
    autograd::NoGradGuard no_grad;
    return w / (unit_norms(w, norm_axes(axes_, fan_in_axes, w)) + kEpsilon);
  }
  nlohmann::json config() const override { return {{"axis", axes_json(axes_)}}; }

 private:
  Dims axes_;
};

// ---- JSON ----

const char* const kValidNames =
    "max_norm, min_max_norm, non_neg, unit_norm (or the class names MaxNorm, "
    "MinMaxNorm, NonNeg, UnitNorm)";

double number_or(const nlohmann::json& config, const char* key, double fallback, const std::string& cls) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  FOVEA_CHECK(it->is_number(), ValueError, "constraint ", cls, ": '", key, "' must be a number, got ", it->dump());
  return it->get<double>();
}

// "axis": null (the fan-in axes), an int, or a list of ints; axes index fovea's weight layout.
Dims axes_of(const nlohmann::json& config, const std::string& cls) {
  auto it = config.find("axis");
  if (it == config.end() || it->is_null()) return {};
  if (it->is_number_integer()) return {it->get<int64_t>()};
  Dims out;
  bool ok = it->is_array() && it->size() <= static_cast<size_t>(Dims::capacity());
  for (size_t i = 0; ok && i < it->size(); ++i) {
    ok = (*it)[i].is_number_integer();
    if (ok) out.push_back((*it)[i].get<int64_t>());
  }
  FOVEA_CHECK(ok, ValueError, "constraint ", cls, ": 'axis' must be null, an integer or a list of integers, got ",
              it->dump());
  return out;
}

ConstraintPtr make(const std::string& name, const nlohmann::json& c) {
  if (name == "max_norm" || name == "MaxNorm") return MaxNorm(number_or(c, "max_value", 2.0, name), axes_of(c, name));
  if (name == "min_max_norm" || name == "MinMaxNorm") {
    return MinMaxNorm(number_or(c, "min_value", 0.0, name), number_or(c, "max_value", 1.0, name),
                      number_or(c, "rate", 1.0, name), axes_of(c, name));
  }
  if (name == "non_neg" || name == "NonNeg") return NonNeg();
  if (name == "unit_norm" || name == "UnitNorm") return UnitNorm(axes_of(c, name));
  throw ValueError(detail::concat("unknown constraint '", name, "'; valid names: ", kValidNames));
}

}  // namespace

ConstraintPtr MaxNorm(double max_value, const Dims& axes) { return std::make_shared<MaxNormImpl>(max_value, axes); }
ConstraintPtr MinMaxNorm(double min_value, double max_value, double rate, const Dims& axes) {
  return std::make_shared<MinMaxNormImpl>(min_value, max_value, rate, axes);
}
ConstraintPtr NonNeg() { return std::make_shared<NonNegImpl>(); }
ConstraintPtr UnitNorm(const Dims& axes) { return std::make_shared<UnitNormImpl>(axes); }

ConstraintPtr from_json(const nlohmann::json& spec) {
  if (spec.is_null()) return nullptr;
  if (spec.is_string()) return make(spec.get<std::string>(), nlohmann::json::object());
  FOVEA_CHECK(spec.is_object() && spec.contains("class_name") && spec["class_name"].is_string(), ValueError,
              "a constraint must be null, a name such as \"max_norm\" or an object {\"class_name\": ..., \"config\": "
              "{...}}, got ",
              spec.dump());
  const std::string cls = spec["class_name"].get<std::string>();
  const nlohmann::json config = spec.value("config", nlohmann::json::object());
  FOVEA_CHECK(config.is_object() || config.is_null(), ValueError, "constraint ", cls,
              ": 'config' must be an object, got ", config.dump());
  return make(cls, config.is_null() ? nlohmann::json::object() : config);
}

nlohmann::json to_json(const ConstraintPtr& c) {
  if (!c) return nullptr;
  return {{"class_name", c->class_name()}, {"config", c->config()}};
}

}  // namespace constraints
}  // namespace fovea
