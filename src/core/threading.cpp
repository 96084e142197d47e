// Thread count shared by fovea's loops and oneDNN (both use the OpenMP runtime).
#include "fovea/core/threading.h"

#include "fovea/core/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fovea {

// Builds without OpenMP (the fuzzers': CMake's FOVEA_OPENMP=OFF) run fovea's own loops on the calling thread.
void set_num_threads(int n) {
  FOVEA_CHECK(n >= 1, ValueError, "set_num_threads: expected at least 1 thread, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace fovea
