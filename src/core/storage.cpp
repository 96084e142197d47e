// Aligned host allocations behind tensors.
#include "fovea/core/storage.h"

#include <atomic>
#include <cstring>

#include "core/host_memory.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

// Versions come from one counter so that a stamp is never reused, not even by a later storage at the same address.
uint64_t next_version() {
  static std::atomic<uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

void Storage::bump_version() { version_.store(next_version(), std::memory_order_release); }

Storage::Storage(size_t nbytes, Device device, bool zero_fill)
    : nbytes_(nbytes), device_(device), version_(next_version()) {
  FOVEA_CHECK(device.type == DeviceType::cpu, BackendError,
              "this build of fovea has no CUDA support; tensors can only live on the CPU");
  // Never zero bytes, so that data() is always a valid pointer.
  data_ = host_memory::allocate(nbytes == 0 ? 1 : nbytes);
  if (zero_fill) std::memset(data_, 0, nbytes);
}

Storage::~Storage() { host_memory::deallocate(data_, nbytes_ == 0 ? 1 : nbytes_); }

}  // namespace fovea
