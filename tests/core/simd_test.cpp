// fovea's own vectorized loops at every instruction-set level the CPU has (src/core/simd.h): each gives the bits
// of the baseline x86-64 loops, which are the ones a CPU without AVX2 runs. The loops covered: ReLU's bit mask,
// dropout, the oneDNN backend's own activations and broadcasting arithmetic, and Adam's update.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/simd.h"
#include "fovea/fovea.h"
#include "ops/activation_grad.h"

namespace fovea {
namespace {

using Outputs = std::vector<std::vector<double>>;

// Runs the loops under test and returns everything they wrote.
Outputs run_loops() {
  BackendScope onednn(BackendKind::onednn);
  Outputs out;
  Generator gen(11);
  // 1,000,003 elements: several threads' shares, and a tail that is not a whole vector.
  const Tensor x = Tensor::uniform({1'000'003}, -3, 3, &gen);

  const Tensor mask = detail::relu_mask(x);
  out.push_back(mask.to_vector());
  const Tensor dy = Tensor::uniform(x.shape(), -1, 1, &gen);
  autograd::BackwardContext ctx({dy}, {true});
  out.push_back(detail::relu_input_grad(mask, ctx).to_vector());

  Generator drop(5);
  out.push_back(dropout(x, {.rate = 0.3, .generator = &drop}).to_vector());

  for (const Activation& f : {Activation::relu(0.1, 4.0, 0.5), Activation(ActivationKind::hard_sigmoid),
                              Activation(ActivationKind::softsign)}) {
    out.push_back(activation(x, f).to_vector());
  }
  const Tensor a = Tensor::uniform({64, 1, 33}, -1, 1, &gen), b = Tensor::uniform({1, 17, 33}, -1, 1, &gen);
  out.push_back(mul(a, b).to_vector());
  out.push_back(softmax(Tensor::uniform({8, 300, 7}, -5, 5, &gen), 1).to_vector());

  Tensor w = Tensor::uniform({100'003}, -1, 1, &gen);
  auto adam = optimizers::Adam({.learning_rate = 0.01});
  for (int step = 0; step < 3; ++step) {
    w.set_grad(Tensor::uniform(w.shape(), -1, 1, &gen));
    adam->step(std::vector<Tensor>{w});
  }
  out.push_back(w.to_vector());
  return out;
}

TEST(Simd, EveryLevelTheCpuHasGivesTheBaselineBits) {
  Outputs baseline;
  {
    simd::LevelOverride level(simd::Level::baseline);
    EXPECT_EQ(simd::level(), simd::Level::baseline);
    baseline = run_loops();
  }
  int compared = 0;
  for (simd::Level level : {simd::Level::avx2, simd::Level::avx512}) {
    if (!simd::supported(level)) continue;
    SCOPED_TRACE(simd::level_name(level));
    simd::LevelOverride chosen(level);
    const Outputs outputs = run_loops();
    ASSERT_EQ(outputs.size(), baseline.size());
    for (size_t k = 0; k < outputs.size(); ++k) EXPECT_TRUE(outputs[k] == baseline[k]) << "output " << k;
    ++compared;
  }
  if (compared == 0) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512: only the baseline loops run here";
}

TEST(Simd, ALevelTheCpuLacksIsRefused) {
  for (simd::Level level : {simd::Level::avx2, simd::Level::avx512}) {
    if (simd::supported(level)) continue;
    EXPECT_THROW(simd::LevelOverride{level}, ValueError);
    return;
  }
  GTEST_SKIP() << "this CPU has every level";
}

}  // namespace
}  // namespace fovea
