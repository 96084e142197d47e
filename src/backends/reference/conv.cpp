// reference backend: convolution forward, backward-data and backward-weights as direct loops over the windows,
// generic over 1-3 spatial dimensions, both layouts and groups. Sums accumulate in double so the oracle stays
// accurate for float32 too.
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

// The loop-invariant facts about one convolution.
struct ConvLoops {
  explicit ConvLoops(const ConvGeometry& g)
      : window{widen(g.in_size, 1), widen(g.kernel_size, 1), widen(g.strides, 1), widen(g.dilation, 1),
               widen(g.pads_begin, 0)},
        x_index{g.in_channels, widen(g.in_size, 1), g.layout},
        y_index{g.out_channels, widen(g.out_size, 1), g.layout},
        out(widen(g.out_size, 1)),
        in_per_group(g.in_channels / g.groups),
        out_per_group(g.out_channels / g.groups),
        taps(window.kernel[0] * window.kernel[1] * window.kernel[2]) {}

  // Offset of w[oc, icg, tap] in the (Cout, Cin / groups, kernel...) weights.
  int64_t w_index(int64_t oc, int64_t icg, int64_t tap) const { return (oc * in_per_group + icg) * taps + tap; }
  // The input channel that group-local channel icg of output channel oc reads.
  int64_t in_channel(int64_t oc, int64_t icg) const { return (oc / out_per_group) * in_per_group + icg; }

  Window window;
  ImageIndex x_index;
  ImageIndex y_index;
  Extent out;
  int64_t in_per_group;
  int64_t out_per_group;
  int64_t taps;
};

template <class T>
void forward(const ConvGeometry& g, const T* x, const T* w, const T* b, T* y) {
  const ConvLoops l(g);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oc = 0; oc < g.out_channels; ++oc) {
      for_each_position(l.out, [&](const Extent& o) {
        const int64_t out = l.y_index(n, oc, o);
        double sum = (b ? b[oc] : 0.0) + (g.accumulate ? static_cast<double>(y[out]) : 0.0);
        for (int64_t icg = 0; icg < l.in_per_group; ++icg) {
          const int64_t ic = l.in_channel(oc, icg);
          l.window.for_each_tap(o, [&](const Extent& i, int64_t tap) {
            sum += static_cast<double>(x[l.x_index(n, ic, i)]) * w[l.w_index(oc, icg, tap)];
          });
        }
        y[out] = static_cast<T>(sum);
      });
    }
  }
}

template <class T>
void backward_data(const ConvGeometry& g, const T* dy, const T* w, T* dx) {
  const ConvLoops l(g);
  const int64_t x_size = g.batch * g.in_channels * l.window.in[0] * l.window.in[1] * l.window.in[2];
  std::vector<double> acc(x_size, 0.0);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oc = 0; oc < g.out_channels; ++oc) {
      for_each_position(l.out, [&](const Extent& o) {
        const double grad = dy[l.y_index(n, oc, o)];
        for (int64_t icg = 0; icg < l.in_per_group; ++icg) {
          const int64_t ic = l.in_channel(oc, icg);
          l.window.for_each_tap(
              o, [&](const Extent& i, int64_t tap) { acc[l.x_index(n, ic, i)] += grad * w[l.w_index(oc, icg, tap)]; });
        }
      });
    }
  }
  for (int64_t k = 0; k < x_size; ++k) dx[k] = static_cast<T>(acc[k]);
}

template <class T>
void backward_weights(const ConvGeometry& g, const T* x, const T* dy, T* dw, T* db) {
  const ConvLoops l(g);
  std::vector<double> w_acc(g.out_channels * l.in_per_group * l.taps, 0.0);
  std::vector<double> b_acc(g.out_channels, 0.0);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oc = 0; oc < g.out_channels; ++oc) {
      for_each_position(l.out, [&](const Extent& o) {
        const double grad = dy[l.y_index(n, oc, o)];
        b_acc[oc] += grad;
        for (int64_t icg = 0; icg < l.in_per_group; ++icg) {
          const int64_t ic = l.in_channel(oc, icg);
          l.window.for_each_tap(o, [&](const Extent& i, int64_t tap) {
            w_acc[l.w_index(oc, icg, tap)] += grad * x[l.x_index(n, ic, i)];
          });
        }
      });
    }
  }
  for (size_t k = 0; k < w_acc.size(); ++k) dw[k] = static_cast<T>(w_acc[k]);
  if (db) {
    for (int64_t c = 0; c < g.out_channels; ++c) db[c] = static_cast<T>(b_acc[c]);
  }
}

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}
template <class T>
T* data_or_null(Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

void check_float(const Tensor& t, Kernel k) {
  FOVEA_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, BackendError, "the reference ", kernel_name(k),
              " kernel needs float32 or float64, got ", dtype_name(t.dtype()));
}

}  // namespace

void ReferenceBackend::conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b,
                                    Tensor& y) {
  check_float(x, Kernel::conv_forward);
  if (x.dtype() == DType::f64) {
    forward(g, x.data<double>(), w.data<double>(), data_or_null<double>(b), y.data<double>());
  } else {
    forward(g, x.data<float>(), w.data<float>(), data_or_null<float>(b), y.data<float>());
  }
  if (!g.activation.is_linear()) {
    const Tensor pre = y.clone();
    reference_backend().eltwise_forward(g.activation, pre, y);
  }
}

void ReferenceBackend::conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx) {
  check_float(dy, Kernel::conv_backward_data);
  if (dy.dtype() == DType::f64) {
    backward_data(g, dy.data<double>(), w.data<double>(), dx.data<double>());
  } else {
    backward_data(g, dy.data<float>(), w.data<float>(), dx.data<float>());
  }
}

void ReferenceBackend::conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw,
                                             Tensor& db) {
  check_float(x, Kernel::conv_backward_weights);
  if (x.dtype() == DType::f64) {
    backward_weights(g, x.data<double>(), dy.data<double>(), dw.data<double>(), data_or_null<double>(db));
  } else {
    backward_weights(g, x.data<float>(), dy.data<float>(), dw.data<float>(), data_or_null<float>(db));
  }
}

}  // namespace fovea
