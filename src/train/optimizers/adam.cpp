// The Adam family, as Keras 3's adam.py, adamw.py, adamax.py and nadam.py: Adam (with AMSGrad), AdamW (Adam with
// decoupled weight decay on by default), Adamax (infinity-norm second moment) and Nadam (Nesterov momentum with
// the 0.96-based momentum-cache schedule).
#include <cmath>
#include <nlohmann/json.hpp>

#include "fovea/train/optimizers.h"
#include "train/optimizers/update_loop.h"

namespace fovea::optimizers {
namespace {

struct Moments {
  double beta_1;
  double beta_2;
  double epsilon;
};

void check_moments(const Optimizer& opt, const Moments& m) {
  FOVEA_CHECK(m.beta_1 >= 0 && m.beta_1 < 1, ValueError, opt.class_name(), ": beta_1 must be in [0, 1), got ",
              m.beta_1);
  FOVEA_CHECK(m.beta_2 >= 0 && m.beta_2 < 1, ValueError, opt.class_name(), ": beta_2 must be in [0, 1), got ",
              m.beta_2);
  FOVEA_CHECK(std::isfinite(m.epsilon) && m.epsilon >= 0, ValueError, opt.class_name(),
              ": epsilon must be a finite number >= 0, got ", m.epsilon);
}

class AdamImpl final : public Optimizer {
 public:
  AdamImpl(std::string name, const Common& common, const Moments& moments, bool amsgrad)
      : Optimizer(std::move(name), common), k_(moments), amsgrad_(amsgrad) {
    check_moments(*this, k_);
  }

 protected:
  std::vector<std::string> slot_names() const override {
    if (amsgrad_) return {"momentum", "velocity", "velocity_hat"};
    return {"momentum", "velocity"};
  }

  void update(const ParamUpdate& u) override {
    const double t = static_cast<double>(u.local_step);
    const double alpha_d = u.learning_rate * std::sqrt(1.0 - std::pow(k_.beta_2, t)) / (1.0 - std::pow(k_.beta_1, t));
    detail::dispatch_float(u.param.dtype(), [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T* w = Tensor(u.param).data<T>();
      T* m = (*u.slots)[0].template data<T>();
      T* v = (*u.slots)[1].template data<T>();
      T* v_hat = amsgrad_ ? (*u.slots)[2].template data<T>() : nullptr;
      const auto g = detail::clipped_grad<T>(u);
      const T alpha = static_cast<T>(alpha_d), decay = static_cast<T>(u.decay), eps = static_cast<T>(k_.epsilon);
      const T one_minus_b1 = static_cast<T>(1.0 - k_.beta_1), one_minus_b2 = static_cast<T>(1.0 - k_.beta_2);
      const auto body = [=](int64_t i, auto use_amsgrad) {
        const T gi = g[i];
        const T wi = w[i] - w[i] * decay;
        const T mi = m[i] + (gi - m[i]) * one_minus_b1;
        T vi = v[i] + (gi * gi - v[i]) * one_minus_b2;
        m[i] = mi;
        v[i] = vi;
        if constexpr (decltype(use_amsgrad)::value) {
          vi = std::max(v_hat[i], vi);
          v_hat[i] = vi;
        }
        w[i] = wi - (mi * alpha) / (std::sqrt(vi) + eps);
      };
      const int64_t n = u.param.numel();
      if (amsgrad_) {
        detail::for_each_element(n, [=](int64_t i) { body(i, std::true_type{}); });
      } else {
        detail::for_each_element(n, [=](int64_t i) { body(i, std::false_type{}); });
      }
    });
  }

  nlohmann::json own_config() const override {
    return {{"beta_1", k_.beta_1}, {"beta_2", k_.beta_2}, {"epsilon", k_.epsilon}, {"amsgrad", amsgrad_}};
  }

 private:
  Moments k_;
  bool amsgrad_;
};

// m = b1 m + (1 - b1) g;  u = max(b2 u, |g|);  w -= lr m / ((1 - b1^t) (u + eps)).
class AdamaxImpl final : public Optimizer {
 public:
  AdamaxImpl(const Common& common, const Moments& moments) : Optimizer("Adamax", common), k_(moments) {
    check_moments(*this, k_);
  }

 protected:
  std::vector<std::string> slot_names() const override { return {"m", "u"}; }

  void update(const ParamUpdate& u) override {
    const double bias = 1.0 - std::pow(k_.beta_1, static_cast<double>(u.local_step));
    detail::dispatch_float(u.param.dtype(), [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T* w = Tensor(u.param).data<T>();
      T* m = (*u.slots)[0].template data<T>();
      T* inf_norm = (*u.slots)[1].template data<T>();
      const auto g = detail::clipped_grad<T>(u);
      const T lr = static_cast<T>(u.learning_rate), decay = static_cast<T>(u.decay), eps = static_cast<T>(k_.epsilon);
      const T b2 = static_cast<T>(k_.beta_2), one_minus_b1 = static_cast<T>(1.0 - k_.beta_1);
      const T correction = static_cast<T>(bias);
      detail::for_each_element(u.param.numel(), [=](int64_t i) {
        const T gi = g[i];
        const T wi = w[i] - w[i] * decay;
        const T mi = m[i] + (gi - m[i]) * one_minus_b1;
        const T ui = std::max(b2 * inf_norm[i], std::abs(gi));
        m[i] = mi;
        inf_norm[i] = ui;
        w[i] = wi - (lr * mi) / (correction * (ui + eps));
      });
    });
  }

