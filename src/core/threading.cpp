// Thread count shared by fovea's loops and oneDNN (both use the OpenMP runtime).
#include "fovea/core/threading.h"

#include <omp.h>

#include "fovea/core/error.h"

namespace fovea {

void set_num_threads(int n) {
  FOVEA_CHECK(n >= 1, ValueError, "set_num_threads: expected at least 1 thread, got ", n);
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace fovea
