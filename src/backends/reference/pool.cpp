// reference backend: max, average, sum and L2 pooling, forward and backward, over 1-3 spatial dimensions in
// either layout. Padding never takes part except as a divisor (average with count_include_pad).
#include <cmath>
#include <limits>
#include <vector>

#include "backends/reference/reference_backend.h"
#include "backends/reference/window.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

using reference::Extent;
using reference::for_each_position;
using reference::ImageIndex;
using reference::widen;
using reference::Window;

struct PoolLoops {
  explicit PoolLoops(const PoolGeometry& g)
      : window{widen(g.in_size, 1), widen(g.kernel_size, 1), widen(g.strides, 1), Extent{1, 1, 1},
               widen(g.pads_begin, 0)},
        x_index{g.channels, widen(g.in_size, 1), g.layout},
        y_index{g.channels, widen(g.out_size, 1), g.layout},
        out(widen(g.out_size, 1)),
        window_volume(window.kernel[0] * window.kernel[1] * window.kernel[2]) {}

  // The number an average divides by: the whole window, or only its elements inside the input.
  double divisor(const PoolGeometry& g, const Extent& o) const {
    if (g.count_include_pad) return static_cast<double>(window_volume);
    int64_t count = 0;
    window.for_each_tap(o, [&](const Extent&, int64_t) { ++count; });
    return static_cast<double>(count);
  }

  // Calls fn(n, c, o) for every output element.
  template <class Fn>
  void for_each_output(const PoolGeometry& g, Fn&& fn) const {
    for (int64_t n = 0; n < g.batch; ++n) {
      for (int64_t c = 0; c < g.channels; ++c) for_each_position(out, [&](const Extent& o) { fn(n, c, o); });
    }
  }

  Window window;
  ImageIndex x_index;
  ImageIndex y_index;
  Extent out;
  int64_t window_volume;
};

template <class T>
void forward(const PoolGeometry& g, const T* x, T* y) {
  const PoolLoops l(g);
  l.for_each_output(g, [&](int64_t n, int64_t c, const Extent& o) {
    double result = 0.0;
    if (g.kind == PoolKind::max) {
      result = -std::numeric_limits<double>::infinity();
      l.window.for_each_tap(
          o, [&](const Extent& i, int64_t) { result = std::max<double>(result, x[l.x_index(n, c, i)]); });
    } else {
      double sum = 0.0;
      l.window.for_each_tap(o, [&](const Extent& i, int64_t) {
        const double v = x[l.x_index(n, c, i)];
        sum += g.kind == PoolKind::l2 ? v * v : v;
      });
      switch (g.kind) {
        case PoolKind::average:
          result = sum / l.divisor(g, o);
          break;
        case PoolKind::l2:
          result = std::sqrt(sum);
          break;
        default:
          result = sum;
          break;
      }
    }
    y[l.y_index(n, c, o)] = static_cast<T>(result);
  });
}

// The offset in x of the first maximal element of output o's window (-1 for a window of padding only).
template <class T>
int64_t first_max_at(const PoolLoops& l, const T* x, int64_t n, int64_t c, const Extent& o) {
  int64_t best_at = -1;
  l.window.for_each_tap(o, [&](const Extent& i, int64_t) {
    const int64_t at = l.x_index(n, c, i);
    if (best_at < 0 || x[at] > x[best_at]) best_at = at;
  });
  return best_at;
}

// The number of input elements.
int64_t input_size(const PoolGeometry& g, const PoolLoops& l) {
  return g.batch * g.channels * l.window.in[0] * l.window.in[1] * l.window.in[2];
}