  nlohmann::json own_config() const override {
    return {{"beta_1", k_.beta_1}, {"beta_2", k_.beta_2}, {"epsilon", k_.epsilon}};
  }

 private:
  Moments k_;
};

// Keras's Nadam: u_t = b1 (1 - 0.5 * 0.96^t), with the running product of the u_t kept as optimizer state.
class NadamImpl final : public Optimizer {
 public:
  NadamImpl(const Common& common, const Moments& moments) : Optimizer("Nadam", common), k_(moments) {
    check_moments(*this, k_);
  }

 protected:
  std::vector<std::string> slot_names() const override { return {"momentum", "velocity"}; }

  void begin_step(int64_t local_step) override { u_product_ *= momentum_cache(local_step); }

  void update(const ParamUpdate& u) override {
    const double u_t = momentum_cache(u.local_step);
    const double u_t1 = momentum_cache(u.local_step + 1);
    const double u_product_t1 = u_product_ * u_t1;
    const double beta_2_power = std::pow(k_.beta_2, static_cast<double>(u.local_step));
    detail::dispatch_float(u.param.dtype(), [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T* w = Tensor(u.param).data<T>();
      T* m = (*u.slots)[0].template data<T>();
      T* v = (*u.slots)[1].template data<T>();
      const auto g = detail::clipped_grad<T>(u);
      const T lr = static_cast<T>(u.learning_rate), decay = static_cast<T>(u.decay), eps = static_cast<T>(k_.epsilon);
      const T one_minus_b1 = static_cast<T>(1.0 - k_.beta_1), one_minus_b2 = static_cast<T>(1.0 - k_.beta_2);
      const T c_m = static_cast<T>(u_t1), d_m = static_cast<T>(1.0 - u_product_t1);
      const T c_g = static_cast<T>(1.0 - u_t), d_g = static_cast<T>(1.0 - u_product_);
      const T d_v = static_cast<T>(1.0 - beta_2_power);
      detail::for_each_element(u.param.numel(), [=](int64_t i) {
        const T gi = g[i];
        const T wi = w[i] - w[i] * decay;
        const T mi = m[i] + (gi - m[i]) * one_minus_b1;
        const T vi = v[i] + (gi * gi - v[i]) * one_minus_b2;
        m[i] = mi;
        v[i] = vi;
        const T m_hat = c_m * mi / d_m + c_g * gi / d_g;
        const T v_hat = vi / d_v;
        w[i] = wi - (m_hat * lr) / (std::sqrt(v_hat) + eps);
      });
    });
  }

  nlohmann::json own_config() const override {
    return {{"beta_1", k_.beta_1}, {"beta_2", k_.beta_2}, {"epsilon", k_.epsilon}};
  }
  std::vector<std::pair<std::string, double>> scalar_state() const override { return {{"u_product", u_product_}}; }
  void set_scalar_state(const std::string& name, double value) override {
    if (name != "u_product") return Optimizer::set_scalar_state(name, value);
    u_product_ = value;
  }

 private:
  double momentum_cache(int64_t step) const {
    return k_.beta_1 * (1.0 - 0.5 * std::pow(0.96, static_cast<double>(step)));
  }
  Moments k_;
  double u_product_ = 1.0;
};

}  // namespace

OptimizerPtr Adam(const AdamOptions& o) {
  return std::make_shared<AdamImpl>("Adam",
                                    Optimizer::Common{o.learning_rate, o.learning_rate_schedule, o.weight_decay,
                                                      o.clipnorm, o.clipvalue, o.global_clipnorm},
                                    Moments{o.beta_1, o.beta_2, o.epsilon}, o.amsgrad);
}

OptimizerPtr AdamW(const AdamWOptions& o) {
  return std::make_shared<AdamImpl>("AdamW",
                                    Optimizer::Common{o.learning_rate, o.learning_rate_schedule, o.weight_decay,
                                                      o.clipnorm, o.clipvalue, o.global_clipnorm},
                                    Moments{o.beta_1, o.beta_2, o.epsilon}, o.amsgrad);
}

OptimizerPtr Adamax(const AdamaxOptions& o) {
  return std::make_shared<AdamaxImpl>(Optimizer::Common{o.learning_rate, o.learning_rate_schedule, o.weight_decay,
                                                        o.clipnorm, o.clipvalue, o.global_clipnorm},
                                      Moments{o.beta_1, o.beta_2, o.epsilon});
}

OptimizerPtr Nadam(const NadamOptions& o) {
  return std::make_shared<NadamImpl>(Optimizer::Common{o.learning_rate, o.learning_rate_schedule, o.weight_decay,
                                                       o.clipnorm, o.clipvalue, o.global_clipnorm},
                                     Moments{o.beta_1, o.beta_2, o.epsilon});
}

}  // namespace fovea::optimizers
