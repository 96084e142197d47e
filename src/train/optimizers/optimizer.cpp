// The optimizer base: the Keras 3 step (gradient clipping, decoupled weight decay, the per-parameter update,
// constraints, the iteration count), per-parameter state and checkpoint export/import.
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/layers/layer.h"
#include "fovea/train/optimizers.h"
#include "train/optimizers/update_loop.h"

namespace fovea {
namespace {

void check_optional_positive(const std::string& cls, const char* name, const std::optional<double>& value) {
  if (!value) return;
  FOVEA_CHECK(std::isfinite(*value) && *value > 0, ValueError, cls, ": ", name, " must be a finite number > 0, got ",
              *value);
}

std::string optional_text(const std::optional<double>& value) {
  return value ? detail::concat(*value) : std::string("None");
}

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// Sum of squares in double, in a fixed order so that clipping is deterministic.
double sum_of_squares(const Tensor& t) {
  double total = 0;
  optimizers::detail::dispatch_float(t.dtype(), [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* p = t.data<T>();
    const int64_t n = t.numel();
#pragma omp simd reduction(+ : total)
    for (int64_t i = 0; i < n; ++i) total += static_cast<double>(p[i]) * static_cast<double>(p[i]);
  });
  return total;
}

// Keras's clip-by-norm factor: clip / max(norm, clip); NaN when the norm is not finite, so that a diverged
// gradient shows as NaN rather than silently as zero.
double clip_factor(double norm, double clip) {
  if (!std::isfinite(norm)) return std::numeric_limits<double>::quiet_NaN();
  return clip / std::max(norm, clip);
}

}  // namespace

Optimizer::Optimizer(std::string class_name, const Common& common)
    : class_name_(std::move(class_name)), common_(common), learning_rate_(common.learning_rate) {
  FOVEA_CHECK(std::isfinite(common_.learning_rate) && common_.learning_rate >= 0, ValueError, class_name_,
              ": learning_rate must be a finite number >= 0, got ", common_.learning_rate);
  if (common_.weight_decay) {
    FOVEA_CHECK(std::isfinite(*common_.weight_decay) && *common_.weight_decay >= 0, ValueError, class_name_,
                ": weight_decay must be a finite number >= 0, got ", *common_.weight_decay);
  }
  const int clip_options =
      int(common_.clipnorm.has_value()) + int(common_.clipvalue.has_value()) + int(common_.global_clipnorm.has_value());
  FOVEA_CHECK(clip_options <= 1, ValueError, class_name_,
              ": only one of clipnorm, clipvalue and global_clipnorm can be set, got clipnorm=",
              optional_text(common_.clipnorm), ", clipvalue=", optional_text(common_.clipvalue),
              ", global_clipnorm=", optional_text(common_.global_clipnorm));
  check_optional_positive(class_name_, "clipnorm", common_.clipnorm);
  check_optional_positive(class_name_, "clipvalue", common_.clipvalue);
  check_optional_positive(class_name_, "global_clipnorm", common_.global_clipnorm);
}

Optimizer::~Optimizer() = default;

double Optimizer::slot_initial_value(size_t) const { return 0.0; }
void Optimizer::begin_step(int64_t) {}
std::vector<std::pair<std::string, double>> Optimizer::scalar_state() const { return {}; }
void Optimizer::set_scalar_state(const std::string& name, double) {
  throw ValueError(detail::concat(class_name_, ".load_state: unknown entry '", name, "'"));
}

void Optimizer::check_range(const char* name, double value, double low, double high) const {
  FOVEA_CHECK(value >= low && value <= high, ValueError, class_name_, ": ", name, " must be in [", low, ", ", high,
              "], got ", value);
}

double Optimizer::learning_rate() const {
  if (common_.learning_rate_schedule) return (*common_.learning_rate_schedule)(iterations_);
  return learning_rate_;
}

void Optimizer::set_learning_rate(double value) {
  FOVEA_CHECK(!common_.learning_rate_schedule, ValueError, class_name_, ": the learning rate comes from a ",
              common_.learning_rate_schedule->class_name(), " schedule and cannot be set");
  FOVEA_CHECK(std::isfinite(value) && value >= 0, ValueError, class_name_,
              ": learning_rate must be a finite number >= 0, got ", value);
  learning_rate_ = value;
}

size_t Optimizer::register_param(const Tensor& param) {
  const TensorImpl* key = param.impl().get();
  auto it = index_.find(key);
  if (it != index_.end()) {
    ParamState& state = params_[it->second];
    if (state.owner.expired()) state = ParamState{param.impl(), {}};
    return it->second;
  }
  params_.push_back(ParamState{param.impl(), {}});
  index_.emplace(key, params_.size() - 1);
  return params_.size() - 1;
}

void Optimizer::allocate_slots(ParamState& state, const Tensor& param) const {
  const std::vector<std::string> names = slot_names();
  state.slots.clear();
  for (size_t s = 0; s < names.size(); ++s) {
    state.slots.push_back(Tensor::full(param.shape(), slot_initial_value(s), param.dtype()));
  }
}

void Optimizer::step(const std::vector<Tensor>& params) {
  pending_.clear();
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    FOVEA_CHECK(p.defined(), ValueError, class_name_, ".step: parameter ", i, " is an undefined tensor");
    const size_t index = register_param(p);
    Tensor g = p.grad();
    if (!g.defined()) continue;
    FOVEA_CHECK(p.dtype() == DType::f32 || p.dtype() == DType::f64, ValueError, class_name_, ".step: parameter ", i,
                " has dtype ", dtype_name(p.dtype()), "; optimizers update f32 or f64 parameters");
    FOVEA_CHECK(g.shape() == p.shape() && g.dtype() == p.dtype(), ValueError, class_name_,
                ".step: the gradient of parameter ", i, " is ", dtype_name(g.dtype()), " ", g.shape().to_string(),
                " but the parameter is ", dtype_name(p.dtype()), " ", p.shape().to_string());
    FOVEA_CHECK(p.device() == kCpu, ValueError, class_name_, ".step: parameter ", i, " is not on the CPU");
    pending_.push_back({index, p, std::move(g)});
  }
  if (pending_.empty()) return;