template <class T>
void backward(const PoolGeometry& g, const T* x, const T* y, const T* dy, T* dx) {
  const PoolLoops l(g);
  const int64_t x_size = input_size(g, l);
  std::vector<double> acc(x_size, 0.0);
  l.for_each_output(g, [&](int64_t n, int64_t c, const Extent& o) {
    const int64_t out_at = l.y_index(n, c, o);
    const double grad = dy[out_at];
    switch (g.kind) {
      case PoolKind::max: {
        // The first maximal element of the window takes the whole gradient.
        const int64_t best_at = first_max_at(l, x, n, c, o);
        if (best_at >= 0) acc[best_at] += grad;
        break;
      }
      case PoolKind::average: {
        const double share = grad / l.divisor(g, o);
        l.window.for_each_tap(o, [&](const Extent& i, int64_t) { acc[l.x_index(n, c, i)] += share; });
        break;
      }
      case PoolKind::sum:
        l.window.for_each_tap(o, [&](const Extent& i, int64_t) { acc[l.x_index(n, c, i)] += grad; });
        break;
      case PoolKind::l2: {
        // d sqrt(sum x^2) / dx = x / y; an all-zero window (y == 0) passes no gradient.
        const double norm = y[out_at];
        if (norm == 0.0) break;
        l.window.for_each_tap(o, [&](const Extent& i, int64_t) {
          const int64_t at = l.x_index(n, c, i);
          acc[at] += grad * x[at] / norm;
        });
        break;
      }
    }
  });
  for (int64_t k = 0; k < x_size; ++k) dx[k] = static_cast<T>(acc[k]);
}

// The reference backend's max-pooling workspace: for each output, the offset in x of its window's first maximum.
template <class T>
void max_offsets(const PoolGeometry& g, const T* x, int64_t* best) {
  const PoolLoops l(g);
  l.for_each_output(g, [&](int64_t n, int64_t c, const Extent& o) {
    best[l.y_index(n, c, o)] = first_max_at(l, x, n, c, o);
  });
}

// Max pooling's backward from those offsets: each dy goes to its window's maximum.
template <class T>
void backward_from_offsets(const PoolGeometry& g, const int64_t* best, const T* dy, T* dx) {
  const PoolLoops l(g);
  const int64_t x_size = input_size(g, l);
  const int64_t y_size = g.batch * g.channels * l.out[0] * l.out[1] * l.out[2];
  std::vector<double> acc(x_size, 0.0);
  for (int64_t o = 0; o < y_size; ++o) {
    if (best[o] >= 0) acc[best[o]] += dy[o];
  }
  for (int64_t k = 0; k < x_size; ++k) dx[k] = static_cast<T>(acc[k]);
}

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

void check_float(const Tensor& t, Kernel k) {
  FOVEA_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, BackendError, "the reference ", kernel_name(k),
              " kernel needs float32 or float64, got ", dtype_name(t.dtype()));
}

}  // namespace

void ReferenceBackend::pool_forward(const PoolGeometry& g, const Tensor& x, Tensor& y) {
  check_float(x, Kernel::pool_forward);
  if (x.dtype() == DType::f64) {
    forward(g, x.data<double>(), y.data<double>());
  } else {
    forward(g, x.data<float>(), y.data<float>());
  }
}

void ReferenceBackend::pool_backward(const PoolGeometry& g, const Tensor& x, const Tensor& y, const Tensor& dy,
                                     Tensor& dx) {
  check_float(dy, Kernel::pool_backward);
  // Average and sum pooling read neither x nor y, which the op then does not keep.
  if (dy.dtype() == DType::f64) {
    backward(g, data_or_null<double>(x), data_or_null<double>(y), dy.data<double>(), dx.data<double>());
  } else {
    backward(g, data_or_null<float>(x), data_or_null<float>(y), dy.data<float>(), dx.data<float>());
  }
}

// The workspace is the int64 offset in x of each output's maximum (-1 for a window of padding only).
void ReferenceBackend::max_pool_forward_training(const PoolGeometry& g, const Tensor& x, Tensor& y,
                                                 Tensor& workspace) {
  pool_forward(g, x, y);
  workspace = Tensor::empty(y.shape(), DType::i64);
  if (x.dtype() == DType::f64) {
    max_offsets(g, x.data<double>(), workspace.data<int64_t>());
  } else {
    max_offsets(g, x.data<float>(), workspace.data<int64_t>());
  }
}

void ReferenceBackend::max_pool_backward(const PoolGeometry& g, const Tensor& workspace, const Tensor& dy,
                                         Tensor& dx) {
  check_float(dy, Kernel::pool_backward);
  FOVEA_CHECK(workspace.dtype() == DType::i64 && workspace.numel() == dy.numel(), BackendError,
              "max_pool_backward: the workspace is not the reference backend's (int64, one offset per output)");
  if (dy.dtype() == DType::f64) {
    backward_from_offsets(g, workspace.data<int64_t>(), dy.data<double>(), dx.data<double>());
  } else {
    backward_from_offsets(g, workspace.data<int64_t>(), dy.data<float>(), dx.data<float>());
  }
}

}  // namespace fovea
