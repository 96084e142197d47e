// The Normalization preprocessing layer (Keras 3's): a mean and variance per index of the kept axes, given as
// options or learned from a training set by adapt(), applied as (x - mean) / max(sqrt(variance), 1e-7).
// BatchNormalization and the other learned normalizations are in normalization.cpp.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/layers/layer_config.h"
#include "fovea/layers/preprocessing.h"
#include "fovea/ops/math.h"
#include "layers/layer_util.h"

namespace fovea {
namespace {

// Keras 3's backend.epsilon(): the smallest standard deviation the layer divides by (a constant feature would
// otherwise divide by zero).
constexpr double kMinStd = 1e-7;

std::string axis_list(const std::vector<int>& axis) {
  std::string s = "[";
  for (size_t i = 0; i < axis.size(); ++i) s += (i ? ", " : "") + std::to_string(axis[i]);
  return s + "]";
}

// The weights are float32, so a statistic must be finite as a float32 too (1e300 is a finite double).
bool finite_in_float32(double v) { return std::isfinite(v) && std::abs(v) <= FLT_MAX; }

// Neumaier's compensated sum: the rounding error of every addition is kept apart and added back at the end, so a
// sum of tens of millions of terms is as exact as its last rounding.
struct CompensatedSum {
  double sum = 0;
  double error = 0;
  void add(double v) {
    const double t = sum + v;
    error += std::abs(sum) >= std::abs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  double value() const { return sum + error; }
};

// Calls visit(row, length, first, step) for every row (run along the last axis) of data, where the row's element j
// belongs to statistic first + j * step: kept_stride[a] is how far one step along axis a moves in the row-major
// index over the kept axes (0 for a reduced axis), so step is 1 when the last axis is kept and 0 otherwise.
template <class T, class Visit>
void for_each_row(const T* data, const Shape& shape, const std::vector<int64_t>& kept_stride, Visit&& visit) {
  const int rank = shape.rank();
  const int64_t length = shape[rank - 1];
  const int64_t rows = shape.numel() / length;
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);  // the row's position on the leading axes
  int64_t first = 0;
  for (int64_t r = 0; r < rows; ++r) {
    visit(data + r * length, length, first, kept_stride[static_cast<size_t>(rank - 1)]);
    for (int a = rank - 2; a >= 0; --a) {  // the odometer: next row
      const size_t i = static_cast<size_t>(a);
      first += kept_stride[i];
      if (++index[i] < shape[a]) break;
      first -= kept_stride[i] * shape[a];
      index[i] = 0;
    }
  }
}

// The mean and population variance of every statistic, in float64, by two compensated passes: the sums, then the
// deviations from the mean (with the corrected two-pass formula, which removes what rounding left in the mean).
template <class T>
void compute_statistics(const T* data, const Shape& shape, const std::vector<int64_t>& kept_stride,
                        std::vector<double>& mean, std::vector<double>& variance) {
  const size_t count = mean.size();
  const double n = static_cast<double>(shape.numel() / static_cast<int64_t>(count));  // values per statistic
  std::vector<CompensatedSum> sums(count);
  for_each_row(data, shape, kept_stride, [&](const T* row, int64_t length, int64_t first, int64_t step) {
    for (int64_t j = 0; j < length; ++j) sums[static_cast<size_t>(first + j * step)].add(static_cast<double>(row[j]));
  });
  for (size_t k = 0; k < count; ++k) mean[k] = sums[k].value() / n;
  std::vector<CompensatedSum> deviations(count), squares(count);
  for_each_row(data, shape, kept_stride, [&](const T* row, int64_t length, int64_t first, int64_t step) {
    for (int64_t j = 0; j < length; ++j) {
      const size_t k = static_cast<size_t>(first + j * step);
      const double d = static_cast<double>(row[j]) - mean[k];
      deviations[k].add(d);
      squares[k].add(d * d);
    }
  });
  for (size_t k = 0; k < count; ++k) {
    const double d = deviations[k].value();
    // Rounding can leave a constant feature's variance a hair below zero; NaN stays NaN (std::max would hide it).
    const double v = (squares[k].value() - d * d / n) / n;
    variance[k] = v < 0 ? 0.0 : v;
  }
}

// values as a tensor of `shape` in dtype, one value repeated when one is given.
Tensor filled_tensor(const Shape& shape, const std::vector<double>& values, DType dtype) {
  const int64_t n = shape.numel();
  return Tensor::from_vector(
      shape, values.size() == 1 ? std::vector<double>(static_cast<size_t>(n), values[0]) : values, dtype);
}

// A config's "mean" or "variance": a number or a (nested, as numpy's tolist() writes arrays) list of numbers.
void flatten_numbers(const ConfigReader& c, const std::string& key, const nlohmann::json& v, std::vector<double>& out) {
  if (v.is_number()) {
    out.push_back(v.get<double>());
    return;
  }
  if (!v.is_array()) c.fail(key, "a number or a list of numbers");
  for (const nlohmann::json& e : v) flatten_numbers(c, key, e, out);
}

std::vector<double> read_numbers(const ConfigReader& c, const std::string& key) {
  std::vector<double> out;
  if (const nlohmann::json* v = c.raw(key)) {
    flatten_numbers(c, key, *v, out);
    if (out.empty()) c.fail(key, "a number or a list of numbers");
  }
  return out;
}

}  // namespace

NormalizationImpl::NormalizationImpl(const NormalizationOptions& options) : options_(options) {
  set_name(options.name);
  const std::vector<double>& mean = options.mean;
  const std::vector<double>& variance = options.variance;
  FOVEA_CHECK(mean.empty() == variance.empty(), ValueError,
              "Normalization: mean and variance must be given together (got ", mean.size(), " mean and ",
              variance.size(), " variance values)");
  for (size_t i = 0; i < mean.size(); ++i) {
    FOVEA_CHECK(finite_in_float32(mean[i]), ValueError, "Normalization: mean[", i,
                "] must be a finite float32 value, got ", mean[i]);
  }
  for (size_t i = 0; i < variance.size(); ++i) {
    FOVEA_CHECK(finite_in_float32(variance[i]) && variance[i] >= 0, ValueError, "Normalization: variance[", i,
                "] must be a finite float32 value >= 0, got ", variance[i]);
  }
}

std::vector<int> NormalizationImpl::kept_axes(const Shape& in) const {
  const int rank = in.rank();
  std::vector<int> axes;
  for (int axis : options_.axis) {
    FOVEA_CHECK(axis >= -rank && axis < rank, ShapeError, describe(), ": axis ", axis,
                " is out of range for input shape ", in.to_string(true), " of rank ", rank);
    const int a = axis < 0 ? axis + rank : axis;
    FOVEA_CHECK(a != 0, ShapeError, describe(), ": axis ", axis, " is the batch axis of input shape ",
                in.to_string(true), "; keep feature axes, or none (axis {}) for one mean and variance");
    FOVEA_CHECK(std::find(axes.begin(), axes.end(), a) == axes.end(), ShapeError, describe(), ": axis ", axis,
                " is listed twice in axis ", axis_list(options_.axis), " for input shape ", in.to_string(true));
    FOVEA_CHECK(in[a] > 0, ShapeError, describe(), " needs a known size on its kept axis ", axis, ", got input shape ",
                in.to_string(true));
    axes.push_back(a);
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

Shape NormalizationImpl::compute_output_shape(const std::vector<Shape>& inputs) const {
  const Shape& in = inputs[0];
  FOVEA_CHECK(in.rank() >= 1, ShapeError, describe(), " expects an input with a batch axis but got a scalar");
  int64_t indices = 1;
  for (int a : kept_axes(in)) indices *= in[a];
  for (const auto* given : {&options_.mean, &options_.variance}) {
    const size_t n = given->size();
    FOVEA_CHECK(n <= 1 || static_cast<int64_t>(n) == indices, ShapeError, describe(), ": ",
                given == &options_.mean ? "mean" : "variance", " has ", n, " values but axis ",
                axis_list(options_.axis), " of input shape ", in.to_string(true), " keeps ", indices,
                " statistics; give one value or ", indices);
  }
  return in;
}

void NormalizationImpl::build(const std::vector<Shape>& inputs) {
  const Shape& in = inputs[0];
  Shape shape;
  for (int a : kept_axes(in)) shape.push_back(in[a]);
  if (shape.rank() == 0) shape.push_back(1);  // axis {}: one statistic, stored as (1,)
  const bool given = !options_.mean.empty();
  const Fans fans = keras_fans(shape);
  Weight& mean = add_weight("mean", shape, initializers::Zeros(), fans, /*trainable=*/false);
  if (given) mean.value.copy_(filled_tensor(shape, options_.mean, mean.value.dtype()));
  Weight& variance = add_weight("variance", shape, initializers::Ones(), fans, /*trainable=*/false);
  if (given) variance.value.copy_(filled_tensor(shape, options_.variance, variance.value.dtype()));
}

Tensor NormalizationImpl::call(const std::vector<Tensor>& inputs, bool) {
  Tensor x = inputs[0];
  if (x.dtype() != DType::f32 && x.dtype() != DType::f64) x = x.to(DType::f32);  // stored pixels and other integers
  // The statistics with size-1 axes where the input's statistics were reduced, so that they broadcast.
  Shape broadcast = Shape::filled(x.rank(), 1);
  for (int a : kept_axes(x.shape())) broadcast[a] = x.dim(a);
  const Tensor center = Tensor::from_vector(broadcast, mean(), x.dtype());
  const Tensor deviation = Tensor::from_vector(broadcast, standard_deviation(), x.dtype());
  return options_.invert ? center + x * deviation : (x - center) / deviation;
}

nlohmann::json NormalizationImpl::config() const {
  nlohmann::json c = LayerImpl::config();
  c["axis"] = nlohmann::json(options_.axis);  // a list, as Keras's tuple; [] is None
  c["invert"] = options_.invert;
  const bool given = !options_.mean.empty();
  c["mean"] = given ? nlohmann::json(options_.mean) : nlohmann::json(nullptr);
  c["variance"] = given ? nlohmann::json(options_.variance) : nlohmann::json(nullptr);
  return c;
}

Layer NormalizationImpl::from_config(const ConfigReader& c) {
  NormalizationOptions o;
  // Keras writes its axis tuple as a list, None as []; an absent (or null) axis is Keras's default, -1.
  if (const nlohmann::json* axis = c.raw("axis")) {
    if (axis->is_number_integer()) {
      o.axis = {axis->get<int>()};
    } else {
      if (!axis->is_array() || axis->size() > 6) c.fail("axis", "an integer or a list of at most 6 integers");
      o.axis.clear();
      for (const nlohmann::json& a : *axis) {
        if (!a.is_number_integer()) c.fail("axis", "an integer or a list of at most 6 integers");
        o.axis.push_back(a.get<int>());
      }
    }
  }
  o.invert = c.boolean("invert", false);
  o.mean = read_numbers(c, "mean");
  o.variance = read_numbers(c, "variance");
  return construct_at(c, [&] { return Normalization(o); });
}

void NormalizationImpl::adapt(const Tensor& data) {
  FOVEA_CHECK(options_.mean.empty(), ValueError, describe(),
              ": adapt() cannot replace the mean and variance given as options; leave them out to learn them");
  FOVEA_CHECK(data.defined() && data.rank() >= 1, ValueError, describe(), ": adapt() needs batch-first data, got ",
              data.defined() ? "a scalar" : "an undefined tensor");
  const Shape& shape = data.shape();
  FOVEA_CHECK(data.numel() > 0, ValueError, describe(), ": adapt() needs data with at least one value, got shape ",
              shape.to_string());
  Shape batchless = shape;
  batchless[0] = -1;
  ensure_built({batchless});  // builds from the data, or checks it against the built shape
  const std::vector<int> kept = kept_axes(shape);
  std::vector<int64_t> kept_stride(static_cast<size_t>(shape.rank()), 0);
  int64_t stride = 1;
  for (auto a = kept.rbegin(); a != kept.rend(); ++a) {
    kept_stride[static_cast<size_t>(*a)] = stride;
    stride *= shape[*a];
  }
  std::vector<double> mean(static_cast<size_t>(stride)), variance(static_cast<size_t>(stride));
  const void* raw = data.raw_data();
  switch (data.dtype()) {
    case DType::f32:
      compute_statistics(static_cast<const float*>(raw), shape, kept_stride, mean, variance);
      break;
    case DType::f64:
      compute_statistics(static_cast<const double*>(raw), shape, kept_stride, mean, variance);
      break;
    case DType::i32:
      compute_statistics(static_cast<const int32_t*>(raw), shape, kept_stride, mean, variance);
      break;
    case DType::i64:
      compute_statistics(static_cast<const int64_t*>(raw), shape, kept_stride, mean, variance);
      break;
    case DType::u8:
      compute_statistics(static_cast<const uint8_t*>(raw), shape, kept_stride, mean, variance);
      break;
  }
  for (size_t k = 0; k < mean.size(); ++k) {
    FOVEA_CHECK(finite_in_float32(mean[k]) && finite_in_float32(variance[k]), ValueError, describe(),
                ": adapt() found mean ", mean[k], " and variance ", variance[k], " for statistic ", k,
                "; both must be finite float32 values (does the data hold NaN, infinite or huge values?)");
  }
  Tensor& mean_weight = weight("mean").value;
  Tensor& variance_weight = weight("variance").value;
  mean_weight.copy_(Tensor::from_vector(mean_weight.shape(), mean, mean_weight.dtype()));
  variance_weight.copy_(Tensor::from_vector(variance_weight.shape(), variance, variance_weight.dtype()));
}

std::vector<double> NormalizationImpl::mean() const {
  if (!built()) return options_.mean;
  for (const Weight& w : weights()) {
    if (w.name == "mean") return w.value.to_vector();
  }
  return {};
}

std::vector<double> NormalizationImpl::variance() const {
  if (!built()) return options_.variance;
  for (const Weight& w : weights()) {
    if (w.name == "variance") return w.value.to_vector();
  }
  return {};
}

std::vector<double> NormalizationImpl::standard_deviation() const {
  std::vector<double> out = variance();
  for (double& v : out) v = std::max(std::sqrt(v), kMinStd);
  return out;
}

Layer Normalization(const NormalizationOptions& options) { return make_layer<NormalizationImpl>(options); }

}  // namespace fovea
