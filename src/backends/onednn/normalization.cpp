// onednn backend: batch normalization and local response normalization. The (outer, channels, inner) view of
// AxisGeometry is handed to oneDNN as a dense (N=outer, C=channels, H=inner, W=1) tensor. LRN windows of odd size
// run on oneDNN (its centred window and alpha / size scaling equal PyTorch's); even sizes, whose window oneDNN
// centres differently, run on fovea's own loops with PyTorch's window.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/onednn/onednn_backend.h"
#include "backends/onednn/onednn_context.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

using dnnl::normalization_flags;
using dnnl::prop_kind;

// The data as oneDNN sees it: (outer, channels, inner, 1) as nchw, or, without an inner extent (channels-last
// data), (outer, channels, 1, 1) as nhwc: the same bytes as row-major (outer, channels), in the layout that
// oneDNN 2.6's vectorized (jit) batch norm takes. As 2-D 'nc' it ran the plain-layout kernel (ncsp_bnorm), about
// four times slower; 3-D 'ncw' has only the reference kernel. (Rows as the batch measured faster than rows as
// one image's height.)
dnnl::memory::desc data_desc(const AxisGeometry& g) {
  using tag = dnnl::memory::format_tag;
  if (g.inner == 1) return dnnl::memory::desc({g.outer, g.channels, 1, 1}, dnnl::memory::data_type::f32, tag::nhwc);
  return onednn::plain_f32({g.outer, g.channels, g.inner, 1});
}

normalization_flags scale_shift_flags(bool scale, bool shift) {
  normalization_flags flags = normalization_flags::none;
  if (scale) flags = flags | normalization_flags::use_scale;
  if (shift) flags = flags | normalization_flags::use_shift;
  return flags;
}

struct BnForward {
  dnnl::batch_normalization_forward primitive;
  dnnl::memory::desc workspace;  // fuse_norm_relu's ReLU mask (empty otherwise)
};
struct BnBackward {
  dnnl::batch_normalization_backward primitive;
};

dnnl::batch_normalization_forward::primitive_desc bn_forward_pd(const AxisGeometry& g, prop_kind prop, double epsilon,
                                                                normalization_flags flags) {
  return {{prop, data_desc(g), static_cast<float>(epsilon), flags}, onednn::engine()};
}

std::shared_ptr<BnForward> cached_bn_forward(const AxisGeometry& g, prop_kind prop, double epsilon,
                                             normalization_flags flags) {
  const auto key = onednn::cache_key("bn_fwd", g.outer, g.channels, g.inner, static_cast<int>(prop), epsilon,
                                     static_cast<unsigned>(flags));
  return onednn::cache().get<BnForward>(key, [&] {
    const auto pd = bn_forward_pd(g, prop, epsilon, flags);
    return BnForward{dnnl::batch_normalization_forward(pd), pd.workspace_desc()};
  });
}

void run(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args) {
  p.execute(onednn::stream(), args);
  onednn::stream().wait();
}

// ---- LRN with an even window: fovea's own loops, PyTorch's window c - size/2 .. c + (size-1)/2 ----

struct LrnShape {
  int64_t before, after;
  float alpha_over_size, beta, bias;
  LrnShape(const LrnArgs& a)
      : before(a.size / 2),
        after((a.size - 1) / 2),
        alpha_over_size(static_cast<float>(a.alpha / static_cast<double>(a.size))),
        beta(static_cast<float>(a.beta)),
        bias(static_cast<float>(a.bias)) {}
};

// d[c * inner + i] = bias + alpha / size * (sum of x^2 over the window of channel c) for one outer slice.
void lrn_denominators(const AxisGeometry& g, const LrnShape& s, const float* x, float* d) {
  for (int64_t c = 0; c < g.channels; ++c) {
    float* row = d + c * g.inner;
    std::fill(row, row + g.inner, 0.f);
    const int64_t lo = std::max<int64_t>(0, c - s.before), hi = std::min(g.channels - 1, c + s.after);
    for (int64_t j = lo; j <= hi; ++j) {
      const float* xj = x + j * g.inner;
      for (int64_t i = 0; i < g.inner; ++i) row[i] += xj[i] * xj[i];
    }
    for (int64_t i = 0; i < g.inner; ++i) row[i] = s.bias + s.alpha_over_size * row[i];
  }
}

void lrn_forward_loops(const AxisGeometry& g, const LrnArgs& args, const float* x, float* y) {
  const LrnShape s(args);
  const int64_t slice = g.channels * g.inner;
#pragma omp parallel
  {
    std::vector<float> d(static_cast<size_t>(slice));
#pragma omp for schedule(static)
    for (int64_t o = 0; o < g.outer; ++o) {
      lrn_denominators(g, s, x + o * slice, d.data());
      for (int64_t k = 0; k < slice; ++k) y[o * slice + k] = x[o * slice + k] * std::pow(d[k], -s.beta);
    }
  }
}

