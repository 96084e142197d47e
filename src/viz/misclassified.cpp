// The grid of labelled examples: each chosen image upscaled in a cell with its caption centred under it.
#include "fovea/viz/misclassified.h"

#include <algorithm>
#include <cstdio>

#include "fovea/core/error.h"
#include "fovea/viz/text.h"
#include "picture_grid.h"

namespace fovea::viz {
namespace {

constexpr int64_t kTargetImagePixels = 64;  // default upscale: MNIST's 28x28 becomes 84x84, CIFAR's 32x32 64x64
constexpr int64_t kCaptionGap = 3;          // between an image and its caption
constexpr int64_t kEmptyMargin = 8;

// Sample n of images as float values, read in the tensor's own dtype (no copy of the whole set).
std::vector<double> sample_values(const Tensor& images, int64_t n) {
  const int64_t size = images.numel() / images.dim(0);
  std::vector<double> out(static_cast<size_t>(size));
  const auto copy = [&](const auto* data) {
    for (int64_t i = 0; i < size; ++i) out[static_cast<size_t>(i)] = static_cast<double>(data[n * size + i]);
  };
  switch (images.dtype()) {
    case DType::f32:
      copy(images.data<float>());
      break;
    case DType::f64:
      copy(images.data<double>());
      break;
    case DType::i32:
      copy(images.data<int32_t>());
      break;
    case DType::i64:
      copy(images.data<int64_t>());
      break;
    case DType::u8:
      copy(images.data<uint8_t>());
      break;
  }
  return out;
}

void stretch_to_bytes(std::vector<double>& values) {
  const pictures_detail::ValueRange range =
      pictures_detail::range_of(values.data(), static_cast<int64_t>(values.size()), 0.0);
  for (double& v : values) v = range.scaled(v) * 255.0;
}

void check(const LabelledExamples& examples, const ExampleGridOptions& options) {
  const std::string who = "misclassified_grid";
  const Tensor& images = examples.images;
  const bool shaped = images.defined() && images.rank() == 4 && (images.dim(3) == 1 || images.dim(3) == 3);
  FOVEA_CHECK(shaped, ShapeError, who, ": expected images of shape (N, H, W, 1) or (N, H, W, 3), got ",
              (images.defined() ? images.shape().to_string() : std::string("no tensor")));
  const int64_t n = images.dim(0);
  const auto check_length = [&](size_t length, const char* what, bool optional) {
    FOVEA_CHECK(static_cast<int64_t>(length) == n || (optional && length == 0), ValueError, who, ": ", length, " ",
                what, " for ", n, " images", (optional ? "; give one per image, or none" : "; give one per image"));
  };
  check_length(examples.true_labels.size(), "true labels", false);
  check_length(examples.predicted_labels.size(), "predicted labels", false);
  check_length(examples.confidences.size(), "confidences", true);
  const auto names = static_cast<int64_t>(examples.class_names.size());
  for (int64_t i = 0; i < n; ++i) {
    for (const auto& [labels, what] :
         {std::pair{&examples.true_labels, "true"}, {&examples.predicted_labels, "predicted"}}) {
      const int64_t label = (*labels)[static_cast<size_t>(i)];
      FOVEA_CHECK(label >= 0 && (names == 0 || label < names), ValueError, who, ": the ", what, " label of image ", i,
                  " is ", label,
                  (names == 0 ? std::string(", not a class id (>= 0)")
                              : detail::concat(", which has no class name (there are ", names, ")")));
    }
  }
  FOVEA_CHECK(options.max_examples >= 0, ValueError, who, ": max_examples must be >= 0 (0: all), got ",
              options.max_examples);
  FOVEA_CHECK(options.columns >= 0, ValueError, who, ": columns must be >= 0 (0: automatic), got ", options.columns);
  FOVEA_CHECK(options.upscale >= 0, ValueError, who, ": upscale must be >= 0 (0: automatic), got ", options.upscale);
  FOVEA_CHECK(options.spacing >= 0, ValueError, who, ": spacing must be >= 0, got ", options.spacing);
  FOVEA_CHECK(options.font_size >= 1, ValueError, who, ": font_size must be >= 1, got ", options.font_size);
}

std::string caption(const LabelledExamples& examples, int64_t i) {
  const auto name = [&](int64_t label) {
    return examples.class_names.empty() ? std::to_string(label) : examples.class_names[static_cast<size_t>(label)];
  };
  std::string text = name(examples.true_labels[static_cast<size_t>(i)]) + " / " +
                     name(examples.predicted_labels[static_cast<size_t>(i)]);
  if (!examples.confidences.empty()) {
    char confidence[32];
    std::snprintf(confidence, sizeof confidence, " (%.2f)", examples.confidences[static_cast<size_t>(i)]);
    text += confidence;
  }
  return text;
}

}  // namespace

Tensor misclassified_grid(const LabelledExamples& examples, const ExampleGridOptions& options) {
  check(examples, options);
  const Tensor& images = examples.images;
  std::vector<int64_t> chosen;
  for (int64_t i = 0; i < images.dim(0); ++i) {
    const bool wrong =
        examples.true_labels[static_cast<size_t>(i)] != examples.predicted_labels[static_cast<size_t>(i)];
    if (wrong || !options.only_misclassified) chosen.push_back(i);
    if (options.max_examples > 0 && static_cast<int64_t>(chosen.size()) == options.max_examples) break;
  }
  const Font font(options.font);
  const Rgb text_color = pictures_detail::contrasting_text_color(options.background);
  if (chosen.empty()) {
    const std::string message = options.only_misclassified ? "no misclassified examples" : "no examples";
    const TextSize size = font.measure(message, options.font_size);
    Canvas canvas(size.width + 2 * kEmptyMargin, size.height + 2 * kEmptyMargin, options.background);
    font.draw(canvas, message,
              {.x = kEmptyMargin, .y = kEmptyMargin, .pixel_size = options.font_size, .color = text_color});
    return canvas.to_tensor();
  }

  const int64_t height = images.dim(1);
  const int64_t width = images.dim(2);
  const int64_t channels = images.dim(3);
  const int64_t scale = options.upscale > 0
                            ? options.upscale
                            : pictures_detail::auto_upscale(std::max(height, width), kTargetImagePixels);
  std::vector<std::string> captions;
  int64_t slot_w = width * scale;
  for (int64_t i : chosen) {
    captions.push_back(caption(examples, i));
    slot_w = std::max(slot_w, font.measure(captions.back(), options.font_size).width);
  }
  const int64_t line_h = font.measure("", options.font_size).height;
  const auto count = static_cast<int64_t>(chosen.size());
  const pictures_detail::GridLayout grid{
      .count = count,
      .columns = options.columns > 0 ? options.columns : pictures_detail::square_columns(count),
      .slot_width = slot_w,
      .slot_height = height * scale + kCaptionGap + line_h,
      .spacing = options.spacing};
  Canvas canvas(grid.width(), grid.height(), options.background);
  for (int64_t k = 0; k < count; ++k) {
    const int64_t i = chosen[static_cast<size_t>(k)];
    std::vector<double> values = sample_values(images, i);
    if (options.rescale) stretch_to_bytes(values);
    const Point slot = grid.slot(k);
    canvas.blit(Tensor::from_vector(Shape{height, width, channels}, values),
                {.x = slot.x + (slot_w - width * scale) / 2, .y = slot.y}, scale);
    const bool wrong =
        examples.true_labels[static_cast<size_t>(i)] != examples.predicted_labels[static_cast<size_t>(i)];
    const std::string& text = captions[static_cast<size_t>(k)];
    const int64_t text_w = font.measure(text, options.font_size).width;
    font.draw(canvas, text,
              {.x = slot.x + (slot_w - text_w) / 2,
               .y = slot.y + height * scale + kCaptionGap,
               .pixel_size = options.font_size,
               .color = wrong ? options.wrong_color : text_color});
  }
  return canvas.to_tensor();
}

}  // namespace fovea::viz
