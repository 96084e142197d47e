// reference backend: elementwise activations (forward and backward) and softmax / log-softmax.
// Each element is computed in double from one scalar formula, so float and double share the same definitions.
#include <cmath>
#include <limits>
#include <numbers>

#include "backends/reference/float_kernels.h"
#include "backends/reference/reference_backend.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSeluScale = 1.0507009873554805;
// sqrt(2 / pi), the constant of the tanh approximation of gelu.
constexpr double kGeluTanhC = 0.7978845608028654;
constexpr double kGeluTanhK = 0.044715;

// Stable logistic function: never evaluates exp of a large positive number.
double sigmoid_of(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

double forward_of(const Activation& f, double x) {
  switch (f.kind) {
    case ActivationKind::softmax:
    case ActivationKind::log_softmax:
      return 0.0;  // excluded by the check in eltwise_forward
    case ActivationKind::linear:
      return x;
    case ActivationKind::relu:
      // alpha = negative_slope, beta = max_value, threshold as in Keras.
      if (x >= f.beta) return f.beta;
      if (x >= f.threshold) return x;
      return f.alpha * (x - f.threshold);
    case ActivationKind::leaky_relu:
      return x > 0 ? x : f.alpha * x;
    case ActivationKind::relu6:
      return std::min(std::max(x, 0.0), 6.0);
    case ActivationKind::elu:
      return x > 0 ? x : f.alpha * std::expm1(x);
    case ActivationKind::selu:
      return kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x));
    case ActivationKind::gelu:
      return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2));
    case ActivationKind::gelu_tanh:
      return 0.5 * x * (1.0 + std::tanh(kGeluTanhC * (x + kGeluTanhK * x * x * x)));
    case ActivationKind::sigmoid:
      return sigmoid_of(x);
    case ActivationKind::hard_sigmoid:
      return std::min(std::max(f.alpha * x + f.beta, 0.0), 1.0);
    case ActivationKind::exponential:
      return std::exp(x);
    case ActivationKind::softplus:
      return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
    case ActivationKind::softsign:
      return x / (1.0 + std::abs(x));
    case ActivationKind::swish:
      return x * sigmoid_of(x);
    case ActivationKind::tanh:
      return std::tanh(x);
    case ActivationKind::log:
      return std::log(x);
    case ActivationKind::sqrt:
      return std::sqrt(x);
    case ActivationKind::square:
      return x * x;
    case ActivationKind::abs:
      return std::abs(x);
    case ActivationKind::pow:
      return std::pow(x, f.alpha);
    case ActivationKind::clip:
      return std::min(std::max(x, f.alpha), f.beta);
  }
  return x;
}

// f'(x) from the input x.
double derivative_from_input(const Activation& f, double x) {
  switch (f.kind) {
    case ActivationKind::softmax:
    case ActivationKind::log_softmax:
      return 0.0;  // excluded by the check in eltwise_backward
    case ActivationKind::linear:
      return 1.0;
    case ActivationKind::relu:
      if (x >= f.beta) return 0.0;
      if (x >= f.threshold) return 1.0;
      return f.alpha;
    case ActivationKind::leaky_relu:
      return x > 0 ? 1.0 : f.alpha;
    case ActivationKind::relu6:
      return x > 0 && x < 6 ? 1.0 : 0.0;
    case ActivationKind::elu:
      return x > 0 ? 1.0 : f.alpha * std::exp(x);
    case ActivationKind::selu:
      return kSeluScale * (x > 0 ? 1.0 : kSeluAlpha * std::exp(x));
    case ActivationKind::gelu: {
      const double cdf = 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2));
      const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
      return cdf + x * pdf;
    }
    case ActivationKind::gelu_tanh: {
      const double t = std::tanh(kGeluTanhC * (x + kGeluTanhK * x * x * x));
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * kGeluTanhC * (1.0 + 3.0 * kGeluTanhK * x * x);
    }
    case ActivationKind::sigmoid: {
      const double s = sigmoid_of(x);
      return s * (1.0 - s);
    }
    case ActivationKind::hard_sigmoid: {
      const double z = f.alpha * x + f.beta;
      return z > 0 && z < 1 ? f.alpha : 0.0;
    }
    case ActivationKind::exponential:
      return std::exp(x);
    case ActivationKind::softplus:
      return sigmoid_of(x);
    case ActivationKind::softsign: {
      const double d = 1.0 + std::abs(x);
      return 1.0 / (d * d);
    }
    case ActivationKind::swish: {
      const double s = sigmoid_of(x);
      return s + x * s * (1.0 - s);
    }
    case ActivationKind::tanh: {
      const double t = std::tanh(x);
      return 1.0 - t * t;
    }
    case ActivationKind::log:
      return 1.0 / x;
    case ActivationKind::sqrt:
      return 0.5 / std::sqrt(x);
    case ActivationKind::square:
      return 2.0 * x;
    case ActivationKind::abs:
      return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    case ActivationKind::pow:
      return f.alpha * std::pow(x, f.alpha - 1.0);
    case ActivationKind::clip:
      return x >= f.alpha && x <= f.beta ? 1.0 : 0.0;
  }
  return 1.0;
}

bool is_default_relu(const Activation& f) {
  return f.kind == ActivationKind::relu && f.alpha == 0.0 && f.threshold == 0.0 &&
         f.beta == std::numeric_limits<double>::infinity();
}

// f'(x) from the output y = f(x), for the kinds whose derivative y determines.
double derivative_from_output(const Activation& f, double y) {
  switch (f.kind) {
    case ActivationKind::relu:
      return y > 0 ? 1.0 : 0.0;
    case ActivationKind::sigmoid:
      return y * (1.0 - y);
    case ActivationKind::tanh:
      return 1.0 - y * y;
    case ActivationKind::exponential:
      return y;
    case ActivationKind::sqrt:
      return 0.5 / y;
    default:
      return 0.0;  // excluded by the check in eltwise_backward
  }
}

