// onednn backend: elementwise activations and softmax. Kinds whose oneDNN algorithm has exactly fovea's
// semantics run as cached eltwise primitives over the flat element range; the rest (Keras relu with a
// threshold or cap, selu, hard_sigmoid, softsign, linear) are fovea's own OpenMP loops.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "backends/onednn/onednn_backend.h"
#include "backends/onednn/onednn_context.h"
#include "core/simd.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

using dnnl::algorithm;

// SELU constants (Klambauer et al. 2017), as Keras and PyTorch define them.
constexpr float kSeluAlphaF = 1.6732632423543772848170429916717f;
constexpr float kSeluScaleF = 1.0507009873554804934193349852946f;

struct DnnlAlgorithm {
  algorithm alg;
  float alpha = 0.f;
  float beta = 0.f;
};

bool is_plain_relu(const Activation& f) {
  return f.kind == ActivationKind::relu && f.threshold == 0.0 && std::isinf(f.beta) && f.beta > 0;
}

// The oneDNN algorithm that computes f exactly, or nothing when fovea's own loop must run.
std::optional<DnnlAlgorithm> forward_algorithm(const Activation& f) {
  const auto a = static_cast<float>(f.alpha);
  const auto b = static_cast<float>(f.beta);
  switch (f.kind) {
    case ActivationKind::softmax:
    case ActivationKind::log_softmax:
      return std::nullopt;  // not elementwise; rejected by eltwise_forward's caller
    case ActivationKind::relu:
      if (is_plain_relu(f)) return DnnlAlgorithm{algorithm::eltwise_relu, a};
      return std::nullopt;
    case ActivationKind::leaky_relu:
      return DnnlAlgorithm{algorithm::eltwise_relu, a};
    case ActivationKind::relu6:
      return DnnlAlgorithm{algorithm::eltwise_clip_v2, 0.f, 6.f};
    case ActivationKind::elu:
      return DnnlAlgorithm{algorithm::eltwise_elu, a};
    case ActivationKind::gelu:
      return DnnlAlgorithm{algorithm::eltwise_gelu_erf};
    case ActivationKind::gelu_tanh:
      return DnnlAlgorithm{algorithm::eltwise_gelu_tanh};
    case ActivationKind::sigmoid:
      return DnnlAlgorithm{algorithm::eltwise_logistic};
    case ActivationKind::exponential:
      return DnnlAlgorithm{algorithm::eltwise_exp};
    case ActivationKind::softplus:
      return DnnlAlgorithm{algorithm::eltwise_soft_relu};
    case ActivationKind::swish:
      return DnnlAlgorithm{algorithm::eltwise_swish, 1.f};
    case ActivationKind::tanh:
      return DnnlAlgorithm{algorithm::eltwise_tanh};
    case ActivationKind::log:
      return DnnlAlgorithm{algorithm::eltwise_log};
    case ActivationKind::sqrt:
      return DnnlAlgorithm{algorithm::eltwise_sqrt};
    case ActivationKind::square:
      return DnnlAlgorithm{algorithm::eltwise_square};
    case ActivationKind::abs:
      return DnnlAlgorithm{algorithm::eltwise_abs};
    case ActivationKind::pow:
      return DnnlAlgorithm{algorithm::eltwise_pow, 1.f, a};
    case ActivationKind::clip:
      return DnnlAlgorithm{algorithm::eltwise_clip_v2, a, b};
    case ActivationKind::linear:
    case ActivationKind::selu:
    case ActivationKind::hard_sigmoid:
    case ActivationKind::softsign:
      return std::nullopt;
  }
  return std::nullopt;
}

// The *_use_dst_for_bwd algorithm for the kinds whose derivative the output determines.
DnnlAlgorithm output_based_algorithm(const Activation& f) {
  switch (f.kind) {
    case ActivationKind::relu:
      if (is_plain_relu(f) && f.alpha == 0.0) return {algorithm::eltwise_relu_use_dst_for_bwd};
      break;
    case ActivationKind::sigmoid:
      return {algorithm::eltwise_logistic_use_dst_for_bwd};
    case ActivationKind::tanh:
      return {algorithm::eltwise_tanh_use_dst_for_bwd};
    case ActivationKind::exponential:
      return {algorithm::eltwise_exp_use_dst_for_bwd};
    case ActivationKind::sqrt:
      return {algorithm::eltwise_sqrt_use_dst_for_bwd};
    default:
      break;
  }
  throw BackendError(detail::concat("eltwise_backward: the gradient of ", activation_name(f.kind),
                                    " cannot be computed from its output (only relu with default parameters, "
                                    "sigmoid, tanh, exponential and sqrt)"));
}

