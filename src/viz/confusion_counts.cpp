// Checks of confusion matrices (see confusion_counts.h).
#include "confusion_counts.h"

#include <cmath>
#include <cstdio>

#include "fovea/core/error.h"

namespace fovea::viz::pictures_detail {
namespace {

void check_counts(const CountMatrix& matrix, const std::string& who) {
  for (int64_t i = 0; i < matrix.classes; ++i) {
    for (int64_t j = 0; j < matrix.classes; ++j) {
      const double v = matrix.at(i, j);
      FOVEA_CHECK(std::isfinite(v) && v >= 0, ValueError, who, ": the count at (", i, ", ", j, ") is ", v,
                  "; counts must be finite and >= 0");
    }
  }
}

}  // namespace

CountMatrix read_counts(const Tensor& matrix, const std::string& who) {
  const bool square = matrix.defined() && matrix.rank() == 2 && matrix.dim(0) == matrix.dim(1) && matrix.dim(0) > 0;
  FOVEA_CHECK(square, ShapeError, who, ": expected a square (K, K) matrix of counts with K >= 1, got ",
              (matrix.defined() ? matrix.shape().to_string() : std::string("no tensor")));
  CountMatrix out{.classes = matrix.dim(0), .counts = matrix.to_vector()};
  check_counts(out, who);
  return out;
}

CountMatrix read_counts(const std::vector<std::vector<int64_t>>& rows, const std::string& who) {
  const auto k = static_cast<int64_t>(rows.size());
  FOVEA_CHECK(k > 0, ShapeError, who, ": expected a square (K, K) matrix of counts with K >= 1, got no rows");
  CountMatrix out{.classes = k, .counts = {}};
  for (int64_t i = 0; i < k; ++i) {
    const auto& row = rows[static_cast<size_t>(i)];
    FOVEA_CHECK(static_cast<int64_t>(row.size()) == k, ShapeError, who,
                ": expected a square (K, K) matrix of counts; row ", i, " has ", row.size(), " counts, not ", k);
    for (int64_t v : row) out.counts.push_back(static_cast<double>(v));
  }
  check_counts(out, who);
  return out;
}

std::vector<std::string> class_names_for(const std::vector<std::string>& names, int64_t classes,
                                         const std::string& who) {
  FOVEA_CHECK(names.empty() || static_cast<int64_t>(names.size()) == classes, ValueError, who, ": ", names.size(),
              " class names for ", classes, " classes; give one name per class, or none");
  if (!names.empty()) return names;
  std::vector<std::string> ids;
  for (int64_t i = 0; i < classes; ++i) ids.push_back(std::to_string(i));
  return ids;
}

std::string count_text(double count) {
  if (count == std::floor(count) && count < 1e15) return std::to_string(static_cast<int64_t>(count));
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", count);
  return text;
}

}  // namespace fovea::viz::pictures_detail
