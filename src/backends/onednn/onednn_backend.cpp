// The oneDNN backend instance, its kernel table, and the shared engine, stream and primitive cache.
#include "backends/onednn/onednn_backend.h"

#include "backends/onednn/onednn_context.h"

namespace fovea {

bool OneDnnBackend::supports(Kernel k, DType dtype) const {
  if (dtype != DType::f32) return false;  // oneDNN has no float64 kernels; those run on the reference backend
  // One line per kernel: set to true when its implementation lands. The target is every kernel.
  switch (k) {
    case Kernel::conv_forward: return true;
    case Kernel::conv_backward_data: return true;
    case Kernel::conv_backward_weights: return true;
    case Kernel::pool_forward: return true;
    case Kernel::pool_backward: return true;
    case Kernel::matmul: return true;
    case Kernel::binary: return true;
    case Kernel::reduce: return true;
    case Kernel::batchnorm_forward_training: return true;
    case Kernel::batchnorm_forward_inference: return true;
    case Kernel::batchnorm_backward: return true;
    case Kernel::lrn_forward: return true;
    case Kernel::lrn_backward: return true;
    case Kernel::eltwise_forward: return true;
    case Kernel::eltwise_backward: return true;
    case Kernel::softmax_forward: return true;
    case Kernel::softmax_backward: return true;
    case Kernel::pad: return true;
    case Kernel::permute: return true;
    case Kernel::concat: return true;
    case Kernel::count_: return false;
  }
  return false;
}

Backend& onednn_backend() {
  static OneDnnBackend instance;
  return instance;
}

namespace onednn {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

PrimitiveCache& cache() {
  thread_local PrimitiveCache c;
  return c;
}

dnnl::memory::dims dims_of(const Shape& shape) { return dnnl::memory::dims(shape.begin(), shape.end()); }

dnnl::memory wrap(const dnnl::memory::desc& desc, const Tensor& t) {
  return dnnl::memory(desc, engine(), const_cast<void*>(t.raw_data()));
}

dnnl::memory wrap(const dnnl::memory::desc& desc, Tensor& t) { return dnnl::memory(desc, engine(), t.raw_data()); }

}  // namespace onednn
}  // namespace fovea
