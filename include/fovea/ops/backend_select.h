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

// How the oneDNN backend computes convolutions. automatic (the default): Winograd's minimal filtering (oneDNN's
// F(4x4, 3x3) and F(2x2, 3x3) kernels: about half the time of the direct algorithm) for 3x3, stride-1, undilated,
// ungrouped 2-D convolutions with at least 16 output channels and 16 input channels (inference) or 32 (training,
// forward and backward passes, where the activations are small and the image nearly fills Winograd's 4x4 tiles),
// on CPUs that have those kernels (AVX-512); the direct algorithm everywhere else. Winograd rounds differently (relative differences around 1e-6). direct: the
// direct algorithm everywhere. Process-wide.
enum class ConvAlgorithm { automatic, direct };
ConvAlgorithm conv_algorithm();
void set_conv_algorithm(ConvAlgorithm algorithm);

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
