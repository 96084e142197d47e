// Host memory behind tensors. Large blocks that tensors free are kept and handed out again to the next tensor of
// the same size class, so a steady-state training step reuses the previous step's memory instead of asking the
// system for fresh pages (and paying a page fault per 4 KiB on first touch) every step. Small blocks go straight
// to malloc, which already recycles them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fovea {

struct HostMemoryStats {
  size_t in_use_bytes = 0;          // held by live tensors (large blocks only, counted at their block's size class)
  size_t peak_in_use_bytes = 0;     // the most in_use_bytes since the start or reset_peak_host_memory_stats()
  size_t cached_bytes = 0;          // freed large blocks kept for reuse
  uint64_t system_allocations = 0;  // large blocks that had to come from the system (cache misses)
  uint64_t reuses = 0;              // large blocks served from the cache
};

HostMemoryStats host_memory_stats();

// Starts peak_in_use_bytes again from the current in_use_bytes (torch.cuda.reset_peak_memory_stats for host
// memory): measure a step's peak by resetting before it.
void reset_peak_host_memory_stats();

// Returns every cached block to the system (what torch.cuda.empty_cache does for GPU memory); live tensors are
// untouched.
void release_cached_host_memory();

// The most bytes of freed blocks the cache keeps (default 2 GiB); blocks beyond it go back to the system.
// Lowering it releases blocks over the new limit; 0 turns caching off.
void set_host_memory_cache_limit(size_t bytes);

}  // namespace fovea
