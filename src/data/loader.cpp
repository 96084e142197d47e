// DataLoader: epoch orders, batch gathering with augmentation, and the background workers that prefetch batches.
#include "fovea/data/loader.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include "data/augment/augment_util.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

// Mixes b into a so that nearby values (epochs 0, 1, 2; positions p, p + 1) give unrelated seeds.
uint64_t mix(uint64_t a, uint64_t b) { return splitmix64(a ^ splitmix64(b)); }

// Separate streams for the permutations and the augmentation, so neither's draws shift the other's.
constexpr uint64_t kShuffleStream = 0x53485546464c45ull;  // "SHUFFLE"
constexpr uint64_t kAugmentStream = 0x4155474d454e54ull;  // "AUGMENT"

// One epoch's fixed order, shared by the workers preparing its batches.
struct EpochPlan {
  int64_t epoch = 0;
  uint64_t generation = 0;  // which start_epoch call made it; workers drop results of older generations
  std::vector<int64_t> order;
};

// A prepared batch, or the error that preparing it raised.
struct Prepared {
  Batch batch;
  std::exception_ptr error;
};

}  // namespace

struct DataLoader::State {
  Tensor x, y;
  LoaderOptions options;
  int64_t samples = 0;
  int64_t batches = 0;
  Shape sample_shape;  // x's shape without the sample axis
  size_t x_row_bytes = 0, y_row_bytes = 0;

  std::mutex mutex;
  std::condition_variable work_available;  // workers wait here
  std::condition_variable batch_done;      // next() waits here
  std::shared_ptr<const EpochPlan> plan;   // null until the first start_epoch
  // Bumped by start_epoch and by shutdown (under the mutex); in-flight work polls it to stop early.
  std::atomic<uint64_t> generation{0};
  int64_t next_to_claim = 0;   // the next batch a worker takes up
  int64_t next_to_return = 0;  // the next batch next() hands out
  std::map<int64_t, Prepared> ready;
  bool worker_failed = false;  // a ready batch holds an error: preparing later ones is wasted work
  std::exception_ptr error;    // the epoch failed; next() rethrows this until start_epoch
  bool stopping = false;
  std::vector<std::thread> workers;
  std::vector<float> scratch;  // for batches prepared on the calling thread

  ~State() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
      generation.fetch_add(1);
    }
    work_available.notify_all();
    for (std::thread& worker : workers) worker.join();
    workers.clear();
  }

  // Whether a worker may take up batch next_to_claim now (called with the mutex held).
  bool has_work() const {
    return plan != nullptr && !worker_failed && error == nullptr && next_to_claim < batches &&
           next_to_claim < next_to_return + options.prefetch_batches;
  }

  void worker_loop() {
    std::vector<float> worker_scratch;
    std::unique_lock lock(mutex);
    while (true) {
      work_available.wait(lock, [&] { return stopping || has_work(); });
      if (stopping) return;
      const std::shared_ptr<const EpochPlan> claimed_plan = plan;
      const int64_t index = next_to_claim++;
      lock.unlock();
      Prepared result;
      try {
        result.batch = prepare(*claimed_plan, index, worker_scratch);
      } catch (...) {
        result.error = std::current_exception();  // never let it escape the thread (std::terminate)
      }
      lock.lock();
      if (claimed_plan->generation == generation.load() && !stopping) {
        if (result.error) worker_failed = true;
        ready.emplace(index, std::move(result));
        batch_done.notify_all();
      }
    }
  }

  // Gathers batch `index` of plan and augments its samples. Returns early (an empty batch, which the caller
  // discards) once the plan has been superseded.
  Batch prepare(const EpochPlan& epoch_plan, int64_t index, std::vector<float>& work) const {
    const int64_t begin = index * options.batch_size;
    const int64_t count = std::min(options.batch_size, samples - begin);
    Shape x_shape = x.shape();
    x_shape[0] = count;
    Batch batch{.x = Tensor::empty(x_shape, x.dtype()), .size = count, .index = index};
    if (y.defined()) {
      Shape y_shape = y.shape();
      y_shape[0] = count;
      batch.y = Tensor::empty(y_shape, y.dtype());
    }
    const char* x_source = static_cast<const char*>(x.raw_data());
    const char* y_source = y.defined() ? static_cast<const char*>(y.raw_data()) : nullptr;
    char* x_rows = static_cast<char*>(batch.x.raw_data());
    char* y_rows = y.defined() ? static_cast<char*>(batch.y.raw_data()) : nullptr;
    for (int64_t i = 0; i < count; ++i) {
      if (epoch_plan.generation != generation.load(std::memory_order_relaxed)) return {};
      const int64_t row = epoch_plan.order[static_cast<size_t>(begin + i)];
      std::memcpy(x_rows + i * x_row_bytes, x_source + row * x_row_bytes, x_row_bytes);
      if (y_rows) std::memcpy(y_rows + i * y_row_bytes, y_source + row * y_row_bytes, y_row_bytes);
    }
    if (options.normalizer) batch.x = options.normalizer->transform(batch.x);
    const Augmentation* augmentation =
        options.augmentation && !options.augmentation->empty() ? options.augmentation.get() : nullptr;
    if (!augmentation) return batch;
    // Augmentation computes in float32: stored bytes are converted a batch at a time, never the whole data set.
    if (batch.x.dtype() != DType::f32) batch.x = batch.x.to(DType::f32);
    const int64_t sample_size = sample_shape.numel();
    for (int64_t i = 0; i < count; ++i) {
      if (epoch_plan.generation != generation.load(std::memory_order_relaxed)) return {};
      Generator gen(sample_seed(options.seed, epoch_plan.epoch, begin + i));
      augmentation->apply(batch.x.data<float>() + i * sample_size, sample_shape, gen, work);
    }
    return batch;
  }
};

