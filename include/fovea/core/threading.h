// Threading configuration. fovea and oneDNN share one OpenMP runtime, so one setting governs both.
#pragma once

namespace fovea {

// Sets the number of threads for all kernels (n >= 1). Throws ValueError otherwise.
void set_num_threads(int n);
int num_threads();

}  // namespace fovea