using reference_detail::check_float;

template <class T>
void forward_impl(const Activation& f, const Tensor& x, Tensor& y) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  for (int64_t i = 0; i < x.numel(); ++i) py[i] = static_cast<T>(forward_of(f, px[i]));
}

template <class T>
void backward_impl(const Activation& f, const Tensor& src, bool src_is_output, const Tensor& dy, Tensor& dx) {
  const T* ps = src.data<T>();
  const T* pdy = dy.data<T>();
  T* pdx = dx.data<T>();
  for (int64_t i = 0; i < src.numel(); ++i) {
    const double d = src_is_output ? derivative_from_output(f, ps[i]) : derivative_from_input(f, ps[i]);
    pdx[i] = static_cast<T>(d * pdy[i]);
  }
}

// x seen as (outer, channels, inner): element (o, c, i) lives at (o * channels + c) * inner + i.
template <class T>
void softmax_forward_impl(const AxisGeometry& g, bool log, const Tensor& x, Tensor& y) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  for (int64_t o = 0; o < g.outer; ++o) {
    for (int64_t i = 0; i < g.inner; ++i) {
      const int64_t base = o * g.channels * g.inner + i;
      auto at = [&](int64_t c) { return base + c * g.inner; };
      // Subtracting the maximum keeps every exp() at most 1, so large inputs cannot overflow.
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < g.channels; ++c) max = std::max(max, static_cast<double>(px[at(c)]));
      double sum = 0.0;
      for (int64_t c = 0; c < g.channels; ++c) sum += std::exp(px[at(c)] - max);
      const double log_sum = std::log(sum);
      for (int64_t c = 0; c < g.channels; ++c) {
        const double shifted = px[at(c)] - max;
        py[at(c)] = static_cast<T>(log ? shifted - log_sum : std::exp(shifted) / sum);
      }
    }
  }
}

template <class T>
void softmax_backward_impl(const AxisGeometry& g, bool log, const Tensor& y, const Tensor& dy, Tensor& dx) {
  const T* py = y.data<T>();
  const T* pdy = dy.data<T>();
  T* pdx = dx.data<T>();
  for (int64_t o = 0; o < g.outer; ++o) {
    for (int64_t i = 0; i < g.inner; ++i) {
      const int64_t base = o * g.channels * g.inner + i;
      auto at = [&](int64_t c) { return base + c * g.inner; };
      // softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - softmax * sum(dy).
      double dot = 0.0;
      for (int64_t c = 0; c < g.channels; ++c) {
        dot += log ? static_cast<double>(pdy[at(c)]) : static_cast<double>(pdy[at(c)]) * py[at(c)];
      }
      for (int64_t c = 0; c < g.channels; ++c) {
        const double v =
            log ? pdy[at(c)] - std::exp(static_cast<double>(py[at(c)])) * dot : py[at(c)] * (pdy[at(c)] - dot);
        pdx[at(c)] = static_cast<T>(v);
      }
    }
  }
}

}  // namespace

void ReferenceBackend::eltwise_forward(const Activation& f, const Tensor& x, Tensor& y) {
  check_float(Kernel::eltwise_forward, x.dtype());
  FOVEA_CHECK(!f.is_axiswise(), BackendError, "eltwise_forward: ", activation_name(f.kind),
              " is not elementwise; fovea::activation() computes it along the last axis");
  if (x.dtype() == DType::f32) {
    forward_impl<float>(f, x, y);
  } else {
    forward_impl<double>(f, x, y);
  }
}

void ReferenceBackend::eltwise_backward(const Activation& f, const Tensor& src, bool src_is_output, const Tensor& dy,
                                        Tensor& dx) {
  check_float(Kernel::eltwise_backward, src.dtype());
  FOVEA_CHECK(!f.is_axiswise(), BackendError, "eltwise_backward: ", activation_name(f.kind),
              " is not elementwise; fovea::activation() computes it along the last axis");
  if (src_is_output) {
    const bool ok = is_default_relu(f) || f.kind == ActivationKind::sigmoid || f.kind == ActivationKind::tanh ||
                    f.kind == ActivationKind::exponential || f.kind == ActivationKind::sqrt;
    FOVEA_CHECK(ok, ValueError,
                "eltwise_backward from the output is defined only for relu with default "
                "parameters, sigmoid, tanh, exponential and sqrt, not for ",
                activation_name(f.kind));
  }
  if (src.dtype() == DType::f32) {
    backward_impl<float>(f, src, src_is_output, dy, dx);
  } else {
    backward_impl<double>(f, src, src_is_output, dy, dx);
  }
}

void ReferenceBackend::softmax_forward(const AxisGeometry& g, bool log, const Tensor& x, Tensor& y) {
  check_float(Kernel::softmax_forward, x.dtype());
  if (x.dtype() == DType::f32) {
    softmax_forward_impl<float>(g, log, x, y);
  } else {
    softmax_forward_impl<double>(g, log, x, y);
  }
}

void ReferenceBackend::softmax_backward(const AxisGeometry& g, bool log, const Tensor& y, const Tensor& dy,
                                        Tensor& dx) {
  check_float(Kernel::softmax_backward, y.dtype());
  if (y.dtype() == DType::f32) {
    softmax_backward_impl<float>(g, log, y, dy, dx);
  } else {
    softmax_backward_impl<double>(g, log, y, dy, dx);
  }
}

}  // namespace fovea