uint64_t DataLoader::epoch_seed(uint64_t seed, int64_t epoch) {
  return mix(mix(seed, kShuffleStream), static_cast<uint64_t>(epoch));
}

uint64_t DataLoader::sample_seed(uint64_t seed, int64_t epoch, int64_t position) {
  return mix(mix(mix(seed, kAugmentStream), static_cast<uint64_t>(epoch)), static_cast<uint64_t>(position));
}

DataLoader::DataLoader(Tensor x, Tensor y, LoaderOptions options) : state_(std::make_unique<State>()) {
  FOVEA_CHECK(options.batch_size > 0, ValueError, "DataLoader: batch_size must be > 0; got ", options.batch_size);
  FOVEA_CHECK(options.num_workers >= 0, ValueError, "DataLoader: num_workers must be >= 0 (0 = no threads); got ",
              options.num_workers);
  FOVEA_CHECK(options.prefetch_batches >= 1, ValueError, "DataLoader: prefetch_batches must be >= 1; got ",
              options.prefetch_batches);
  FOVEA_CHECK(x.defined() && x.rank() >= 1, ValueError,
              "DataLoader: x must be a tensor with the samples on axis 0; got ",
              x.defined() ? "a scalar" : "an undefined tensor");
  FOVEA_CHECK(!y.defined() || (y.rank() >= 1 && y.dim(0) == x.dim(0)), ValueError,
              "DataLoader: x and y must hold the same number of samples (first dimension); got x ",
              x.shape().to_string(), " and y ", y.defined() ? y.shape().to_string() : "");
  State& s = *state_;
  s.sample_shape = Shape(x.shape().begin() + 1, x.shape().end());
  if (options.augmentation) options.augmentation->check(s.sample_shape);
  s.x = std::move(x);
  s.y = std::move(y);
  s.options = std::move(options);
  s.samples = s.x.dim(0);
  s.batches = s.options.drop_last ? s.samples / s.options.batch_size
                                  : (s.samples + s.options.batch_size - 1) / s.options.batch_size;
  s.x_row_bytes = s.samples > 0 ? s.x.nbytes() / static_cast<size_t>(s.samples) : 0;
  s.y_row_bytes = s.y.defined() && s.samples > 0 ? s.y.nbytes() / static_cast<size_t>(s.samples) : 0;
  for (int i = 0; i < s.options.num_workers; ++i) s.workers.emplace_back([&s] { s.worker_loop(); });
}

DataLoader::DataLoader(const Dataset& data, LoaderOptions options)
    : DataLoader(data.images, data.labels, std::move(options)) {}

DataLoader::~DataLoader() = default;
DataLoader::DataLoader(DataLoader&&) noexcept = default;
DataLoader& DataLoader::operator=(DataLoader&&) noexcept = default;

int64_t DataLoader::size() const { return state_->samples; }
int64_t DataLoader::num_batches() const { return state_->batches; }
const LoaderOptions& DataLoader::options() const { return state_->options; }

void DataLoader::start_epoch(int64_t epoch) {
  State& s = *state_;
  auto plan = std::make_shared<EpochPlan>();
  plan->epoch = epoch;
  plan->order.resize(static_cast<size_t>(s.samples));
  std::iota(plan->order.begin(), plan->order.end(), int64_t{0});
  if (s.options.shuffle) {
    Generator gen(epoch_seed(s.options.seed, epoch));
    for (int64_t i = s.samples - 1; i > 0; --i) {
      std::swap(plan->order[static_cast<size_t>(i)], plan->order[static_cast<size_t>(augment::uniform_int(gen, 0, i))]);
    }
  }
  std::map<int64_t, Prepared> cancelled;  // released after the lock, so workers are not held up by frees
  {
    std::lock_guard lock(s.mutex);
    plan->generation = s.generation.load() + 1;
    s.generation.store(plan->generation);
    s.plan = std::move(plan);
    s.next_to_claim = 0;
    s.next_to_return = 0;
    cancelled.swap(s.ready);
    s.worker_failed = false;
    s.error = nullptr;
  }
  s.work_available.notify_all();
}

bool DataLoader::next(Batch& batch) {
  State& s = *state_;
  if (s.plan == nullptr) start_epoch(0);
  if (s.workers.empty()) {
    if (s.error) std::rethrow_exception(s.error);
    if (s.next_to_return >= s.batches) return false;
    try {
      batch = s.prepare(*s.plan, s.next_to_return, s.scratch);
    } catch (...) {
      s.error = std::current_exception();
      throw;
    }
    ++s.next_to_return;
    return true;
  }
  std::unique_lock lock(s.mutex);
  if (s.error) std::rethrow_exception(s.error);
  if (s.next_to_return >= s.batches) return false;
  const int64_t index = s.next_to_return;
  s.batch_done.wait(lock, [&] { return s.ready.count(index) > 0; });
  auto node = s.ready.extract(index);
  ++s.next_to_return;
  if (node.mapped().error) {
    s.error = node.mapped().error;
    std::rethrow_exception(s.error);
  }
  batch = std::move(node.mapped().batch);
  lock.unlock();
  s.work_available.notify_all();  // a prefetch slot is free
  return true;
}

}  // namespace fovea