// dx_j = dy_j D_j^-beta - 2 beta alpha / size x_j * sum over channels c whose window holds j of dy_c x_c
// D_c^(-beta-1); channel c's window holds j when j - after <= c <= j + before.
void lrn_backward_loops(const AxisGeometry& g, const LrnArgs& args, const float* x, const float* dy, float* dx) {
  const LrnShape s(args);
  const int64_t slice = g.channels * g.inner;
  const float k2 = 2.f * s.beta * s.alpha_over_size;
#pragma omp parallel
  {
    std::vector<float> d(static_cast<size_t>(slice)), t(static_cast<size_t>(slice)), acc(static_cast<size_t>(g.inner));
#pragma omp for schedule(static)
    for (int64_t o = 0; o < g.outer; ++o) {
      const float* xo = x + o * slice;
      const float* dyo = dy + o * slice;
      float* dxo = dx + o * slice;
      lrn_denominators(g, s, xo, d.data());
      for (int64_t k = 0; k < slice; ++k) t[k] = dyo[k] * xo[k] * std::pow(d[k], -s.beta - 1.f);
      for (int64_t j = 0; j < g.channels; ++j) {
        std::fill(acc.begin(), acc.end(), 0.f);
        const int64_t lo = std::max<int64_t>(0, j - s.after), hi = std::min(g.channels - 1, j + s.before);
        for (int64_t c = lo; c <= hi; ++c)
          for (int64_t i = 0; i < g.inner; ++i) acc[i] += t[c * g.inner + i];
        for (int64_t i = 0; i < g.inner; ++i) {
          const int64_t k = j * g.inner + i;
          dxo[k] = dyo[k] * std::pow(d[k], -s.beta) - k2 * xo[k] * acc[i];
        }
      }
    }
  }
}

// oneDNN's LRN wants a spatial extent: (outer, channels, inner, 1) as nchw, which its jit kernels take.
dnnl::memory::desc lrn_desc(const AxisGeometry& g) { return onednn::plain_f32({g.outer, g.channels, g.inner, 1}); }

dnnl::lrn_forward::primitive_desc lrn_forward_pd(const AxisGeometry& g, const LrnArgs& a, prop_kind prop) {
  return {{prop, dnnl::algorithm::lrn_across_channels, lrn_desc(g), a.size, static_cast<float>(a.alpha),
           static_cast<float>(a.beta), static_cast<float>(a.bias)},
          onednn::engine()};
}

struct LrnForward {
  dnnl::lrn_forward primitive;
};
struct LrnTraining {
  dnnl::lrn_forward::primitive_desc forward_pd;
  dnnl::lrn_forward forward;
  dnnl::lrn_backward::primitive_desc backward_pd;
  dnnl::lrn_backward backward;
};

// Training batch norm, with ReLU fused when workspace is given (it then receives oneDNN's ReLU mask).
void bn_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& gamma,
                         const Tensor& beta, Tensor& y, Tensor& mean, Tensor& var, Tensor* workspace) {
  auto flags = scale_shift_flags(gamma.defined(), beta.defined());
  if (workspace != nullptr) flags = flags | normalization_flags::fuse_norm_relu;
  const auto p = cached_bn_forward(g, prop_kind::forward_training, epsilon, flags);
  const auto md = data_desc(g);
  const auto cd = onednn::plain_f32({g.channels});
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, onednn::wrap(md, x)},
                                             {DNNL_ARG_DST, onednn::wrap(md, y)},
                                             {DNNL_ARG_MEAN, onednn::wrap(cd, mean)},
                                             {DNNL_ARG_VARIANCE, onednn::wrap(cd, var)}};
  if (gamma.defined()) args.emplace(DNNL_ARG_SCALE, onednn::wrap(cd, gamma));
  if (beta.defined()) args.emplace(DNNL_ARG_SHIFT, onednn::wrap(cd, beta));
  if (workspace != nullptr) {
    *workspace = Tensor::empty(Shape{static_cast<int64_t>(p->workspace.get_size())}, DType::u8);
    args.emplace(DNNL_ARG_WORKSPACE, dnnl::memory(p->workspace, onednn::engine(), workspace->raw_data()));
  }
  run(p->primitive, args);
}

