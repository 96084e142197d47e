// onednn backend: pooling. Max and average run on oneDNN's pooling primitive directly on the user's plain
// layout (pooling is memory-bound: a reorder to a blocked layout would cost as much as the pooling). Sum is
// average-including-padding scaled by the window volume. L2-norm pooling has no oneDNN algorithm: its loops are
// here, OpenMP-parallel with the contiguous axis innermost.
#include <cmath>
#include <cstring>

#include "backends/onednn/onednn_backend.h"
#include "backends/onednn/onednn_context.h"
#include "backends/onednn/onednn_util.h"
#include "core/simd.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

using dnnl::memory;
using dt = memory::data_type;

dnnl::algorithm pool_algorithm(const PoolGeometry& g) {
  switch (g.kind) {
    case PoolKind::max:
      return dnnl::algorithm::pooling_max;
    case PoolKind::average:
      return g.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                 : dnnl::algorithm::pooling_avg_exclude_padding;
    case PoolKind::sum:
      return dnnl::algorithm::pooling_avg_include_padding;
    case PoolKind::l2:
      break;
  }
  throw BackendError("oneDNN has no L2-norm pooling algorithm");
}

int64_t window_volume(const PoolGeometry& g) {
  int64_t v = 1;
  for (int64_t k : g.kernel_size) v *= k;
  return v;
}

struct PoolDescs {
  memory::desc src, dst;
  memory::dims strides, kernel, pad_l, pad_r;
};

PoolDescs pool_descs(const PoolGeometry& g) {
  PoolDescs d;
  memory::dims src{g.batch, g.channels}, dst{g.batch, g.channels};
  for (int i = 0; i < g.spatial_rank; ++i) {
    src.push_back(g.in_size[i]);
    dst.push_back(g.out_size[i]);
    d.strides.push_back(g.strides[i]);
    d.kernel.push_back(g.kernel_size[i]);
    d.pad_l.push_back(g.pads_begin[i]);
    d.pad_r.push_back(g.pads_end[i]);
  }
  const auto t = onednn::activation_tag(g.spatial_rank + 2, g.layout);
  d.src = memory::desc(src, dt::f32, t);
  d.dst = memory::desc(dst, dt::f32, t);
  return d;
}

std::string pool_key(const char* kernel, const PoolGeometry& g) {
  onednn::KeyBuilder k(kernel);
  k.add(int64_t{g.spatial_rank}).add(g.batch).add(g.channels).add(g.in_size).add(g.kernel_size).add(g.out_size);
  k.add(g.strides).add(g.pads_begin).add(g.pads_end).add(int64_t{static_cast<int>(g.kind)});
  k.add(int64_t{g.count_include_pad}).add(int64_t{static_cast<int>(g.layout)});
  return k.str();
}

dnnl::pooling_forward::primitive_desc forward_pd(const PoolDescs& d, dnnl::prop_kind prop, dnnl::algorithm alg) {
  dnnl::pooling_forward::desc desc(prop, alg, d.src, d.dst, d.strides, d.kernel, d.pad_l, d.pad_r);
  return {desc, onednn::engine()};
}

struct PoolForwardPlan {
  PoolDescs d;
  dnnl::pooling_forward pool;
};

struct BackwardPlan {
  PoolDescs d;
  dnnl::pooling_forward::primitive_desc fwd_pd;  // training mode: produces the max workspace
  dnnl::pooling_forward fwd;
  dnnl::pooling_backward bwd;
};

void scale_inplace(Tensor& t, float factor) {
  float* p = t.data<float>();
  const int64_t n = t.numel();
  simd::for_each_index(n, [=](int64_t i) { p[i] *= factor; });
}

// Geometry padded to three spatial dimensions, with the strides that address (n, c, position) in either layout.
struct Geometry3 {
  int64_t batch, channels, in[3], kernel[3], out[3], stride[3], pad[3];
  int64_t in_volume, out_volume;
};

Geometry3 to_3d(const PoolGeometry& g) {
  Geometry3 r{g.batch, g.channels, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 1, 1};
  const int shift = 3 - g.spatial_rank;
  for (int i = 0; i < g.spatial_rank; ++i) {
    r.in[shift + i] = g.in_size[i];
    r.kernel[shift + i] = g.kernel_size[i];
    r.out[shift + i] = g.out_size[i];
    r.stride[shift + i] = g.strides[i];
    r.pad[shift + i] = g.pads_begin[i];
  }
  r.in_volume = r.in[0] * r.in[1] * r.in[2];
  r.out_volume = r.out[0] * r.out[1] * r.out[2];
  return r;
}

