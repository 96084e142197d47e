// Seeded per-sample data augmentation for channels-last float32 images (H, W, C): the Keras preprocessing layers,
// torchvision's padded RandomCrop and RandomErasing (Cutout), AlexNet's PCA lighting, and a pipeline with a text form.
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fovea/core/rng.h"
#include "fovea/core/tensor.h"

namespace fovea {

// How points outside the image are filled (Keras's fill_mode), shown for a row a b c d:
//   constant  k k k k | a b c d | k k k k   (k = fill_value)
//   reflect   d c b a | a b c d | d c b a   (the edge pixel repeats; torchvision calls this "symmetric")
//   nearest   a a a a | a b c d | d d d d   (torchvision "edge")
//   wrap      a b c d | a b c d | a b c d
enum class FillMode { constant, reflect, nearest, wrap };
// How a transformed image is resampled: bilinear blends the four nearest pixels, nearest takes the closest one.
enum class Interpolation { bilinear, nearest };

// Parse and print the names above ("constant", "bilinear"); an unknown name is a ValueError listing the valid ones.
FillMode parse_fill_mode(std::string_view name);
std::string_view fill_mode_name(FillMode mode);
Interpolation parse_interpolation(std::string_view name);
std::string_view interpolation_name(Interpolation interpolation);

// An interval [lower, upper] from which a transform draws its random amount uniformly. As in Keras, a single
// number f means [-|f|, |f|]: {.factor = 0.1} and {.factor = {-0.1, 0.2}} both read as they would in Keras.
struct Factor {
  double lower = 0;
  double upper = 0;
  Factor() = default;
  Factor(double f) : lower(-std::abs(f)), upper(std::abs(f)) {}  // implicit on purpose: Keras's single factor
  Factor(double lower_bound, double upper_bound) : lower(lower_bound), upper(upper_bound) {}
};

// One random transform of a single sample. Implementations draw all their randomness from the Generator they
// are given, so a sample's result depends only on that generator's seed (never on threads or timing).
class Transform {
 public:
  virtual ~Transform() = default;
  // The class name used in messages ("RandomFlip").
  virtual std::string_view name() const = 0;
  // The text form Augmentation::parse reads back ("rotation=0.05").
  virtual std::string to_string() const = 0;
  // Throws ShapeError (wrong rank: geometric transforms need (H, W, C) and refuse 1-D signals (L, 1)) or
  // ValueError (wrong channel count, unfitted statistics) when this transform cannot apply to samples of
  // sample_shape (the shape of one sample, no batch axis).
  virtual void check(const Shape& sample_shape) const = 0;
  // Transforms one contiguous sample in place. scratch is a buffer the caller reuses between samples (it is
  // resized as needed), so the per-sample work does not allocate once it has grown. Calls check() first.
  virtual void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const = 0;
  // Transforms that learn statistics from the training images (PcaLighting without a given basis) say so here;
  // Augmentation::fit then calls fit with the training images (N, H, W, C).
  virtual bool needs_fit() const { return false; }
  virtual void fit(const Tensor& images) { (void)images; }

