// Winograd convolutions (ConvAlgorithm::automatic) and residual-accumulating convolutions (the fused ResNet block
// of inference) against the reference backend, whose direct loops accumulate in double. Winograd rounds
// differently from the direct algorithm, so the comparisons allow float32-sized differences relative to the
// output's scale; a wrong transform or a dropped shortcut is off by the output's own size.
#include <gtest/gtest.h>

#include <dnnl.hpp>

#include "backends/onednn/onednn_test_util.h"
#include "fovea/fovea.h"
#include "gradcheck.h"
#include "ops/residual_conv.h"

namespace fovea::testing {
namespace {

// Sets the convolution algorithm for its lifetime.
class ConvAlgorithmScope {
 public:
  explicit ConvAlgorithmScope(ConvAlgorithm algorithm) : previous_(conv_algorithm()) { set_conv_algorithm(algorithm); }
  ~ConvAlgorithmScope() { set_conv_algorithm(previous_); }

 private:
  ConvAlgorithm previous_;
};

struct WinogradCase {
  Shape input;  // in the case's layout
  int64_t filters;
  Layout layout;
  Padding padding;
  Activation activation;
};

ConvWeights weights_for(const WinogradCase& c, uint64_t seed) {
  const int64_t channels = c.input[c.layout == Layout::channels_last ? 3 : 1];
  // He-like scale keeps outputs near 1, where an absolute and a relative tolerance mean the same.
  const double scale = 1.0 / std::sqrt(9.0 * static_cast<double>(channels));
  return {random32({c.filters, channels, 3, 3}, seed, -scale, scale), random32({c.filters}, seed + 1, -0.5, 0.5)};
}

Tensor run_conv(const WinogradCase& c, const Tensor& x, const ConvWeights& w) {
  autograd::NoGradGuard no_grad;
  return conv(x, w, {.padding = c.padding, .layout = c.layout, .activation = c.activation});
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector()) m = std::max(m, std::abs(v));
  return m;
}

const std::vector<WinogradCase>& winograd_cases() {
  static const std::vector<WinogradCase> cases = {
      {{1, 28, 28, 64}, 64, Layout::channels_last, Padding::same, Activation::relu()},
      {{2, 32, 14, 14}, 48, Layout::channels_first, Padding::same, Activation()},
      {{3, 13, 11, 16}, 32, Layout::channels_last, Padding::valid, Activation::relu()},
      {{1, 512, 7, 7}, 512, Layout::channels_first, Padding::same, Activation::relu()},
  };
  return cases;
}

TEST(WinogradConv, AutomaticAndDirectAlgorithmsMatchTheReference) {
  uint64_t seed = 1;
  for (const WinogradCase& c : winograd_cases()) {
    SCOPED_TRACE("input " + c.input.to_string() + " -> " + std::to_string(c.filters) + " filters");
    const Tensor x = random32(c.input, seed++, 0.0, 1.0);
    const ConvWeights w = weights_for(c, seed++);
    Tensor expected;
    {
      BackendScope reference(BackendKind::reference);
      expected = run_conv(c, x, w);
    }
    for (ConvAlgorithm algorithm : {ConvAlgorithm::automatic, ConvAlgorithm::direct}) {
      ConvAlgorithmScope scope(algorithm);
      expect_close(run_conv(c, x, w), expected, 2e-5, 1e-4);
    }
  }
}

// On CPUs with oneDNN's Winograd kernels (AVX-512), automatic must really take another path than direct: its
// results are not bit-identical. Elsewhere both run the direct algorithm and must agree exactly.
TEST(WinogradConv, AutomaticUsesWinogradWhereTheCpuHasIt) {
  const bool has_winograd = dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core;
  const WinogradCase& c = winograd_cases()[0];
  const Tensor x = random32(c.input, 7, 0.0, 1.0);
  const ConvWeights w = weights_for(c, 8);
  Tensor automatic, direct;
  {
    ConvAlgorithmScope scope(ConvAlgorithm::automatic);
    automatic = run_conv(c, x, w);
  }
  {
    ConvAlgorithmScope scope(ConvAlgorithm::direct);
    direct = run_conv(c, x, w);
  }
  const std::vector<double> a = automatic.to_vector(), d = direct.to_vector();
  double largest = 0;
  for (size_t i = 0; i < a.size(); ++i) largest = std::max(largest, std::abs(a[i] - d[i]));
  if (has_winograd) {
    EXPECT_GT(largest, 0.0) << "ConvAlgorithm::automatic computed exactly what direct did: no Winograd kernel ran";
  } else {
    EXPECT_EQ(largest, 0.0);
  }
  EXPECT_LT(largest, 1e-4);
}

// Training passes (forward, backward-data, backward-weights and bias): Winograd where the CPU has it for training
// geometries (3x3, at least 32 input channels, small activations, images its 4x4 tiles cover closely), against the
// reference backend. On AVX-512 the gradients of those must differ from the direct algorithm's in their last bits,
// which shows Winograd ran backwards too; the others must equal them.
TEST(WinogradConv, TrainingGradientsMatchTheReference) {
  struct Case {
    Shape input;
    int64_t filters;
    Layout layout;
    bool winograd;
  };
  const std::vector<Case> cases = {{{4, 8, 8, 32}, 32, Layout::channels_last, true},
                                   {{3, 48, 8, 7}, 64, Layout::channels_first, true},
                                   {{2, 5, 5, 32}, 32, Layout::channels_last, false},   // 4x4 tiles: 2.56x the map
                                   {{2, 8, 8, 16}, 32, Layout::channels_last, false}};  // 16 input channels
  const bool has_winograd = dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core;
  uint64_t seed = 50;
  for (const Case& c : cases) {
    SCOPED_TRACE("input " + c.input.to_string() + " -> " + std::to_string(c.filters) + " filters");
    const WinogradCase wc{c.input, c.filters, c.layout, Padding::same, Activation::relu()};
    const Tensor x0 = random32(c.input, seed++, 0.0, 1.0);
    const ConvWeights w0 = weights_for(wc, seed++);
    const Tensor output_weights = random32(
        c.layout == Layout::channels_last ? Shape{c.input[0], c.input[1], c.input[2], c.filters}
                                          : Shape{c.input[0], c.filters, c.input[2], c.input[3]},
        seed++);
    // dx, dw, db of sum(relu(conv(x, w) + b) * output_weights).
    const auto gradients = [&] {
      Tensor x = x0.clone(), kernel = w0.kernel.clone(), bias = w0.bias.clone();
      for (Tensor* t : {&x, &kernel, &bias}) t->set_requires_grad(true);
      const Tensor y = conv(x, {kernel, bias}, {.padding = Padding::same, .layout = c.layout, .activation = wc.activation});
      sum(mul(y, output_weights)).backward();
      return std::vector<Tensor>{x.grad(), kernel.grad(), bias.grad()};
    };
    std::vector<Tensor> expected;
    {
      BackendScope reference(BackendKind::reference);
      expected = gradients();
    }
    std::vector<Tensor> direct;
    {
      ConvAlgorithmScope scope(ConvAlgorithm::direct);
      direct = gradients();
    }
    const std::vector<Tensor> automatic = gradients();
    const char* names[] = {"dx", "dw", "db"};
    double largest_difference = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      SCOPED_TRACE(names[i]);
      // dw and db sum over the batch and the image: scale the tolerance with their size.
      const double scale = std::max(1.0, max_abs(expected[i]));
      expect_close(automatic[i], expected[i], 2e-5 * scale, 1e-4);
      expect_close(direct[i], expected[i], 2e-5 * scale, 1e-4);
      const std::vector<double> a = automatic[i].to_vector(), d = direct[i].to_vector();
      for (size_t k = 0; k < a.size(); ++k) largest_difference = std::max(largest_difference, std::abs(a[k] - d[k]));
    }
    if (has_winograd && c.winograd) {
      EXPECT_GT(largest_difference, 0.0) << "the training passes ran the direct algorithm";
    } else {
      EXPECT_EQ(largest_difference, 0.0) << "the training passes did not run the direct algorithm";
    }
  }
}

