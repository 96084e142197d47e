// Choosing the kernel backend that ops run on. By default float32 ops run on oneDNN and float64 ops on the
// reference backend (oneDNN has no float64 kernels). Tests force the reference backend to compare the two.
#pragma once

#include <string_view>

namespace fovea {

enum class BackendKind { reference, onednn };

std::string_view backend_name(BackendKind kind);
// The preferred backend for this thread; ops fall back to the reference backend only for dtypes the preferred
// backend has no kernels for (float64 on oneDNN).
BackendKind preferred_backend();
void set_preferred_backend(BackendKind kind);

// Sets the preferred backend for its lifetime.
class BackendScope {
 public:
  explicit BackendScope(BackendKind kind) : previous_(preferred_backend()) { set_preferred_backend(kind); }
  ~BackendScope() { set_preferred_backend(previous_); }
  BackendScope(const BackendScope&) = delete;
  BackendScope& operator=(const BackendScope&) = delete;

 private:
  BackendKind previous_;
};

}  // namespace fovea
