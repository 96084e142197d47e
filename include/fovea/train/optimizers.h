// Optimizers with Keras 3's names, defaults and update formulas (keras/src/optimizers/*.py): SGD, Adam, AdamW,
// Adagrad, Adadelta, RMSprop, Adamax, Nadam, with decoupled weight decay and gradient clipping.
//
//   auto opt = optimizers::Adam({.learning_rate = 1e-3});
//   loss.backward();
//   opt->step(params);  // reads each parameter's grad() and updates its values in place
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/train/schedules.h"

namespace fovea {

struct Weight;

// Named tensors that capture an optimizer's progress, for checkpoints.
using OptimizerState = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  // The options every optimizer shares (Keras's base-optimizer arguments). At most one of the three clipping
  // options may be set. learning_rate_schedule, when set, replaces learning_rate.
  struct Common {
    double learning_rate = 0.001;
    LearningRateSchedulePtr learning_rate_schedule{};
    std::optional<double> weight_decay{};     // decoupled, applied before the update: w -= lr * weight_decay * w
    std::optional<double> clipnorm{};         // each gradient rescaled to at most this L2 norm
    std::optional<double> clipvalue{};        // each gradient element clipped to [-clipvalue, clipvalue]
    std::optional<double> global_clipnorm{};  // all gradients rescaled together to at most this joint L2 norm
  };

  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Keras's class name: "SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop", "Adamax", "Nadam".
  const std::string& class_name() const { return class_name_; }

  // One update of every parameter that has a gradient (parameters without one are skipped; when none has one,
  // nothing happens and iterations() stays). Values change in place, outside autograd. Parameters are f32 or f64
  // and their gradients have the same shape and dtype. Per-parameter state is created on a parameter's first
  // update, keyed by the tensor itself: pass the same tensors (in the same order, for checkpoints) every step.
  void step(const std::vector<Tensor>& params);
  // The same for layer weights: skips non-trainable ones, then applies each updated weight's constraint.
  void step(const std::vector<Weight*>& weights);

  // The rate the next step uses: the schedule's value at iterations(), or the constant rate.
  double learning_rate() const;
  // Replaces the constant rate (for ReduceLROnPlateau). Throws ValueError when a schedule drives the rate or
  // the value is negative.
  void set_learning_rate(double value);
  const LearningRateSchedulePtr& learning_rate_schedule() const { return common_.learning_rate_schedule; }
  // Completed steps.
  int64_t iterations() const { return iterations_; }

  // Keras get_config(): the base options (learning_rate is the schedule's {"class_name", "config"} when one is
  // set) and the optimizer's own.
  nlohmann::json config() const;

  // A snapshot (copies) of everything the next step depends on: "iterations", "learning_rate", optimizer-wide
  // scalars (Nadam's "u_product") and per-parameter slots named "<index>/<slot>" ("0/m", "3/velocity"), where
  // index is the parameter's position in the list the optimizer first saw it in.
  OptimizerState state() const;
  // Restores a snapshot onto params (the list in the same order as when it was taken), replacing all state, so
  // that the next step continues exactly. Throws ValueError on an unknown entry or a slot whose shape or dtype
  // does not match its parameter.
  void load_state(const OptimizerState& state, const std::vector<Tensor>& params);

 protected:
  // What update() gets for one parameter.
  struct ParamUpdate {
    Tensor param;
    Tensor grad;
    std::vector<Tensor>* slots;  // in slot_names() order, same shape and dtype as param
    double learning_rate;
    int64_t local_step;  // iterations() + 1
    double decay;        // learning_rate * weight_decay, 0 without weight decay
    double grad_scale;   // from clipnorm / global_clipnorm, 1 without
    double clip_value;   // +infinity without clipvalue
  };

  Optimizer(std::string class_name, const Common& common);
  // Per-parameter slot names, and the value a slot starts at (0 unless overridden).
  virtual std::vector<std::string> slot_names() const = 0;
  virtual double slot_initial_value(size_t slot) const;
  // Runs once per step before the per-parameter updates.
  virtual void begin_step(int64_t local_step);
  virtual void update(const ParamUpdate& u) = 0;
  // The optimizer's own config entries.
  virtual nlohmann::json own_config() const = 0;
  // Optimizer-wide scalar state (name, value), and its restoration; none by default.
  virtual std::vector<std::pair<std::string, double>> scalar_state() const;
  virtual void set_scalar_state(const std::string& name, double value);

