// Learning-rate schedules: Keras's formulas (keras/src/optimizers/schedules) and PyTorch's OneCycleLR, evaluated in
// double precision from the step count alone, so a resumed run sees the same rates.
#include "fovea/train/schedules.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "fovea/core/error.h"

namespace fovea::schedules {
namespace {

void check_decay_steps(const char* schedule, int64_t decay_steps) {
  FOVEA_CHECK(decay_steps > 0, ValueError, schedule, ": decay_steps must be > 0, got ", decay_steps);
}

void check_rate(const char* schedule, const char* what, double value) {
  FOVEA_CHECK(std::isfinite(value) && value >= 0, ValueError, schedule, ": ", what,
              " must be a finite number >= 0, got ", value);
}

class ExponentialDecayImpl final : public LearningRateSchedule {
 public:
  explicit ExponentialDecayImpl(const ExponentialDecayOptions& o) : o_(o) {
    check_rate("ExponentialDecay", "initial_learning_rate", o.initial_learning_rate);
    check_decay_steps("ExponentialDecay", o.decay_steps);
    FOVEA_CHECK(std::isfinite(o.decay_rate) && o.decay_rate > 0, ValueError,
                "ExponentialDecay: decay_rate must be a finite number > 0, got ", o.decay_rate);
  }
  std::string class_name() const override { return "ExponentialDecay"; }
  double operator()(int64_t step) const override {
    double p = static_cast<double>(step) / static_cast<double>(o_.decay_steps);
    if (o_.staircase) p = std::floor(p);
    return o_.initial_learning_rate * std::pow(o_.decay_rate, p);
  }
  nlohmann::json config() const override {
    return {{"initial_learning_rate", o_.initial_learning_rate},
            {"decay_steps", o_.decay_steps},
            {"decay_rate", o_.decay_rate},
            {"staircase", o_.staircase}};
  }

 private:
  ExponentialDecayOptions o_;
};

class PiecewiseConstantDecayImpl final : public LearningRateSchedule {
 public:
  explicit PiecewiseConstantDecayImpl(const PiecewiseConstantDecayOptions& o) : o_(o) {
    FOVEA_CHECK(o.values.size() == o.boundaries.size() + 1, ValueError,
                "PiecewiseConstantDecay: values must have one more entry than boundaries, got ", o.boundaries.size(),
                " boundaries and ", o.values.size(), " values");
    for (size_t i = 1; i < o.boundaries.size(); ++i) {
      FOVEA_CHECK(o.boundaries[i] > o.boundaries[i - 1], ValueError,
                  "PiecewiseConstantDecay: boundaries must be strictly increasing, got ", o.boundaries[i - 1],
                  " before ", o.boundaries[i]);
    }
    for (double v : o.values) check_rate("PiecewiseConstantDecay", "every value", v);
  }
  std::string class_name() const override { return "PiecewiseConstantDecay"; }
  double operator()(int64_t step) const override {
    for (size_t i = 0; i < o_.boundaries.size(); ++i) {
      if (step <= o_.boundaries[i]) return o_.values[i];
    }
    return o_.values.back();
  }
  nlohmann::json config() const override { return {{"boundaries", o_.boundaries}, {"values", o_.values}}; }