  // A transformed copy of one float32 sample (no batch axis); the input is unchanged.
  Tensor operator()(const Tensor& sample, Generator& gen) const;
};

// ---- geometric transforms: samples (H, W, C) only ----

enum class FlipMode { horizontal, vertical, horizontal_and_vertical };

struct RandomFlipOptions {
  // horizontal mirrors left-right, vertical top-bottom; horizontal_and_vertical draws each independently.
  // Keras defaults to horizontal_and_vertical; horizontal is the usual choice for natural images and digits.
  FlipMode mode = FlipMode::horizontal;
};

// Keras RandomFlip: each enabled flip happens with probability 0.5.
class RandomFlip : public Transform {
 public:
  explicit RandomFlip(const RandomFlipOptions& options = {});
  std::string_view name() const override { return "RandomFlip"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomFlipOptions& options() const { return options_; }

 private:
  RandomFlipOptions options_;
};

struct RandomTranslationOptions {
  // Shift as a fraction of the height / width, each in [-1, 1]; positive moves the content down / right.
  Factor height_factor{};
  Factor width_factor{};
  FillMode fill_mode = FillMode::reflect;
  Interpolation interpolation = Interpolation::bilinear;
  double fill_value = 0.0;  // for fill_mode constant
};

// Keras RandomTranslation: shifts by (uniform(height_factor) * H, uniform(width_factor) * W) pixels, which need
// not be whole (bilinear interpolation blends neighbours).
class RandomTranslation : public Transform {
 public:
  // Throws ValueError naming the option when a factor leaves [-1, 1] or has lower > upper.
  explicit RandomTranslation(const RandomTranslationOptions& options);
  std::string_view name() const override { return "RandomTranslation"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomTranslationOptions& options() const { return options_; }

 private:
  RandomTranslationOptions options_;
};

struct RandomCropOptions {
  int64_t padding = 4;  // pixels added on every side before cropping back to the original size; >= 0
  FillMode fill_mode = FillMode::constant;  // torchvision's padding_mode (its "symmetric" is reflect here)
  double fill_value = 0.0;
};

// torchvision RandomCrop(size = the input size, padding): pads by `padding` on every side, then crops an H x W
// window whose top-left corner is drawn uniformly from the (2 * padding + 1)^2 possible offsets. Offset
// (padding, padding) is the identity. (Keras's RandomCrop, which shrinks the image, is a different transform.)
class RandomCrop : public Transform {
 public:
  explicit RandomCrop(const RandomCropOptions& options = {});
  std::string_view name() const override { return "RandomCrop"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomCropOptions& options() const { return options_; }

 private:
  RandomCropOptions options_;
};

struct RandomRotationOptions {
  // Angle as a fraction of a full turn (2 pi), each bound in [-1, 1]; positive turns counter-clockwise.
  Factor factor{};
  FillMode fill_mode = FillMode::reflect;
  Interpolation interpolation = Interpolation::bilinear;
  double fill_value = 0.0;
};

// Keras RandomRotation: rotates about the image centre ((W - 1) / 2, (H - 1) / 2) by uniform(factor) * 2 pi.
class RandomRotation : public Transform {
 public:
  explicit RandomRotation(const RandomRotationOptions& options);
  std::string_view name() const override { return "RandomRotation"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomRotationOptions& options() const { return options_; }

 private:
  RandomRotationOptions options_;
};

struct RandomZoomOptions {
  // Keras's sign convention: positive zooms out (content shrinks), negative zooms in; each bound in [-1, 1].
  // The image is scaled by 1 / (1 + uniform(factor)) about its centre.
  Factor height_factor{};
  std::optional<Factor> width_factor{};  // unset: the height draw is used for both, keeping the aspect ratio
  FillMode fill_mode = FillMode::reflect;
  Interpolation interpolation = Interpolation::bilinear;
  double fill_value = 0.0;
};

// Keras RandomZoom. A factor of 0 is the identity.
class RandomZoom : public Transform {
 public:
  explicit RandomZoom(const RandomZoomOptions& options);
  std::string_view name() const override { return "RandomZoom"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomZoomOptions& options() const { return options_; }

 private:
  RandomZoomOptions options_;
};

struct RandomErasingOptions {
  double probability = 0.5;           // torchvision's p: chance that a sample is erased at all, in [0, 1]
  Factor scale = {0.02, 0.33};        // erased area as a fraction of H * W, within [0, 1]
  Factor ratio = {0.3, 3.3};          // aspect ratio h / w of the erased box, drawn log-uniformly; > 0
  std::vector<double> value = {0.0};  // one value for every channel, or one per channel
  bool random_value = false;          // torchvision's value="random": fill with standard normal noise instead
};

// torchvision RandomErasing, also known as Cutout: with probability p, tries up to 10 times to draw a box of
// area uniform(scale) * H * W and aspect ratio exp(uniform(log ratio)) (sides rounded) that fits strictly
// inside the image, and fills it with value; when no draw fits, the sample is left unchanged.
class RandomErasing : public Transform {
 public:
  explicit RandomErasing(const RandomErasingOptions& options = {});
  std::string_view name() const override { return "RandomErasing"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomErasingOptions& options() const { return options_; }

 private:
  RandomErasingOptions options_;
};

// ---- photometric transforms: any sample with channels last, including 1-D signals (L, C) ----

struct RandomBrightnessOptions {
  Factor factor{};                                   // each bound in [-1, 1]: -1 makes the image black, 1 white
  std::array<double, 2> value_range = {0.0, 255.0};  // the range the images use; set {0, 1} after min-max
};

// Keras RandomBrightness: adds one delta = uniform(factor) * (value_range[1] - value_range[0]) to every value of
// the sample, then clips to value_range.
class RandomBrightness : public Transform {
 public:
  explicit RandomBrightness(const RandomBrightnessOptions& options);
  std::string_view name() const override { return "RandomBrightness"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomBrightnessOptions& options() const { return options_; }

 private:
  RandomBrightnessOptions options_;
};

struct RandomContrastOptions {
  // Keras's meaning: the contrast factor c is drawn from [1 - lower, 1 + upper]; a single number f gives
  // [1 - f, 1 + f] (so here {lower, upper} are both magnitudes: lower in [0, 1], upper >= 0).
  double lower = 0.0;
  double upper = 0.0;
  std::array<double, 2> value_range = {0.0, 255.0};  // results are clipped to it, as in Keras 3
};

// Keras RandomContrast: per channel (last axis), x -> (x - mean) * c + mean, one c per sample; then clips.
class RandomContrast : public Transform {
 public:
  explicit RandomContrast(const RandomContrastOptions& options);
  // RandomContrast(0.2): Keras's single factor, c in [0.8, 1.2].
  explicit RandomContrast(double factor) : RandomContrast(RandomContrastOptions{.lower = factor, .upper = factor}) {}
  std::string_view name() const override { return "RandomContrast"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  const RandomContrastOptions& options() const { return options_; }

 private:
  RandomContrastOptions options_;
};

// The principal components of RGB pixel values: eigenvalues[i] belongs to the unit eigenvector eigenvectors[i]
// (a row; fb.resnet.torch stores the same vectors as columns), sorted by decreasing eigenvalue.
struct PcaBasis {
  std::array<double, 3> eigenvalues{};
  std::array<std::array<double, 3>, 3> eigenvectors{};