  // Throws ValueError "<class>: <name> must be in [low, high], got <value>" (bounds inclusive).
  void check_range(const char* name, double value, double low, double high) const;

 private:
  struct ParamState {
    std::weak_ptr<TensorImpl> owner;  // guards against a new tensor reusing a dead one's address
    std::vector<Tensor> slots;        // empty until the first update
  };
  struct Pending {
    size_t index;
    Tensor param;
    Tensor grad;
  };
  size_t register_param(const Tensor& param);
  void allocate_slots(ParamState& state, const Tensor& param) const;

  std::string class_name_;
  Common common_;
  double learning_rate_;
  int64_t iterations_ = 0;
  std::vector<ParamState> params_;
  std::unordered_map<const TensorImpl*, size_t> index_;
  std::vector<Pending> pending_;  // reused between steps
  std::vector<Tensor> weight_values_;
};
using OptimizerPtr = std::shared_ptr<Optimizer>;

namespace optimizers {

// Options per optimizer, with Keras's defaults. The shared fields (see Optimizer::Common) come at the ends:
// learning_rate and learning_rate_schedule first, weight_decay and the clipping options last.
struct SGDOptions {
  double learning_rate = 0.01;
  LearningRateSchedulePtr learning_rate_schedule{};
  double momentum = 0.0;  // in [0, 1]
  bool nesterov = false;
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};
struct AdamOptions {
  double learning_rate = 0.001;
  LearningRateSchedulePtr learning_rate_schedule{};
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};
struct AdamWOptions {
  double learning_rate = 0.001;
  LearningRateSchedulePtr learning_rate_schedule{};
  double weight_decay = 0.004;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> clipnorm{}, clipvalue{}, global_clipnorm{};
};
struct AdagradOptions {
  double learning_rate = 0.001;
  LearningRateSchedulePtr learning_rate_schedule{};
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};
// The Keras MNIST example uses learning_rate = 1.0.
struct AdadeltaOptions {
  double learning_rate = 0.001;
  LearningRateSchedulePtr learning_rate_schedule{};
  double rho = 0.95;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};
struct RMSpropOptions {
  double learning_rate = 0.001;
  LearningRateSchedulePtr learning_rate_schedule{};
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};
struct AdamaxOptions {
  double learning_rate = 0.001;
  LearningRateSchedulePtr learning_rate_schedule{};
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};
struct NadamOptions {
  double learning_rate = 0.001;
  LearningRateSchedulePtr learning_rate_schedule{};
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};

// Each throws ValueError naming the optimizer and the option when an option is out of range (a negative learning
// rate, momentum outside [0, 1], two clipping options at once, ...).
OptimizerPtr SGD(const SGDOptions& options = {});
OptimizerPtr Adam(const AdamOptions& options = {});
OptimizerPtr AdamW(const AdamWOptions& options = {});
OptimizerPtr Adagrad(const AdagradOptions& options = {});
OptimizerPtr Adadelta(const AdadeltaOptions& options = {});
OptimizerPtr RMSprop(const RMSpropOptions& options = {});
OptimizerPtr Adamax(const AdamaxOptions& options = {});
OptimizerPtr Nadam(const NadamOptions& options = {});

// By Keras name ("sgd", "adam", "adamw", "adagrad", "adadelta", "rmsprop", "adamax", "nadam"; class names such as
// "Adam" and "RMSprop" are accepted too) with Keras's defaults, at the given learning rate or the optimizer's
// default. Throws ValueError listing the valid names for an unknown one.
OptimizerPtr from_name(std::string_view name, double learning_rate);
OptimizerPtr from_name(std::string_view name);

// A Keras name or {"class_name": "Adam", "config": {...}} (Keras's serialized form) to an optimizer, and back.
OptimizerPtr from_json(const nlohmann::json& spec);
nlohmann::json to_json(const Optimizer& optimizer);

}  // namespace optimizers
}  // namespace fovea