 private:
  PiecewiseConstantDecayOptions o_;
};

class CosineDecayImpl final : public LearningRateSchedule {
 public:
  explicit CosineDecayImpl(const CosineDecayOptions& o) : o_(o) {
    check_rate("CosineDecay", "initial_learning_rate", o.initial_learning_rate);
    check_decay_steps("CosineDecay", o.decay_steps);
    FOVEA_CHECK(o.alpha >= 0 && o.alpha <= 1, ValueError, "CosineDecay: alpha must be in [0, 1], got ", o.alpha);
    FOVEA_CHECK(o.warmup_steps >= 0, ValueError, "CosineDecay: warmup_steps must be >= 0, got ", o.warmup_steps);
    if (o.warmup_target) check_rate("CosineDecay", "warmup_target", *o.warmup_target);
  }
  std::string class_name() const override { return "CosineDecay"; }
  double operator()(int64_t step) const override {
    const double decay_steps = static_cast<double>(o_.decay_steps);
    double s = static_cast<double>(step);
    if (!o_.warmup_target) return decay(std::min(s, decay_steps), o_.initial_learning_rate);
    const double warmup_steps = static_cast<double>(o_.warmup_steps);
    s = std::min(s, decay_steps + warmup_steps);
    if (s < warmup_steps) {
      return (*o_.warmup_target - o_.initial_learning_rate) * (s / warmup_steps) + o_.initial_learning_rate;
    }
    return decay(s - warmup_steps, *o_.warmup_target);
  }
  nlohmann::json config() const override {
    nlohmann::json c = {{"initial_learning_rate", o_.initial_learning_rate},
                        {"decay_steps", o_.decay_steps},
                        {"alpha", o_.alpha},
                        {"warmup_target", nullptr},
                        {"warmup_steps", o_.warmup_steps}};
    if (o_.warmup_target) c["warmup_target"] = *o_.warmup_target;
    return c;
  }

 private:
  double decay(double s, double from) const {
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * s / static_cast<double>(o_.decay_steps)));
    return from * ((1.0 - o_.alpha) * cosine + o_.alpha);
  }
  CosineDecayOptions o_;
};

class PolynomialDecayImpl final : public LearningRateSchedule {
 public:
  explicit PolynomialDecayImpl(const PolynomialDecayOptions& o) : o_(o) {
    check_rate("PolynomialDecay", "initial_learning_rate", o.initial_learning_rate);
    check_rate("PolynomialDecay", "end_learning_rate", o.end_learning_rate);
    check_decay_steps("PolynomialDecay", o.decay_steps);
    FOVEA_CHECK(std::isfinite(o.power) && o.power > 0, ValueError, "PolynomialDecay: power must be > 0, got ", o.power);
  }
  std::string class_name() const override { return "PolynomialDecay"; }
  double operator()(int64_t step) const override {
    double s = static_cast<double>(step);
    double horizon = static_cast<double>(o_.decay_steps);
    if (o_.cycle) {
      // Step 0 belongs to the first cycle (Keras special-cases it the same way).
      const double multiplier = step == 0 ? 1.0 : std::ceil(s / horizon);
      horizon *= multiplier;
    } else {
      s = std::min(s, horizon);
    }
    const double p = s / horizon;
    return (o_.initial_learning_rate - o_.end_learning_rate) * std::pow(1.0 - p, o_.power) + o_.end_learning_rate;
  }
  nlohmann::json config() const override {
    return {{"initial_learning_rate", o_.initial_learning_rate},
            {"decay_steps", o_.decay_steps},
            {"end_learning_rate", o_.end_learning_rate},
            {"power", o_.power},
            {"cycle", o_.cycle}};
  }

 private:
  PolynomialDecayOptions o_;
};

class InverseTimeDecayImpl final : public LearningRateSchedule {
 public:
  explicit InverseTimeDecayImpl(const InverseTimeDecayOptions& o) : o_(o) {
    check_rate("InverseTimeDecay", "initial_learning_rate", o.initial_learning_rate);
    check_rate("InverseTimeDecay", "decay_rate", o.decay_rate);
    check_decay_steps("InverseTimeDecay", o.decay_steps);
  }
  std::string class_name() const override { return "InverseTimeDecay"; }
  double operator()(int64_t step) const override {
    double p = static_cast<double>(step) / static_cast<double>(o_.decay_steps);
    if (o_.staircase) p = std::floor(p);
    return o_.initial_learning_rate / (1.0 + o_.decay_rate * p);
  }
  nlohmann::json config() const override {
    return {{"initial_learning_rate", o_.initial_learning_rate},
            {"decay_steps", o_.decay_steps},
            {"decay_rate", o_.decay_rate},
            {"staircase", o_.staircase}};
  }

