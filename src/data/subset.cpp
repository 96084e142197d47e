// Subsets of a data set: the first samples, a range of samples, or the samples of chosen classes relabelled from 0.
#include <algorithm>
#include <cstring>

#include "fovea/core/error.h"
#include "fovea/data/datasets.h"

namespace fovea {

namespace {

// Rows of t (samples on axis 0) at the given indices, copied.
Tensor gather_rows(const Tensor& t, const std::vector<int64_t>& rows) {
  Shape shape = t.shape();
  const size_t row_bytes = t.dim(0) > 0 ? t.nbytes() / static_cast<size_t>(t.dim(0)) : 0;
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = Tensor::empty(shape, t.dtype());
  auto* dst = static_cast<char*>(out.raw_data());
  const auto* src = static_cast<const char*>(t.raw_data());
  for (size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(rows[i]) * row_bytes, row_bytes);
  }
  return out;
}

}  // namespace

Dataset take(const Dataset& data, int64_t count) {
  if (count <= 0 || count >= data.size()) return data;
  return slice_samples(data, 0, count);
}

Dataset slice_samples(const Dataset& data, int64_t start, int64_t count) {
  FOVEA_CHECK(start >= 0 && count >= 0 && start + count <= data.size(), ValueError, "slice_samples: samples [",
              start, ", ", start + count, ") are outside the ", data.size(), " samples of the data set");
  std::vector<int64_t> rows(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) rows[static_cast<size_t>(i)] = start + i;
  return {gather_rows(data.images, rows), gather_rows(data.labels, rows)};
}

Dataset select_classes(const Dataset& data, const std::vector<int64_t>& classes, int64_t limit) {
  FOVEA_CHECK(!classes.empty(), ValueError, "select_classes: the class list is empty");
  for (size_t i = 0; i < classes.size(); ++i) {
    FOVEA_CHECK(std::find(classes.begin(), classes.begin() + static_cast<std::ptrdiff_t>(i), classes[i]) ==
                    classes.begin() + static_cast<std::ptrdiff_t>(i),
                ValueError, "select_classes: class ", classes[i], " is listed twice");
  }
  FOVEA_CHECK(data.labels.defined() && data.labels.rank() == 1, ValueError,
              "select_classes: needs class ids of shape (N,)");
  const std::vector<double> labels = data.labels.to_vector();
  std::vector<int64_t> rows;
  std::vector<double> relabelled;
  for (size_t i = 0; i < labels.size() && (limit <= 0 || static_cast<int64_t>(rows.size()) < limit); ++i) {
    auto it = std::find(classes.begin(), classes.end(), static_cast<int64_t>(labels[i]));
    if (it == classes.end()) continue;
    rows.push_back(static_cast<int64_t>(i));
    relabelled.push_back(static_cast<double>(it - classes.begin()));
  }
  const auto n = static_cast<int64_t>(rows.size());
  return {gather_rows(data.images, rows), Tensor::from_vector(Shape{n}, relabelled, DType::i64)};
}

}  // namespace fovea
