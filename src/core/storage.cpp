// Aligned host allocations behind tensors.
#include "fovea/core/storage.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "fovea/core/error.h"

namespace fovea {

Storage::Storage(size_t nbytes, Device device, bool zero_fill) : nbytes_(nbytes), device_(device) {
  FOVEA_CHECK(device.type == DeviceType::cpu, BackendError,
              "this build of fovea has no CUDA support; tensors can only live on the CPU");
  // aligned_alloc needs a size that is a multiple of the alignment; never zero so data() is always valid.
  const size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment + (nbytes == 0 ? kAlignment : 0);
  data_ = std::aligned_alloc(kAlignment, rounded);
  if (data_ == nullptr) throw std::bad_alloc();
  if (zero_fill) std::memset(data_, 0, rounded);
}

Storage::~Storage() { std::free(data_); }

}  // namespace fovea
