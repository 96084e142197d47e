// The caching allocator behind Storage (see fovea/core/host_memory.h for what it promises).
#pragma once

#include <cstddef>

namespace fovea::host_memory {

// A 64-byte aligned block of at least nbytes (nbytes > 0). Throws std::bad_alloc when the system has no memory
// left even after the cache is released.
void* allocate(size_t nbytes);
// Gives back a block from allocate(nbytes) with the same nbytes.
void deallocate(void* block, size_t nbytes);

}  // namespace fovea::host_memory
