// A size-class cache of large host blocks. Size classes are sixteenths of a power of two (at most 6.25% waste), so
// the tensors of one training step map onto a handful of classes and the next step finds every block it needs.
// A request its own class cannot serve takes a cached block of up to twice its size before it asks the system:
// otherwise blocks idle in one class while another class grows (a step's forward and backward pass free and
// need different sizes), and the process holds the sum of every class's peak instead of about its overall peak.
#include "core/host_memory.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "fovea/core/host_memory.h"
#include "fovea/core/storage.h"

namespace fovea {
namespace {

// Below this, malloc's own free lists already recycle blocks without new pages.
constexpr size_t kCachedMinBytes = 64 * 1024;

size_t size_class(size_t nbytes) {
  if (nbytes < kCachedMinBytes) return (nbytes + Storage::kAlignment - 1) / Storage::kAlignment * Storage::kAlignment;
  size_t power = kCachedMinBytes;
  while (power < nbytes) power *= 2;
  const size_t step = power / 16;
  return (nbytes + step - 1) / step * step;
}

class BlockCache {
 public:
  void* allocate(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.lower_bound(bytes);
      while (it != free_.end() && it->first <= 2 * bytes && it->second.empty()) ++it;
      if (it != free_.end() && it->first <= 2 * bytes) {
        void* block = it->second.back();
        it->second.pop_back();
        if (it->first != bytes) larger_class_[block] = it->first;
        stats_.cached_bytes -= it->first;
        add_in_use(it->first);
        ++stats_.reuses;
        return block;
      }
    }
    void* block = std::aligned_alloc(Storage::kAlignment, bytes);
    if (block == nullptr) {
      release();
      block = std::aligned_alloc(Storage::kAlignment, bytes);
      if (block == nullptr) throw std::bad_alloc();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    add_in_use(bytes);
    ++stats_.system_allocations;
    return block;
  }

  void deallocate(void* block, size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto larger = larger_class_.find(block); larger != larger_class_.end()) {
        bytes = larger->second;
        larger_class_.erase(larger);
      }
      stats_.in_use_bytes -= bytes;
      if (stats_.cached_bytes + bytes <= limit_) {
        free_[bytes].push_back(block);
        stats_.cached_bytes += bytes;
        return;
      }
    }
    std::free(block);
  }

  void release() { shrink_to(0); }

  void set_limit(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
    }
    shrink_to(bytes);
  }

  HostMemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void reset_peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_in_use_bytes = stats_.in_use_bytes;
  }

 private:
  // Callers hold mutex_.
  void add_in_use(size_t bytes) {
    stats_.in_use_bytes += bytes;
    stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
  }

  // Frees cached blocks, largest classes first, until at most `bytes` stay cached.
  void shrink_to(size_t bytes) {
    std::vector<void*> to_free;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (stats_.cached_bytes > bytes) {
        auto largest = free_.end();
        for (auto it = free_.begin(); it != free_.end(); ++it) {
          if (!it->second.empty() && (largest == free_.end() || it->first > largest->first)) largest = it;
        }
        to_free.push_back(largest->second.back());
        largest->second.pop_back();
        stats_.cached_bytes -= largest->first;
      }
    }
    for (void* block : to_free) std::free(block);
  }

  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> cached blocks
  std::unordered_map<void*, size_t> larger_class_;  // blocks in use by a request of a smaller class -> their class
  size_t limit_ = size_t{2} << 30;
  HostMemoryStats stats_;
};

// Never destroyed: tensors in static storage may be freed after any other static object is gone.
BlockCache& cache() {
  static BlockCache* instance = new BlockCache;
  return *instance;
}

}  // namespace

namespace host_memory {

void* allocate(size_t nbytes) {
  const size_t bytes = size_class(nbytes);
  if (bytes < kCachedMinBytes) {
    void* block = std::aligned_alloc(Storage::kAlignment, bytes);
    if (block == nullptr) throw std::bad_alloc();
    return block;
  }
  return cache().allocate(bytes);
}

void deallocate(void* block, size_t nbytes) {
  const size_t bytes = size_class(nbytes);
  if (bytes < kCachedMinBytes) {
    std::free(block);
  } else {
    cache().deallocate(block, bytes);
  }
}

}  // namespace host_memory

HostMemoryStats host_memory_stats() { return cache().stats(); }
void reset_peak_host_memory_stats() { cache().reset_peak(); }
void release_cached_host_memory() { cache().release(); }
void set_host_memory_cache_limit(size_t bytes) { cache().set_limit(bytes); }

}  // namespace fovea
