// Activation post-ops, layout tags, scratch buffers and reorder helpers for the oneDNN kernels.
#include "backends/onednn/onednn_util.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <vector>

#include "backends/backend.h"
#include "backends/onednn/onednn_context.h"
#include "fovea/core/error.h"

namespace fovea::onednn {

using dnnl::algorithm;
using tag = dnnl::memory::format_tag;

bool append_activation(dnnl::post_ops& ops, const Activation& f) {
  const auto a = static_cast<float>(f.alpha);
  const auto b = static_cast<float>(f.beta);
  switch (f.kind) {
    case ActivationKind::linear:
      return true;
    case ActivationKind::softmax:
    case ActivationKind::log_softmax:
      return false;  // not elementwise: never a post-op
    case ActivationKind::relu:
      // Keras relu(negative_slope, max_value, threshold): oneDNN has it only without a threshold.
      // A negative slope below zero could lift negative inputs above max_value, where Keras does not clip.
      if (f.threshold != 0.0 || !(f.beta > 0.0) || (std::isfinite(f.beta) && f.alpha < 0.0)) return false;
      ops.append_eltwise(1.f, algorithm::eltwise_relu, a, 0.f);
      if (std::isfinite(f.beta))
        ops.append_eltwise(1.f, algorithm::eltwise_clip_v2, std::numeric_limits<float>::lowest(), b);
      return true;
    case ActivationKind::leaky_relu:
      ops.append_eltwise(1.f, algorithm::eltwise_relu, a, 0.f);
      return true;
    case ActivationKind::relu6:
      ops.append_eltwise(1.f, algorithm::eltwise_clip_v2, 0.f, 6.f);
      return true;
    case ActivationKind::elu:
      ops.append_eltwise(1.f, algorithm::eltwise_elu, a, 0.f);
      return true;
    case ActivationKind::selu:
      ops.append_eltwise(1.0507009873554804934193349852946f, algorithm::eltwise_elu, 1.6732632423543772848170429916717f,
                         0.f);
      return true;
    case ActivationKind::gelu:
      ops.append_eltwise(1.f, algorithm::eltwise_gelu_erf, 0.f, 0.f);
      return true;
    case ActivationKind::gelu_tanh:
      ops.append_eltwise(1.f, algorithm::eltwise_gelu_tanh, 0.f, 0.f);
      return true;
    case ActivationKind::sigmoid:
      ops.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f);
      return true;
    case ActivationKind::hard_sigmoid:
      ops.append_eltwise(1.f, algorithm::eltwise_linear, a, b);
      ops.append_eltwise(1.f, algorithm::eltwise_clip_v2, 0.f, 1.f);
      return true;
    case ActivationKind::exponential:
      ops.append_eltwise(1.f, algorithm::eltwise_exp, 0.f, 0.f);
      return true;
    case ActivationKind::softplus:
      ops.append_eltwise(1.f, algorithm::eltwise_soft_relu, 0.f, 0.f);
      return true;
    case ActivationKind::swish:
      ops.append_eltwise(1.f, algorithm::eltwise_swish, 1.f, 0.f);
      return true;
    case ActivationKind::tanh:
      ops.append_eltwise(1.f, algorithm::eltwise_tanh, 0.f, 0.f);
      return true;
    case ActivationKind::log:
      ops.append_eltwise(1.f, algorithm::eltwise_log, 0.f, 0.f);
      return true;
    case ActivationKind::sqrt:
      ops.append_eltwise(1.f, algorithm::eltwise_sqrt, 0.f, 0.f);
      return true;
    case ActivationKind::square:
      ops.append_eltwise(1.f, algorithm::eltwise_square, 0.f, 0.f);
      return true;
    case ActivationKind::abs:
      ops.append_eltwise(1.f, algorithm::eltwise_abs, 0.f, 0.f);
      return true;
    case ActivationKind::pow:
      ops.append_eltwise(1.f, algorithm::eltwise_pow, 1.f, a);
      return true;
    case ActivationKind::clip:
      ops.append_eltwise(1.f, algorithm::eltwise_clip_v2, a, b);
      return true;
    case ActivationKind::softsign:
      return false;
  }
  return false;
}