  // The ImageNet basis AlexNet and fb.resnet.torch use, for RGB values in [0, 1].
  static PcaBasis imagenet();
  // The covariance of all pixels of images (N, H, W, 3) and its eigen-decomposition. Each vector's sign is chosen
  // so its components sum to >= 0 (the sign does not change the jitter's distribution); in the images' own units
  // (stored bytes give AlexNet's 0-255 basis). Throws ValueError unless images is float32 or integer (N, H, W, 3)
  // with N > 0.
  static PcaBasis fit(const Tensor& images);
};

struct PcaLightingOptions {
  double alphastd = 0.1;          // standard deviation of each alpha_i; >= 0 (0 turns the jitter off)
  std::optional<PcaBasis> basis{};  // unset: fitted by Augmentation::fit (or fit()) on the training images
};

// AlexNet's "fancy PCA" lighting jitter: draws alpha_i ~ N(0, alphastd) for i = 0, 1, 2 and adds
// sum_i alpha_i * eigenvalues[i] * eigenvectors[i] (one RGB offset) to every pixel. Needs 3 channels: other
// channel counts are a ValueError naming the transform.
class PcaLighting : public Transform {
 public:
  explicit PcaLighting(const PcaLightingOptions& options = {});
  std::string_view name() const override { return "PcaLighting"; }
  std::string to_string() const override;
  void check(const Shape& sample_shape) const override;
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const override;
  bool needs_fit() const override { return !options_.basis.has_value(); }
  void fit(const Tensor& images) override { options_.basis = PcaBasis::fit(images); }
  const PcaLightingOptions& options() const { return options_; }