 private:
  InverseTimeDecayOptions o_;
};

class OneCycleImpl final : public LearningRateSchedule {
 public:
  explicit OneCycleImpl(const OneCycleOptions& o) : o_(o) {
    check_rate("OneCycle", "max_lr", o.max_lr);
    FOVEA_CHECK(o.total_steps > 1, ValueError, "OneCycle: total_steps must be > 1, got ", o.total_steps);
    FOVEA_CHECK(o.pct_start > 0 && o.pct_start < 1, ValueError, "OneCycle: pct_start must be in (0, 1), got ",
                o.pct_start);
    FOVEA_CHECK(o.div_factor > 0 && o.final_div_factor > 0, ValueError,
                "OneCycle: div_factor and final_div_factor must be > 0, got ", o.div_factor, " and ",
                o.final_div_factor);
    // PyTorch's phase boundary; the warm-up phase needs a positive length or its first rate is 0/0.
    warmup_end_ = o.pct_start * static_cast<double>(o.total_steps) - 1.0;
    FOVEA_CHECK(warmup_end_ > 0, ValueError, "OneCycle: pct_start * total_steps must be > 1, got ", o.pct_start, " * ",
                o.total_steps);
  }
  std::string class_name() const override { return "OneCycle"; }
  double operator()(int64_t step) const override {
    const double initial = o_.max_lr / o_.div_factor;
    const double final_lr = initial / o_.final_div_factor;
    const double s = static_cast<double>(std::clamp<int64_t>(step, 0, o_.total_steps - 1));
    if (s <= warmup_end_) return anneal(initial, o_.max_lr, s / warmup_end_);
    const double end = static_cast<double>(o_.total_steps - 1);
    return anneal(o_.max_lr, final_lr, (s - warmup_end_) / (end - warmup_end_));
  }
  nlohmann::json config() const override {
    return {{"max_lr", o_.max_lr},
            {"total_steps", o_.total_steps},
            {"pct_start", o_.pct_start},
            {"div_factor", o_.div_factor},
            {"final_div_factor", o_.final_div_factor}};
  }

 private:
  // Cosine interpolation from start (pct 0) to end (pct 1).
  static double anneal(double start, double end, double pct) {
    return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
  }
  OneCycleOptions o_;
  double warmup_end_ = 0;
};

double number(const nlohmann::json& c, const char* key, const std::string& cls) {
  auto it = c.find(key);
  FOVEA_CHECK(it != c.end() && it->is_number(), ValueError, cls, " config: '", key, "' must be a number, got ",
              it == c.end() ? std::string("nothing") : it->dump());
  return it->get<double>();
}

double number_or(const nlohmann::json& c, const char* key, double fallback, const std::string& cls) {
  return c.contains(key) && !c[key].is_null() ? number(c, key, cls) : fallback;
}

int64_t integer(const nlohmann::json& c, const char* key, const std::string& cls) {
  const double v = number(c, key, cls);
  FOVEA_CHECK(v == std::floor(v), ValueError, cls, " config: '", key, "' must be an integer, got ", v);
  return static_cast<int64_t>(v);
}