void apply_activation_inplace(const Activation& f, Tensor& y) {
  if (f.is_linear()) return;
  backend_for(Kernel::eltwise_forward, y.dtype()).eltwise_forward(f, y, y);
}

tag activation_tag(int rank, Layout layout) {
  const bool first = layout == Layout::channels_first;
  switch (rank) {
    case 3:
      return first ? tag::ncw : tag::nwc;
    case 4:
      return first ? tag::nchw : tag::nhwc;
    case 5:
      return first ? tag::ncdhw : tag::ndhwc;
  }
  throw BackendError(detail::concat("oneDNN: no activation layout for rank ", rank));
}

tag row_major_tag(int rank) {
  static constexpr tag tags[] = {tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde, tag::abcdef};
  FOVEA_CHECK(rank >= 1 && rank <= 6, BackendError, "oneDNN: no row-major layout for rank ", rank);
  return tags[rank - 1];
}

tag weights_tag(int spatial_rank, bool grouped) {
  switch (spatial_rank) {
    case 1:
      return grouped ? tag::goiw : tag::oiw;
    case 2:
      return grouped ? tag::goihw : tag::oihw;
    case 3:
      return grouped ? tag::goidhw : tag::oidhw;
  }
  throw BackendError(detail::concat("oneDNN: no weights layout for spatial rank ", spatial_rank));
}

dnnl::memory::dims to_dims(const Dims& d) { return dnnl::memory::dims(d.begin(), d.end()); }

namespace {

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

struct ScratchSlot {
  std::unique_ptr<void, AlignedFree> data;
  size_t bytes = 0;
};

}  // namespace

void* scratch(int slot, size_t bytes) {
  thread_local ScratchSlot slots[4];
  FOVEA_CHECK(slot >= 0 && slot < 4, BackendError, "oneDNN scratch slot ", slot, " out of range 0-3");
  ScratchSlot& s = slots[slot];
  if (s.bytes < bytes || !s.data) {
    constexpr size_t kAlign = 64;
    const size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign + kAlign;
    s.data.reset(std::aligned_alloc(kAlign, rounded));
    if (!s.data) throw std::bad_alloc();
    s.bytes = rounded;
  }
  return s.data.get();
}

dnnl::memory prepare_input(const dnnl::memory& user_mem, const dnnl::memory::desc& wanted, int slot,
                           const dnnl::reorder* to_internal) {
  if (to_internal == nullptr) return user_mem;
  dnnl::memory internal(wanted, engine(), scratch(slot, wanted.get_size()));
  to_internal->execute(stream(), const_cast<dnnl::memory&>(user_mem), internal);
  return internal;
}

namespace {

// The bytes of a memory descriptor (a plain C struct) as part of a cache key.
std::string desc_bytes(const dnnl::memory::desc& d) {
  return std::string(reinterpret_cast<const char*>(&d.data), sizeof(d.data));
}

}  // namespace

dnnl::memory cached_weights(const Tensor& w, const dnnl::memory::desc& user, const dnnl::memory::desc& wanted,
                            const dnnl::reorder* to_internal) {
  if (to_internal == nullptr) return wrap(user, w);
  // Keyed by both layouts and the byte offset: one storage may hold several weights, or be viewed differently.
  const std::string key =
      "onednn_weights|" + std::to_string(w.impl()->offset_bytes) + '|' + desc_bytes(user) + desc_bytes(wanted);
  const Storage& storage = *w.impl()->storage;
  auto reordered = storage.derived<dnnl::memory>(key, {}, [&](const std::shared_ptr<dnnl::memory>& stale) {
    dnnl::memory plain = wrap(user, w);
    dnnl::memory internal = stale ? *stale : dnnl::memory(wanted, engine());
    to_internal->execute(stream(), plain, internal);
    stream().wait();
    return internal;
  });
  return *reordered;
}

std::shared_ptr<dnnl::reorder> make_reorder_if_needed(const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
  if (from == to) return nullptr;
  return std::make_shared<dnnl::reorder>(dnnl::reorder::primitive_desc(engine(), from, engine(), to));
}

}  // namespace fovea::onednn
