// onednn backend: convolution forward (bias and activation fused as post-ops), backward-data and
// backward-weights (with the bias gradient). Primitives choose their own layouts (format_tag::any); the user's
// plain tensors are reordered in and out only where the chosen layout differs. Primitives and reorders are
// cached per geometry; reorder buffers are per-thread scratch, so the steady state allocates nothing. Weights
// reordered into the primitive's layout are cached on the weight's storage until it changes (cached_weights).
// Convolutions on images so small that a matrix product over whole samples is cheaper run as oneDNN matmuls
// (dense_conv.h); otherwise kernel taps that only meet padding are cropped away first (tap_crop.h).
#include <algorithm>
#include <memory>

#include "backends/onednn/dense_conv.h"
#include "backends/onednn/onednn_backend.h"
#include "backends/onednn/onednn_context.h"
#include "backends/onednn/onednn_util.h"
#include "backends/onednn/tap_crop.h"

namespace fovea {
namespace {

using dnnl::memory;
using dnnl::reorder;
using dt = memory::data_type;
using tag = memory::format_tag;

// oneDNN's view of a convolution geometry: logical dims (always N, C, spatial...), and the user's plain layouts.
struct ConvDescs {
  memory::dims strides, dilates, pad_l, pad_r;
  memory::desc user_src, user_weights, user_dst, bias;
  memory::desc any_src, any_weights, any_dst;
  // What the backward passes take for src and dst: channels-last data as it is (oneDNN's backward kernels run on
  // nhwc about as fast as on their blocked layout, and every reorder in and out is saved), otherwise `any`.
  memory::desc backward_src, backward_dst;
};

// winograd: oneDNN's Winograd kernels take only their own blocked layouts, so the backward passes ask for `any`.
ConvDescs conv_descs(const ConvGeometry& g, bool winograd) {
  ConvDescs d;
  const int rank = g.spatial_rank + 2;
  memory::dims src{g.batch, g.in_channels}, dst{g.batch, g.out_channels}, weights;
  if (g.groups > 1)
    weights = {g.groups, g.out_channels / g.groups, g.in_channels / g.groups};
  else
    weights = {g.out_channels, g.in_channels};
  for (int i = 0; i < g.spatial_rank; ++i) {
    src.push_back(g.in_size[i]);
    dst.push_back(g.out_size[i]);
    weights.push_back(g.kernel_size[i]);
    d.strides.push_back(g.strides[i]);
    d.dilates.push_back(g.dilation[i] - 1);  // oneDNN counts the gaps between taps: 0 means dense
    d.pad_l.push_back(g.pads_begin[i]);
    d.pad_r.push_back(g.pads_end[i]);
  }
  d.user_src = memory::desc(src, dt::f32, onednn::activation_tag(rank, g.layout));
  d.user_dst = memory::desc(dst, dt::f32, onednn::activation_tag(rank, g.layout));
  d.user_weights = memory::desc(weights, dt::f32, onednn::weights_tag(g.spatial_rank, g.groups > 1));
  d.bias = memory::desc({g.out_channels}, dt::f32, tag::x);
  d.any_src = memory::desc(src, dt::f32, tag::any);
  d.any_dst = memory::desc(dst, dt::f32, tag::any);
  d.any_weights = memory::desc(weights, dt::f32, tag::any);
  const bool channels_last = g.layout == Layout::channels_last && !winograd;
  d.backward_src = channels_last ? d.user_src : d.any_src;
  d.backward_dst = channels_last ? d.user_dst : d.any_dst;
  return d;
}

// Whether a convolution asks oneDNN for Winograd (see ConvAlgorithm). Inference: where it measured about twice as
// fast as the direct algorithm here, at batch 1 as at batch 64, for 16 to 512 channels and 7x7 to 224x224 images;
// with fewer than 16 input channels (an RGB stem) the transforms cost more than they save. Training (forward,
// backward-data and backward-weights, batch 64): 1.7-2.2x faster from 32 channels on 4x4 to 64 on 32x32 maps,
// slower with 16 input channels. Where its 4x4 output tiles overhang the map by much it gains little or loses (5x5,
// tiles 2.56x the map's area: 1.2x slower; 3x3, 1.78x: 1.5x slower at batch 16, 1.2x faster at 64; 6x6, 1.78x:
// 1.2x faster), so training takes it where the tiles cover at most 1.5x the map. Its kernels work on blocked
// copies of x, dy and dx, kept as per-thread scratch, so training takes it only where those copies are small:
// W1's second convolution (11 and 19 MiB at batch 128) raised its training step's peak from 80 to 136 MiB.
bool wants_winograd(const ConvGeometry& g) {
  if (conv_algorithm() != ConvAlgorithm::automatic || g.spatial_rank != 2 || g.groups != 1) return false;
  if (g.in_channels < (g.inference ? 16 : 32) || g.out_channels < 16) return false;
  constexpr int64_t kTrainingMaxActivationBytes = int64_t{8} << 20;
  if (!g.inference && 4 * g.batch * std::max(g.in_channels * g.in_size[0] * g.in_size[1],
                                             g.out_channels * g.out_size[0] * g.out_size[1]) >
                          kTrainingMaxActivationBytes)
    return false;
  double tiled_area = 1.0;
  for (int i = 0; i < 2; ++i) {
    if (g.kernel_size[i] != 3 || g.strides[i] != 1 || g.dilation[i] != 1) return false;
    tiled_area *= static_cast<double>((g.out_size[i] + 3) / 4 * 4) / static_cast<double>(g.out_size[i]);
  }
  return g.inference || tiled_area <= 1.5;
}

std::string conv_key(const char* kernel, const ConvGeometry& g, bool bias, bool activation) {
  onednn::KeyBuilder k(kernel);
  k.add(int64_t{g.spatial_rank}).add(g.batch).add(g.in_channels).add(g.out_channels).add(g.groups);
  k.add(g.in_size).add(g.kernel_size).add(g.out_size).add(g.strides).add(g.dilation).add(g.pads_begin);
  k.add(g.pads_end).add(int64_t{static_cast<int>(g.layout)}).add(int64_t{bias}).add(int64_t{g.accumulate});
  if (activation) k.add(g.activation);
  return k.str();
}

// The forward primitive descriptor that backward primitives take as a hint.
dnnl::convolution_forward::primitive_desc forward_hint(const ConvDescs& d, bool bias, dnnl::algorithm algorithm) {
  auto desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm, d.backward_src,
                                                     d.any_weights, d.bias, d.backward_dst, d.strides, d.dilates,
                                                     d.pad_l, d.pad_r)
                   : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm, d.backward_src,
                                                     d.any_weights, d.backward_dst, d.strides, d.dilates, d.pad_l,
                                                     d.pad_r);
  return {desc, onednn::engine()};
}

