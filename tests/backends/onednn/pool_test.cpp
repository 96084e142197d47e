// Parity of the oneDNN pooling kernels (max, average with and without padding, sum, L2) against the reference
// backend, forward and backward, across strides, paddings, 1-D/2-D/3-D, batch sizes and both layouts.
#include <gtest/gtest.h>

#include <sstream>

#include "backends/onednn/onednn_test_util.h"
#include "parity.h"

namespace fovea::testing {
namespace {

struct PoolCase {
  PoolKind kind = PoolKind::max;
  bool count_include_pad = false;
  Dims in{7, 6};
  Dims kernel{3, 2};
  int64_t stride = 2;
  Padding padding = Padding::valid;  // valid, same or explicit_ (begin 1, end 0)
  int64_t batch = 2;
  int64_t channels = 3;
  Layout layout = Layout::channels_first;
};

const char* kind_text(PoolKind k) {
  switch (k) {
    case PoolKind::max:
      return "max";
    case PoolKind::average:
      return "average";
    case PoolKind::sum:
      return "sum";
    case PoolKind::l2:
      return "l2";
  }
  return "?";
}

std::string describe(const PoolCase& c) {
  std::ostringstream out;
  out << kind_text(c.kind) << (c.count_include_pad ? " (padding counted)" : "") << " " << c.in.size() << "-D in "
      << dims_text(c.in) << " window " << dims_text(c.kernel) << " stride " << c.stride << " padding "
      << padding_text(c.padding) << " batch " << c.batch << " channels " << c.channels << " " << layout_text(c.layout);
  return out.str();
}

PoolGeometry make_geometry(const PoolCase& c) {
  PoolGeometry g;
  const int n = c.in.size();
  g.spatial_rank = n;
  g.batch = c.batch;
  g.channels = c.channels;
  g.in_size = c.in;
  g.kernel_size = c.kernel;
  g.strides = Dims::filled(n, c.stride);
  g.kind = c.kind;
  g.count_include_pad = c.count_include_pad;
  g.layout = c.layout;
  for (int i = 0; i < n; ++i) {
    int64_t begin = 0, end = 0;
    if (c.padding == Padding::explicit_) {
      begin = c.kernel[i] > 1 ? 1 : 0;  // pooling windows must overlap the input: pads stay below the window
    } else {
      pads_for(c.padding, c.in[i], c.kernel[i], c.stride, begin, end);
    }
    g.pads_begin.push_back(begin);
    g.pads_end.push_back(end);
    g.out_size.push_back(out_size(c.in[i], c.kernel[i], c.stride, begin, end));
  }
  return g;
}

void expect_pool_parity(const PoolCase& c, uint64_t seed) {
  SCOPED_TRACE(describe(c));
  const PoolGeometry g = make_geometry(c);
  const Shape x_shape = image_shape(c.batch, c.channels, g.in_size, c.layout);
  const Shape y_shape = image_shape(c.batch, c.channels, g.out_size, c.layout);
  const Tensor x = random32(x_shape, seed);
  const Tensor dy = random32(y_shape, seed + 1);
  // Max selects an input value, so it must match exactly; the others sum in a different order.
  const double tol = c.kind == PoolKind::max ? 0.0 : 1e-5;
  Tensor y_reference = Tensor::empty(y_shape);
  reference_backend().pool_forward(g, x, y_reference);
  {
    SCOPED_TRACE("forward");
    expect_backends_agree(
        [&](Backend& be) {
          Tensor y = Tensor::full(y_shape, 123.0);
          be.pool_forward(g, x, y);
          return y;
        },
        tol, tol);
  }
  {
    SCOPED_TRACE("backward");
    expect_backends_agree(
        [&](Backend& be) {
          Tensor dx = Tensor::full(x_shape, 123.0);
          be.pool_backward(g, x, y_reference, dy, dx);
          return dx;
        },
        1e-5, 1e-5);
  }
  if (c.kind != PoolKind::max) return;
  {
    // Training's path: each backend's own workspace instead of x. Average and sum never read x or y.
    SCOPED_TRACE("forward training and backward from the workspace");
    expect_backends_agree(
        [&](Backend& be) {
          Tensor y = Tensor::full(y_shape, 123.0), workspace;
          be.max_pool_forward_training(g, x, y, workspace);
          EXPECT_TRUE(workspace.defined());
          Tensor dx = Tensor::full(x_shape, 123.0);
          be.max_pool_backward(g, workspace, dy, dx);
          return concat({y.view({-1}), dx.view({-1})}, 0);
        },
        1e-5, 1e-5);
  }
}

struct KindChoice {
  PoolKind kind;
  bool count_include_pad;
};
constexpr KindChoice kKinds[] = {{PoolKind::max, false},
                                 {PoolKind::average, false},
                                 {PoolKind::average, true},
                                 {PoolKind::sum, false},
                                 {PoolKind::l2, false}};
constexpr Layout kLayouts[] = {Layout::channels_first, Layout::channels_last};

TEST(OneDnnPool, KindsStridesAndPaddings2d) {
  uint64_t seed = 1;
  for (KindChoice k : kKinds)
    for (int64_t stride : {1, 2, 3})
      for (Padding padding : {Padding::valid, Padding::same, Padding::explicit_})
        for (Layout layout : kLayouts) {
          PoolCase c;
          c.kind = k.kind;
          c.count_include_pad = k.count_include_pad;
          c.stride = stride;
          c.padding = padding;
          c.layout = layout;
          expect_pool_parity(c, seed += 10);
        }
}

TEST(OneDnnPool, KindsIn1dAnd3dWithBatchOne) {
  uint64_t seed = 1000;
  int index = 0;
  for (KindChoice k : kKinds)
    for (int rank : {1, 3})
      for (Padding padding : {Padding::valid, Padding::same, Padding::explicit_}) {
        PoolCase c;
        c.kind = k.kind;
        c.count_include_pad = k.count_include_pad;
        c.in = rank == 1 ? Dims{11} : Dims{5, 4, 5};
        c.kernel = rank == 1 ? Dims{3} : Dims{2, 3, 2};
        c.stride = 1 + index % 3;
        c.batch = index % 2 == 0 ? 1 : 3;
        c.channels = 1 + index % 4;
        c.padding = padding;
        c.layout = kLayouts[index++ % 2];
        expect_pool_parity(c, seed += 10);
      }
}

TEST(OneDnnPool, KerasSameWindowsWithEvenInputAndOddWindow) {
  // Keras 'same' with in 8, window 3, stride 2: out 4, total pad 1, all of it at the end.
  for (KindChoice k : kKinds)
    for (Layout layout : kLayouts) {
      PoolCase c;
      c.kind = k.kind;
      c.count_include_pad = k.count_include_pad;
      c.in = {8, 8};
      c.kernel = {3, 3};
      c.stride = 2;
      c.padding = Padding::same;
      c.layout = layout;
      const PoolGeometry g = make_geometry(c);
      ASSERT_EQ(g.pads_begin, (Dims{0, 0}));
      ASSERT_EQ(g.pads_end, (Dims{1, 1}));
      ASSERT_EQ(g.out_size, (Dims{4, 4}));
      expect_pool_parity(c, 77);
    }
}

TEST(OneDnnPool, SumIsWindowTotal) {
  // A known answer independent of the reference: 2x2 sum windows over 1..16.
  std::vector<double> values(16);
  for (int i = 0; i < 16; ++i) values[i] = i + 1;
  const Tensor x = Tensor::from_vector({1, 1, 4, 4}, values);
  PoolCase c;
  c.kind = PoolKind::sum;
  c.in = {4, 4};
  c.kernel = {2, 2};
  c.batch = c.channels = 1;
  Tensor y = Tensor::empty({1, 1, 2, 2});
  onednn_backend().pool_forward(make_geometry(c), x, y);
  expect_close(y, Tensor::from_vector({1, 1, 2, 2}, std::vector<double>{14, 22, 46, 54}), 0, 0);
}

}  // namespace
}  // namespace fovea::testing
