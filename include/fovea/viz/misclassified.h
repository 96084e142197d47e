// A picture of examples with their labels: a grid of images, each with "true / predicted (confidence)" under it,
// to see which images a classifier gets wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/viz/canvas.h"

namespace fovea::viz {

// What a classifier said about a set of images.
struct LabelledExamples {
  Tensor images{};                          // (N, H, W, C), C = 1 or 3, values 0-255 (any dtype)
  std::vector<int64_t> true_labels{};       // N class ids
  std::vector<int64_t> predicted_labels{};  // N class ids
  std::vector<double> confidences{};        // N probabilities of the predicted class, or empty: not written
  std::vector<std::string> class_names{};   // names by class id, or empty: the ids are written
};

struct ExampleGridOptions {
  bool only_misclassified = true;  // skip examples whose prediction is right
  int64_t max_examples = 0;        // draw the first max_examples (after skipping); 0: all
  int64_t columns = 0;             // tiles per row; 0: about square
  int64_t upscale = 0;             // each pixel as upscale x upscale; 0: enough for images of about 64 pixels
  int64_t spacing = 6;             // background pixels between tiles
  bool rescale = false;            // stretch each image to its own range first (for normalized data)
  int font_size = 11;              // text pixel size of the captions
  Rgb background = kWhite;
  Rgb wrong_color = {176, 0, 0};  // caption colour of a wrong prediction; right ones are black
  std::string font{};             // empty: default_font_path()
};

// The examples as a float32 (H, W, 3) image with values 0-255: each image (upscaled, grey ones as grey RGB) over
// its caption "true / predicted (0.93)" (names from class_names; the confidence with two decimals), centred in a
// cell as wide as the widest caption or image. With nothing left to draw, a small picture that says so. Throws
// ShapeError for images not of shape (N, H, W, 1 or 3), ValueError when a list's length differs from N or a label
// has no class name.
Tensor misclassified_grid(const LabelledExamples& examples, const ExampleGridOptions& options = {});

}  // namespace fovea::viz
