// What Model::compile() stores and fit/evaluate/predict share: the optimizer, loss and metrics, and the
// single-batch steps they are built from.
#pragma once

#include <string>
#include <vector>

#include "fovea/models/model.h"
#include "fovea/train/training.h"

namespace fovea {

struct TrainingState {
  OptimizerPtr optimizer;
  losses::LossPtr loss;
  std::vector<MetricSpec> metric_specs;  // as compile() got them
  std::vector<metrics::MetricPtr> metrics;        // resolved at the first batch (accuracy needs the shapes)
  metrics::Mean loss_mean{{.name = "loss"}};
  bool stop_training = false;
};

namespace training_detail {

// The compiled state, or ValueError naming the method that needs compile().
TrainingState& compiled_state(const std::shared_ptr<TrainingState>& state, const char* method);

// Checks the model has one input and one output and x fits it; ValueError / ShapeError otherwise.
void check_single_io(const Model& model, const char* method);

// Resolves the metrics on the first batch, then adds y_pred to them and loss_value to the loss mean.
void update_metrics(TrainingState& state, const Tensor& y, const Tensor& y_pred, const Tensor& sample_weight,
                    double loss_value, int64_t batch_size);
void reset_metrics_of(TrainingState& state);
// {"loss": mean, metric name: result, ...}, each name prefixed.
Logs metric_logs(const TrainingState& state, const std::string& prefix = "");

// One forward/backward/update on a batch; updates the running metrics. Returns the batch's loss (with
// regularization, as Keras reports it).
double train_step(Model& model, TrainingState& state, const Tensor& x, const Tensor& y,
                  const Tensor& sample_weight);
// Forward in inference mode; updates the running metrics.
void test_step(Model& model, TrainingState& state, const Tensor& x, const Tensor& y, const Tensor& sample_weight);

// Per-sample weights from class_weight (empty: undefined tensor) for targets y: class ids, or one-hot rows.
Tensor class_sample_weights(const Tensor& y, const std::vector<double>& class_weight);

}  // namespace training_detail
}  // namespace fovea
