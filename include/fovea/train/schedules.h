// Learning-rate schedules: the learning rate as a function of the optimizer's step count (Keras's
// keras.optimizers.schedules, plus PyTorch's one-cycle policy). Give one to an optimizer through its
// `.learning_rate_schedule` option; the optimizer evaluates it at iterations() before every update.
//
//   auto lr = schedules::ExponentialDecay({.initial_learning_rate = 0.1, .decay_steps = 1000, .decay_rate = 0.96});
//   auto opt = optimizers::SGD({.learning_rate_schedule = lr, .momentum = 0.9});
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fovea {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  // Keras's class name ("ExponentialDecay"); "OneCycle" for the one-cycle policy.
  virtual std::string class_name() const = 0;
  // The learning rate for the update that follows `step` completed updates (step >= 0).
  virtual double operator()(int64_t step) const = 0;
  // Keras get_config(): the constructor arguments.
  virtual nlohmann::json config() const = 0;
};
using LearningRateSchedulePtr = std::shared_ptr<const LearningRateSchedule>;

namespace schedules {

// initial_learning_rate * decay_rate ^ (step / decay_steps); with staircase the exponent is floored, which gives
// step decay (multiply by decay_rate every decay_steps steps).
struct ExponentialDecayOptions {
  double initial_learning_rate = 0.0;
  int64_t decay_steps = 0;  // > 0
  double decay_rate = 0.0;  // > 0
  bool staircase = false;
};
LearningRateSchedulePtr ExponentialDecay(const ExponentialDecayOptions& options);

// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i], values.back()
// after the last boundary. Needs increasing boundaries and one more value than boundaries.
struct PiecewiseConstantDecayOptions {
  std::vector<int64_t> boundaries{};
  std::vector<double> values{};
};
LearningRateSchedulePtr PiecewiseConstantDecay(const PiecewiseConstantDecayOptions& options);

// Keras's CosineDecay. Without warmup_target: cosine from initial_learning_rate down to
// alpha * initial_learning_rate over decay_steps, then constant. With warmup_target: a linear ramp from
// initial_learning_rate to warmup_target over warmup_steps, then the cosine decay from warmup_target.
struct CosineDecayOptions {
  double initial_learning_rate = 0.0;
  int64_t decay_steps = 0;  // > 0
  double alpha = 0.0;       // in [0, 1]: the final rate as a fraction of the decayed-from rate
  std::optional<double> warmup_target{};
  int64_t warmup_steps = 0;
};
LearningRateSchedulePtr CosineDecay(const CosineDecayOptions& options);

// (initial - end) * (1 - min(step, decay_steps) / decay_steps) ^ power + end; with cycle the horizon grows to the
// next multiple of decay_steps instead of stopping.
struct PolynomialDecayOptions {
  double initial_learning_rate = 0.0;
  int64_t decay_steps = 0;  // > 0
  double end_learning_rate = 0.0001;
  double power = 1.0;
  bool cycle = false;
};
LearningRateSchedulePtr PolynomialDecay(const PolynomialDecayOptions& options);

// initial_learning_rate / (1 + decay_rate * step / decay_steps), the quotient floored with staircase.
struct InverseTimeDecayOptions {
  double initial_learning_rate = 0.0;
  int64_t decay_steps = 0;  // > 0
  double decay_rate = 0.0;
  bool staircase = false;
};
LearningRateSchedulePtr InverseTimeDecay(const InverseTimeDecayOptions& options);

// PyTorch's OneCycleLR (two phases, cosine annealing): from max_lr / div_factor up to max_lr over the first
// pct_start of total_steps, then down to max_lr / div_factor / final_div_factor at step total_steps - 1.
// Steps past the end keep the final rate (PyTorch raises there instead).
struct OneCycleOptions {
  double max_lr = 0.0;
  int64_t total_steps = 0;  // > 1
  double pct_start = 0.3;   // in (0, 1)
  double div_factor = 25.0;
  double final_div_factor = 1e4;
};
LearningRateSchedulePtr OneCycle(const OneCycleOptions& options);

// {"class_name": "ExponentialDecay", "config": {...}} (Keras's serialized form) to a schedule and back.
LearningRateSchedulePtr from_json(const nlohmann::json& spec);
nlohmann::json to_json(const LearningRateSchedulePtr& schedule);

}  // namespace schedules
}  // namespace fovea