  double global_scale = 1.0;
  if (common_.global_clipnorm) {
    double total = 0;
    for (const Pending& item : pending_) total += sum_of_squares(item.grad);
    global_scale = clip_factor(std::sqrt(total), *common_.global_clipnorm);
  }
  const double lr = learning_rate();
  const int64_t local_step = iterations_ + 1;
  const double decay = common_.weight_decay ? lr * *common_.weight_decay : 0.0;
  const double clip_value = common_.clipvalue ? *common_.clipvalue : std::numeric_limits<double>::infinity();
  begin_step(local_step);
  for (Pending& item : pending_) {
    ParamState& state = params_[item.index];
    if (state.slots.empty()) allocate_slots(state, item.param);
    double scale = global_scale;
    if (common_.clipnorm) scale = clip_factor(std::sqrt(sum_of_squares(item.grad)), *common_.clipnorm);
    update({.param = item.param,
            .grad = item.grad,
            .slots = &state.slots,
            .learning_rate = lr,
            .local_step = local_step,
            .decay = decay,
            .grad_scale = scale,
            .clip_value = clip_value});
  }
  ++iterations_;
  pending_.clear();  // drop the references until the next step
}

void Optimizer::step(const std::vector<Weight*>& weights) {
  weight_values_.clear();
  for (Weight* w : weights) {
    if (w != nullptr && w->trainable) weight_values_.push_back(w->value);
  }
  step(weight_values_);
  weight_values_.clear();
  autograd::NoGradGuard no_grad;
  for (Weight* w : weights) {
    if (w == nullptr || !w->trainable || !w->constraint || !w->value.grad().defined()) continue;
    w->value.copy_((*w->constraint)(w->value, w->fan_in_axes));
  }
}

nlohmann::json Optimizer::config() const {
  nlohmann::json c = {
      {"name", class_name_},
      {"learning_rate", common_.learning_rate_schedule ? schedules::to_json(common_.learning_rate_schedule)
                                                       : nlohmann::json(learning_rate_)},
      {"weight_decay", optional_json(common_.weight_decay)},
      {"clipnorm", optional_json(common_.clipnorm)},
      {"global_clipnorm", optional_json(common_.global_clipnorm)},
      {"clipvalue", optional_json(common_.clipvalue)}};
  c.update(own_config());
  return c;
}

OptimizerState Optimizer::state() const {
  OptimizerState out;
  out.emplace_back("iterations", Tensor::scalar(static_cast<double>(iterations_), DType::i64));
  out.emplace_back("learning_rate", Tensor::scalar(learning_rate_, DType::f64));
  for (const auto& [name, value] : scalar_state()) out.emplace_back(name, Tensor::scalar(value, DType::f64));
  const std::vector<std::string> names = slot_names();
  for (size_t i = 0; i < params_.size(); ++i) {
    for (size_t s = 0; s < params_[i].slots.size(); ++s) {
      out.emplace_back(detail::concat(i, "/", names[s]), params_[i].slots[s].clone());
    }
  }
  return out;
}

void Optimizer::load_state(const OptimizerState& state, const std::vector<Tensor>& params) {
  params_.clear();
  index_.clear();
  for (size_t i = 0; i < params.size(); ++i) {
    FOVEA_CHECK(params[i].defined(), ValueError, class_name_, ".load_state: parameter ", i, " is an undefined tensor");
    register_param(params[i]);
  }
  const std::vector<std::string> names = slot_names();
  bool has_iterations = false;
  for (const auto& entry : state) {
    // Named references, not a structured binding: the lambda below captures the name (clang 14 cannot).
    const std::string& name = entry.first;
    const Tensor& value = entry.second;
    const auto fail = [&](const std::string& why) {
      return ValueError(detail::concat(class_name_, ".load_state: entry '", name, "' ", why));
    };
    if (name == "iterations") {
      iterations_ = static_cast<int64_t>(value.item());
      has_iterations = true;
      continue;
    }
    if (name == "learning_rate") {
      learning_rate_ = value.item();
      continue;
    }
    const size_t slash = name.find('/');
    if (slash == std::string::npos) {
      set_scalar_state(name, value.item());
      continue;
    }
    size_t index = 0;
    try {
      index = std::stoul(name.substr(0, slash));
    } catch (const std::exception&) {
      throw fail("does not start with a parameter index");
    }
    if (index >= params.size()) {
      throw fail(detail::concat("refers to parameter ", index, " but ", params.size(), " parameters were given"));
    }
    const std::string slot = name.substr(slash + 1);
    const auto found = std::find(names.begin(), names.end(), slot);
    if (found == names.end()) throw fail("names a slot this optimizer does not have");
    const Tensor& p = params[index];
    if (value.shape() != p.shape() || value.dtype() != p.dtype()) {
      throw fail(detail::concat("is ", dtype_name(value.dtype()), " ", value.shape().to_string(), " but parameter ",
                                index, " is ", dtype_name(p.dtype()), " ", p.shape().to_string()));
    }
    ParamState& ps = params_[index_.at(p.impl().get())];
    if (ps.slots.empty()) allocate_slots(ps, p);
    ps.slots[static_cast<size_t>(found - names.begin())].copy_(value);
  }
  FOVEA_CHECK(has_iterations, ValueError, class_name_, ".load_state: the state has no 'iterations' entry");
}

}  // namespace fovea
