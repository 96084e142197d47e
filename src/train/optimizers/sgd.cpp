// SGD with optional (Nesterov) momentum, as Keras 3's keras/src/optimizers/sgd.py:
//   m = momentum * m - lr * g;  w += m  (nesterov: w += momentum * m - lr * g);  without momentum w -= lr * g.
#include <nlohmann/json.hpp>

#include "fovea/train/optimizers.h"
#include "train/optimizers/update_loop.h"

namespace fovea::optimizers {
namespace {

class SGDImpl final : public Optimizer {
 public:
  explicit SGDImpl(const SGDOptions& o)
      : Optimizer("SGD", {o.learning_rate, o.learning_rate_schedule, o.weight_decay, o.clipnorm, o.clipvalue,
                          o.global_clipnorm}),
        o_(o) {
    check_range("momentum", o.momentum, 0.0, 1.0);
  }

 protected:
  std::vector<std::string> slot_names() const override {
    if (o_.momentum == 0) return {};
    return {"momentum"};
  }

  void update(const ParamUpdate& u) override {
    detail::dispatch_float(u.param.dtype(), [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T* w = Tensor(u.param).data<T>();
      const auto g = detail::clipped_grad<T>(u);
      const T lr = static_cast<T>(u.learning_rate);
      const T decay = static_cast<T>(u.decay);
      const int64_t n = u.param.numel();
      if (o_.momentum == 0) {
        detail::for_each_element(n, [=](int64_t i) {
          const T wi = w[i] - w[i] * decay;
          w[i] = wi - g[i] * lr;
        });
        return;
      }
      T* m = (*u.slots)[0].template data<T>();
      const T mu = static_cast<T>(o_.momentum);
      const bool nesterov = o_.nesterov;
      detail::for_each_element(n, [=](int64_t i) {
        const T gi = g[i];
        const T wi = w[i] - w[i] * decay;
        const T mi = -gi * lr + m[i] * mu;
        m[i] = mi;
        w[i] = nesterov ? wi + (-gi * lr + mi * mu) : wi + mi;
      });
    });
  }

  nlohmann::json own_config() const override { return {{"momentum", o_.momentum}, {"nesterov", o_.nesterov}}; }

 private:
  SGDOptions o_;
};

}  // namespace

OptimizerPtr SGD(const SGDOptions& options) { return std::make_shared<SGDImpl>(options); }

}  // namespace fovea::optimizers
