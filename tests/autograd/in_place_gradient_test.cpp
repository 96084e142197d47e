// Backward rules that overwrite their incoming gradient (activations, dropout, convolution's fused activation)
// when nothing else shares it, that drop saved outputs early when the graph is not retained, and a fused ReLU
// that keeps a bit mask instead of its output. Sharing is the
// danger: add() hands one gradient tensor to both operands, so the first rule must leave it intact.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "fovea/fovea.h"
#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;
using testing::expect_gradients_match;
using testing::random64;

Tensor relu_conv(const Tensor& x, const Tensor& kernel) {
  return conv(x, {.kernel = kernel}, {.padding = Padding::same, .activation = Activation::relu()});
}

Tensor seeded_dropout(const Tensor& x, uint64_t seed) {
  Generator gen(seed);
  return dropout(x, {.rate = 0.4, .generator = &gen});
}

TEST(InPlaceGradients, AGradientIsExclusiveOnlyWhenNothingElseSharesItsMemory) {
  autograd::BackwardContext fresh({Tensor::zeros({4})}, {true});
  EXPECT_TRUE(fresh.grad_output_is_exclusive(0));
  const Tensor held = Tensor::zeros({4});
  autograd::BackwardContext copied({held}, {true});
  EXPECT_FALSE(copied.grad_output_is_exclusive(0));
  const Tensor base = Tensor::zeros({2, 2});
  autograd::BackwardContext viewed({base.view({4})}, {true});  // base still owns the same memory
  EXPECT_FALSE(viewed.grad_output_is_exclusive(0));
  autograd::BackwardContext undefined({Tensor()}, {true});
  EXPECT_FALSE(undefined.grad_output_is_exclusive(0));
}

TEST(InPlaceGradients, OpsThatShareOneIncomingGradientEachGetItIntact) {
  expect_gradients_match([](const std::vector<Tensor>& in) { return add(relu(in[0]), relu(in[1])); },
                         {random64({3, 4}, 1), random64({3, 4}, 2)});
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return add(seeded_dropout(in[0], 5), seeded_dropout(in[1], 6)); },
      {random64({3, 4}, 3), random64({3, 4}, 4)});
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return add(relu_conv(in[0], in[2]), relu_conv(in[1], in[2])); },
      {random64({2, 2, 5, 5}, 5), random64({2, 2, 5, 5}, 6), random64({3, 2, 3, 3}, 7)});
}

// The same graph on oneDNN (float32) gives the reference backend's gradients.
TEST(InPlaceGradients, SharedGradientsOnTheDefaultBackendMatchTheReference) {
  auto gradients = [](BackendKind kind) {
    BackendScope scope(kind);
    Generator gen(9);
    Tensor a = Tensor::uniform({2, 8, 9, 9}, -1, 1, &gen).set_requires_grad(true);
    Tensor b = Tensor::uniform({2, 8, 9, 9}, -1, 1, &gen).set_requires_grad(true);
    Tensor kernel = Tensor::uniform({16, 8, 3, 3}, -0.3, 0.3, &gen).set_requires_grad(true);
    const Tensor y = add(relu(relu_conv(a, kernel)), seeded_dropout(relu_conv(b, kernel), 3));
    sum(mul(y, Tensor::uniform(y.shape(), -1, 1, &gen))).backward();
    return std::vector<Tensor>{a.grad(), b.grad(), kernel.grad()};
  };
  const std::vector<Tensor> expected = gradients(BackendKind::reference);
  const std::vector<Tensor> actual = gradients(BackendKind::onednn);
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    expect_close(actual[i], expected[i], 1e-4, 1e-4);
  }
}

// Large blocks taken during backward (cache hits and misses both count).
uint64_t large_allocations_in_backward(const std::function<Tensor(const Tensor&)>& f) {
  Tensor x = Tensor::uniform({8, 16, 32, 32}, -1, 1).set_requires_grad(true);  // 512 KiB
  const Tensor loss = sum(f(x * 2.0));
  const HostMemoryStats before = host_memory_stats();
  loss.backward();
  const HostMemoryStats after = host_memory_stats();
  return (after.system_allocations + after.reuses) - (before.system_allocations + before.reuses);
}

TEST(InPlaceGradients, ActivationAndDropoutBackwardTakeNoBufferOfTheirOwn) {
  const uint64_t none = large_allocations_in_backward([](const Tensor& h) { return h; });
  EXPECT_EQ(large_allocations_in_backward([](const Tensor& h) { return relu(h); }), none);
  EXPECT_EQ(large_allocations_in_backward([](const Tensor& h) { return tanh(h); }), none);
  EXPECT_EQ(large_allocations_in_backward([](const Tensor& h) { return seeded_dropout(h, 1); }), none);

  const Tensor kernel = Tensor::uniform({16, 16, 3, 3}, -0.1, 0.1);
  const uint64_t linear_conv = large_allocations_in_backward(
      [&](const Tensor& h) { return conv(h, {.kernel = kernel}, {.padding = Padding::same}); });
  EXPECT_EQ(large_allocations_in_backward([&](const Tensor& h) { return relu_conv(h, kernel); }), linear_conv);
}

// A convolution with a fused ReLU keeps a bit mask, not its output: with max pooling next (which keeps its max
// positions, not its input) the output is free as soon as the pooling has run.
TEST(InPlaceGradients, AFusedReluKeepsABitMaskNotItsOutput) {
  release_cached_host_memory();  // so that y gets a block of its own size, not a larger cached one
  Tensor x = Tensor::uniform({4, 16, 32, 32}, -1, 1).set_requires_grad(true);
  const Tensor kernel = Tensor::uniform({16, 16, 3, 3}, -0.1, 0.1);
  Tensor y = relu_conv(x, kernel);  // 256 KiB
  const Tensor pooled = pool(y, {.kind = PoolKind::max, .pool_size = {2, 2}});
  const size_t before = host_memory_stats().in_use_bytes;
  y = Tensor();
  EXPECT_EQ(host_memory_stats().in_use_bytes, before - 256 * 1024);
}

// The same for a ReLU op of its own (a ReLU or Activation('relu') layer) after a linear convolution: neither the
// convolution's output nor the ReLU's stays alive once max pooling has run.
TEST(InPlaceGradients, AReluOpKeepsABitMaskNotItsOutput) {
  release_cached_host_memory();
  Tensor x = Tensor::uniform({4, 16, 32, 32}, -1, 1).set_requires_grad(true);
  const Tensor kernel = Tensor::uniform({16, 16, 3, 3}, -0.1, 0.1);
  Tensor y = relu(conv(x, {.kernel = kernel}, {.padding = Padding::same}));  // 256 KiB
  const Tensor pooled = pool(y, {.kind = PoolKind::max, .pool_size = {2, 2}});
  const size_t before = host_memory_stats().in_use_bytes;
  y = Tensor();
  EXPECT_EQ(host_memory_stats().in_use_bytes, before - 256 * 1024);
}

TEST(InPlaceGradients, ARetainedGraphKeepsTheFusedActivationsOutput) {
  Generator gen(2);
  Tensor x = Tensor::uniform({2, 4, 6, 6}, -1, 1, &gen).set_requires_grad(true);
  const Tensor kernel = Tensor::uniform({8, 4, 3, 3}, -0.5, 0.5, &gen);
  const Tensor loss = sum(relu_conv(x, kernel));
  loss.backward(Tensor(), /*retain_graph=*/true);
  const Tensor once = x.grad().clone();
  loss.backward();
  expect_close(x.grad(), mul(once, Tensor::scalar(2.0)), 1e-6, 1e-6);
}

}  // namespace
}  // namespace fovea