// act(conv(x) + b + shortcut) in one call equals the three ops one after another, for a fusable activation (relu:
// a post-op), one applied afterwards (gelu), each layout, a Winograd-eligible geometry (whose blocked output must
// first receive the shortcut) and a 1x1 one, on both backends.
TEST(ResidualConv, EqualsConvolutionPlusShortcutThenActivation) {
  struct Case {
    Shape input;
    int64_t kernel;
    Layout layout;
    Activation activation;
  };
  const std::vector<Case> cases = {{{2, 10, 10, 16}, 3, Layout::channels_last, Activation::relu()},
                                   {{2, 16, 10, 10}, 3, Layout::channels_first, Activation::relu()},
                                   {{1, 32, 7, 7}, 1, Layout::channels_first, Activation::of(ActivationKind::gelu)},
                                   {{1, 7, 7, 32}, 1, Layout::channels_last, Activation()}};
  uint64_t seed = 30;
  for (const Case& c : cases) {
    SCOPED_TRACE("input " + c.input.to_string() + " kernel " + std::to_string(c.kernel));
    const int64_t channels = c.input[c.layout == Layout::channels_last ? 3 : 1];
    const Tensor x = random32(c.input, seed++);
    const ConvWeights w{random32({channels, channels, c.kernel, c.kernel}, seed++, -0.2, 0.2),
                        random32({channels}, seed++)};
    const Tensor shortcut = random32(c.input, seed++, -2.0, 2.0);
    const ConvArgs linear{.padding = Padding::same, .layout = c.layout};
    ConvArgs with_activation = linear;
    with_activation.activation = c.activation;
    autograd::NoGradGuard no_grad;
    Tensor expected;
    {
      BackendScope reference(BackendKind::reference);
      expected = activation(add(conv(x, w, linear), shortcut), c.activation);
      expect_close(detail::conv_with_residual(x, w, with_activation, shortcut), expected, 1e-5, 1e-5);
    }
    const Tensor fused = detail::conv_with_residual(x, w, with_activation, shortcut);
    expect_close(fused, expected, 2e-5, 1e-4);
    // The shortcut itself is read, never written.
    expect_close(shortcut, random32(c.input, seed - 1, -2.0, 2.0), 0.0, 0.0);
  }
}

TEST(ResidualConv, RejectsAResidualOfAnotherShape) {
  autograd::NoGradGuard no_grad;
  const Tensor x = random32({1, 6, 6, 4}, 1);
  const ConvWeights w{random32({4, 4, 3, 3}, 2), Tensor()};
  const ConvArgs args{.padding = Padding::valid, .layout = Layout::channels_last};
  EXPECT_THROW(detail::conv_with_residual(x, w, args, random32({1, 6, 6, 4}, 3)), ShapeError);
}

}  // namespace
}  // namespace fovea::testing
