// Shape helpers.
#include "fovea/core/shape.h"

#include <limits>

#include "fovea/core/error.h"

namespace fovea {

std::optional<int64_t> Shape::checked_numel() const {
  int64_t n = 1;
  for (int64_t d : *this) {
    if (__builtin_mul_overflow(n, d, &n)) return std::nullopt;
  }
  return n;
}

int64_t Shape::numel() const {
  const std::optional<int64_t> n = checked_numel();
  FOVEA_CHECK(n.has_value(), ShapeError, "shape ", to_string(), " has more elements than fovea can index (at most ",
              std::numeric_limits<int64_t>::max(), ")");
  return *n;
}

int Shape::axis(int i) const {
  const int r = rank();
  FOVEA_CHECK(i >= -r && i < r, ShapeError, "axis ", i, " is out of range for a tensor of rank ", r, " with shape ",
              to_string());
  return i < 0 ? i + r : i;
}

int64_t Shape::dim(int i) const { return (*this)[axis(i)]; }

Shape Shape::strides() const {
  Shape s;
  s.resize(rank());
  int64_t step = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    s[i] = step;
    step *= (*this)[i];
  }
  return s;
}

std::string Shape::to_string(bool batch_as_none) const {
  std::string out = "(";
  for (int i = 0; i < rank(); ++i) {
    if (i > 0) out += ", ";
    out += (i == 0 && batch_as_none) ? std::string("None") : std::to_string((*this)[i]);
  }
  if (rank() == 1) out += ",";
  return out + ")";
}

}  // namespace fovea