// A backward plan with Winograd where wants_winograd(g) and oneDNN has a kernel for it, else the direct algorithm.
template <class Plan, class Make>
Plan with_winograd_if_wanted(const ConvGeometry& g, Make&& make) {
  if (wants_winograd(g)) {
    try {
      return make(conv_descs(g, true), dnnl::algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
      // No Winograd kernel for this CPU or geometry.
    }
  }
  return make(conv_descs(g, false), dnnl::algorithm::convolution_direct);
}

// Where a primitive writes an output: the user's memory when layouts agree, otherwise a scratch buffer that
// `to_user` then reorders into the user's memory.
memory output_memory(const memory& user, const memory::desc& internal, int slot, const reorder* to_user) {
  if (to_user == nullptr) return user;
  return memory(internal, onednn::engine(), onednn::scratch(slot, internal.get_size()));
}

void finish_output(const memory& internal, const memory& user, const reorder* to_user) {
  if (to_user == nullptr) return;
  to_user->execute(onednn::stream(), const_cast<memory&>(internal), const_cast<memory&>(user));
}

struct ConvForwardPlan {
  ConvDescs d;
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  std::shared_ptr<reorder> src_in, weights_in, dst_out;
  std::shared_ptr<reorder> dst_in;  // accumulating into a dst in another layout: y's contents into it first
  bool activation_fused = false;
};

// prop: forward_inference lets a Winograd kernel keep its weights transformed (a slow reorder, ~20 ms for
// 512x512x3x3, worth it while the weights stay); forward_training keeps them in a plain blocked layout.
dnnl::convolution_forward::primitive_desc forward_pd(const ConvDescs& d, bool bias, dnnl::prop_kind prop,
                                                    dnnl::algorithm algorithm, const dnnl::primitive_attr& attr) {
  auto desc = bias ? dnnl::convolution_forward::desc(prop, algorithm, d.any_src, d.any_weights, d.bias, d.any_dst,
                                                     d.strides, d.dilates, d.pad_l, d.pad_r)
                   : dnnl::convolution_forward::desc(prop, algorithm, d.any_src, d.any_weights, d.any_dst, d.strides,
                                                     d.dilates, d.pad_l, d.pad_r);
  return {desc, attr, onednn::engine()};
}

ConvForwardPlan make_forward(const ConvGeometry& g, bool bias) {
  ConvForwardPlan p;
  p.d = conv_descs(g, false);
  dnnl::post_ops ops;
  if (g.accumulate) ops.append_sum(1.0f);
  p.activation_fused = onednn::append_activation(ops, g.activation);
  dnnl::primitive_attr attr;
  if (ops.len() > 0) attr.set_post_ops(ops);
  const ConvDescs& d = p.d;
  bool have_pd = false;
  if (wants_winograd(g)) {
    try {
      const auto prop = g.inference ? dnnl::prop_kind::forward_inference : dnnl::prop_kind::forward_training;
      p.pd = forward_pd(d, bias, prop, dnnl::algorithm::convolution_winograd, attr);
      have_pd = true;
    } catch (const dnnl::error&) {
      // No Winograd kernel for this CPU or geometry: the direct algorithm below.
    }
  }
  if (!have_pd)
    p.pd = forward_pd(d, bias, dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, attr);
  p.conv = dnnl::convolution_forward(p.pd);
  p.src_in = onednn::make_reorder_if_needed(d.user_src, p.pd.src_desc());
  p.weights_in = onednn::make_reorder_if_needed(d.user_weights, p.pd.weights_desc());
  p.dst_out = onednn::make_reorder_if_needed(p.pd.dst_desc(), d.user_dst);
  if (g.accumulate) p.dst_in = onednn::make_reorder_if_needed(d.user_dst, p.pd.dst_desc());
  return p;
}

struct BackwardDataPlan {
  ConvDescs d;
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data conv;
  std::shared_ptr<reorder> diff_dst_in, weights_in, diff_src_out;
};

BackwardDataPlan make_backward_data(const ConvDescs& descs, dnnl::algorithm algorithm) {
  BackwardDataPlan p;
  p.d = descs;
  const ConvDescs& d = p.d;
  dnnl::convolution_backward_data::desc desc(algorithm, d.backward_src, d.any_weights, d.backward_dst, d.strides,
                                             d.dilates, d.pad_l, d.pad_r);
  p.pd = {desc, onednn::engine(), forward_hint(d, false, algorithm)};
  p.conv = dnnl::convolution_backward_data(p.pd);
  p.diff_dst_in = onednn::make_reorder_if_needed(d.user_dst, p.pd.diff_dst_desc());
  p.weights_in = onednn::make_reorder_if_needed(d.user_weights, p.pd.weights_desc());
  p.diff_src_out = onednn::make_reorder_if_needed(p.pd.diff_src_desc(), d.user_src);
  return p;
}

struct BackwardWeightsPlan {
  ConvDescs d;
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights conv;
  std::shared_ptr<reorder> src_in, diff_dst_in, diff_weights_out;
};

BackwardWeightsPlan make_backward_weights(const ConvDescs& descs, dnnl::algorithm algorithm, bool bias) {
  BackwardWeightsPlan p;
  p.d = descs;
  const ConvDescs& d = p.d;
  auto desc = bias ? dnnl::convolution_backward_weights::desc(algorithm, d.backward_src, d.any_weights, d.bias,
                                                              d.backward_dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                   : dnnl::convolution_backward_weights::desc(algorithm, d.backward_src, d.any_weights,
                                                              d.backward_dst, d.strides, d.dilates, d.pad_l, d.pad_r);
  p.pd = {desc, onednn::engine(), forward_hint(d, bias, algorithm)};
  p.conv = dnnl::convolution_backward_weights(p.pd);
  p.src_in = onednn::make_reorder_if_needed(d.user_src, p.pd.src_desc());
  p.diff_dst_in = onednn::make_reorder_if_needed(d.user_dst, p.pd.diff_dst_desc());
  p.diff_weights_out = onednn::make_reorder_if_needed(p.pd.diff_weights_desc(), d.user_weights);
  return p;
}

}  // namespace

void OneDnnBackend::conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) {
  if (onednn::is_dense_conv(g)) return onednn::dense_conv_forward(g, x, w, b, y);
  if (const auto crop = onednn::tap_crop(g)) return conv_forward(crop->geometry, x, onednn::crop_kernel(w, *crop), b, y);
  const bool bias = b.defined();
  const char* kernel = wants_winograd(g) ? "conv_fwd_winograd" : "conv_fwd";
  auto plan =
      onednn::cache().get<ConvForwardPlan>(conv_key(kernel, g, bias, true), [&] { return make_forward(g, bias); });
  const ConvDescs& d = plan->d;
  memory user_dst = onednn::wrap(d.user_dst, y);
  memory src = onednn::prepare_input(onednn::wrap(d.user_src, x), plan->pd.src_desc(), 0, plan->src_in.get());
  memory weights = onednn::cached_weights(w, d.user_weights, plan->pd.weights_desc(), plan->weights_in.get());
  memory dst = output_memory(user_dst, plan->pd.dst_desc(), 2, plan->dst_out.get());
  if (plan->dst_in) plan->dst_in->execute(onednn::stream(), user_dst, dst);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
  if (bias) args.emplace(DNNL_ARG_BIAS, onednn::wrap(d.bias, b));
  plan->conv.execute(onednn::stream(), args);
  finish_output(dst, user_dst, plan->dst_out.get());
  onednn::stream().wait();
  if (!plan->activation_fused) onednn::apply_activation_inplace(g.activation, y);
}

