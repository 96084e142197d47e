// Per-class precision, recall and F1 from a confusion matrix, as sklearn's classification_report computes them,
// for the report's table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"

namespace fovea::viz {

struct ClassMetrics {
  std::string name{};
  double precision = 0;  // true positives / predicted as this class (0 when nothing was)
  double recall = 0;     // true positives / truly this class (0 when nothing was)
  double f1 = 0;         // harmonic mean of precision and recall (0 when both are 0)
  int64_t support = 0;   // samples truly of this class
};

struct ClassificationReport {
  std::vector<ClassMetrics> classes{};
  double accuracy = 0;          // the diagonal over all samples (0 when there are none)
  ClassMetrics macro_avg{};     // unweighted means over classes; support is the total
  ClassMetrics weighted_avg{};  // means weighted by support; support is the total
};

// The report of matrix, a (K, K) tensor of counts (rows true classes, columns predicted), with sklearn's
// zero_division=0. class_names has K names, or none for "0" ... "K-1". Throws ShapeError for a matrix that is not
// square (or empty), ValueError for a negative or non-finite count or a class_names count other than K.
ClassificationReport classification_report(const Tensor& matrix, const std::vector<std::string>& class_names = {});
// The same from rows of counts ([true class][predicted class], as TrainingReport::confusion holds them); rows of
// another length than K are a ShapeError.
ClassificationReport classification_report(const std::vector<std::vector<int64_t>>& matrix,
                                           const std::vector<std::string>& class_names = {});

}  // namespace fovea::viz