// Applies fn to every index in [0, n), vectorized for the CPU, over the OpenMP threads from 4096 elements.
template <class Fn>
void parallel_for(int64_t n, const Fn& fn) {
  simd::for_each_index(n, fn, n > 4096);
}

// Keras relu: max_value above the cap, x from the threshold up, negative_slope * (x - threshold) below it.
struct KerasRelu {
  float slope, cap, threshold;
  explicit KerasRelu(const Activation& f)
      : slope(static_cast<float>(f.alpha)),
        cap(static_cast<float>(f.beta)),
        threshold(static_cast<float>(f.threshold)) {}
  float value(float x) const {
    if (x >= cap) return cap;
    return x >= threshold ? x : slope * (x - threshold);
  }
  float derivative(float x) const {
    if (x >= cap) return 0.f;
    return x >= threshold ? 1.f : slope;
  }
};

void own_forward(const Activation& f, const float* x, float* y, int64_t n) {
  switch (f.kind) {
    case ActivationKind::linear:
      if (x != y) std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
      return;
    case ActivationKind::relu: {
      const KerasRelu r(f);
      parallel_for(n, [&](int64_t i) { y[i] = r.value(x[i]); });
      return;
    }
    case ActivationKind::selu:
      parallel_for(
          n, [&](int64_t i) { y[i] = x[i] > 0.f ? kSeluScaleF * x[i] : kSeluScaleF * kSeluAlphaF * std::expm1(x[i]); });
      return;
    case ActivationKind::hard_sigmoid: {
      const auto a = static_cast<float>(f.alpha), b = static_cast<float>(f.beta);
      parallel_for(n, [&](int64_t i) { y[i] = std::min(std::max(a * x[i] + b, 0.f), 1.f); });
      return;
    }
    case ActivationKind::softsign:
      parallel_for(n, [&](int64_t i) { y[i] = x[i] / (1.f + std::fabs(x[i])); });
      return;
    default:
      break;
  }
  throw BackendError(detail::concat("eltwise_forward: no onednn loop for ", activation_name(f.kind)));
}

// dx = dy * f'(x) for the kinds own_forward computes.
void own_backward(const Activation& f, const float* x, const float* dy, float* dx, int64_t n) {
  switch (f.kind) {
    case ActivationKind::linear:
      if (dy != dx) std::memcpy(dx, dy, static_cast<size_t>(n) * sizeof(float));
      return;
    case ActivationKind::relu: {
      const KerasRelu r(f);
      parallel_for(n, [&](int64_t i) { dx[i] = dy[i] * r.derivative(x[i]); });
      return;
    }
    case ActivationKind::selu:
      parallel_for(n, [&](int64_t i) {
        dx[i] = dy[i] * (x[i] > 0.f ? kSeluScaleF : kSeluScaleF * kSeluAlphaF * std::exp(x[i]));
      });
      return;
    case ActivationKind::hard_sigmoid: {
      const auto a = static_cast<float>(f.alpha), b = static_cast<float>(f.beta);
      parallel_for(n, [&](int64_t i) {
        const float z = a * x[i] + b;
        dx[i] = z > 0.f && z < 1.f ? dy[i] * a : 0.f;
      });
      return;
    }
    case ActivationKind::softsign:
      parallel_for(n, [&](int64_t i) {
        const float d = 1.f + std::fabs(x[i]);
        dx[i] = dy[i] / (d * d);
      });
      return;
    default:
      break;
  }
  throw BackendError(detail::concat("eltwise_backward: no onednn loop for ", activation_name(f.kind)));
}

struct EltwiseForward {
  dnnl::eltwise_forward::primitive_desc pd;
  dnnl::eltwise_forward primitive;
};

struct EltwiseBackward {
  dnnl::eltwise_backward::primitive_desc pd;
  dnnl::eltwise_backward primitive;
};

dnnl::eltwise_forward::primitive_desc forward_pd(const DnnlAlgorithm& a, const dnnl::memory::desc& md) {
  return {{dnnl::prop_kind::forward_training, a.alg, md, a.alpha, a.beta}, onednn::engine()};
}

std::shared_ptr<EltwiseForward> cached_forward(const DnnlAlgorithm& a, int64_t n) {
  const auto key = onednn::cache_key("eltwise_fwd", static_cast<int>(a.alg), a.alpha, a.beta, n);
  return onednn::cache().get<EltwiseForward>(key, [&] {
    auto pd = forward_pd(a, onednn::plain_f32({n}));
    return EltwiseForward{pd, dnnl::eltwise_forward(pd)};
  });
}