void OneDnnBackend::conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx) {
  if (onednn::is_dense_conv(g)) return onednn::dense_conv_backward_data(g, dy, w, dx);
  if (const auto crop = onednn::tap_crop(g))
    return conv_backward_data(crop->geometry, dy, onednn::crop_kernel(w, *crop), dx);
  const char* kernel = wants_winograd(g) ? "conv_bwd_data_winograd" : "conv_bwd_data";
  auto plan = onednn::cache().get<BackwardDataPlan>(conv_key(kernel, g, false, false), [&] {
    return with_winograd_if_wanted<BackwardDataPlan>(g, [&](const ConvDescs& d, dnnl::algorithm algorithm) {
      return make_backward_data(d, algorithm);
    });
  });
  const ConvDescs& d = plan->d;
  memory user_diff_src = onednn::wrap(d.user_src, dx);
  memory diff_dst =
      onednn::prepare_input(onednn::wrap(d.user_dst, dy), plan->pd.diff_dst_desc(), 0, plan->diff_dst_in.get());
  memory weights = onednn::cached_weights(w, d.user_weights, plan->pd.weights_desc(), plan->weights_in.get());
  memory diff_src = output_memory(user_diff_src, plan->pd.diff_src_desc(), 2, plan->diff_src_out.get());
  plan->conv.execute(onednn::stream(),
                     {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, diff_src}});
  finish_output(diff_src, user_diff_src, plan->diff_src_out.get());
  onednn::stream().wait();
}