// Gradients of bn_forward_training; workspace (non-null) is the fused ReLU's mask from the forward pass.
void bn_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& dy, const Tensor& gamma,
                 const Tensor& mean, const Tensor& var, Tensor& dx, Tensor& dgamma, Tensor& dbeta,
                 const Tensor* workspace) {
  // oneDNN computes the scale's gradient only when it uses a scale: ones stand in for an absent gamma.
  const bool use_scale = gamma.defined() || dgamma.defined();
  const bool use_shift = dbeta.defined();
  auto flags = scale_shift_flags(use_scale, use_shift);
  if (workspace != nullptr) flags = flags | normalization_flags::fuse_norm_relu;
  // oneDNN accepts a scale or shift only in full backward mode (which also computes their gradients).
  const auto prop = use_scale || use_shift ? prop_kind::backward : prop_kind::backward_data;
  const auto key = onednn::cache_key("bn_bwd", g.outer, g.channels, g.inner, static_cast<int>(prop), epsilon,
                                     static_cast<unsigned>(flags));
  const auto p = onednn::cache().get<BnBackward>(key, [&] {
    const auto md = data_desc(g);
    dnnl::batch_normalization_backward::primitive_desc pd(
        {prop, md, md, static_cast<float>(epsilon), flags}, onednn::engine(),
        bn_forward_pd(g, prop_kind::forward_training, epsilon, flags));
    return BnBackward{dnnl::batch_normalization_backward(pd)};
  });
  const auto md = data_desc(g);
  const auto cd = onednn::plain_f32({g.channels});
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, onednn::wrap(md, x)},
                                             {DNNL_ARG_DIFF_DST, onednn::wrap(md, dy)},
                                             {DNNL_ARG_DIFF_SRC, onednn::wrap(md, dx)},
                                             {DNNL_ARG_MEAN, onednn::wrap(cd, mean)},
                                             {DNNL_ARG_VARIANCE, onednn::wrap(cd, var)}};
  const Tensor scale = gamma.defined() || !use_scale ? gamma : Tensor::ones({g.channels});
  if (use_scale) {
    args.emplace(DNNL_ARG_SCALE, onednn::wrap(cd, scale));
    args.emplace(DNNL_ARG_DIFF_SCALE, dgamma.defined() ? onednn::wrap(cd, dgamma) : dnnl::memory(cd, onednn::engine()));
  }
  // oneDNN 2.6 insists on a shift argument whenever use_shift is set, although the gradients do not depend on it.
  const Tensor shift = use_shift ? Tensor::zeros({g.channels}) : Tensor();
  if (use_shift) {
    args.emplace(DNNL_ARG_SHIFT, onednn::wrap(cd, shift));
    args.emplace(DNNL_ARG_DIFF_SHIFT, onednn::wrap(cd, dbeta));
  }
  if (workspace != nullptr) {
    const dnnl::memory::desc wd({workspace->numel()}, dnnl::memory::data_type::u8, dnnl::memory::format_tag::x);
    args.emplace(DNNL_ARG_WORKSPACE, dnnl::memory(wd, onednn::engine(), const_cast<void*>(workspace->raw_data())));
  }
  run(p->primitive, args);
}

}  // namespace

void OneDnnBackend::batchnorm_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x,
                                               const Tensor& gamma, const Tensor& beta, Tensor& y, Tensor& mean,
                                               Tensor& var) {
  if (x.numel() == 0) return;
  bn_forward_training(g, epsilon, x, gamma, beta, y, mean, var, nullptr);
}

void OneDnnBackend::batchnorm_relu_forward_training(const AxisGeometry& g, double epsilon, const Tensor& x,
                                                    const Tensor& gamma, const Tensor& beta, Tensor& y,
                                                    Tensor& mean, Tensor& var, Tensor& workspace) {
  if (x.numel() == 0) return;
  try {
    bn_forward_training(g, epsilon, x, gamma, beta, y, mean, var, &workspace);
  } catch (const dnnl::error&) {
    // No fused kernel for this geometry: the two kernels one after the other (no workspace).
    Backend::batchnorm_relu_forward_training(g, epsilon, x, gamma, beta, y, mean, var, workspace);
  }
}

void OneDnnBackend::batchnorm_forward_inference(const AxisGeometry& g, double epsilon, const Tensor& x,
                                                const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                                                const Tensor& var, Tensor& y) {
  if (x.numel() == 0) return;
  const auto flags = scale_shift_flags(gamma.defined(), beta.defined()) | normalization_flags::use_global_stats;
  const auto p = cached_bn_forward(g, prop_kind::forward_inference, epsilon, flags);
  const auto md = data_desc(g);
  const auto cd = onednn::plain_f32({g.channels});
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, onednn::wrap(md, x)},
                                             {DNNL_ARG_DST, onednn::wrap(md, y)},
                                             {DNNL_ARG_MEAN, onednn::wrap(cd, mean)},
                                             {DNNL_ARG_VARIANCE, onednn::wrap(cd, var)}};
  if (gamma.defined()) args.emplace(DNNL_ARG_SCALE, onednn::wrap(cd, gamma));
  if (beta.defined()) args.emplace(DNNL_ARG_SHIFT, onednn::wrap(cd, beta));
  run(p->primitive, args);
}

