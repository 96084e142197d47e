// Tensor shapes: up to 6 dimensions (batch plus 5), row-major, with Keras-like printing.
#pragma once

#include <cstdint>
#include <string>

#include "fovea/core/inline_vec.h"

namespace fovea {

class Shape : public InlineVec<int64_t, 6> {
 public:
  using InlineVec::InlineVec;
  Shape(const InlineVec<int64_t, 6>& v) : InlineVec(v) {}

  int rank() const { return size(); }
  // Product of all dimensions (1 for a scalar).
  int64_t numel() const;
  // Dimension i, where negative i counts from the end; throws ShapeError when out of range.
  int64_t dim(int i) const;
  // Normalizes a possibly negative axis into [0, rank); throws ShapeError naming the rank otherwise.
  int axis(int i) const;
  // Row-major strides in elements.
  Shape strides() const;
  // "(2, 3, 4)"; "(None, 3)" with batch_as_none when the first dimension is a batch.
  std::string to_string(bool batch_as_none = false) const;
};

}  // namespace fovea
