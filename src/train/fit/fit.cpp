// Model::fit, evaluate and predict: the epoch loop over a DataLoader, validation, callbacks and progress.
#include <algorithm>
#include <cstring>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/core/host_memory.h"
#include "fovea/core/rng.h"
#include "fovea/data/loader.h"
#include "fovea/train/progress.h"
#include "train/fit/training_state.h"

namespace fovea {

using namespace training_detail;

namespace {

// The rows [start, start + count) of t (t may be undefined), as a view that shares t's storage: tensors are
// contiguous, so leading rows are one range of bytes, and a copy of a data set would hold it twice.
Tensor rows(const Tensor& t, int64_t start, int64_t count) {
  if (!t.defined()) return t;
  const size_t row_bytes = t.nbytes() / static_cast<size_t>(std::max<int64_t>(t.dim(0), 1));
  auto view = std::make_shared<TensorImpl>();
  view->storage = t.impl()->storage;
  view->offset_bytes = t.impl()->offset_bytes + static_cast<size_t>(start) * row_bytes;
  view->shape = t.shape();
  view->shape[0] = count;
  view->dtype = t.dtype();
  return Tensor(std::move(view));
}

void check_samples(const Tensor& x, const Tensor& y, const char* method) {
  FOVEA_CHECK(x.defined() && x.rank() >= 1, ValueError, "Model.", method, ": x must be a tensor of samples");
  // Training or scoring on nothing has no meaning (Keras refuses it too); predict gives an empty output instead.
  FOVEA_CHECK(x.dim(0) > 0 || std::strcmp(method, "predict") == 0, ValueError, "Model.", method,
              ": x holds no samples (shape ", x.shape().to_string(), "); expected at least one");
  FOVEA_CHECK(!y.defined() || (y.rank() >= 1 && y.dim(0) == x.dim(0)), ValueError, "Model.", method,
              ": x and y must hold the same number of samples; got x ", x.shape().to_string(), " and y ",
              y.defined() ? y.shape().to_string() : std::string("undefined"));
}

// Callbacks in Keras's order: the user's, then History, then the progress display.
std::vector<CallbackPtr> callback_list(const std::vector<CallbackPtr>& user, const CallbackPtr& history,
                                       int verbose, std::ostream& out) {
  std::vector<CallbackPtr> list;
  for (const CallbackPtr& c : user) {
    FOVEA_CHECK(c != nullptr, ValueError, "fit: a callback is null");
    list.push_back(c);
  }
  if (history) list.push_back(history);
  if (verbose > 0) list.push_back(std::make_shared<ProgressLogger>(verbose, out));
  return list;
}

// Runs the model over a loader in inference mode and returns the logs (prefixed).
Logs run_evaluation(Model& model, TrainingState& state, DataLoader& loader, const std::string& prefix,
                    const std::vector<CallbackPtr>& callbacks, ProgressBar* bar) {
  reset_metrics_of(state);
  for (const CallbackPtr& c : callbacks) c->on_test_begin({});
  loader.start_epoch(0);
  Batch batch;
  while (loader.next(batch)) {
    test_step(model, state, batch.x, batch.y, Tensor());
    Logs logs = metric_logs(state);
    for (const CallbackPtr& c : callbacks) c->on_test_batch_end(batch.index, logs);
    if (bar) bar->update(batch.index + 1, logs);
  }
  Logs logs = metric_logs(state, prefix);
  if (bar) bar->finish(loader.num_batches(), metric_logs(state));
  for (const CallbackPtr& c : callbacks) c->on_test_end(logs);
  return logs;
}

}  // namespace

History Model::fit(const Tensor& x, const Tensor& y, const FitOptions& options) {
  check_samples(x, y, "fit");
  FOVEA_CHECK(y.defined(), ValueError, "Model.fit: targets y are required");
  FOVEA_CHECK(options.validation_split >= 0 && options.validation_split < 1, ValueError,
              "Model.fit: validation_split must be in [0, 1), got ", options.validation_split);
  FOVEA_CHECK(options.batch_size > 0, ValueError, "Model.fit: batch_size must be > 0, got ", options.batch_size);
  const int64_t n = x.dim(0);
  Tensor train_x = x, train_y = y;
  FitOptions opts = options;
  if (!opts.validation_data && opts.validation_split > 0) {
    // Keras holds out the last samples, before any shuffling.
    const auto held = static_cast<int64_t>(static_cast<double>(n) * opts.validation_split);
    FOVEA_CHECK(held > 0 && held < n, ValueError, "Model.fit: validation_split ", opts.validation_split, " of ", n,
                " samples leaves ", held, " for validation and ", n - held, " for training; both must be > 0");
    opts.validation_data = Dataset{rows(x, n - held, held), rows(y, n - held, held)};
    train_x = rows(x, 0, n - held);
    train_y = rows(y, 0, n - held);
  }
  const uint64_t seed = opts.seed ? *opts.seed : DefaultGenerator()->next_u64();
  DataLoader loader(train_x, train_y,
                    {.batch_size = opts.batch_size, .shuffle = opts.shuffle, .seed = seed,
                     .num_workers = opts.workers, .prefetch_batches = opts.prefetch_batches,
                     .normalizer = opts.normalizer, .augmentation = opts.augmentation});
  return fit(loader, opts);
}

History Model::fit(const Dataset& data, const FitOptions& options) { return fit(data.images, data.labels, options); }

History Model::fit(DataLoader& train, const FitOptions& options) {
  TrainingState& state = compiled_state(training_, "fit");
  check_single_io(*this, "fit");
  FOVEA_CHECK(options.epochs >= 0 && options.initial_epoch >= 0, ValueError,
              "Model.fit: epochs and initial_epoch must be >= 0");
  std::unique_ptr<DataLoader> validation;
  if (options.validation_data) {
    check_samples(options.validation_data->images, options.validation_data->labels, "fit (validation_data)");
    validation = std::make_unique<DataLoader>(
        options.validation_data->images, options.validation_data->labels,
        LoaderOptions{.batch_size = train.options().batch_size, .shuffle = false, .num_workers = options.workers,
                      .prefetch_batches = options.prefetch_batches, .normalizer = options.normalizer});
  }
  std::ostream& out = options.out ? *options.out : std::cout;
  const int verbose = resolve_verbose(options.verbose, out);
  auto history = std::make_shared<History>();
  const std::vector<CallbackPtr> callbacks = callback_list(options.callbacks, history, verbose, out);
  FOVEA_CHECK(options.callback_states.size() <= options.callbacks.size(), ValueError, "Model.fit: ",
              options.callback_states.size(), " callback states to resume for ", options.callbacks.size(),
              " callbacks; the callbacks must be the ones the checkpoint was written with, in the same order");
  const TrainingParams params{.epochs = options.epochs,
                              .steps = train.num_batches(),
                              .verbose = verbose,
                              .initial_epoch = options.initial_epoch};
  for (const CallbackPtr& c : callbacks) {
    c->set_model(this);
    c->set_params(params);
  }

  state.stop_training = false;
  for (const CallbackPtr& c : callbacks) c->on_train_begin({});
  // The user's callbacks come first in the list, so a state's position is its callback's.
  for (size_t i = 0; i < options.callback_states.size(); ++i) {
    if (!options.callback_states[i].empty()) callbacks[i]->set_state(options.callback_states[i]);
  }
  Logs epoch_logs;
  for (int64_t epoch = options.initial_epoch; epoch < options.epochs && !state.stop_training; ++epoch) {
    reset_metrics_of(state);
    for (const CallbackPtr& c : callbacks) c->on_epoch_begin(epoch, {});
    train.start_epoch(epoch);
    Batch batch;
    while (!state.stop_training && train.next(batch)) {
      for (const CallbackPtr& c : callbacks) c->on_train_batch_begin(batch.index, {});
      train_step(*this, state, batch.x, batch.y, class_sample_weights(batch.y, options.class_weight));
      const Logs logs = metric_logs(state);
      for (const CallbackPtr& c : callbacks) c->on_train_batch_end(batch.index, logs);
    }
    epoch_logs = metric_logs(state);
    if (validation) {
      // Validation's tensors differ from training's (no gradients, other kernels), so the blocks cached for one
      // would sit beside the other's: hand them back at each switch, and the peak is the larger phase, not both.
      release_cached_host_memory();
      const Logs val = run_evaluation(*this, state, *validation, "val_", {}, nullptr);
      for (const auto& [name, value] : val) epoch_logs.set(name, value);
      release_cached_host_memory();
    }
    for (const CallbackPtr& c : callbacks) c->on_epoch_end(epoch, epoch_logs);
  }
  for (const CallbackPtr& c : callbacks) c->on_train_end(epoch_logs);
  for (const CallbackPtr& c : callbacks) c->set_model(nullptr);
  return *history;
}

Logs Model::evaluate(const Tensor& x, const Tensor& y, const EvaluateOptions& options) {
  TrainingState& state = compiled_state(training_, "evaluate");
  check_single_io(*this, "evaluate");
  check_samples(x, y, "evaluate");
  FOVEA_CHECK(y.defined(), ValueError, "Model.evaluate: targets y are required");
  DataLoader loader(x, y, {.batch_size = options.batch_size, .shuffle = false, .normalizer = options.normalizer});
  std::ostream& out = options.out ? *options.out : std::cout;
  const int verbose = resolve_verbose(options.verbose, out);
  std::unique_ptr<ProgressBar> bar;
  if (verbose > 0) bar = std::make_unique<ProgressBar>(loader.num_batches(), verbose, out);
  const std::vector<CallbackPtr> callbacks = callback_list(options.callbacks, nullptr, 0, out);
  for (const CallbackPtr& c : callbacks) c->set_model(this);
  Logs logs = run_evaluation(*this, state, loader, "", callbacks, bar.get());
  for (const CallbackPtr& c : callbacks) c->set_model(nullptr);
  return logs;
}

Logs Model::evaluate(const Dataset& data, const EvaluateOptions& options) {
  return evaluate(data.images, data.labels, options);
}

Tensor Model::predict(const Tensor& x, const PredictOptions& options) {
  check_single_io(*this, "predict");
  check_samples(x, Tensor(), "predict");
  if (x.dim(0) == 0) return call({x}, /*training=*/false)[0];  // no samples: an empty output of the right shape
  DataLoader loader(x, Tensor(), {.batch_size = options.batch_size, .shuffle = false, .normalizer = options.normalizer});
  std::ostream& out = options.out ? *options.out : std::cout;
  const int verbose = resolve_verbose(options.verbose, out);
  std::unique_ptr<ProgressBar> bar;
  if (verbose > 0) bar = std::make_unique<ProgressBar>(loader.num_batches(), verbose, out);
  const std::vector<CallbackPtr> callbacks = callback_list(options.callbacks, nullptr, 0, out);
  for (const CallbackPtr& c : callbacks) {
    c->set_model(this);
    c->on_predict_begin({});
  }
  autograd::NoGradGuard no_grad;
  Tensor result;
  int64_t filled = 0;
  loader.start_epoch(0);
  Batch batch;
  while (loader.next(batch)) {
    Tensor y = call({batch.x}, /*training=*/false)[0];
    if (!result.defined()) {
      Shape shape = y.shape();
      shape[0] = x.dim(0);
      result = Tensor::empty(shape, y.dtype());
    }
    std::memcpy(static_cast<char*>(result.raw_data()) + filled * (result.nbytes() / result.dim(0)), y.raw_data(),
                y.nbytes());
    filled += y.dim(0);
    for (const CallbackPtr& c : callbacks) c->on_predict_batch_end(batch.index, {});
    if (bar) bar->update(batch.index + 1, {});
  }
  if (bar) bar->finish(loader.num_batches(), {});
  for (const CallbackPtr& c : callbacks) {
    c->on_predict_end({});
    c->set_model(nullptr);
  }
  return result;
}

// Without options (model.h declares overloads where default arguments would need the complete option types).
History Model::fit(const Tensor& x, const Tensor& y) { return fit(x, y, FitOptions{}); }
History Model::fit(const Dataset& data) { return fit(data, FitOptions{}); }
History Model::fit(DataLoader& train) { return fit(train, FitOptions{}); }
Logs Model::evaluate(const Tensor& x, const Tensor& y) { return evaluate(x, y, EvaluateOptions{}); }
Logs Model::evaluate(const Dataset& data) { return evaluate(data, EvaluateOptions{}); }
Tensor Model::predict(const Tensor& x) { return predict(x, PredictOptions{}); }

}  // namespace fovea