std::shared_ptr<EltwiseBackward> cached_backward(const DnnlAlgorithm& a, int64_t n) {
  const auto key = onednn::cache_key("eltwise_bwd", static_cast<int>(a.alg), a.alpha, a.beta, n);
  return onednn::cache().get<EltwiseBackward>(key, [&] {
    const auto md = onednn::plain_f32({n});
    dnnl::eltwise_backward::primitive_desc pd({a.alg, md, md, a.alpha, a.beta}, onednn::engine(), forward_pd(a, md));
    return EltwiseBackward{pd, dnnl::eltwise_backward(pd)};
  });
}

bool uses_dst(algorithm alg) {
  return alg == algorithm::eltwise_relu_use_dst_for_bwd || alg == algorithm::eltwise_logistic_use_dst_for_bwd ||
         alg == algorithm::eltwise_tanh_use_dst_for_bwd || alg == algorithm::eltwise_exp_use_dst_for_bwd ||
         alg == algorithm::eltwise_sqrt_use_dst_for_bwd;
}

// ---- softmax over (outer, channels, inner) along the channels ----
// With inner == 1 oneDNN's vectorized kernel normalizes each dense row of a 2-D (outer, channels) tensor. For
// strided channels oneDNN 2.6 has only a scalar reference kernel, so fovea's own loops run instead, vectorized
// over a block of inner positions at a time.

struct SoftmaxForward {
  dnnl::softmax_v2_forward::primitive_desc pd;
  dnnl::softmax_v2_forward primitive;
};

struct SoftmaxBackward {
  dnnl::softmax_v2_backward::primitive_desc pd;
  dnnl::softmax_v2_backward primitive;
};

dnnl::softmax_v2_forward::primitive_desc softmax_forward_pd(const dnnl::memory::desc& md, bool log) {
  const auto alg = log ? algorithm::softmax_log : algorithm::softmax_accurate;
  return {{dnnl::prop_kind::forward_training, alg, md, md, 1}, onednn::engine()};
}

constexpr int64_t kInnerBlock = 256;

// Calls fn(o, i0, i1) for every outer index and block [i0, i1) of inner positions, over the OpenMP threads, its
// loops vectorized for the CPU.
template <class Fn>
void for_inner_blocks(const AxisGeometry& g, const Fn& fn) {
  const int64_t blocks = (g.inner + kInnerBlock - 1) / kInnerBlock;
  simd::for_each_row(g.outer * blocks, [&](int64_t r) {
    const int64_t o = r / blocks, b = r % blocks;
    fn(o, b * kInnerBlock, std::min(g.inner, (b + 1) * kInnerBlock));
  });
}

void softmax_forward_loops(const AxisGeometry& g, bool log, const float* x, float* y) {
  for_inner_blocks(g, [&](int64_t o, int64_t i0, int64_t i1) {
    float max[kInnerBlock], sum[kInnerBlock];
    const int64_t n = i1 - i0;
    const float* xo = x + o * g.channels * g.inner + i0;
    float* yo = y + o * g.channels * g.inner + i0;
    std::fill(max, max + n, -std::numeric_limits<float>::infinity());
    std::fill(sum, sum + n, 0.f);
    // Subtracting the maximum keeps every exp() at most 1.
    for (int64_t c = 0; c < g.channels; ++c) {
      for (int64_t i = 0; i < n; ++i) max[i] = std::max(max[i], xo[c * g.inner + i]);
    }
    for (int64_t c = 0; c < g.channels; ++c) {
      for (int64_t i = 0; i < n; ++i) {
        const float e = std::exp(xo[c * g.inner + i] - max[i]);
        sum[i] += e;
        if (!log) yo[c * g.inner + i] = e;
      }
    }
    if (log) {
      for (int64_t i = 0; i < n; ++i) max[i] += std::log(sum[i]);
      for (int64_t c = 0; c < g.channels; ++c) {
        for (int64_t i = 0; i < n; ++i) yo[c * g.inner + i] = xo[c * g.inner + i] - max[i];
      }
    } else {
      for (int64_t i = 0; i < n; ++i) sum[i] = 1.f / sum[i];
      for (int64_t c = 0; c < g.channels; ++c) {
        for (int64_t i = 0; i < n; ++i) yo[c * g.inner + i] *= sum[i];
      }
    }
  });
}

// softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy).
void softmax_backward_loops(const AxisGeometry& g, bool log, const float* y, const float* dy, float* dx) {
  for_inner_blocks(g, [&](int64_t o, int64_t i0, int64_t i1) {
    float dot[kInnerBlock];
    const int64_t n = i1 - i0, base = o * g.channels * g.inner + i0;
    const float *yo = y + base, *dyo = dy + base;
    float* dxo = dx + base;
    std::fill(dot, dot + n, 0.f);
    for (int64_t c = 0; c < g.channels; ++c) {
      for (int64_t i = 0; i < n; ++i) dot[i] += log ? dyo[c * g.inner + i] : dyo[c * g.inner + i] * yo[c * g.inner + i];
    }
    for (int64_t c = 0; c < g.channels; ++c) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t k = c * g.inner + i;
        dxo[k] = log ? dyo[k] - std::exp(yo[k]) * dot[i] : yo[k] * (dyo[k] - dot[i]);
      }
    }
  });
}

}  // namespace

void OneDnnBackend::eltwise_forward(const Activation& f, const Tensor& x, Tensor& y) {
  const int64_t n = x.numel();
  if (n == 0) return;
  const auto a = forward_algorithm(f);
  if (!a) return own_forward(f, x.data<float>(), y.data<float>(), n);
  const auto p = cached_forward(*a, n);
  const auto md = onednn::plain_f32({n});
  p->primitive.execute(onednn::stream(), {{DNNL_ARG_SRC, onednn::wrap(md, x)}, {DNNL_ARG_DST, onednn::wrap(md, y)}});
  onednn::stream().wait();
}

void OneDnnBackend::eltwise_backward(const Activation& f, const Tensor& src, bool src_is_output, const Tensor& dy,
                                     Tensor& dx) {
  const int64_t n = src.numel();
  if (n == 0) return;
  std::optional<DnnlAlgorithm> a = src_is_output ? output_based_algorithm(f) : forward_algorithm(f);
  if (!a) return own_backward(f, src.data<float>(), dy.data<float>(), dx.data<float>(), n);
  const auto p = cached_backward(*a, n);
  const auto md = onednn::plain_f32({n});
  p->primitive.execute(onednn::stream(), {{uses_dst(a->alg) ? DNNL_ARG_DST : DNNL_ARG_SRC, onednn::wrap(md, src)},
                                          {DNNL_ARG_DIFF_DST, onednn::wrap(md, dy)},
                                          {DNNL_ARG_DIFF_SRC, onednn::wrap(md, dx)}});
  onednn::stream().wait();
}

void OneDnnBackend::softmax_forward(const AxisGeometry& g, bool log, const Tensor& x, Tensor& y) {
  if (x.numel() == 0) return;
  if (g.inner > 1) return softmax_forward_loops(g, log, x.data<float>(), y.data<float>());
  const auto md = onednn::plain_f32({g.outer, g.channels});
  const auto key = onednn::cache_key("softmax_fwd", g.outer, g.channels, log);
  const auto p = onednn::cache().get<SoftmaxForward>(key, [&] {
    auto pd = softmax_forward_pd(md, log);
    return SoftmaxForward{pd, dnnl::softmax_v2_forward(pd)};
  });
  p->primitive.execute(onednn::stream(), {{DNNL_ARG_SRC, onednn::wrap(md, x)}, {DNNL_ARG_DST, onednn::wrap(md, y)}});
  onednn::stream().wait();
}

void OneDnnBackend::softmax_backward(const AxisGeometry& g, bool log, const Tensor& y, const Tensor& dy, Tensor& dx) {
  if (y.numel() == 0) return;
  if (g.inner > 1) return softmax_backward_loops(g, log, y.data<float>(), dy.data<float>(), dx.data<float>());
  const auto md = onednn::plain_f32({g.outer, g.channels});
  const auto key = onednn::cache_key("softmax_bwd", g.outer, g.channels, log);
  const auto p = onednn::cache().get<SoftmaxBackward>(key, [&] {
    const auto alg = log ? algorithm::softmax_log : algorithm::softmax_accurate;
    dnnl::softmax_v2_backward::primitive_desc pd({alg, md, md, md, 1}, onednn::engine(), softmax_forward_pd(md, log));
    return SoftmaxBackward{pd, dnnl::softmax_v2_backward(pd)};
  });
  p->primitive.execute(onednn::stream(), {{DNNL_ARG_DST, onednn::wrap(md, y)},
                                          {DNNL_ARG_DIFF_DST, onednn::wrap(md, dy)},
                                          {DNNL_ARG_DIFF_SRC, onednn::wrap(md, dx)}});
  onednn::stream().wait();
}

}  // namespace fovea
