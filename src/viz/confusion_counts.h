// A confusion matrix as counts, checked once for the pictures and tables made from it (confusion.cpp,
// classification_report.cpp): square, finite, not negative, with one class name per row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"

namespace fovea::viz::pictures_detail {

struct CountMatrix {
  int64_t classes = 0;
  std::vector<double> counts;  // row-major: [true class][predicted class]
  double at(int64_t row, int64_t col) const { return counts[static_cast<size_t>(row * classes + col)]; }
};

// matrix's counts; who prefixes the errors ("confusion_heatmap"). ShapeError for a matrix that is not (K, K) with
// K >= 1, ValueError for a negative or non-finite count.
CountMatrix read_counts(const Tensor& matrix, const std::string& who);
// The same from rows of counts (ShapeError when the rows are not all K long, ValueError for a negative count).
CountMatrix read_counts(const std::vector<std::vector<int64_t>>& rows, const std::string& who);
// names when there are classes of them, "0" ... "K-1" when there are none; ValueError for another count.
std::vector<std::string> class_names_for(const std::vector<std::string>& names, int64_t classes,
                                         const std::string& who);
// A count as text: an integer without decimals, otherwise with two.
std::string count_text(double count);

}  // namespace fovea::viz::pictures_detail
