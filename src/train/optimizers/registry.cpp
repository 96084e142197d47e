// Optimizers by Keras name and from/to Keras's serialized {"class_name", "config"} form (model files, CLI flags).
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "fovea/train/optimizers.h"

namespace fovea::optimizers {
namespace {

constexpr const char* kValidNames = "sgd, adam, adamw, adagrad, adadelta, rmsprop, adamax, nadam";

std::string lower(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

[[noreturn]] void unknown(std::string_view name) {
  throw ValueError(fovea::detail::concat("unknown optimizer '", name, "'; valid names: ", kValidNames));
}

// Reads Keras config values; absent or null keys keep the options' defaults.
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& config, std::string cls) : c_(config), cls_(std::move(cls)) {
    FOVEA_CHECK(c_.is_object(), ValueError, cls_, " config: expected an object, got ", c_.dump());
  }
  void number(const char* key, double& out) const {
    if (const nlohmann::json* v = find(key)) {
      FOVEA_CHECK(v->is_number(), ValueError, cls_, " config: '", key, "' must be a number, got ", v->dump());
      out = v->get<double>();
    }
  }
  void number(const char* key, std::optional<double>& out) const {
    double value = 0;
    if (find(key)) {
      number(key, value);
      out = value;
    }
  }
  void flag(const char* key, bool& out) const {
    if (const nlohmann::json* v = find(key)) {
      FOVEA_CHECK(v->is_boolean(), ValueError, cls_, " config: '", key, "' must be true or false, got ", v->dump());
      out = v->get<bool>();
    }
  }
  // learning_rate is a number or a serialized schedule; weight decay and clipping are shared by every optimizer.
  template <class Options>
  void common(Options& o) const {
    if (const nlohmann::json* v = find("learning_rate"); v && v->is_object()) {
      o.learning_rate_schedule = schedules::from_json(*v);
    } else {
      number("learning_rate", o.learning_rate);
    }
    number("weight_decay", o.weight_decay);
    number("clipnorm", o.clipnorm);
    number("clipvalue", o.clipvalue);
    number("global_clipnorm", o.global_clipnorm);
  }

 private:
  const nlohmann::json* find(const char* key) const {
    auto it = c_.find(key);
    return it == c_.end() || it->is_null() ? nullptr : &*it;
  }
  const nlohmann::json& c_;
  std::string cls_;
};

// The moment decay rates and epsilon that Adam, AdamW, Adamax and Nadam share.
template <class Options>
void read_moment_options(const ConfigReader& r, Options& o) {
  r.number("beta_1", o.beta_1);
  r.number("beta_2", o.beta_2);
  r.number("epsilon", o.epsilon);
}

OptimizerPtr from_config(const std::string& name, const nlohmann::json& config) {
  const ConfigReader r(config, name);
  const std::string key = lower(name);
  if (key == "sgd") {
    SGDOptions o;
    r.common(o);
    r.number("momentum", o.momentum);
    r.flag("nesterov", o.nesterov);
    return SGD(o);
  }
  if (key == "adam") {
    AdamOptions o;
    r.common(o);
    read_moment_options(r, o);
    r.flag("amsgrad", o.amsgrad);
    return Adam(o);
  }
  if (key == "adamw") {
    AdamWOptions o;
    r.common(o);
    read_moment_options(r, o);
    r.flag("amsgrad", o.amsgrad);
    return AdamW(o);
  }
  if (key == "adagrad") {
    AdagradOptions o;
    r.common(o);
    r.number("initial_accumulator_value", o.initial_accumulator_value);
    r.number("epsilon", o.epsilon);
    return Adagrad(o);
  }
  if (key == "adadelta") {
    AdadeltaOptions o;
    r.common(o);
    r.number("rho", o.rho);
    r.number("epsilon", o.epsilon);
    return Adadelta(o);
  }
  if (key == "rmsprop") {
    RMSpropOptions o;
    r.common(o);
    r.number("rho", o.rho);
    r.number("momentum", o.momentum);
    r.number("epsilon", o.epsilon);
    r.flag("centered", o.centered);
    return RMSprop(o);
  }
  if (key == "adamax") {
    AdamaxOptions o;
    r.common(o);
    read_moment_options(r, o);
    return Adamax(o);
  }
  if (key == "nadam") {
    NadamOptions o;
    r.common(o);
    read_moment_options(r, o);
    return Nadam(o);
  }
  unknown(name);
}

}  // namespace

OptimizerPtr from_name(std::string_view name) { return from_config(std::string(name), nlohmann::json::object()); }

OptimizerPtr from_name(std::string_view name, double learning_rate) {
  return from_config(std::string(name), {{"learning_rate", learning_rate}});
}

OptimizerPtr from_json(const nlohmann::json& spec) {
  if (spec.is_string()) return from_name(spec.get<std::string>());
  FOVEA_CHECK(spec.is_object() && spec.contains("class_name") && spec["class_name"].is_string(), ValueError,
              "optimizer: expected a name or {\"class_name\": ..., \"config\": {...}}, got ", spec.dump());
  const nlohmann::json config = spec.contains("config") ? spec["config"] : nlohmann::json::object();
  return from_config(spec["class_name"].get<std::string>(), config);
}

nlohmann::json to_json(const Optimizer& optimizer) {
  return {{"class_name", optimizer.class_name()}, {"config", optimizer.config()}};
}

}  // namespace fovea::optimizers
