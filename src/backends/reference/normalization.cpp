// reference backend: batch normalization and local response normalization, plain loops over the
// (outer, channels, inner) view of AxisGeometry. Sums accumulate in double so that float32 results stay a
// trustworthy oracle for the fast backends.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/reference/float_kernels.h"
#include "backends/reference/reference_backend.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

// Element (o, c, i) of a tensor seen as (outer, channels, inner).
inline int64_t at(const AxisGeometry& g, int64_t o, int64_t c, int64_t i) { return (o * g.channels + c) * g.inner + i; }

using reference_detail::dispatch_float;

// Per-channel value of an optional tensor: its element, or fallback when undefined (gamma = 1, beta = 0).
template <class T>
double channel_value(const Tensor& t, int64_t c, double fallback) {
  return t.defined() ? static_cast<double>(t.data<T>()[c]) : fallback;
}

template <class T>
void bn_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& gamma,
                         const Tensor& beta, Tensor& y, Tensor& mean, Tensor& var) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  const double count = static_cast<double>(g.outer * g.inner);
  for (int64_t c = 0; c < g.channels; ++c) {
    double sum = 0;
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) sum += px[at(g, o, c, i)];
    const double m = sum / count;
    double squares = 0;
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        const double d = px[at(g, o, c, i)] - m;
        squares += d * d;
      }
    const double v = squares / count;  // biased: the statistic the normalization itself uses
    const double scale = channel_value<T>(gamma, c, 1.0) / std::sqrt(v + epsilon);
    const double shift = channel_value<T>(beta, c, 0.0);
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t k = at(g, o, c, i);
        py[k] = static_cast<T>((px[k] - m) * scale + shift);
      }
    mean.data<T>()[c] = static_cast<T>(m);
    var.data<T>()[c] = static_cast<T>(v);
  }
}

template <class T>
void bn_forward_inference(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& gamma,
                          const Tensor& beta, const Tensor& mean, const Tensor& var, Tensor& y) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  for (int64_t c = 0; c < g.channels; ++c) {
    const double m = mean.data<T>()[c];
    const double scale = channel_value<T>(gamma, c, 1.0) / std::sqrt(var.data<T>()[c] + epsilon);
    const double shift = channel_value<T>(beta, c, 0.0);
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t k = at(g, o, c, i);
        py[k] = static_cast<T>((px[k] - m) * scale + shift);
      }
  }
}

// With xhat = (x - mean) / sqrt(var + eps), M = outer * inner:
//   dbeta = sum(dy), dgamma = sum(dy * xhat), dx = gamma / sqrt(var + eps) / M * (M dy - dbeta - xhat dgamma).
template <class T>
void bn_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& dy, const Tensor& gamma,
                 const Tensor& mean, const Tensor& var, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  const T* px = x.data<T>();
  const T* pdy = dy.data<T>();
  T* pdx = dx.data<T>();
  const double count = static_cast<double>(g.outer * g.inner);
  for (int64_t c = 0; c < g.channels; ++c) {
    const double m = mean.data<T>()[c];
    const double inv_std = 1.0 / std::sqrt(var.data<T>()[c] + epsilon);
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t k = at(g, o, c, i);
        sum_dy += pdy[k];
        sum_dy_xhat += pdy[k] * (px[k] - m) * inv_std;
      }
    const double factor = channel_value<T>(gamma, c, 1.0) * inv_std / count;
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t k = at(g, o, c, i);
        const double xhat = (px[k] - m) * inv_std;
        pdx[k] = static_cast<T>(factor * (count * pdy[k] - sum_dy - xhat * sum_dy_xhat));
      }
    if (dgamma.defined()) dgamma.data<T>()[c] = static_cast<T>(sum_dy_xhat);
    if (dbeta.defined()) dbeta.data<T>()[c] = static_cast<T>(sum_dy);
  }
}

// PyTorch's window (F.local_response_norm pads size / 2 channels before and (size - 1) / 2 after): channel c
// sums channels c - size / 2 .. c + (size - 1) / 2. ONNX centres even windows one channel later.
struct LrnWindow {
  int64_t before;
  int64_t after;
  explicit LrnWindow(int64_t size) : before(size / 2), after((size - 1) / 2) {}
};