// The window of output position o along axis i, clamped to the input: [begin, end).
struct Range {
  int64_t begin, end;
};
Range window(const Geometry3& g, int i, int64_t o) {
  const int64_t start = o * g.stride[i] - g.pad[i];
  return {std::max<int64_t>(start, 0), std::min(start + g.kernel[i], g.in[i])};
}

// Calls fn(input_position) for every input position inside the window of output position (od, oh, ow).
template <class Fn>
void for_window(const Geometry3& g, int64_t od, int64_t oh, int64_t ow, Fn&& fn) {
  const Range rd = window(g, 0, od), rh = window(g, 1, oh), rw = window(g, 2, ow);
  for (int64_t d = rd.begin; d < rd.end; ++d)
    for (int64_t h = rh.begin; h < rh.end; ++h)
      for (int64_t w = rw.begin; w < rw.end; ++w) fn((d * g.in[1] + h) * g.in[2] + w);
}

void l2_forward(const Geometry3& g, Layout layout, const float* x, float* y) {
  const int64_t C = g.channels;
  if (layout == Layout::channels_first) {
#pragma omp parallel for schedule(static)
    for (int64_t nc = 0; nc < g.batch * C; ++nc) {
      const float* xp = x + nc * g.in_volume;
      float* yp = y + nc * g.out_volume;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            float acc = 0.f;
            for_window(g, od, oh, ow, [&](int64_t i) { acc += xp[i] * xp[i]; });
            yp[(od * g.out[1] + oh) * g.out[2] + ow] = std::sqrt(acc);
          }
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t no = 0; no < g.batch * g.out_volume; ++no) {
    const int64_t n = no / g.out_volume, o = no % g.out_volume;
    const int64_t od = o / (g.out[1] * g.out[2]), oh = o / g.out[2] % g.out[1], ow = o % g.out[2];
    const float* xn = x + n * g.in_volume * C;
    float* yp = y + no * C;
    std::fill(yp, yp + C, 0.f);
    for_window(g, od, oh, ow, [&](int64_t i) {
      const float* xp = xn + i * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yp[c] += xp[c] * xp[c];
    });
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) yp[c] = std::sqrt(yp[c]);
  }
}

// dx = sum over the windows containing each input of dy * x / y (0 where y is 0).
void l2_backward(const Geometry3& g, Layout layout, const float* x, const float* y, const float* dy, float* dx) {
  const int64_t C = g.channels;
  if (layout == Layout::channels_first) {
#pragma omp parallel for schedule(static)
    for (int64_t nc = 0; nc < g.batch * C; ++nc) {
      const float* xp = x + nc * g.in_volume;
      float* dxp = dx + nc * g.in_volume;
      std::fill(dxp, dxp + g.in_volume, 0.f);
      for (int64_t o = 0; o < g.out_volume; ++o) {
        const float yv = y[nc * g.out_volume + o];
        if (yv == 0.f) continue;
        const float scale = dy[nc * g.out_volume + o] / yv;
        const int64_t od = o / (g.out[1] * g.out[2]), oh = o / g.out[2] % g.out[1], ow = o % g.out[2];
        for_window(g, od, oh, ow, [&](int64_t i) { dxp[i] += scale * xp[i]; });
      }
    }
    return;
  }
  // Windows overlap along space, so each thread owns whole images.
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* xn = x + n * g.in_volume * C;
    float* dxn = dx + n * g.in_volume * C;
    std::fill(dxn, dxn + g.in_volume * C, 0.f);
    for (int64_t o = 0; o < g.out_volume; ++o) {
      const float* yp = y + (n * g.out_volume + o) * C;
      const float* dyp = dy + (n * g.out_volume + o) * C;
      const int64_t od = o / (g.out[1] * g.out[2]), oh = o / g.out[2] % g.out[1], ow = o % g.out[2];
      for_window(g, od, oh, ow, [&](int64_t i) {
        const float* xp = xn + i * C;
        float* dxp = dxn + i * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) dxp[c] += yp[c] == 0.f ? 0.f : dyp[c] * xp[c] / yp[c];
      });
    }
  }
}

std::shared_ptr<const BackwardPlan> backward_plan(const PoolGeometry& g) {
  return onednn::cache().get<BackwardPlan>(pool_key("pool_bwd", g), [&] {
    BackwardPlan p;
    p.d = pool_descs(g);
    const dnnl::algorithm alg = pool_algorithm(g);
    p.fwd_pd = forward_pd(p.d, dnnl::prop_kind::forward_training, alg);
    p.fwd = dnnl::pooling_forward(p.fwd_pd);
    dnnl::pooling_backward::desc desc(alg, p.d.src, p.d.dst, p.d.strides, p.d.kernel, p.d.pad_l, p.d.pad_r);
    p.bwd = dnnl::pooling_backward(dnnl::pooling_backward::primitive_desc(desc, onednn::engine(), p.fwd_pd));
    return p;
  });
}