void OneDnnBackend::batchnorm_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& dy,
                                       const Tensor& gamma, const Tensor& mean, const Tensor& var, Tensor& dx,
                                       Tensor& dgamma, Tensor& dbeta) {
  if (x.numel() == 0) return;
  bn_backward(g, epsilon, x, dy, gamma, mean, var, dx, dgamma, dbeta, nullptr);
}

void OneDnnBackend::batchnorm_relu_backward(const AxisGeometry& g, double epsilon, const Tensor& x, const Tensor& y,
                                            const Tensor& workspace, const Tensor& dy, const Tensor& gamma,
                                            const Tensor& mean, const Tensor& var, Tensor& dx, Tensor& dgamma,
                                            Tensor& dbeta) {
  if (x.numel() == 0) return;
  if (!workspace.defined()) {  // the forward pass ran unfused
    Backend::batchnorm_relu_backward(g, epsilon, x, y, workspace, dy, gamma, mean, var, dx, dgamma, dbeta);
    return;
  }
  bn_backward(g, epsilon, x, dy, gamma, mean, var, dx, dgamma, dbeta, &workspace);
}

void OneDnnBackend::lrn_forward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, Tensor& y) {
  if (x.numel() == 0) return;
  if (args.size % 2 == 0) return lrn_forward_loops(g, args, x.data<float>(), y.data<float>());
  const auto key =
      onednn::cache_key("lrn_fwd", g.outer, g.channels, g.inner, args.size, args.alpha, args.beta, args.bias);
  const auto p = onednn::cache().get<LrnForward>(
      key, [&] { return LrnForward{dnnl::lrn_forward(lrn_forward_pd(g, args, prop_kind::forward_inference))}; });
  const auto md = lrn_desc(g);
  run(p->primitive, {{DNNL_ARG_SRC, onednn::wrap(md, x)}, {DNNL_ARG_DST, onednn::wrap(md, y)}});
}

void OneDnnBackend::lrn_backward(const AxisGeometry& g, const LrnArgs& args, const Tensor& x, const Tensor& dy,
                                 Tensor& dx) {
  if (x.numel() == 0) return;
  if (args.size % 2 == 0) {
    return lrn_backward_loops(g, args, x.data<float>(), dy.data<float>(), dx.data<float>());
  }
  const auto key =
      onednn::cache_key("lrn_bwd", g.outer, g.channels, g.inner, args.size, args.alpha, args.beta, args.bias);
  const auto p = onednn::cache().get<LrnTraining>(key, [&] {
    auto fwd = lrn_forward_pd(g, args, prop_kind::forward_training);
    dnnl::lrn_backward::primitive_desc bwd(
        {dnnl::algorithm::lrn_across_channels, lrn_desc(g), lrn_desc(g), args.size, static_cast<float>(args.alpha),
         static_cast<float>(args.beta), static_cast<float>(args.bias)},
        onednn::engine(), fwd);
    return LrnTraining{fwd, dnnl::lrn_forward(fwd), bwd, dnnl::lrn_backward(bwd)};
  });
  const auto md = lrn_desc(g);
  // The backward kernel may need the forward pass's workspace, which the kernel interface does not keep:
  // recompute it here.
  const auto ws_desc = p->backward_pd.workspace_desc();
  std::unordered_map<int, dnnl::memory> bwd_args{{DNNL_ARG_SRC, onednn::wrap(md, x)},
                                                 {DNNL_ARG_DIFF_DST, onednn::wrap(md, dy)},
                                                 {DNNL_ARG_DIFF_SRC, onednn::wrap(md, dx)}};
  if (ws_desc.get_size() > 0) {
    dnnl::memory ws(ws_desc, onednn::engine());
    dnnl::memory y(md, onednn::engine());
    run(p->forward, {{DNNL_ARG_SRC, onednn::wrap(md, x)}, {DNNL_ARG_DST, y}, {DNNL_ARG_WORKSPACE, ws}});
    bwd_args.emplace(DNNL_ARG_WORKSPACE, ws);
  }
  run(p->backward, bwd_args);
}

}  // namespace fovea
