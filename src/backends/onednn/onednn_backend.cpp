// The oneDNN backend instance, its kernel table, and the shared engine, stream and primitive cache.
#include "backends/onednn/onednn_backend.h"

#include "backends/onednn/onednn_context.h"

namespace fovea {

bool OneDnnBackend::supports(Kernel, DType dtype) const {
  // Grows as kernel groups land; every float32 kernel is the target.
  (void)dtype;
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
  static PrimitiveCache c;
  return c;
}

size_t PrimitiveCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

dnnl::memory::dims dims_of(const Shape& shape) { return dnnl::memory::dims(shape.begin(), shape.end()); }

dnnl::memory wrap(const dnnl::memory::desc& desc, const Tensor& t) {
  return dnnl::memory(desc, engine(), const_cast<void*>(t.raw_data()));
}

}  // namespace onednn
}  // namespace fovea
