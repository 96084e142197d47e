// Per-element adaptive rates, as Keras 3's adagrad.py, adadelta.py and rmsprop.py: Adagrad (sum of squared
// gradients), Adadelta (running averages of squared gradients and squared updates) and RMSprop (running average of
// squared gradients, optionally centered and with momentum).
#include <cmath>
#include <nlohmann/json.hpp>

#include "fovea/train/optimizers.h"
#include "train/optimizers/update_loop.h"

namespace fovea::optimizers {
namespace {

void check_epsilon(const Optimizer& opt, double epsilon) {
  FOVEA_CHECK(std::isfinite(epsilon) && epsilon >= 0, ValueError, opt.class_name(),
              ": epsilon must be a finite number >= 0, got ", epsilon);
}

Optimizer::Common common_of(const auto& o) {
  return {o.learning_rate, o.learning_rate_schedule, o.weight_decay, o.clipnorm, o.clipvalue, o.global_clipnorm};
}

// acc += g^2;  w -= lr g / sqrt(acc + eps).
class AdagradImpl final : public Optimizer {
 public:
  explicit AdagradImpl(const AdagradOptions& o) : Optimizer("Adagrad", common_of(o)), o_(o) {
    FOVEA_CHECK(std::isfinite(o.initial_accumulator_value) && o.initial_accumulator_value >= 0, ValueError,
                "Adagrad: initial_accumulator_value must be a finite number >= 0, got ", o.initial_accumulator_value);
    check_epsilon(*this, o.epsilon);
  }

 protected:
  std::vector<std::string> slot_names() const override { return {"accumulator"}; }
  double slot_initial_value(size_t) const override { return o_.initial_accumulator_value; }

  void update(const ParamUpdate& u) override {
    detail::dispatch_float(u.param.dtype(), [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T* w = Tensor(u.param).data<T>();
      T* acc = (*u.slots)[0].template data<T>();
      const auto g = detail::clipped_grad<T>(u);
      const T lr = static_cast<T>(u.learning_rate), decay = static_cast<T>(u.decay), eps = static_cast<T>(o_.epsilon);
      detail::for_each_element(u.param.numel(), [=](int64_t i) {
        const T gi = g[i];
        const T wi = w[i] - w[i] * decay;
        const T ai = acc[i] + gi * gi;
        acc[i] = ai;
        w[i] = wi - (lr * gi) / std::sqrt(ai + eps);
      });
    });
  }

  nlohmann::json own_config() const override {
    return {{"initial_accumulator_value", o_.initial_accumulator_value}, {"epsilon", o_.epsilon}};
  }

 private:
  AdagradOptions o_;
};

// E[g^2] = rho E[g^2] + (1 - rho) g^2;  d = -sqrt(E[d^2] + eps) g / sqrt(E[g^2] + eps);
// E[d^2] = rho E[d^2] + (1 - rho) d^2;  w += lr d.
class AdadeltaImpl final : public Optimizer {
 public:
  explicit AdadeltaImpl(const AdadeltaOptions& o) : Optimizer("Adadelta", common_of(o)), o_(o) {
    check_range("rho", o.rho, 0.0, 1.0);
    check_epsilon(*this, o.epsilon);
  }

 protected:
  std::vector<std::string> slot_names() const override { return {"accumulated_grad", "accumulated_delta_var"}; }

