// Options of Model::compile, fit, evaluate and predict (Keras's arguments and defaults). The methods themselves
// are declared on Model (include/fovea/models/model.h, included here) and implemented in src/train.
//
//   model.compile({.optimizer = optimizers::Adam(), .loss = "sparse_categorical_crossentropy",
//                  .metrics = {"accuracy"}});
//   History history = model.fit(train.images, train.labels, {.epochs = 10, .batch_size = 128,
//                                                            .validation_split = 0.1});
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "fovea/data/datasets.h"
#include "fovea/data/normalization.h"
#include "fovea/models/model.h"
#include "fovea/train/callbacks.h"
#include "fovea/train/losses.h"
#include "fovea/train/metrics.h"
#include "fovea/train/optimizers.h"

namespace fovea {

class Augmentation;  // include/fovea/data/augmentation.h

// A loss given as an object or by Keras name ("sparse_categorical_crossentropy"), as compile() accepts it.
struct LossSpec {
  losses::LossPtr loss;
  LossSpec() = default;
  LossSpec(losses::LossPtr l) : loss(std::move(l)) {}  // NOLINT(google-explicit-constructor): Keras-style compile
  LossSpec(const char* name);                  // NOLINT(google-explicit-constructor)
  LossSpec(const std::string& name);           // NOLINT(google-explicit-constructor)
};

// A metric as an object or by Keras name. "accuracy" / "acc" mean the accuracy that fits the loss and shapes
// (Keras's rule: binary, sparse categorical or categorical), resolved at the first batch.
struct MetricSpec {
  metrics::MetricPtr metric;
  std::string name;  // set when given by name
  MetricSpec(metrics::MetricPtr m) : metric(std::move(m)) {}  // NOLINT(google-explicit-constructor)
  MetricSpec(const char* n) : name(n) {}             // NOLINT(google-explicit-constructor)
  MetricSpec(std::string n) : name(std::move(n)) {}  // NOLINT(google-explicit-constructor)
};

// An optimizer as an object or by Keras name ("adam", "sgd", ...; Keras's defaults).
struct OptimizerSpec {
  OptimizerPtr optimizer;
  OptimizerSpec() = default;
  OptimizerSpec(OptimizerPtr o) : optimizer(std::move(o)) {}  // NOLINT(google-explicit-constructor)
  OptimizerSpec(const char* name);                            // NOLINT(google-explicit-constructor)
  OptimizerSpec(const std::string& name);                     // NOLINT(google-explicit-constructor)
};

struct CompileOptions {
  OptimizerSpec optimizer = "rmsprop";  // Keras's default
  LossSpec loss{};                      // required
  std::vector<MetricSpec> metrics{};
};

struct FitOptions {
  int64_t epochs = 1;
  int64_t batch_size = 32;
  // The last fraction of the samples (before shuffling, as Keras does) held out for validation, in [0, 1).
  double validation_split = 0.0;
  // Explicit validation samples (images = inputs, labels = targets); takes precedence over validation_split.
  std::optional<Dataset> validation_data{};
  bool shuffle = true;
  std::vector<CallbackPtr> callbacks{};
  // 0 silent, 1 progress bar, 2 one line per epoch, -1 auto (1 on a terminal, 2 otherwise).
  int verbose = -1;
  std::ostream* out = &std::cout;
  // Epoch to start at (resuming): epochs counts up to `epochs` in total, as in Keras.
  int64_t initial_epoch = 0;
  // Resuming: the states of `callbacks` (by position; an empty state leaves its callback as on_train_begin set
  // it), as a checkpoint stored them (LoadedModel::callback_states). More states than callbacks is a ValueError.
  std::vector<CallbackState> callback_states{};
  // Loss weight per class index (sparse integer targets or one-hot targets); empty means all 1.
  std::vector<double> class_weight{};
  // Seeds shuffling and augmentation; without it they draw a seed from the default generator, so
  // fovea::manual_seed() makes a whole run repeatable.
  std::optional<uint64_t> seed{};
  // Background threads preparing batches (0: on the training thread) and how many batches they keep ready.
  int workers = 1;
  int prefetch_batches = 2;
  // Applied to every batch of x and of the validation inputs, giving float32 batches from data of any numeric
  // dtype (see LoaderOptions::normalizer): images can stay as their stored bytes.
  std::shared_ptr<const Normalizer> normalizer{};
  // Applied on the fly to every training sample (not to validation data), after the normalizer.
  std::shared_ptr<const Augmentation> augmentation{};
};

struct EvaluateOptions {
  int64_t batch_size = 32;
  std::shared_ptr<const Normalizer> normalizer{};  // applied to every batch of x, as in FitOptions
  int verbose = -1;
  std::ostream* out = &std::cout;
  std::vector<CallbackPtr> callbacks{};
};

struct PredictOptions {
  int64_t batch_size = 32;
  std::shared_ptr<const Normalizer> normalizer{};  // applied to every batch of x, as in FitOptions
  int verbose = 0;
  std::ostream* out = &std::cout;
  std::vector<CallbackPtr> callbacks{};
};

}  // namespace fovea
