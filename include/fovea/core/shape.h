// Tensor shapes: up to 6 dimensions (batch plus 5), row-major, with Keras-like printing.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "fovea/core/inline_vec.h"

namespace fovea {

class Shape : public InlineVec<int64_t, 6> {
 public:
  // InlineVec's constructors except the one from a single integer (Dims takes `3` for {3}; a shape does not).
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : InlineVec(dims) {}
  template <class It>
  Shape(It first, It last) : InlineVec(first, last) {}
  Shape(const InlineVec<int64_t, 6>& v) : InlineVec(v) {}  // NOLINT(google-explicit-constructor)

  int rank() const { return size(); }
  // Product of all dimensions (1 for a scalar). Throws ShapeError "shape (...) has more elements than fovea can
  // index (at most 9223372036854775807)" when the product does not fit in int64_t.
  int64_t numel() const;
  // The product, or nothing when it does not fit in int64_t (for callers that word their own error).
  std::optional<int64_t> checked_numel() const;
  // Dimension i, where negative i counts from the end; throws ShapeError when out of range.
  int64_t dim(int i) const;
  // Normalizes a possibly negative axis into [0, rank); throws ShapeError naming the rank otherwise.
  int axis(int i) const;
  // Row-major strides in elements.
  Shape strides() const;
  // "(2, 3, 4)"; "(None, 3)" with batch_as_none when the first dimension is a batch.
  std::string to_string(bool batch_as_none = false) const;
};

// a * b, or nothing when the product does not fit in int64_t: every product of sizes that come from input (a
// layer's units, a file's dimensions) goes through this or Shape::checked_numel before it sizes anything.
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t product;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

}  // namespace fovea
