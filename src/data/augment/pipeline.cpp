// The Augmentation pipeline and its text form ("flip,crop=4,rotation=0.05"), plus the fill-mode names.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>
#include <utility>

#include "data/augment/augment_util.h"
#include "fovea/core/error.h"
#include "fovea/data/augmentation.h"

namespace fovea {
namespace {

constexpr std::pair<std::string_view, FillMode> kFillModes[] = {{"constant", FillMode::constant},
                                                                {"reflect", FillMode::reflect},
                                                                {"nearest", FillMode::nearest},
                                                                {"wrap", FillMode::wrap}};
constexpr std::pair<std::string_view, Interpolation> kInterpolations[] = {{"bilinear", Interpolation::bilinear},
                                                                          {"nearest", Interpolation::nearest}};
constexpr std::string_view kValidNames = "flip, translation, crop, rotation, zoom, brightness, contrast, pca, cutout";

std::string_view trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// Splits on sep, trimming each piece.
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    pieces.push_back(trim(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

// One item of the text form: `name=arg:arg:key=value`. Errors thrown while reading it are plain messages;
// Augmentation::parse adds which item they concern.
struct Item {
  std::string_view name;
  std::vector<std::string_view> args;
  std::vector<std::pair<std::string_view, std::string_view>> keys;

  explicit Item(std::string_view text) {
    const size_t equals = text.find('=');
    name = trim(text.substr(0, equals));
    if (equals == std::string_view::npos) return;
    for (std::string_view piece : split(text.substr(equals + 1), ':')) {
      const size_t key_end = piece.find('=');
      if (key_end == std::string_view::npos) {
        args.push_back(piece);
      } else {
        keys.emplace_back(trim(piece.substr(0, key_end)), trim(piece.substr(key_end + 1)));
      }
    }
  }

  void expect_args(size_t min, size_t max, std::string_view usage) const {
    FOVEA_CHECK(args.size() >= min && args.size() <= max, ValueError, name, " takes ", usage, "; got ", args.size(),
                " argument", args.size() == 1 ? "" : "s");
  }
  // Rejects keys outside valid (a list like "fill, fill_value").
  void allow_keys(std::initializer_list<std::string_view> valid) const {
    for (const auto& [key, value] : keys) {
      if (std::find(valid.begin(), valid.end(), key) != valid.end()) continue;
      std::string list;
      for (std::string_view v : valid) {
        if (!list.empty()) list += ", ";
        list += v;
      }
      throw ValueError(
          detail::concat("unknown key '", key, "' for ", name, "; ",
                         list.empty() ? std::string("it takes no keys") : detail::concat("valid keys: ", list)));
    }
  }
  std::optional<std::string_view> key(std::string_view wanted) const {
    std::optional<std::string_view> found;
    for (const auto& [k, value] : keys) {
      if (k == wanted) found = value;
    }
    return found;
  }
};

double parse_number(std::string_view text) {
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  FOVEA_CHECK(result.ec == std::errc() && result.ptr == text.data() + text.size() && std::isfinite(value), ValueError,
              "'", text, "' is not a number");
  return value;
}

// "LO..HI" -> {LO, HI}; nullopt when text holds no "..".
std::optional<std::pair<double, double>> parse_range(std::string_view text) {
  const size_t dots = text.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  return std::pair{parse_number(text.substr(0, dots)), parse_number(text.substr(dots + 2))};
}

Factor parse_factor(std::string_view text) {
  if (auto range = parse_range(text)) return Factor(range->first, range->second);
  return Factor(parse_number(text));
}

std::array<double, 2> parse_value_range(std::string_view text) {
  auto range = parse_range(text);
  FOVEA_CHECK(range.has_value(), ValueError, "value_range must be written LO..HI; got '", text, "'");
  return {range->first, range->second};
}

Factor parse_bounds(std::string_view key, std::string_view text) {
  auto range = parse_range(text);
  FOVEA_CHECK(range.has_value(), ValueError, key, " must be written LO..HI; got '", text, "'");
  return Factor(range->first, range->second);
}

// Reads fill, fill_value and (when the transform resamples) interpolation into options.
template <class Options>
void read_sampling_keys(const Item& item, Options& options) {
  if constexpr (requires { options.interpolation; }) {
    item.allow_keys({"fill", "fill_value", "interpolation"});
    if (auto v = item.key("interpolation")) options.interpolation = parse_interpolation(*v);
  } else {
    item.allow_keys({"fill", "fill_value"});
  }
  if (auto v = item.key("fill")) options.fill_mode = parse_fill_mode(*v);
  if (auto v = item.key("fill_value")) options.fill_value = parse_number(*v);
}

std::shared_ptr<Transform> make_transform(const Item& item, const AugmentationParseOptions& defaults) {
  const std::string_view name = item.name;
  if (name == "flip") {
    item.expect_args(0, 1, "at most one argument (horizontal, vertical or both)");
    item.allow_keys({});
    RandomFlipOptions options;
    const std::string_view mode = item.args.empty() ? "horizontal" : item.args[0];
    if (mode == "horizontal") {
      options.mode = FlipMode::horizontal;
    } else if (mode == "vertical") {
      options.mode = FlipMode::vertical;
    } else if (mode == "both" || mode == "horizontal_and_vertical") {
      options.mode = FlipMode::horizontal_and_vertical;
    } else {
      throw ValueError(detail::concat("unknown flip mode '", mode, "'; valid modes: horizontal, vertical, both"));
    }
    return std::make_shared<RandomFlip>(options);
  }
  if (name == "translation") {
    item.expect_args(1, 2, "a height factor and optionally a width factor");
    RandomTranslationOptions options;
    options.height_factor = parse_factor(item.args[0]);
    options.width_factor = item.args.size() > 1 ? parse_factor(item.args[1]) : options.height_factor;
    read_sampling_keys(item, options);
    return std::make_shared<RandomTranslation>(options);
  }
  if (name == "crop") {
    item.expect_args(1, 1, "one argument, the padding in pixels");
    RandomCropOptions options;
    const double padding = parse_number(item.args[0]);
    FOVEA_CHECK(padding == std::floor(padding) && padding >= 0 && padding <= 1e9, ValueError,
                "crop padding must be a whole number of pixels from 0 to 10^9; got ", item.args[0]);
    options.padding = static_cast<int64_t>(padding);
    read_sampling_keys(item, options);
    return std::make_shared<RandomCrop>(options);
  }
  if (name == "rotation") {
    item.expect_args(1, 1, "one argument, the factor (a fraction of a full turn)");
    RandomRotationOptions options;
    options.factor = parse_factor(item.args[0]);
    read_sampling_keys(item, options);
    return std::make_shared<RandomRotation>(options);
  }
  if (name == "zoom") {
    item.expect_args(1, 2, "a height factor and optionally a width factor");
    RandomZoomOptions options;
    options.height_factor = parse_factor(item.args[0]);
    if (item.args.size() > 1) options.width_factor = parse_factor(item.args[1]);
    read_sampling_keys(item, options);
    return std::make_shared<RandomZoom>(options);
  }
  if (name == "brightness") {
    item.expect_args(1, 1, "one argument, the factor");
    item.allow_keys({"value_range"});
    RandomBrightnessOptions options;
    options.value_range = defaults.value_range;
    options.factor = parse_factor(item.args[0]);
    if (auto v = item.key("value_range")) options.value_range = parse_value_range(*v);
    return std::make_shared<RandomBrightness>(options);
  }
  if (name == "contrast") {
    item.expect_args(1, 1, "one argument, the factor");
    item.allow_keys({"value_range"});
    RandomContrastOptions options;
    options.value_range = defaults.value_range;
    if (auto range = parse_range(item.args[0])) {
      std::tie(options.lower, options.upper) = *range;  // Keras's (lower, upper): contrast in [1 - lower, 1 + upper]
    } else {
      options.lower = options.upper = parse_number(item.args[0]);
    }
    if (auto v = item.key("value_range")) options.value_range = parse_value_range(*v);
    return std::make_shared<RandomContrast>(options);
  }
  if (name == "pca") {
    item.expect_args(1, 2, "the alphastd and optionally 'imagenet'");
    item.allow_keys({});
    PcaLightingOptions options;
    options.alphastd = parse_number(item.args[0]);
    if (item.args.size() > 1) {
      FOVEA_CHECK(item.args[1] == "imagenet", ValueError,
                  "pca's second argument must be 'imagenet' (AlexNet's basis; without it the basis is fitted on the "
                  "training images); got '",
                  item.args[1], "'");
      options.basis = PcaBasis::imagenet();
    }
    return std::make_shared<PcaLighting>(options);
  }
  if (name == "cutout") {
    item.expect_args(0, 1, "at most one argument, the probability");
    item.allow_keys({"scale", "ratio", "value"});
    RandomErasingOptions options;
    if (!item.args.empty()) options.probability = parse_number(item.args[0]);
    if (auto v = item.key("scale")) options.scale = parse_bounds("scale", *v);
    if (auto v = item.key("ratio")) options.ratio = parse_bounds("ratio", *v);
    if (auto v = item.key("value")) {
      if (*v == "random") {
        options.random_value = true;
      } else {
        options.value.clear();
        for (std::string_view piece : split(*v, '/')) options.value.push_back(parse_number(piece));
      }
    }
    return std::make_shared<RandomErasing>(options);
  }
  throw ValueError(detail::concat("unknown name '", name, "'; valid names: ", kValidNames));
}

void require_float_sample(std::string_view who, const Tensor& sample) {
  FOVEA_CHECK(sample.defined() && sample.dtype() == DType::f32, ValueError, who, " needs a float32 sample; got ",
              sample.defined() ? dtype_name(sample.dtype()) : "an undefined tensor");
}

}  // namespace

FillMode parse_fill_mode(std::string_view name) {
  for (const auto& [n, mode] : kFillModes) {
    if (n == name) return mode;
  }
  throw ValueError(detail::concat("unknown fill_mode '", name, "'; valid modes: constant, reflect, nearest, wrap"));
}

std::string_view fill_mode_name(FillMode mode) {
  for (const auto& [n, m] : kFillModes) {
    if (m == mode) return n;
  }
  return "?";
}

Interpolation parse_interpolation(std::string_view name) {
  for (const auto& [n, interpolation] : kInterpolations) {
    if (n == name) return interpolation;
  }
  throw ValueError(detail::concat("unknown interpolation '", name, "'; valid: bilinear, nearest"));
}

std::string_view interpolation_name(Interpolation interpolation) {
  for (const auto& [n, i] : kInterpolations) {
    if (i == interpolation) return n;
  }
  return "?";
}

Tensor Transform::operator()(const Tensor& sample, Generator& gen) const {
  require_float_sample(name(), sample);
  Tensor out = sample.clone();
  std::vector<float> scratch;
  apply(out.data<float>(), out.shape(), gen, scratch);
  return out;
}

Augmentation& Augmentation::add(std::shared_ptr<Transform> transform) {
  FOVEA_CHECK(transform != nullptr, ValueError, "Augmentation::add needs a transform; got null");
  transforms_.push_back(std::move(transform));
  return *this;
}

Augmentation Augmentation::parse(std::string_view text, const AugmentationParseOptions& options) {
  Augmentation augmentation;
  if (trim(text).empty()) return augmentation;
  for (std::string_view piece : split(text, ',')) {
    try {
      FOVEA_CHECK(!piece.empty(), ValueError, "empty item (two commas in a row?)");
      augmentation.add(make_transform(Item(piece), options));
    } catch (const ValueError& e) {
      throw ValueError(detail::concat("Augmentation::parse: item '", piece, "' of \"", text, "\": ", e.what()));
    }
  }
  return augmentation;
}

std::string Augmentation::to_string() const {
  std::string text;
  for (const auto& transform : transforms_) {
    if (!text.empty()) text += ',';
    text += transform->to_string();
  }
  return text;
}

void Augmentation::fit(const Tensor& images) {
  for (const auto& transform : transforms_) {
    if (transform->needs_fit()) transform->fit(images);
  }
}

void Augmentation::check(const Shape& sample_shape) const {
  for (const auto& transform : transforms_) transform->check(sample_shape);
}

void Augmentation::apply(float* sample, const Shape& sample_shape, Generator& gen, std::vector<float>& scratch) const {
  for (const auto& transform : transforms_) transform->apply(sample, sample_shape, gen, scratch);
}

Tensor Augmentation::operator()(const Tensor& sample, Generator& gen) const {
  require_float_sample("Augmentation", sample);
  Tensor out = sample.clone();
  std::vector<float> scratch;
  apply(out.data<float>(), out.shape(), gen, scratch);
  return out;
}

}  // namespace fovea
