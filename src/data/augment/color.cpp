// Photometric augmentations: RandomBrightness, RandomContrast and AlexNet's PCA lighting (with the PCA basis fit).
// They change values, not positions, so they also apply to 1-D signals (L, C).
#include <algorithm>
#include <cmath>
#include <utility>

#include "data/augment/augment_util.h"
#include "fovea/core/error.h"
#include "fovea/data/augmentation.h"

namespace fovea {
namespace {

constexpr std::array<double, 2> kDefaultValueRange = {0.0, 255.0};

std::string value_range_key(const std::array<double, 2>& range) {
  return range == kDefaultValueRange ? std::string() : detail::concat(":value_range=", augment::format_range(range));
}

using Matrix3 = std::array<std::array<double, 3>, 3>;

// Eigen-decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations: on return a is (nearly) diagonal
// with the eigenvalues, and column k of vectors is the eigenvector of a[k][k].
void jacobi_eigen(Matrix3& a, Matrix3& vectors) {
  vectors = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  constexpr int kPairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
  for (int sweep = 0; sweep < 64; ++sweep) {
    const double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    const double diagonal = a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2];
    if (off <= 1e-30 * diagonal || off == 0) return;
    for (const auto& pair : kPairs) {
      const int p = pair[0], q = pair[1];
      if (a[p][q] == 0) continue;
      // The rotation that zeroes a[p][q] (Numerical Recipes' choice of the smaller angle).
      const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
      const double c = 1 / std::sqrt(t * t + 1), s = t * c;
      for (int k = 0; k < 3; ++k) {  // a <- a * J
        const double akp = a[k][p], akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (int k = 0; k < 3; ++k) {  // a <- J^T * a
        const double apk = a[p][k], aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (int k = 0; k < 3; ++k) {  // vectors <- vectors * J
        const double vkp = vectors[k][p], vkq = vectors[k][q];
        vectors[k][p] = c * vkp - s * vkq;
        vectors[k][q] = s * vkp + c * vkq;
      }
    }
  }
}

}  // namespace

// ---- RandomBrightness ----

RandomBrightness::RandomBrightness(const RandomBrightnessOptions& options) : options_(options) {
  augment::check_factor(name(), "factor", options.factor, -1, 1);
  augment::check_value_range(name(), options.value_range);
}

std::string RandomBrightness::to_string() const {
  return detail::concat("brightness=", augment::format_factor(options_.factor), value_range_key(options_.value_range));
}

void RandomBrightness::check(const Shape&) const {}

void RandomBrightness::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>&) const {
  const auto [low, high] = options_.value_range;
  const double delta = augment::draw(gen, options_.factor) * (high - low);
  const int64_t count = shape.numel();
  for (int64_t i = 0; i < count; ++i) {
    sample[i] = static_cast<float>(std::clamp(static_cast<double>(sample[i]) + delta, low, high));
  }
}

// ---- RandomContrast ----

RandomContrast::RandomContrast(const RandomContrastOptions& options) : options_(options) {
  FOVEA_CHECK(options.lower >= 0 && options.lower <= 1 && options.upper >= 0 && std::isfinite(options.upper),
              ValueError,
              "RandomContrast: the factor's lower must lie in [0, 1] and its upper must be >= 0 (the "
              "contrast is drawn from [1 - lower, 1 + upper]); got lower ",
              augment::format_number(options.lower), ", upper ", augment::format_number(options.upper));
  augment::check_value_range(name(), options.value_range);
}

std::string RandomContrast::to_string() const {
  const std::string factor =
      options_.lower == options_.upper
          ? augment::format_number(options_.lower)
          : detail::concat(augment::format_number(options_.lower), "..", augment::format_number(options_.upper));
  return detail::concat("contrast=", factor, value_range_key(options_.value_range));
}

void RandomContrast::check(const Shape& sample_shape) const {
  FOVEA_CHECK(sample_shape.rank() >= 2 && sample_shape.numel() > 0, ShapeError, name(),
              " needs samples with positions and channels last ((height, width, channels) or (length, channels)); "
              "got a sample of shape ",
              sample_shape.to_string());
}

void RandomContrast::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>&) const {
  check(shape);
  const auto [low, high] = options_.value_range;
  const double contrast = gen.uniform(1 - options_.lower, 1 + options_.upper);
  const int64_t channels = shape[shape.rank() - 1];
  const int64_t positions = shape.numel() / channels;
  // One strided pass per channel keeps the work allocation-free; images have few channels.
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (int64_t p = 0; p < positions; ++p) sum += sample[p * channels + c];
    const double mean = sum / static_cast<double>(positions);
    for (int64_t p = 0; p < positions; ++p) {
      float& v = sample[p * channels + c];
      v = static_cast<float>(std::clamp((static_cast<double>(v) - mean) * contrast + mean, low, high));
    }
  }
}

// ---- PCA lighting ----