bool flag_or(const nlohmann::json& c, const char* key, bool fallback) {
  auto it = c.find(key);
  return it != c.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

LearningRateSchedulePtr ExponentialDecay(const ExponentialDecayOptions& options) {
  return std::make_shared<ExponentialDecayImpl>(options);
}
LearningRateSchedulePtr PiecewiseConstantDecay(const PiecewiseConstantDecayOptions& options) {
  return std::make_shared<PiecewiseConstantDecayImpl>(options);
}
LearningRateSchedulePtr CosineDecay(const CosineDecayOptions& options) {
  return std::make_shared<CosineDecayImpl>(options);
}
LearningRateSchedulePtr PolynomialDecay(const PolynomialDecayOptions& options) {
  return std::make_shared<PolynomialDecayImpl>(options);
}
LearningRateSchedulePtr InverseTimeDecay(const InverseTimeDecayOptions& options) {
  return std::make_shared<InverseTimeDecayImpl>(options);
}
LearningRateSchedulePtr OneCycle(const OneCycleOptions& options) { return std::make_shared<OneCycleImpl>(options); }

LearningRateSchedulePtr from_json(const nlohmann::json& spec) {
  FOVEA_CHECK(spec.is_object() && spec.contains("class_name") && spec["class_name"].is_string(), ValueError,
              "learning-rate schedule: expected {\"class_name\": ..., \"config\": {...}}, got ", spec.dump());
  const std::string cls = spec["class_name"].get<std::string>();
  const nlohmann::json c = spec.contains("config") ? spec["config"] : nlohmann::json::object();
  if (cls == "ExponentialDecay") {
    return ExponentialDecay({.initial_learning_rate = number(c, "initial_learning_rate", cls),
                             .decay_steps = integer(c, "decay_steps", cls),
                             .decay_rate = number(c, "decay_rate", cls),
                             .staircase = flag_or(c, "staircase", false)});
  }
  if (cls == "PiecewiseConstantDecay") {
    FOVEA_CHECK(
        c.contains("boundaries") && c["boundaries"].is_array() && c.contains("values") && c["values"].is_array(),
        ValueError, cls, " config: 'boundaries' and 'values' must be lists, got ", c.dump());
    PiecewiseConstantDecayOptions o;
    for (const auto& b : c["boundaries"]) o.boundaries.push_back(static_cast<int64_t>(b.get<double>()));
    for (const auto& v : c["values"]) o.values.push_back(v.get<double>());
    return PiecewiseConstantDecay(o);
  }
  if (cls == "CosineDecay") {
    CosineDecayOptions o{.initial_learning_rate = number(c, "initial_learning_rate", cls),
                         .decay_steps = integer(c, "decay_steps", cls),
                         .alpha = number_or(c, "alpha", 0.0, cls)};
    if (c.contains("warmup_target") && !c["warmup_target"].is_null()) o.warmup_target = number(c, "warmup_target", cls);
    if (c.contains("warmup_steps")) o.warmup_steps = integer(c, "warmup_steps", cls);
    return CosineDecay(o);
  }
  if (cls == "PolynomialDecay") {
    return PolynomialDecay({.initial_learning_rate = number(c, "initial_learning_rate", cls),
                            .decay_steps = integer(c, "decay_steps", cls),
                            .end_learning_rate = number_or(c, "end_learning_rate", 0.0001, cls),
                            .power = number_or(c, "power", 1.0, cls),
                            .cycle = flag_or(c, "cycle", false)});
  }
  if (cls == "InverseTimeDecay") {
    return InverseTimeDecay({.initial_learning_rate = number(c, "initial_learning_rate", cls),
                             .decay_steps = integer(c, "decay_steps", cls),
                             .decay_rate = number(c, "decay_rate", cls),
                             .staircase = flag_or(c, "staircase", false)});
  }
  if (cls == "OneCycle") {
    return OneCycle({.max_lr = number(c, "max_lr", cls),
                     .total_steps = integer(c, "total_steps", cls),
                     .pct_start = number_or(c, "pct_start", 0.3, cls),
                     .div_factor = number_or(c, "div_factor", 25.0, cls),
                     .final_div_factor = number_or(c, "final_div_factor", 1e4, cls)});
  }
  throw ValueError(detail::concat("unknown learning-rate schedule '", cls,
                                  "'; valid names: ExponentialDecay, PiecewiseConstantDecay, CosineDecay, "
                                  "PolynomialDecay, InverseTimeDecay, OneCycle"));
}

nlohmann::json to_json(const LearningRateSchedulePtr& schedule) {
  if (!schedule) return nullptr;
  return {{"class_name", schedule->class_name()}, {"config", schedule->config()}};
}

}  // namespace fovea::schedules
