// DataLoader: cuts (x, y) into shuffled batches for the training loop, with background threads that gather rows and
// apply the seeded augmentation a few batches ahead. Results never depend on the number of threads or on timing.
#pragma once

#include <cstdint>
#include <memory>

#include "fovea/core/tensor.h"
#include "fovea/data/augmentation.h"
#include "fovea/data/datasets.h"
#include "fovea/data/normalization.h"

namespace fovea {

// One batch: rows of the source tensors, batch first, with the sources' dtypes and trailing shapes.
struct Batch {
  Tensor x{};
  Tensor y{};         // undefined when the loader has no y (prediction)
  int64_t size = 0;   // rows in this batch
  int64_t index = 0;  // which batch of the epoch, from 0
};

struct LoaderOptions {
  int64_t batch_size = 32;  // > 0
  bool shuffle = true;      // a fresh permutation each epoch; false keeps the order 0..N-1
  bool drop_last = false;   // drop the last batch when it has fewer than batch_size rows
  uint64_t seed = 0;        // fixes every epoch's permutation and every sample's augmentation
  // Background threads (std::thread, so they never compete with the kernels' OpenMP pool for its threads);
  // 0 prepares each batch on the thread that calls next().
  int num_workers = 1;
  // Batches prepared (or being prepared) ahead of the one next() returns; >= 1. Workers beyond this number idle,
  // so keep prefetch_batches >= num_workers.
  int prefetch_batches = 2;
  // Applied to each batch of x (never to y) when set, giving float32 batches from x of any numeric dtype: a data
  // set can stay as its stored bytes (a quarter of float32's memory) and be normalized batch by batch.
  std::shared_ptr<const Normalizer> normalizer{};
  // Applied to each sample of x (never to y), after the normalizer, when set; batches of another dtype than float32
  // (stored bytes) are converted to float32 first.
  std::shared_ptr<const Augmentation> augmentation{};
};

// Iterates over (x, y) in batches, epoch by epoch:
//   DataLoader loader(train, {.batch_size = 128, .seed = 1, .augmentation = augmentation});
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//     loader.start_epoch(epoch);
//     Batch batch;
//     while (loader.next(batch)) { ... }
//   }
// Epoch e's order is a Fisher-Yates permutation drawn from Generator(epoch_seed(seed, e)) (or 0..N-1 without
// shuffle), and batch b holds positions [b * batch_size, (b + 1) * batch_size) of that order. The sample at
// position p is augmented with Generator(sample_seed(seed, e, p)). Use a loader from one thread; its workers are
// internal. Source tensors are shared, not copied: do not modify them while the loader runs.
class DataLoader {
 public:
  // x: any tensor with samples on axis 0; y: undefined, or any tensor with the same first dimension. Throws
  // ValueError when batch_size < 1, num_workers < 0, prefetch_batches < 1 or the first dimensions differ (naming
  // both shapes); and the augmentation's own error (Augmentation::check) when it cannot apply to x's samples.
  // Starts the workers.
  DataLoader(Tensor x, Tensor y, LoaderOptions options = {});
  // images as x, labels as y.
  explicit DataLoader(const Dataset& data, LoaderOptions options = {});
  // Stops and joins the workers, also in the middle of an epoch.
  ~DataLoader();
  DataLoader(DataLoader&&) noexcept;
  DataLoader& operator=(DataLoader&&) noexcept;
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t size() const;         // samples N
  int64_t num_batches() const;  // batches per epoch: ceil(N / batch_size), or floor with drop_last
  const LoaderOptions& options() const;

  // Fixes epoch's order and (re)starts it from its first batch. Cancels whatever the previous epoch had in
  // flight, including a pending error, so it may be called at any point.
  void start_epoch(int64_t epoch);
  // The epoch's next batch: true and fills batch, or false once every batch was returned. Calling it before any
  // start_epoch starts epoch 0. An error raised while preparing a batch (in a worker or here) is rethrown when
  // that batch is due, and again on every later call until start_epoch.
  bool next(Batch& batch);

  // The seeds named above (splitmix64 mixes), public so results can be reproduced outside the loader.
  static uint64_t epoch_seed(uint64_t seed, int64_t epoch);
  static uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t position);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace fovea
