// The oneDNN backend runs every float32 kernel itself, so no float32 hot path falls back to the reference loops.
#include <gtest/gtest.h>

#include "backends/backend.h"

namespace fovea {
namespace {

TEST(OneDnnCoverage, EveryFloat32KernelIsSupported) {
  for (int k = 0; k < static_cast<int>(Kernel::count_); ++k) {
    const auto kernel = static_cast<Kernel>(k);
    EXPECT_TRUE(onednn_backend().supports(kernel, DType::f32)) << kernel_name(kernel);
    EXPECT_EQ(&backend_for(kernel, DType::f32), &onednn_backend()) << kernel_name(kernel);
    EXPECT_EQ(&backend_for(kernel, DType::f64), &reference_backend()) << kernel_name(kernel);
  }
}

}  // namespace
}  // namespace fovea