// D(c) = bias + alpha / size * sum of x^2 over the window of c, at one (o, i) position.
template <class T>
double lrn_denominator_base(const AxisGeometry& g, const LrnArgs& args, const T* px, int64_t o, int64_t c, int64_t i) {
  const LrnWindow w(args.size);
  double sum = 0;
  for (int64_t j = std::max<int64_t>(0, c - w.before); j <= std::min(g.channels - 1, c + w.after); ++j) {
    const double v = px[at(g, o, j, i)];
    sum += v * v;
  }
  return args.bias + args.alpha / static_cast<double>(args.size) * sum;
}

template <class T>
void lrn_forward_impl(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, Tensor& y) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t c = 0; c < g.channels; ++c)
      for (int64_t i = 0; i < g.inner; ++i) {
        const double d = lrn_denominator_base(g, args, px, o, c, i);
        py[at(g, o, c, i)] = static_cast<T>(px[at(g, o, c, i)] * std::pow(d, -args.beta));
      }
}

// y_c = x_c D_c^-beta, so dx_j = dy_j D_j^-beta - 2 beta alpha / size x_j * sum over the channels c whose window
// holds j of dy_c x_c D_c^(-beta - 1). Channel c's window holds j when j - after <= c <= j + before.
template <class T>
void lrn_backward_impl(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, const Tensor& dy, Tensor& dx) {
  const T* px = x.data<T>();
  const T* pdy = dy.data<T>();
  T* pdx = dx.data<T>();
  const LrnWindow w(args.size);
  std::vector<double> d(g.channels);
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < g.inner; ++i) {
      for (int64_t c = 0; c < g.channels; ++c) d[c] = lrn_denominator_base(g, args, px, o, c, i);
      for (int64_t j = 0; j < g.channels; ++j) {
        double through_denominators = 0;
        for (int64_t c = std::max<int64_t>(0, j - w.after); c <= std::min(g.channels - 1, j + w.before); ++c) {
          through_denominators += pdy[at(g, o, c, i)] * px[at(g, o, c, i)] * std::pow(d[c], -args.beta - 1);
        }
        const double xj = px[at(g, o, j, i)];
        pdx[at(g, o, j, i)] =
            static_cast<T>(pdy[at(g, o, j, i)] * std::pow(d[j], -args.beta) -
                           2 * args.beta * args.alpha / static_cast<double>(args.size) * xj * through_denominators);
      }
    }
}

}  // namespace

void ReferenceBackend::batchnorm_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x,
                                                  const Tensor& gamma, const Tensor& beta, Tensor& y, Tensor& mean,
                                                  Tensor& var) {
  dispatch_float(x.dtype(), Kernel::batchnorm_forward_training,
                 [&](auto t) { bn_forward_training<decltype(t)>(g, epsilon, x, gamma, beta, y, mean, var); });
}

void ReferenceBackend::batchnorm_forward_inference(const AxisGeometry& g, double epsilon, const Tensor& x,
                                                   const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                                                   const Tensor& var, Tensor& y) {
  dispatch_float(x.dtype(), Kernel::batchnorm_forward_inference,
                 [&](auto t) { bn_forward_inference<decltype(t)>(g, epsilon, x, gamma, beta, mean, var, y); });
}

void ReferenceBackend::batchnorm_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& dy,
                                          const Tensor& gamma, const Tensor& mean, const Tensor& var, Tensor& dx,
                                          Tensor& dgamma, Tensor& dbeta) {
  dispatch_float(x.dtype(), Kernel::batchnorm_backward,
                 [&](auto t) { bn_backward<decltype(t)>(g, epsilon, x, dy, gamma, mean, var, dx, dgamma, dbeta); });
}

void ReferenceBackend::lrn_forward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, Tensor& y) {
  dispatch_float(x.dtype(), Kernel::lrn_forward, [&](auto t) { lrn_forward_impl<decltype(t)>(g, args, x, y); });
}

void ReferenceBackend::lrn_backward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, const Tensor& dy,
                                    Tensor& dx) {
  dispatch_float(x.dtype(), Kernel::lrn_backward, [&](auto t) { lrn_backward_impl<decltype(t)>(g, args, x, dy, dx); });
}

}  // namespace fovea
