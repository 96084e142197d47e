// The host block cache: freed large blocks come back for the next tensor of their size class (or of a class up to
// half their size), a steady-state training step gets all of its large blocks from the cache, the peak of live
// bytes is tracked, and release / a lower limit hand blocks back.
#include <gtest/gtest.h>

#include "fovea/fovea.h"

namespace fovea {
namespace {

constexpr int64_t kLarge = 1 << 20;  // floats: 4 MiB, far above the cache's 64 KiB floor

TEST(HostMemory, AFreedLargeBlockServesTheNextTensorOfItsSize) {
  { Tensor warm = Tensor::zeros({kLarge}); }
  const HostMemoryStats before = host_memory_stats();
  {
    Tensor t = Tensor::zeros({kLarge});
    EXPECT_EQ(t.to_vector()[kLarge - 1], 0.0);  // zero-filled although the block was used before
  }
  { Tensor t = Tensor::empty({kLarge - 100}); }  // same size class
  const HostMemoryStats after = host_memory_stats();
  EXPECT_EQ(after.system_allocations, before.system_allocations);
  EXPECT_EQ(after.reuses, before.reuses + 2);
}

TEST(HostMemory, SteadyStateTrainingStepsTakeNoNewBlocksFromTheSystem) {
  manual_seed(1);
  SymbolicTensor x = Input({16, 16, 3});
  SymbolicTensor y = Conv2D({.filters = 32, .kernel_size = {3}, .activation = ActivationKind::relu})(x);
  y = BatchNormalization()(y);
  y = MaxPooling2D()(y);
  y = Flatten()(y);
  y = Dense({.units = 10, .activation = ActivationKind::softmax})(y);
  Model model(x, y);
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  const Tensor images = Tensor::uniform({64, 16, 16, 3}, 0, 1);
  const Tensor labels = Tensor::uniform({64}, 0, 10).to(DType::i64);
  for (int step = 0; step < 2; ++step) model.train_on_batch(images, labels);
  const HostMemoryStats before = host_memory_stats();
  for (int step = 0; step < 3; ++step) model.train_on_batch(images, labels);
  const HostMemoryStats after = host_memory_stats();
  EXPECT_EQ(after.system_allocations, before.system_allocations);
  EXPECT_GT(after.reuses, before.reuses);
}

TEST(HostMemory, AMissTakesACachedBlockOfUpToTwiceItsSize) {
  release_cached_host_memory();
  { Tensor six_mib = Tensor::empty({kLarge * 3 / 2}); }
  const HostMemoryStats before = host_memory_stats();
  {
    Tensor four_mib = Tensor::empty({kLarge});  // its own class is empty: takes the 6 MiB block
    EXPECT_EQ(host_memory_stats().in_use_bytes, before.in_use_bytes + 6 * (1 << 20));
  }
  HostMemoryStats after = host_memory_stats();
  EXPECT_EQ(after.system_allocations, before.system_allocations);
  EXPECT_EQ(after.reuses, before.reuses + 1);
  EXPECT_EQ(after.cached_bytes, before.cached_bytes);  // back in its own class

  { Tensor two_mib = Tensor::empty({kLarge / 2}); }  // a third of the block: from the system
  EXPECT_EQ(host_memory_stats().system_allocations, after.system_allocations + 1);
}

TEST(HostMemory, PeakCountsTheMostBytesLiveSinceTheReset) {
  release_cached_host_memory();
  reset_peak_host_memory_stats();
  const size_t base = host_memory_stats().in_use_bytes;
  EXPECT_EQ(host_memory_stats().peak_in_use_bytes, base);
  {
    Tensor a = Tensor::empty({kLarge});
    { Tensor b = Tensor::empty({kLarge}); }
    Tensor c = Tensor::empty({kLarge / 2});
  }
  EXPECT_EQ(host_memory_stats().peak_in_use_bytes, base + 8 * (1 << 20));
  reset_peak_host_memory_stats();
  EXPECT_EQ(host_memory_stats().peak_in_use_bytes, base);
}

TEST(HostMemory, ReleaseAndLimitHandBlocksBack) {
  { Tensor t = Tensor::zeros({kLarge}); }
  EXPECT_GT(host_memory_stats().cached_bytes, 0u);
  release_cached_host_memory();
  EXPECT_EQ(host_memory_stats().cached_bytes, 0u);

  set_host_memory_cache_limit(0);
  { Tensor t = Tensor::zeros({kLarge}); }
  EXPECT_EQ(host_memory_stats().cached_bytes, 0u);
  const uint64_t misses = host_memory_stats().system_allocations;
  { Tensor t = Tensor::zeros({kLarge}); }
  EXPECT_EQ(host_memory_stats().system_allocations, misses + 1);
  set_host_memory_cache_limit(size_t{2} << 30);
}

}  // namespace
}  // namespace fovea
