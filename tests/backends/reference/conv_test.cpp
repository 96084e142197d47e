// Tests for the reference convolution kernels (src/backends/reference/conv.cpp), called directly: forward
// against an independent naive 2-D loop, and backward-data/backward-weights as the exact adjoints of forward,
// in float32 and float64.
#include <gtest/gtest.h>

#include <vector>

#include "backends/backend.h"
#include "gradcheck.h"
#include "ops/conv_geometry.h"
#include "ops/image_test_util.h"

namespace fovea {
namespace {

using testing::dot;
using testing::expect_close;
using testing::random64;

struct KernelCase {
  Shape x;
  Shape w;
  ConvArgs args;
};

const KernelCase kCases[] = {
    {{2, 3, 6, 5}, {4, 3, 3, 2}, {}},
    {{1, 4, 7, 7}, {6, 2, 3, 3}, {.strides = {2, 3}, .padding = Padding::same, .dilation = {2, 1}, .groups = 2}},
    {{1, 2, 5, 6},
     {2, 1, 2, 3},
     {.padding = Padding::explicit_, .pads_begin = {2, 0}, .pads_end = {0, 1}, .groups = 2}},
    {{2, 1, 4, 4}, {3, 1, 3, 3}, {.strides = {2}, .padding = Padding::full}},
};

// y[n, oc, oy, ox] = b[oc] + sum x[n, ic, oy * s - p + ky * d, ...] * w[oc, icg, ky, kx], written out plainly.
std::vector<double> naive_conv2d(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b) {
  std::vector<double> y;
  const int64_t cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oc = 0; oc < g.out_channels; ++oc)
      for (int64_t oy = 0; oy < g.out_size[0]; ++oy)
        for (int64_t ox = 0; ox < g.out_size[1]; ++ox) {
          double s = b.at({oc});
          for (int64_t icg = 0; icg < cin_g; ++icg)
            for (int64_t ky = 0; ky < g.kernel_size[0]; ++ky)
              for (int64_t kx = 0; kx < g.kernel_size[1]; ++kx) {
                const int64_t iy = oy * g.strides[0] - g.pads_begin[0] + ky * g.dilation[0];
                const int64_t ix = ox * g.strides[1] - g.pads_begin[1] + kx * g.dilation[1];
                if (iy < 0 || ix < 0 || iy >= g.in_size[0] || ix >= g.in_size[1]) continue;
                s += x.at({n, (oc / cout_g) * cin_g + icg, iy, ix}) * w.at({oc, icg, ky, kx});
              }
          y.push_back(s);
        }
  return y;
}

TEST(ReferenceConvKernel, ForwardMatchesANaiveLoop) {
  for (const KernelCase& c : kCases) {
    const ConvGeometry g = detail::conv_geometry(c.x, c.w, c.args);
    const Tensor x = random64(c.x, 1), w = random64(c.w, 2), b = random64({c.w[0]}, 3);
    for (DType dtype : {DType::f64, DType::f32}) {
      Tensor y = Tensor::empty(conv_output_shape(c.x, c.w, c.args), dtype);
      reference_backend().conv_forward(g, x.to(dtype), w.to(dtype), b.to(dtype), y);
      const Tensor expected = Tensor::from_vector(y.shape(), naive_conv2d(g, x, w, b), DType::f64);
      expect_close(y, expected, dtype == DType::f64 ? 1e-12 : 1e-5, 1e-5);
    }
  }
}

TEST(ReferenceConvKernel, BackwardKernelsAreTheAdjointsOfForward) {
  for (const KernelCase& c : kCases) {
    const ConvGeometry g = detail::conv_geometry(c.x, c.w, c.args);
    const Shape y_shape = conv_output_shape(c.x, c.w, c.args);
    for (DType dtype : {DType::f64, DType::f32}) {
      const Tensor x = random64(c.x, 4).to(dtype), w = random64(c.w, 5).to(dtype);
      const Tensor dy = random64(y_shape, 6).to(dtype);
      Tensor y = Tensor::empty(y_shape, dtype), dx = Tensor::empty(c.x, dtype);
      Tensor dw = Tensor::empty(c.w, dtype), db = Tensor::empty({c.w[0]}, dtype);
      reference_backend().conv_forward(g, x, w, Tensor(), y);
      reference_backend().conv_backward_data(g, dy, w, dx);
      reference_backend().conv_backward_weights(g, x, dy, dw, db);
      // forward is bilinear in (x, w): <conv(x, w), dy> = <x, dx> = <w, dw>.
      const double tol = dtype == DType::f64 ? 1e-10 : 1e-3;
      EXPECT_NEAR(dot(y, dy), dot(x, dx), tol);
      EXPECT_NEAR(dot(y, dy), dot(w, dw), tol);
      // db sums dy over the batch and every position of its channel.
      const int64_t per_channel = dy.numel() / (c.x[0] * c.w[0]);
      const std::vector<double> dy_values = dy.to_vector();
      for (int64_t oc = 0; oc < c.w[0]; ++oc) {
        double s = 0;
        for (int64_t n = 0; n < c.x[0]; ++n)
          for (int64_t p = 0; p < per_channel; ++p) s += dy_values[(n * c.w[0] + oc) * per_channel + p];
        EXPECT_NEAR(db.at({oc}), s, tol);
      }
    }
  }
}

TEST(ReferenceConvKernel, BackwardWeightsWithoutBias) {
  const KernelCase& c = kCases[1];
  const ConvGeometry g = detail::conv_geometry(c.x, c.w, c.args);
  const Tensor x = random64(c.x, 7), dy = random64(conv_output_shape(c.x, c.w, c.args), 8);
  Tensor dw = Tensor::empty(c.w, DType::f64), dw_too = Tensor::empty(c.w, DType::f64);
  Tensor no_bias, db = Tensor::empty({c.w[0]}, DType::f64);
  reference_backend().conv_backward_weights(g, x, dy, dw, no_bias);
  reference_backend().conv_backward_weights(g, x, dy, dw_too, db);
  expect_close(dw, dw_too, 0, 0);
}

TEST(ReferenceConvKernel, FusedActivationFollowsTheBias) {
  const KernelCase& c = kCases[0];
  ConvGeometry g = detail::conv_geometry(c.x, c.w, c.args);
  const Tensor x = random64(c.x, 9), w = random64(c.w, 10), b = random64({c.w[0]}, 11);
  const std::vector<double> linear = naive_conv2d(g, x, w, b);
  g.activation = Activation::relu();
  Tensor y = Tensor::empty(conv_output_shape(c.x, c.w, c.args), DType::f64);
  reference_backend().conv_forward(g, x, w, b, y);
  const std::vector<double> got = y.to_vector();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], std::max(linear[i], 0.0), 1e-12);
}

}  // namespace
}  // namespace fovea