PcaBasis PcaBasis::imagenet() {
  // fb.resnet.torch's ImageNet statistics (pixel values in [0, 1]); there the vectors are the matrix's columns.
  PcaBasis basis;
  basis.eigenvalues = {0.2175, 0.0188, 0.0045};
  basis.eigenvectors = {{{-0.5675, -0.5808, -0.5836}, {0.7192, -0.0045, -0.6948}, {0.4009, -0.8140, 0.4203}}};
  return basis;
}

PcaBasis PcaBasis::fit(const Tensor& stored) {
  const bool ok = stored.defined() && stored.dtype() != DType::f64 && stored.rank() >= 2 && stored.dim(-1) == 3 &&
                  stored.numel() > 0;
  FOVEA_CHECK(ok, ValueError, "PcaBasis::fit needs non-empty float32 or integer RGB images (N, H, W, 3); got ",
              stored.defined() ? detail::concat(dtype_name(stored.dtype()), " ", stored.shape().to_string())
                               : std::string("an undefined tensor"));
  // Stored bytes (a data set kept as its files hold it) are fitted through a float32 copy.
  const Tensor images = stored.dtype() == DType::f32 ? stored : stored.to(DType::f32);
  const float* data = images.data<float>();
  const int64_t pixels = images.numel() / 3;
  // Two passes (mean, then centred products) keep the covariance accurate for 0-255 data.
  std::array<double, 3> mean{};
  for (int64_t p = 0; p < pixels; ++p) {
    for (int c = 0; c < 3; ++c) mean[c] += data[p * 3 + c];
  }
  for (double& m : mean) m /= static_cast<double>(pixels);
  Matrix3 covariance{};
  for (int64_t p = 0; p < pixels; ++p) {
    const double d[3] = {data[p * 3] - mean[0], data[p * 3 + 1] - mean[1], data[p * 3 + 2] - mean[2]};
    for (int i = 0; i < 3; ++i) {
      for (int j = i; j < 3; ++j) covariance[i][j] += d[i] * d[j];
    }
  }
  for (int i = 0; i < 3; ++i) {
    for (int j = i; j < 3; ++j) covariance[j][i] = covariance[i][j] /= static_cast<double>(pixels);
  }
  Matrix3 vectors;
  jacobi_eigen(covariance, vectors);
  int order[3] = {0, 1, 2};
  std::sort(order, order + 3, [&](int a, int b) { return covariance[a][a] > covariance[b][b]; });
  PcaBasis basis;
  for (int i = 0; i < 3; ++i) {
    const int k = order[i];
    basis.eigenvalues[i] = std::max(covariance[k][k], 0.0);  // rounding can leave -1e-18 for a flat direction
    const double sign = vectors[0][k] + vectors[1][k] + vectors[2][k] >= 0 ? 1.0 : -1.0;
    for (int c = 0; c < 3; ++c) basis.eigenvectors[i][c] = sign * vectors[c][k];
  }
  return basis;
}

PcaLighting::PcaLighting(const PcaLightingOptions& options) : options_(options) {
  FOVEA_CHECK(options.alphastd >= 0 && std::isfinite(options.alphastd), ValueError,
              "PcaLighting: alphastd must be a finite number >= 0; got ", augment::format_number(options.alphastd));
}

std::string PcaLighting::to_string() const {
  const PcaBasis imagenet = PcaBasis::imagenet();
  const bool is_imagenet = options_.basis && options_.basis->eigenvalues == imagenet.eigenvalues &&
                           options_.basis->eigenvectors == imagenet.eigenvectors;
  return detail::concat("pca=", augment::format_number(options_.alphastd), is_imagenet ? ":imagenet" : "");
}

void PcaLighting::check(const Shape& sample_shape) const {
  FOVEA_CHECK(sample_shape.rank() >= 2 && sample_shape[sample_shape.rank() - 1] == 3, ValueError, name(),
              " needs RGB samples with 3 channels on the last axis; got a sample of shape ", sample_shape.to_string());
  FOVEA_CHECK(options_.basis.has_value(), ValueError, name(),
              " has no eigen basis: set PcaLightingOptions::basis (e.g. PcaBasis::imagenet()) or fit it on the "
              "training images with Augmentation::fit");
}

void PcaLighting::apply(float* sample, const Shape& shape, Generator& gen, std::vector<float>&) const {
  check(shape);
  const PcaBasis& basis = *options_.basis;
  std::array<double, 3> offset{};
  for (int i = 0; i < 3; ++i) {
    const double alpha = gen.normal(0.0, options_.alphastd);
    for (int c = 0; c < 3; ++c) offset[c] += alpha * basis.eigenvalues[i] * basis.eigenvectors[i][c];
  }
  const int64_t pixels = shape.numel() / 3;
  for (int64_t p = 0; p < pixels; ++p) {
    for (int c = 0; c < 3; ++c) sample[p * 3 + c] = static_cast<float>(sample[p * 3 + c] + offset[c]);
  }
}

}  // namespace fovea