void OneDnnBackend::conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw,
                                          Tensor& db) {
  if (onednn::is_dense_conv(g)) return onednn::dense_conv_backward_weights(g, x, dy, dw, db);
  if (const auto crop = onednn::tap_crop(g)) {
    Shape cropped_shape = dw.shape();
    for (int i = 0; i < g.spatial_rank; ++i) cropped_shape[2 + i] = crop->geometry.kernel_size[i];
    Tensor cropped_dw = Tensor::empty(cropped_shape, dw.dtype());
    conv_backward_weights(crop->geometry, x, dy, cropped_dw, db);
    onednn::uncrop_kernel_grad(cropped_dw, *crop, dw);
    return;
  }
  const bool bias = db.defined();
  const char* kernel = wants_winograd(g) ? "conv_bwd_weights_winograd" : "conv_bwd_weights";
  auto plan = onednn::cache().get<BackwardWeightsPlan>(conv_key(kernel, g, bias, false), [&] {
    return with_winograd_if_wanted<BackwardWeightsPlan>(g, [&](const ConvDescs& d, dnnl::algorithm algorithm) {
      return make_backward_weights(d, algorithm, bias);
    });
  });
  const ConvDescs& d = plan->d;
  memory user_diff_weights = onednn::wrap(d.user_weights, dw);
  memory src = onednn::prepare_input(onednn::wrap(d.user_src, x), plan->pd.src_desc(), 0, plan->src_in.get());
  memory diff_dst =
      onednn::prepare_input(onednn::wrap(d.user_dst, dy), plan->pd.diff_dst_desc(), 1, plan->diff_dst_in.get());
  memory diff_weights = output_memory(user_diff_weights, plan->pd.diff_weights_desc(), 2, plan->diff_weights_out.get());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, diff_weights}};
  if (bias) args.emplace(DNNL_ARG_DIFF_BIAS, onednn::wrap(d.bias, db));
  plan->conv.execute(onednn::stream(), args);
  finish_output(diff_weights, user_diff_weights, plan->diff_weights_out.get());
  onednn::stream().wait();
}

}  // namespace fovea
