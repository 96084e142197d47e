// Helpers shared by the oneDNN convolution, pooling and math kernels: activation post-ops, the plain memory
// tags of fovea's layouts, cache-key building, and per-thread scratch buffers for reorders.
#pragma once

#include <dnnl.hpp>
#include <sstream>
#include <string>

#include "fovea/core/inline_vec.h"
#include "fovea/core/tensor.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/conv.h"

namespace fovea::onednn {

// Appends f to ops as oneDNN eltwise post-ops and returns true, or returns false (ops untouched) when oneDNN
// has no exact equivalent; the caller then applies f itself after the primitive. Linear appends nothing.
bool append_activation(dnnl::post_ops& ops, const Activation& f);

// Applies f in place with the fastest eltwise kernel available (for activations that could not be fused).
void apply_activation_inplace(const Activation& f, Tensor& y);

// The plain tag of an activation tensor with `rank` dimensions (3-5) in fovea's layout: ncw/nchw/ncdhw or
// nwc/nhwc/ndhwc.
dnnl::memory::format_tag activation_tag(int rank, Layout layout);
// The plain row-major tag of a tensor with `rank` dimensions (1-6): a, ab, abc, ...
dnnl::memory::format_tag row_major_tag(int rank);
// Plain convolution weights: oiw/oihw/oidhw, or goiw/goihw/goidhw when grouped.
dnnl::memory::format_tag weights_tag(int spatial_rank, bool grouped);

dnnl::memory::dims to_dims(const Dims& d);

// Builds cache keys: KeyBuilder("conv_fwd").add(n).add(dims).str().
class KeyBuilder {
 public:
  explicit KeyBuilder(const char* kernel) {
    out_.precision(17);  // nearby parameters must never share a primitive
    out_ << kernel;
  }
  KeyBuilder& add(int64_t v) {
    out_ << '|' << v;
    return *this;
  }
  KeyBuilder& add(double v) {
    out_ << '|' << v;
    return *this;
  }
  KeyBuilder& add(const Dims& d) {
    out_ << '|';
    for (int64_t v : d) out_ << v << ',';
    return *this;
  }
  KeyBuilder& add(const Activation& f) {
    out_ << "|act" << static_cast<int>(f.kind) << ',' << f.alpha << ',' << f.beta << ',' << f.threshold;
    return *this;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

// A per-thread, reusable, 64-byte aligned buffer of at least `bytes` (slot 0-3), so that reorders in the
// steady state allocate nothing. The buffer stays valid until the same thread asks for the same slot again.
void* scratch(int slot, size_t bytes);

// The memory a primitive reads: user_mem itself when its layout is what the primitive wants, otherwise a copy
// reordered into a scratch buffer with `to_internal` (which must be non-empty then).
dnnl::memory prepare_input(const dnnl::memory& user_mem, const dnnl::memory::desc& wanted, int slot,
                           const dnnl::reorder* to_internal);

// Weights `w` (in the plain layout `user`) as a primitive wants them (`wanted`): w itself when the layouts agree,
// otherwise a copy reordered with `to_internal`, kept on w's storage and reused until w is written to (an
// optimizer step, set_weights, copy_, any mutable access: see Storage::version). Inference then reorders each
// weight once instead of on every call.
dnnl::memory cached_weights(const Tensor& w, const dnnl::memory::desc& user, const dnnl::memory::desc& wanted,
                            const dnnl::reorder* to_internal);

// A reorder primitive from `from` to `to`, or nullptr when the layouts are equal.
std::shared_ptr<dnnl::reorder> make_reorder_if_needed(const dnnl::memory::desc& from, const dnnl::memory::desc& to);

}  // namespace fovea::onednn
