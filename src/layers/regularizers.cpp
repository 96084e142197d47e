// Weight regularizers (Keras L1, L2, L1L2): differentiable penalties built from public ops, and their JSON forms.
#include "fovea/layers/regularizers.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

#include "fovea/core/error.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/math.h"

namespace fovea {
namespace regularizers {
namespace {

// Keras's validate_float_arg: a finite, non-negative factor.
double checked_factor(double value, const char* name) {
  FOVEA_CHECK(std::isfinite(value) && value >= 0, ValueError, "invalid value for argument ", name,
              ": expected a non-negative float, got ", name, "=", value);
  return value;
}

class L1L2Impl : public Regularizer {
 public:
  // cls: "L1", "L2" or "L1L2"; the single-factor classes keep only their own key in the config.
  L1L2Impl(std::string cls, double l1, double l2)
      : cls_(std::move(cls)), l1_(checked_factor(l1, "l1")), l2_(checked_factor(l2, "l2")) {}
  std::string class_name() const override { return cls_; }
  Tensor operator()(const Tensor& w) const override {
    Tensor penalty;
    if (l1_ != 0) penalty = sum(abs(w)) * l1_;
    if (l2_ != 0) {
      Tensor term = sum(square(w)) * l2_;
      penalty = penalty.defined() ? add(penalty, term) : term;
    }
    // Both factors zero: a constant zero, as Keras returns.
    return penalty.defined() ? penalty : Tensor::zeros(Shape{}, w.dtype());
  }
  nlohmann::json config() const override {
    if (cls_ == "L1") return {{"l1", l1_}};
    if (cls_ == "L2") return {{"l2", l2_}};
    return {{"l1", l1_}, {"l2", l2_}};
  }

 private:
  std::string cls_;
  double l1_, l2_;
};

const char* const kValidNames = "l1, l2, l1_l2 (or the class names L1, L2, L1L2)";

double number_or(const nlohmann::json& config, const char* key, double fallback, const std::string& cls) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  FOVEA_CHECK(it->is_number(), ValueError, "regularizer ", cls, ": '", key, "' must be a number, got ", it->dump());
  return it->get<double>();
}

RegularizerPtr make(const std::string& name, const nlohmann::json& config) {
  // The strings map to the classes with their default arguments, as in Keras 3 ("l1_l2" is L1L2(0, 0)).
  if (name == "l1" || name == "L1") return L1(number_or(config, "l1", 0.01, "L1"));
  if (name == "l2" || name == "L2") return L2(number_or(config, "l2", 0.01, "L2"));
  if (name == "l1_l2" || name == "L1L2") {
    return L1L2(number_or(config, "l1", 0.0, "L1L2"), number_or(config, "l2", 0.0, "L1L2"));
  }
  throw ValueError(detail::concat("unknown regularizer '", name, "'; valid names: ", kValidNames));
}

}  // namespace

RegularizerPtr L1(double l1) { return std::make_shared<L1L2Impl>("L1", l1, 0.0); }
RegularizerPtr L2(double l2) { return std::make_shared<L1L2Impl>("L2", 0.0, l2); }
RegularizerPtr L1L2(double l1, double l2) { return std::make_shared<L1L2Impl>("L1L2", l1, l2); }

RegularizerPtr from_json(const nlohmann::json& spec) {
  if (spec.is_null()) return nullptr;
  if (spec.is_string()) return make(spec.get<std::string>(), nlohmann::json::object());
  FOVEA_CHECK(spec.is_object() && spec.contains("class_name") && spec["class_name"].is_string(), ValueError,
              "a regularizer must be null, a name such as \"l2\" or an object {\"class_name\": ..., \"config\": "
              "{...}}, got ",
              spec.dump());
  const std::string cls = spec["class_name"].get<std::string>();
  const nlohmann::json config = spec.value("config", nlohmann::json::object());
  FOVEA_CHECK(config.is_object() || config.is_null(), ValueError, "regularizer ", cls,
              ": 'config' must be an object, got ", config.dump());
  return make(cls, config.is_null() ? nlohmann::json::object() : config);
}

nlohmann::json to_json(const RegularizerPtr& r) {
  if (!r) return nullptr;
  return {{"class_name", r->class_name()}, {"config", r->config()}};
}

}  // namespace regularizers
}  // namespace fovea
