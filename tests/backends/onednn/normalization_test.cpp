// Parity of the oneDNN backend's batch normalization and LRN kernels with the reference backend: training,
// inference and backward with and without gamma/beta (and with each parameter gradient wanted or not), LRN
// forward/backward for odd and even window sizes, on odd geometries and sizes 1.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backends/backend.h"
#include "parity.h"

namespace fovea {
namespace {

using testing::expect_backends_agree;

Tensor random32(const Shape& shape, double low, double high, uint64_t seed) {
  Generator gen(seed);
  return Tensor::uniform(shape, low, high, &gen);
}

// Several outputs as one tensor, so that one parity check covers them all.
Tensor joined(const std::vector<Tensor>& parts) {
  std::vector<double> values;
  for (const Tensor& t : parts) {
    if (!t.defined()) continue;
    const std::vector<double> v = t.to_vector();
    values.insert(values.end(), v.begin(), v.end());
  }
  return Tensor::from_vector({static_cast<int64_t>(values.size())}, values);
}

std::string describe(const AxisGeometry& g) {
  return std::to_string(g.outer) + "x" + std::to_string(g.channels) + "x" + std::to_string(g.inner);
}

// (outer, channels, inner): channels-first images, channels-last (inner 1), a single channel, batch 1; and
// channels-last with whole and partial 16-channel blocks over many rows, which oneDNN's vectorized (jit) kernels
// take and split across threads.
const AxisGeometry kGeometries[] = {{4, 3, 5},  {1, 7, 9},  {13, 5, 1},   {2, 1, 1},
                                    {3, 1, 11}, {2, 17, 3}, {300, 64, 1}, {97, 20, 1}};

struct Params {
  bool gamma;
  bool beta;
};
const Params kParams[] = {{true, true}, {false, false}, {true, false}, {false, true}};

std::string describe(const Params& p) {
  return std::string("gamma ") + (p.gamma ? "yes" : "no") + ", beta " + (p.beta ? "yes" : "no");
}

TEST(OneDnnBatchNormParity, ForwardTraining) {
  for (const AxisGeometry& g : kGeometries) {
    for (const Params& p : kParams) {
      SCOPED_TRACE(describe(g) + ", " + describe(p));
      const Shape shape{g.outer, g.channels, g.inner};
      const Tensor x = random32(shape, -2, 3, 1);
      const Tensor gamma = p.gamma ? random32({g.channels}, 0.5, 2, 2) : Tensor();
      const Tensor beta = p.beta ? random32({g.channels}, -1, 1, 3) : Tensor();
      expect_backends_agree([&](Backend& b) {
        Tensor y = Tensor::empty(shape), mean = Tensor::empty({g.channels}), var = Tensor::empty({g.channels});
        b.batchnorm_forward_training(g, 1e-3, x, gamma, beta, y, mean, var);
        return joined({y, mean, var});
      });
    }
  }
}

TEST(OneDnnBatchNormParity, ForwardInference) {
  for (const AxisGeometry& g : kGeometries) {
    for (const Params& p : kParams) {
      SCOPED_TRACE(describe(g) + ", " + describe(p));
      const Shape shape{g.outer, g.channels, g.inner};
      const Tensor x = random32(shape, -2, 3, 4);
      const Tensor gamma = p.gamma ? random32({g.channels}, 0.5, 2, 5) : Tensor();
      const Tensor beta = p.beta ? random32({g.channels}, -1, 1, 6) : Tensor();
      const Tensor mean = random32({g.channels}, -0.5, 0.5, 7);
      const Tensor var = random32({g.channels}, 0.2, 2, 8);
      expect_backends_agree([&](Backend& b) {
        Tensor y = Tensor::empty(shape);
        b.batchnorm_forward_inference(g, 1e-5, x, gamma, beta, mean, var, y);
        return y;
      });
    }
  }
}

TEST(OneDnnBatchNormParity, Backward) {
  for (const AxisGeometry& g : kGeometries) {
    for (const Params& p : kParams) {
      // p.gamma: gamma given; p.beta here: the parameter gradients are wanted.
      SCOPED_TRACE(describe(g) + ", " + describe(p));
      const Shape shape{g.outer, g.channels, g.inner};
      const Tensor x = random32(shape, -2, 3, 9);
      const Tensor dy = random32(shape, -1, 1, 10);
      const Tensor gamma = p.gamma ? random32({g.channels}, 0.5, 2, 11) : Tensor();
      Tensor y = Tensor::empty(shape), mean = Tensor::empty({g.channels}), var = Tensor::empty({g.channels});
      reference_backend().batchnorm_forward_training(g, 1e-3, x, gamma, Tensor(), y, mean, var);
      expect_backends_agree(
          [&](Backend& b) {
            Tensor dx = Tensor::empty(shape);
            Tensor dgamma = p.beta ? Tensor::empty({g.channels}) : Tensor();
            Tensor dbeta = p.beta ? Tensor::empty({g.channels}) : Tensor();
            b.batchnorm_backward(g, 1e-3, x, dy, gamma, mean, var, dx, dgamma, dbeta);
            return joined({dx, dgamma, dbeta});
          },
          2e-4, 2e-4);
    }
  }
}

// Batch norm + ReLU in one kernel (oneDNN's fuse_norm_relu, whose backward reads the ReLU mask it saved) against
// the reference backend's two kernels one after the other.
TEST(OneDnnBatchNormParity, FusedReluForwardAndBackward) {
  for (const AxisGeometry& g : kGeometries) {
    for (const Params& p : kParams) {
      SCOPED_TRACE(describe(g) + ", " + describe(p));
      const Shape shape{g.outer, g.channels, g.inner};
      const Tensor x = random32(shape, -2, 3, 12);
      const Tensor dy = random32(shape, -1, 1, 13);
      const Tensor gamma = p.gamma ? random32({g.channels}, 0.5, 2, 14) : Tensor();
      const Tensor beta = p.beta ? random32({g.channels}, -1, 1, 15) : Tensor();
      expect_backends_agree(
          [&](Backend& b) {
            Tensor y = Tensor::empty(shape), mean = Tensor::empty({g.channels}), var = Tensor::empty({g.channels});
            Tensor workspace;
            b.batchnorm_relu_forward_training(g, 1e-3, x, gamma, beta, y, mean, var, workspace);
            Tensor dx = Tensor::empty(shape), dgamma = Tensor::empty({g.channels});
            Tensor dbeta = Tensor::empty({g.channels});
            b.batchnorm_relu_backward(g, 1e-3, x, y, workspace, dy, gamma, mean, var, dx, dgamma, dbeta);
            return joined({y, mean, var, dx, dgamma, dbeta});
          },
          2e-4, 2e-4);
    }
  }
  // The oneDNN side really ran the fused kernel: it returned the ReLU mask its backward pass reads.
  const AxisGeometry g{300, 64, 1};
  Tensor y = Tensor::empty({300, 64, 1}), mean = Tensor::empty({64}), var = Tensor::empty({64}), workspace;
  onednn_backend().batchnorm_relu_forward_training(g, 1e-3, random32({300, 64, 1}, -2, 3, 16), Tensor(), Tensor(), y,
                                                   mean, var, workspace);
  EXPECT_TRUE(workspace.defined());
}

TEST(OneDnnBatchNormParity, BackwardWithOnlyOneParameterGradient) {
  const AxisGeometry g{3, 4, 7};
  const Shape shape{g.outer, g.channels, g.inner};
  const Tensor x = random32(shape, -2, 3, 12);
  const Tensor dy = random32(shape, -1, 1, 13);
  const Tensor gamma = random32({g.channels}, 0.5, 2, 14);
  Tensor y = Tensor::empty(shape), mean = Tensor::empty({g.channels}), var = Tensor::empty({g.channels});
  reference_backend().batchnorm_forward_training(g, 1e-3, x, gamma, Tensor(), y, mean, var);
  for (bool want_gamma : {true, false}) {
    SCOPED_TRACE(want_gamma ? "dgamma only" : "dbeta only");
    expect_backends_agree([&](Backend& b) {
      Tensor dx = Tensor::empty(shape);
      Tensor dgamma = want_gamma ? Tensor::empty({g.channels}) : Tensor();
      Tensor dbeta = want_gamma ? Tensor() : Tensor::empty({g.channels});
      b.batchnorm_backward(g, 1e-3, x, dy, gamma, mean, var, dx, dgamma, dbeta);
      return joined({dx, dgamma, dbeta});
    });
  }
}

struct LrnCase {
  AxisGeometry g;
  LrnArgs args;
};

std::vector<LrnCase> lrn_cases() {
  std::vector<LrnCase> cases;
  const AxisGeometry geometries[] = {{2, 7, 5}, {1, 4, 1}, {3, 10, 6}, {1, 1, 3}, {2, 3, 1}};
  for (const AxisGeometry& g : geometries) {
    for (int64_t size : {1, 2, 3, 4, 5}) {
      // A large alpha makes the neighbours' contribution visible at float32 precision.
      cases.push_back({g, LrnArgs{.size = size, .alpha = 0.5, .beta = 0.75, .bias = 2.0}});
    }
    cases.push_back({g, LrnArgs{.size = 5, .alpha = 1e-4, .beta = 0.75, .bias = 2.0}});  // AlexNet's
    cases.push_back({g, LrnArgs{.size = 3, .alpha = 0.3, .beta = 0.5, .bias = 1.0}});
  }
  return cases;
}

std::string describe(const LrnCase& c) {
  return describe(c.g) + " size " + std::to_string(c.args.size) + " alpha " + std::to_string(c.args.alpha) + " beta " +
         std::to_string(c.args.beta) + " bias " + std::to_string(c.args.bias);
}

TEST(OneDnnLrnParity, Forward) {
  for (const LrnCase& c : lrn_cases()) {
    SCOPED_TRACE(describe(c));
    const Shape shape{c.g.outer, c.g.channels, c.g.inner};
    const Tensor x = random32(shape, -2, 2, 15);
    expect_backends_agree([&](Backend& b) {
      Tensor y = Tensor::empty(shape);
      b.lrn_forward(c.g, c.args, x, y);
      return y;
    });
  }
}

TEST(OneDnnLrnParity, Backward) {
  for (const LrnCase& c : lrn_cases()) {
    SCOPED_TRACE(describe(c));
    const Shape shape{c.g.outer, c.g.channels, c.g.inner};
    const Tensor x = random32(shape, -2, 2, 16);
    const Tensor dy = random32(shape, -1, 1, 17);
    expect_backends_agree([&](Backend& b) {
      Tensor dx = Tensor::empty(shape);
      b.lrn_backward(c.g, c.args, x, dy, dx);
      return dx;
    });
  }
}

}  // namespace
}  // namespace fovea
