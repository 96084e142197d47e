// Reference-counted, 64-byte aligned memory that tensors share. Copying a Tensor shares its Storage.
#pragma once

#include <cstddef>
#include <memory>

#include "fovea/core/dtype.h"

namespace fovea {

class Storage {
 public:
  static constexpr size_t kAlignment = 64;
  // Allocates nbytes (zero-filled when zero_fill) on the device; throws BackendError for devices not built in.
  Storage(size_t nbytes, Device device, bool zero_fill);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
};

}  // namespace fovea
