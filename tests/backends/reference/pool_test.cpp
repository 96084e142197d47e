// Tests for the reference pooling kernels (src/backends/reference/pool.cpp), called directly: the linear kinds'
// backward is the exact adjoint of their forward, max backward conserves the gradient, and float32 agrees
// with float64.
#include <gtest/gtest.h>

#include "backends/backend.h"
#include "fovea/fovea.h"
#include "gradcheck.h"
#include "ops/image_test_util.h"

namespace fovea {
namespace {

using testing::dot;
using testing::expect_close;
using testing::random64;

PoolGeometry geometry_2d(PoolKind kind, bool count_include_pad) {
  PoolGeometry g;
  g.spatial_rank = 2;
  g.batch = 2;
  g.channels = 3;
  g.in_size = {5, 6};
  g.kernel_size = {3, 2};
  g.strides = {2, 2};
  g.pads_begin = {1, 0};
  g.pads_end = {1, 1};
  g.out_size = {3, 3};
  g.kind = kind;
  g.count_include_pad = count_include_pad;
  return g;
}

Tensor run_forward(const PoolGeometry& g, const Tensor& x) {
  Tensor y = Tensor::empty({g.batch, g.channels, g.out_size[0], g.out_size[1]}, x.dtype());
  reference_backend().pool_forward(g, x, y);
  return y;
}

TEST(ReferencePoolKernel, LinearKindsBackwardIsTheAdjointOfForward) {
  for (PoolKind kind : {PoolKind::average, PoolKind::sum}) {
    for (bool include_pad : {false, true}) {
      const PoolGeometry g = geometry_2d(kind, include_pad);
      const Tensor x = random64({2, 3, 5, 6}, 1);
      const Tensor y = run_forward(g, x);
      const Tensor dy = random64(y.shape(), 2);
      Tensor dx = Tensor::empty(x.shape(), DType::f64);
      reference_backend().pool_backward(g, x, y, dy, dx);
      EXPECT_NEAR(dot(y, dy), dot(x, dx), 1e-12);
    }
  }
}

TEST(ReferencePoolKernel, MaxBackwardConservesTheGradient) {
  const PoolGeometry g = geometry_2d(PoolKind::max, false);
  const Tensor x = random64({2, 3, 5, 6}, 3);
  const Tensor y = run_forward(g, x);
  const Tensor dy = random64(y.shape(), 4);
  Tensor dx = Tensor::empty(x.shape(), DType::f64);
  reference_backend().pool_backward(g, x, y, dy, dx);
  // Each output hands its whole gradient to exactly one input, which holds the window's value.
  EXPECT_NEAR(dot(dx, Tensor::ones(x.shape(), DType::f64)), dot(dy, Tensor::ones(y.shape(), DType::f64)), 1e-12);
  EXPECT_NEAR(dot(dx, x), dot(dy, y), 1e-12);
}

TEST(ReferencePoolKernel, Float32AgreesWithFloat64) {
  for (PoolKind kind : {PoolKind::max, PoolKind::average, PoolKind::sum, PoolKind::l2}) {
    const PoolGeometry g = geometry_2d(kind, true);
    const Tensor x = random64({2, 3, 5, 6}, 5);
    const Tensor y64 = run_forward(g, x);
    const Tensor y32 = run_forward(g, x.to(DType::f32));
    expect_close(y32, y64, 1e-6, 1e-6);
    const Tensor dy = random64(y64.shape(), 6);
    Tensor dx64 = Tensor::empty(x.shape(), DType::f64), dx32 = Tensor::empty(x.shape(), DType::f32);
    reference_backend().pool_backward(g, x, y64, dy, dx64);
    reference_backend().pool_backward(g, x.to(DType::f32), y32, dy.to(DType::f32), dx32);
    expect_close(dx32, dx64, 1e-5, 1e-5);
  }
}

}  // namespace
}  // namespace fovea