  void update(const ParamUpdate& u) override {
    detail::dispatch_float(u.param.dtype(), [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T* w = Tensor(u.param).data<T>();
      T* acc_grad = (*u.slots)[0].template data<T>();
      T* acc_delta = (*u.slots)[1].template data<T>();
      const auto g = detail::clipped_grad<T>(u);
      const T lr = static_cast<T>(u.learning_rate), decay = static_cast<T>(u.decay), eps = static_cast<T>(o_.epsilon);
      const T rho = static_cast<T>(o_.rho), one_minus_rho = static_cast<T>(1.0 - o_.rho);
      detail::for_each_element(u.param.numel(), [=](int64_t i) {
        const T gi = g[i];
        const T wi = w[i] - w[i] * decay;
        const T ag = rho * acc_grad[i] + one_minus_rho * (gi * gi);
        const T delta = -(std::sqrt(acc_delta[i] + eps) * gi) / std::sqrt(ag + eps);
        acc_grad[i] = ag;
        acc_delta[i] = rho * acc_delta[i] + one_minus_rho * (delta * delta);
        w[i] = wi + lr * delta;
      });
    });
  }

  nlohmann::json own_config() const override { return {{"rho", o_.rho}, {"epsilon", o_.epsilon}}; }

 private:
  AdadeltaOptions o_;
};

// v = rho v + (1 - rho) g^2;  centered: a = rho a + (1 - rho) g, denominator v - a^2 + eps, else v + eps;
// inc = lr g / sqrt(denominator);  momentum: mom = momentum mom + inc, w -= mom; else w -= inc.
class RMSpropImpl final : public Optimizer {
 public:
  explicit RMSpropImpl(const RMSpropOptions& o) : Optimizer("RMSprop", common_of(o)), o_(o) {
    check_range("rho", o.rho, 0.0, 1.0);
    check_range("momentum", o.momentum, 0.0, 1.0);
    check_epsilon(*this, o.epsilon);
  }

 protected:
  std::vector<std::string> slot_names() const override {
    std::vector<std::string> names = {"velocity"};
    if (o_.momentum > 0) names.push_back("momentum");
    if (o_.centered) names.push_back("average_gradient");
    return names;
  }

  void update(const ParamUpdate& u) override {
    detail::dispatch_float(u.param.dtype(), [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T* w = Tensor(u.param).data<T>();
      T* vel = (*u.slots)[0].template data<T>();
      size_t next = 1;
      T* mom = o_.momentum > 0 ? (*u.slots)[next++].template data<T>() : nullptr;
      T* avg = o_.centered ? (*u.slots)[next++].template data<T>() : nullptr;
      const auto g = detail::clipped_grad<T>(u);
      const T lr = static_cast<T>(u.learning_rate), decay = static_cast<T>(u.decay), eps = static_cast<T>(o_.epsilon);
      const T rho = static_cast<T>(o_.rho), one_minus_rho = static_cast<T>(1.0 - o_.rho);
      const T mu = static_cast<T>(o_.momentum);
      detail::for_each_element(u.param.numel(), [=](int64_t i) {
        const T gi = g[i];
        const T wi = w[i] - w[i] * decay;
        const T vi = rho * vel[i] + one_minus_rho * (gi * gi);
        vel[i] = vi;
        T denominator = vi + eps;
        if (avg != nullptr) {
          const T ai = rho * avg[i] + one_minus_rho * gi;
          avg[i] = ai;
          denominator = vi - ai * ai + eps;
        }
        const T increment = (lr * gi) / std::sqrt(denominator);
        if (mom != nullptr) {
          const T mi = mu * mom[i] + increment;
          mom[i] = mi;
          w[i] = wi - mi;
        } else {
          w[i] = wi - increment;
        }
      });
    });
  }

  nlohmann::json own_config() const override {
    return {{"rho", o_.rho}, {"momentum", o_.momentum}, {"epsilon", o_.epsilon}, {"centered", o_.centered}};
  }

 private:
  RMSpropOptions o_;
};

}  // namespace

OptimizerPtr Adagrad(const AdagradOptions& options) { return std::make_shared<AdagradImpl>(options); }
OptimizerPtr Adadelta(const AdadeltaOptions& options) { return std::make_shared<AdadeltaImpl>(options); }
OptimizerPtr RMSprop(const RMSpropOptions& options) { return std::make_shared<RMSpropImpl>(options); }

}  // namespace fovea::optimizers
