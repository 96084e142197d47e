// Backend parity: run the same kernel call on the reference and oneDNN backends and compare the results.
#pragma once

#include <functional>

#include "backends/backend.h"
#include "gradcheck.h"

namespace fovea::testing {

// fn runs one kernel on the given backend and returns its output; the oneDNN result must match the reference.
inline void expect_backends_agree(const std::function<Tensor(Backend&)>& fn, double atol = 1e-4,
                                  double rtol = 1e-4) {
  Tensor expected = fn(reference_backend());
  Tensor actual = fn(onednn_backend());
  expect_close(actual, expected, atol, rtol);
}

}  // namespace fovea::testing
