// Shared oneDNN state for the backend's kernel files: the CPU engine and stream, a primitive cache keyed by
// a string that encodes (kernel, geometry, attributes), and helpers to wrap tensors as dnnl::memory.
#pragma once

#include <dnnl.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>

#include "fovea/core/tensor.h"
#include "fovea/core/threading.h"

namespace fovea::onednn {

dnnl::engine& engine();
// A stream per thread: oneDNN streams are not thread-safe.
dnnl::stream& stream();

// Caches objects (primitives with their descriptors, scratch layouts) by key. Callers build the key from
// everything that determines the primitive; the calling thread's OpenMP thread count is added here, since oneDNN
// sizes a primitive's work split (and its scratchpad) for the thread count it was created with.
//
// Each thread has a cache of its own (see cache()): Debian's oneDNN is built with one scratchpad per thread shared
// by all primitives that thread created, so a primitive must run on the thread that created it. A primitive
// handed to another thread finds that thread's scratchpad too small or absent (concurrent predict crashed in
// oneDNN's kernels, even with the calls serialized). Threads still share oneDNN's own cache of compiled kernels, so
// a thread's first call costs a primitive descriptor, not a JIT compilation.
class PrimitiveCache {
 public:
  template <class T, class Make>
  std::shared_ptr<T> get(const std::string& key, Make&& make) {
    const std::string full_key = key + "|threads" + std::to_string(num_threads());
    auto it = entries_.find(full_key);
    if (it != entries_.end()) return std::static_pointer_cast<T>(it->second);
    auto made = std::make_shared<T>(make());
    entries_.emplace(full_key, made);
    return made;
  }
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<void>> entries_;
};
// The calling thread's primitive cache (not to be shared with other threads; see PrimitiveCache).
PrimitiveCache& cache();

// oneDNN dims from a fovea shape.
dnnl::memory::dims dims_of(const Shape& shape);
// Wraps a float32 tensor's data as memory of the given descriptor without copying. A const tensor is only read;
// a non-const one is a kernel's output, and wrapping it counts as a write (it moves the storage's version, so
// that copies cached from the old contents, such as reordered weights, are not used again).
dnnl::memory wrap(const dnnl::memory::desc& desc, const Tensor& t);
dnnl::memory wrap(const dnnl::memory::desc& desc, Tensor& t);

// A cache key from a kernel name and every value that determines its primitive; doubles keep full precision so
// that nearby parameters never share a primitive.
template <class... Parts>
std::string cache_key(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  ((out << parts << ';'), ...);
  return out.str();
}
// A dense row-major float32 descriptor of the given dims.
inline dnnl::memory::desc plain_f32(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

}  // namespace fovea::onednn
