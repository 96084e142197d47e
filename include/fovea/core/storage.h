// Reference-counted, 64-byte aligned memory that tensors share. Copying a Tensor shares its Storage.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

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

  // Mutable access counts as a write: it moves version() on (see below). Read through the const overload.
  void* data() {
    bump_version();
    return data_;
  }
  const void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  // A stamp of the current contents, taken from a process-wide counter: it changes on every mutable access
  // (Tensor's non-const data()/raw_data(), copy_, fill_, kernels writing an output, optimizer updates), and no
  // two storages ever share a value, so a stamp names one storage's contents at one moment. Backends use it
  // to keep copies derived from the contents (weights reordered into a blocked layout) until they are stale.
  // A pointer from a mutable access must not be written through after a kernel has read the tensor again.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  void bump_version();

  // The value cached under `key`, made by make() from this storage's contents, and still valid: made at the
  // current version() and with the same `sources` (the versions of other storages it was derived from, if
  // any). Otherwise make(stale) runs (under the cache's lock) and its result replaces the entry; stale is the
  // outdated value or null, so that make can refill its buffers rather than allocate (and page in) new ones
  // every training step. Entries die with the storage. Thread-safe as far as the contents are: a storage written
  // while another thread reads it is a race anyway.
  template <class T, class Make>
  std::shared_ptr<T> derived(const std::string& key, const std::vector<uint64_t>& sources, Make&& make) const {
    std::lock_guard<std::mutex> lock(derived_mutex_);
    const uint64_t now = version();
    Derived& entry = derived_[key];
    if (entry.value && entry.version == now && entry.sources == sources)
      return std::static_pointer_cast<T>(entry.value);
    auto made = std::make_shared<T>(make(std::static_pointer_cast<T>(entry.value)));
    entry = Derived{now, sources, made};
    return made;
  }

 private:
  struct Derived {
    uint64_t version = 0;
    std::vector<uint64_t> sources;
    std::shared_ptr<void> value;
  };

  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::atomic<uint64_t> version_;
  // A cache of copies, not contents: const access may fill it.
  mutable std::mutex derived_mutex_;
  mutable std::unordered_map<std::string, Derived> derived_;
};

}  // namespace fovea