 private:
  PcaLightingOptions options_;
};

// ---- the pipeline ----

// What the text form cannot say for itself.
struct AugmentationParseOptions {
  // The range the images' values occupy, for brightness and contrast items without a value_range key: brightness
  // scales its delta by it and both clip to it. Keras assumes 0..255; images normalized before augmenting need
  // their own range (e.g. 0..1 after min-max, or the normalized images of 0 and 255 after z-score).
  std::array<double, 2> value_range = {0.0, 255.0};
};

// An ordered list of transforms applied one after the other to each sample with one Generator. Copies of an
// Augmentation share their transforms (fit() on one fits both).
//
// Text form (Augmentation::parse / to_string), for the command line: items separated by ',', each
// `name[=arg[:arg...]]`. An argument is a number, a range `LO..HI` (a Factor's two bounds), a word, or
// `key=value`. One number f is Keras's single factor ([-f, f]; for contrast [1 - f, 1 + f]).
//   flip[=horizontal|vertical|both]     RandomFlip (default horizontal; both = horizontal_and_vertical)
//   translation=H[:W]                   RandomTranslation, height and width factor (W defaults to H)
//   crop=P                              RandomCrop with padding P pixels (constant 0 fill)
//   rotation=F                          RandomRotation, F as a fraction of a full turn
//   zoom=H[:W]                          RandomZoom (no W: aspect ratio kept)
//   brightness=F                        RandomBrightness
//   contrast=F                          RandomContrast (a range LO..HI means Keras's (lower, upper))
//   pca=ALPHASTD[:imagenet]             PcaLighting, basis fitted by fit() unless `imagenet` is given
//   cutout[=P]                          RandomErasing with probability P (default 0.5; scale 0.02..0.33,
//                                       ratio 0.3..3.3, value 0)
// Keys: fill=constant|reflect|nearest|wrap and fill_value=V (translation, crop, rotation, zoom),
// interpolation=bilinear|nearest (translation, rotation, zoom), value_range=LO..HI (brightness, contrast),
// scale=LO..HI, ratio=LO..HI, value=V|V/V/V|random (cutout). Defaults are those of the options structs above.
// Example: "flip,crop=4,rotation=0.05:fill=constant,brightness=0.2:value_range=0..1".
class Augmentation {
 public:
  Augmentation() = default;

  // Appends a transform (copied); returns *this so calls chain:
  //   Augmentation().add(RandomFlip()).add(RandomCrop({.padding = 4}))
  template <std::derived_from<Transform> T>
  Augmentation& add(T transform) {
    return add(std::shared_ptr<Transform>(std::make_shared<T>(std::move(transform))));
  }
  Augmentation& add(std::shared_ptr<Transform> transform);

  // Throws ValueError naming the item and, for an unknown name, listing the valid names.
  static Augmentation parse(std::string_view text, const AugmentationParseOptions& options = {});
  // The text form; parse(to_string()) gives the same pipeline (a fitted PCA basis is not part of the text).
  std::string to_string() const;

  // Fits every transform that learns from data and was given no statistics, on the training images.
  void fit(const Tensor& images);
  // Throws the error any transform would raise for samples of sample_shape (see Transform::check).
  void check(const Shape& sample_shape) const;
  // Applies every transform in order to one contiguous sample, in place.
  void apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const;
  // An augmented copy of one float32 sample (no batch axis).
  Tensor operator()(const Tensor& sample, Generator& gen) const;

  bool empty() const { return transforms_.empty(); }
  size_t size() const { return transforms_.size(); }
  const std::vector<std::shared_ptr<Transform>>& transforms() const { return transforms_; }

 private:
  std::vector<std::shared_ptr<Transform>> transforms_;
};

}  // namespace fovea