// oneDNN's max positions as the bytes of a u8 tensor, so that autograd can keep them between the passes.
dnnl::memory workspace_memory(const BackwardPlan& plan, const Tensor& workspace) {
  const memory::desc ws_desc = plan.fwd_pd.workspace_desc();
  FOVEA_CHECK(workspace.dtype() == DType::u8 && workspace.nbytes() == ws_desc.get_size(), BackendError,
              "max_pool_backward: the workspace is not the one oneDNN's max_pool_forward_training made for this "
              "geometry (", workspace.nbytes(), " bytes; expected ", ws_desc.get_size(), ")");
  return memory(ws_desc, onednn::engine(), const_cast<void*>(workspace.raw_data()));
}

}  // namespace

void OneDnnBackend::pool_forward(const PoolGeometry& g, const Tensor& x, Tensor& y) {
  if (g.kind == PoolKind::l2) {
    l2_forward(to_3d(g), g.layout, x.data<float>(), y.data<float>());
    return;
  }
  auto plan = onednn::cache().get<PoolForwardPlan>(pool_key("pool_fwd", g), [&] {
    PoolForwardPlan p;
    p.d = pool_descs(g);
    p.pool = dnnl::pooling_forward(forward_pd(p.d, dnnl::prop_kind::forward_inference, pool_algorithm(g)));
    return p;
  });
  plan->pool.execute(onednn::stream(),
                     {{DNNL_ARG_SRC, onednn::wrap(plan->d.src, x)}, {DNNL_ARG_DST, onednn::wrap(plan->d.dst, y)}});
  onednn::stream().wait();
  if (g.kind == PoolKind::sum) scale_inplace(y, static_cast<float>(window_volume(g)));
}


void OneDnnBackend::max_pool_forward_training(const PoolGeometry& g, const Tensor& x, Tensor& y, Tensor& workspace) {
  const auto plan = backward_plan(g);
  workspace = Tensor::empty(Shape{static_cast<int64_t>(plan->fwd_pd.workspace_desc().get_size())}, DType::u8);
  plan->fwd.execute(onednn::stream(), {{DNNL_ARG_SRC, onednn::wrap(plan->d.src, x)},
                                       {DNNL_ARG_DST, onednn::wrap(plan->d.dst, y)},
                                       {DNNL_ARG_WORKSPACE, workspace_memory(*plan, workspace)}});
  onednn::stream().wait();
}

void OneDnnBackend::max_pool_backward(const PoolGeometry& g, const Tensor& workspace, const Tensor& dy, Tensor& dx) {
  const auto plan = backward_plan(g);
  plan->bwd.execute(onednn::stream(), {{DNNL_ARG_DIFF_DST, onednn::wrap(plan->d.dst, dy)},
                                       {DNNL_ARG_DIFF_SRC, onednn::wrap(plan->d.src, dx)},
                                       {DNNL_ARG_WORKSPACE, workspace_memory(*plan, workspace)}});
  onednn::stream().wait();
}

void OneDnnBackend::pool_backward(const PoolGeometry& g, const Tensor& x, const Tensor& y, const Tensor& dy,
                                  Tensor& dx) {
  if (g.kind == PoolKind::l2) {
    l2_backward(to_3d(g), g.layout, x.data<float>(), y.data<float>(), dy.data<float>(), dx.data<float>());
    return;
  }
  const auto plan = backward_plan(g);
  const PoolDescs& d = plan->d;
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, onednn::wrap(d.dst, dy)},
                                       {DNNL_ARG_DIFF_SRC, onednn::wrap(d.src, dx)}};
  if (g.kind == PoolKind::max) {
    // Called without the forward's workspace (max_pool_backward takes that): recompute the max positions into a
    // scratch workspace.
    const memory::desc ws_desc = plan->fwd_pd.workspace_desc();
    memory ws(ws_desc, onednn::engine(), onednn::scratch(1, ws_desc.get_size()));
    memory dst(d.dst, onednn::engine(), onednn::scratch(0, d.dst.get_size()));
    plan->fwd.execute(onednn::stream(),
                      {{DNNL_ARG_SRC, onednn::wrap(d.src, x)}, {DNNL_ARG_DST, dst}, {DNNL_ARG_WORKSPACE, ws}});
    args.emplace(DNNL_ARG_WORKSPACE, ws);
  }
  plan->bwd.execute(onednn::stream(), args);
  onednn::stream().wait();
  if (g.kind == PoolKind::sum) scale_inplace(dx, static_cast<float>(window_volume(g)));
}

}  // namespace fovea
