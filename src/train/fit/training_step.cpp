// Model::compile and the single-batch steps (train_on_batch, test_on_batch, predict_on_batch) that fit,
// evaluate and predict repeat.
#include <cmath>
#include <cstdint>
#include <limits>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "train/fit/training_state.h"

namespace fovea {

LossSpec::LossSpec(const char* name) : loss(losses::from_name(name)) {}
LossSpec::LossSpec(const std::string& name) : loss(losses::from_name(name)) {}
OptimizerSpec::OptimizerSpec(const char* name) : optimizer(optimizers::from_name(name)) {}
OptimizerSpec::OptimizerSpec(const std::string& name) : optimizer(optimizers::from_name(name)) {}

namespace training_detail {
namespace {

bool is_accuracy_alias(const std::string& name) { return name == "accuracy" || name == "acc"; }

// The weights an optimizer step updates: trainable weights of trainable layers, in layer order (the order of
// Model::trainable_weights(), which optimizer state in checkpoints refers to).
std::vector<Weight*> weights_to_update(Model& model) {
  std::vector<Weight*> out;
  for (const Layer& layer : model.layers()) {
    if (!layer->trainable()) continue;
    for (Weight& w : layer->weights()) {
      if (w.trainable) out.push_back(&w);
    }
  }
  return out;
}

bool all_finite(const Tensor& t) {
  if (t.dtype() != DType::f32) {
    for (double v : t.to_vector()) {
      if (!std::isfinite(v)) return false;
    }
    return true;
  }
  // Runs over every gradient every step, so it must cost no more than reading them once: a float is not finite
  // exactly when its exponent bits are all ones, which the compiler vectorizes; OpenMP splits large tensors.
  const uint32_t* bits = static_cast<const uint32_t*>(t.raw_data());
  const int64_t n = t.numel();
  uint32_t non_finite = 0;
#pragma omp parallel for simd reduction(| : non_finite) if (n >= (1 << 16)) schedule(static)
  for (int64_t i = 0; i < n; ++i) non_finite |= static_cast<uint32_t>((bits[i] & 0x7f800000u) == 0x7f800000u);
  return non_finite == 0;
}

}  // namespace

TrainingState& compiled_state(const std::shared_ptr<TrainingState>& state, const char* method) {
  FOVEA_CHECK(state != nullptr, ValueError, "Model.", method,
              ": the model is not compiled; call compile({.optimizer, .loss, .metrics}) first");
  return *state;
}

void check_single_io(const Model& model, const char* method) {
  FOVEA_CHECK(model.inputs().size() == 1 && model.outputs().size() == 1, ValueError, "Model '", model.name(),
              "'.", method, ": supports models with one input and one output; this one has ",
              model.inputs().size(), " inputs and ", model.outputs().size(), " outputs");
}

void reset_metrics_of(TrainingState& state) {
  state.loss_mean.reset();
  for (const metrics::MetricPtr& m : state.metrics) m->reset();
}

void update_metrics(TrainingState& state, const Tensor& y, const Tensor& y_pred, const Tensor& sample_weight,
                    double loss_value, int64_t batch_size) {
  if (state.metrics.size() != state.metric_specs.size()) {
    state.metrics.clear();
    for (const MetricSpec& spec : state.metric_specs) {
      if (spec.metric) {
        state.metrics.push_back(spec.metric);
      } else if (is_accuracy_alias(spec.name)) {
        state.metrics.push_back(metrics::accuracy_for_shapes(y.shape(), y_pred.shape(), spec.name));
      } else {
        state.metrics.push_back(metrics::from_name(spec.name));
      }
    }
  }
  state.loss_mean.add(loss_value, static_cast<double>(batch_size));
  for (const metrics::MetricPtr& m : state.metrics) m->update(y, y_pred, sample_weight);
}

Logs metric_logs(const TrainingState& state, const std::string& prefix) {
  Logs logs;
  logs.set(prefix + "loss", state.loss_mean.result());
  for (const metrics::MetricPtr& m : state.metrics) logs.set(prefix + m->name(), m->result());
  return logs;
}

double train_step(Model& model, TrainingState& state, const Tensor& x, const Tensor& y,
                  const Tensor& sample_weight) {
  std::vector<Weight*> weights = weights_to_update(model);
  for (Weight* w : weights) w->value.zero_grad();

  Tensor y_pred = model.call({x}, /*training=*/true)[0];
  Tensor loss = (*state.loss)(y, y_pred, sample_weight);
  Tensor regularization = model.regularization_loss();
  Tensor total = regularization.defined() ? add(loss, regularization) : loss;
  double value = total.item();
  if (std::isfinite(value)) {
    total.backward();
    // A NaN in the data can vanish from the forward pass (relu and the probability clip map it into range) and
    // still poison the gradients; such a batch changes nothing and is reported as a NaN loss, so that
    // TerminateOnNaN and the logs see it.
    bool finite = true;
    for (Weight* w : weights) finite = finite && (!w->value.grad().defined() || all_finite(w->value.grad()));
    if (finite) {
      state.optimizer->step(weights);
    } else {
      value = std::numeric_limits<double>::quiet_NaN();
    }
  }
  autograd::NoGradGuard no_grad;
  update_metrics(state, y, y_pred.detach(), sample_weight, value, x.dim(0));
  return value;
}

void test_step(Model& model, TrainingState& state, const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  autograd::NoGradGuard no_grad;
  Tensor y_pred = model.call({x}, /*training=*/false)[0];
  Tensor loss = (*state.loss)(y, y_pred, sample_weight);
  Tensor regularization = model.regularization_loss();
  double value = loss.item() + (regularization.defined() ? regularization.item() : 0.0);
  update_metrics(state, y, y_pred, sample_weight, value, x.dim(0));
}

Tensor class_sample_weights(const Tensor& y, const std::vector<double>& class_weight) {
  if (class_weight.empty()) return Tensor();
  const int64_t n = y.dim(0);
  const bool one_hot = y.rank() >= 2 && y.dim(y.rank() - 1) > 1;
  const int64_t row = one_hot ? y.numel() / n : (y.rank() == 0 ? 1 : y.numel() / n);
  FOVEA_CHECK(one_hot || row == 1, ValueError, "fit: class_weight needs class ids (shape (batch,) or (batch, 1)) ",
              "or one-hot targets; got targets of shape ", y.shape().to_string());
  std::vector<double> values = y.to_vector();
  std::vector<double> weights(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t cls = 0;
    if (one_hot) {
      for (int64_t c = 1; c < row; ++c) {
        if (values[i * row + c] > values[i * row + cls]) cls = c;
      }
    } else {
      cls = static_cast<int64_t>(values[i]);
    }
    FOVEA_CHECK(cls >= 0 && cls < static_cast<int64_t>(class_weight.size()), ValueError,
                "fit: class_weight has ", class_weight.size(), " entries but a target is class ", cls);
    weights[i] = class_weight[cls];
  }
  return Tensor::from_vector(Shape{n}, weights);
}

}  // namespace training_detail

using namespace training_detail;

void Model::compile(const CompileOptions& options) {
  FOVEA_CHECK(options.loss.loss != nullptr, ValueError, "Model '", name_,
              "'.compile: a loss is required (an object such as losses::SparseCategoricalCrossentropy() or a "
              "Keras name such as \"sparse_categorical_crossentropy\")");
  FOVEA_CHECK(options.optimizer.optimizer != nullptr, ValueError, "Model '", name_,
              "'.compile: the optimizer is null");
  for (const MetricSpec& spec : options.metrics) {
    FOVEA_CHECK(spec.metric || !spec.name.empty(), ValueError, "Model '", name_, "'.compile: a metric is null");
    if (!spec.metric && !is_accuracy_alias(spec.name)) metrics::from_name(spec.name);  // unknown names fail now
  }
  auto state = std::make_shared<TrainingState>();
  state->optimizer = options.optimizer.optimizer;
  state->loss = options.loss.loss;
  state->metric_specs = options.metrics;
  training_ = std::move(state);
}

bool Model::compiled() const { return training_ != nullptr; }
Optimizer& Model::optimizer() { return *compiled_state(training_, "optimizer").optimizer; }
const losses::Loss& Model::loss() const { return *compiled_state(training_, "loss").loss; }

void Model::stop_training(bool value) { compiled_state(training_, "stop_training").stop_training = value; }
bool Model::stop_training() const { return training_ != nullptr && training_->stop_training; }

Logs Model::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  TrainingState& state = compiled_state(training_, "train_on_batch");
  check_single_io(*this, "train_on_batch");
  train_step(*this, state, x, y, sample_weight);
  return metric_logs(state);
}

Logs Model::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  TrainingState& state = compiled_state(training_, "test_on_batch");
  check_single_io(*this, "test_on_batch");
  test_step(*this, state, x, y, sample_weight);
  return metric_logs(state);
}

void Model::reset_metrics() { reset_metrics_of(compiled_state(training_, "reset_metrics")); }

Tensor Model::predict_on_batch(const Tensor& x) {
  check_single_io(*this, "predict_on_batch");
  autograd::NoGradGuard no_grad;
  return call({x}, /*training=*/false)[0];
}

}  // namespace fovea
