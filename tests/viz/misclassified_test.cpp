// Tests of misclassified_grid: which examples are drawn, their pixels (upscaled, centred in cells as wide as the
// captions), captions "true / predicted (confidence)" under them in the colour of a wrong prediction, rescaling,
// the picture for nothing to show, and errors.
#include "fovea/viz/misclassified.h"

#include <gtest/gtest.h>

#include "error_text.h"
#include "fovea/viz/text.h"

namespace fovea::viz {
namespace {

using fovea::testing::error_text;

Rgb pixel(const Tensor& image, int64_t x, int64_t y) {
  return {static_cast<uint8_t>(image.at({y, x, 0})), static_cast<uint8_t>(image.at({y, x, 1})),
          static_cast<uint8_t>(image.at({y, x, 2}))};
}

// Three 2x2 grey images: image i holds 10 * i + (0, 1, 2, 3); the first is right, the others wrong.
LabelledExamples three_examples() {
  std::vector<double> values;
  for (int i = 0; i < 3; ++i) {
    for (int p = 0; p < 4; ++p) values.push_back(10 * i + p);
  }
  return {.images = Tensor::from_vector(Shape{3, 2, 2, 1}, values, DType::u8),
          .true_labels = {0, 1, 2},
          .predicted_labels = {0, 2, 1},
          .confidences = {0.5, 0.9, 0.8},
          .class_names = {"cat", "dog", "emu"}};
}

TEST(MisclassifiedGrid, DrawsTheWrongOnesWithTheirCaptions) {
  const LabelledExamples examples = three_examples();
  const Tensor image = misclassified_grid(examples, {.upscale = 3, .spacing = 4});
  const Font font;
  const TextSize first = font.measure("dog / emu (0.90)", 11);
  const int64_t line_h = font.measure("", 11).height;
  const TextSize second = font.measure("emu / dog (0.80)", 11);
  const int64_t slot_w = std::max(first.width, second.width);
  // Two cells in two columns: images 1 and 2, each 6x6 over its caption.
  ASSERT_EQ(image.shape(), (Shape{4 + 6 + 3 + line_h + 4, 4 + 2 * (slot_w + 4), 3}));
  for (int64_t cell = 0; cell < 2; ++cell) {
    const int64_t left = 4 + cell * (slot_w + 4) + (slot_w - 6) / 2;
    for (int64_t y = 0; y < 6; ++y) {
      for (int64_t x = 0; x < 6; ++x) {
        const auto v = static_cast<uint8_t>(10 * (cell + 1) + (y / 3) * 2 + x / 3);
        ASSERT_EQ(pixel(image, left + x, 4 + y), (Rgb{v, v, v})) << cell << ": " << x << ", " << y;
      }
    }
    EXPECT_EQ(pixel(image, left - 1, 4), kWhite);
    // The caption, in the colour of a wrong prediction (dark red), under the image.
    bool red = false;
    for (int64_t y = 4 + 6 + 3; y < image.dim(0); ++y) {
      for (int64_t x = 4 + cell * (slot_w + 4); x < 4 + cell * (slot_w + 4) + slot_w; ++x) {
        const Rgb p = pixel(image, x, y);
        red = red || (p[0] > p[1] + 80 && p[1] == p[2]);
      }
    }
    EXPECT_TRUE(red) << cell;
  }
}

TEST(MisclassifiedGrid, AllExamplesLimitsColumnsAndIds) {
  LabelledExamples examples = three_examples();
  const Tensor all = misclassified_grid(examples, {.only_misclassified = false, .upscale = 1, .spacing = 2});
  const Tensor wrong = misclassified_grid(examples, {.upscale = 1, .spacing = 2});
  EXPECT_EQ(all.dim(0), 2 * wrong.dim(0) - 2);  // three cells in two rows
  const Tensor one = misclassified_grid(examples, {.max_examples = 1, .upscale = 1, .spacing = 2});
  const Tensor column = misclassified_grid(examples, {.columns = 1, .upscale = 1, .spacing = 2});
  EXPECT_EQ(column.dim(0), 2 * one.dim(0) - 2);
  // Without names or confidences the captions are shorter ("1 / 2").
  examples.class_names.clear();
  examples.confidences.clear();
  EXPECT_LT(misclassified_grid(examples, {.upscale = 1}).dim(1), wrong.dim(1));
  // Automatic upscale: a 2x2 image becomes 64x64.
  EXPECT_GE(misclassified_grid(examples).dim(0), 64 + 6 + 6);
}

TEST(MisclassifiedGrid, RescalesColourImagesToTheirOwnRange) {
  const LabelledExamples examples{
      .images = Tensor::from_vector(Shape{1, 1, 2, 3}, std::vector<double>{-1, 0, 1, 0.5, -0.5, 1}),
      .true_labels = {0},
      .predicted_labels = {1}};
  const Tensor image = misclassified_grid(examples, {.upscale = 1, .spacing = 0, .rescale = true});
  const int64_t slot_w = image.dim(1);
  const int64_t left = (slot_w - 2) / 2;
  EXPECT_EQ(pixel(image, left, 0), (Rgb{0, 128, 255}));
  EXPECT_EQ(pixel(image, left + 1, 0), (Rgb{191, 64, 255}));
}

TEST(MisclassifiedGrid, NothingToShowSaysSo) {
  LabelledExamples examples = three_examples();
  examples.predicted_labels = examples.true_labels;
  const Tensor image = misclassified_grid(examples);
  const TextSize size = Font().measure("no misclassified examples", 11);
  EXPECT_EQ(image.shape(), (Shape{size.height + 16, size.width + 16, 3}));
}

TEST(MisclassifiedGrid, Errors) {
  LabelledExamples examples = three_examples();
  examples.images = Tensor::zeros(Shape{3, 2, 2});
  EXPECT_EQ(error_text([&] { misclassified_grid(examples); }),
            "misclassified_grid: expected images of shape (N, H, W, 1) or (N, H, W, 3), got (3, 2, 2)");
  examples = three_examples();
  examples.true_labels.pop_back();
  EXPECT_EQ(error_text([&] { misclassified_grid(examples); }),
            "misclassified_grid: 2 true labels for 3 images; give one per image");
  examples = three_examples();
  examples.confidences = {0.5};
  EXPECT_EQ(error_text([&] { misclassified_grid(examples); }),
            "misclassified_grid: 1 confidences for 3 images; give one per image, or none");
  examples = three_examples();
  examples.predicted_labels[2] = 3;
  EXPECT_EQ(error_text([&] { misclassified_grid(examples); }),
            "misclassified_grid: the predicted label of image 2 is 3, which has no class name (there are 3)");
  examples.class_names.clear();
  examples.true_labels[0] = -1;
  EXPECT_EQ(error_text([&] { misclassified_grid(examples); }),
            "misclassified_grid: the true label of image 0 is -1, not a class id (>= 0)");
  EXPECT_EQ(error_text([&] { misclassified_grid(three_examples(), {.max_examples = -1}); }),
            "misclassified_grid: max_examples must be >= 0 (0: all), got -1");
  EXPECT_EQ(error_text([&] { misclassified_grid(three_examples(), {.font_size = 0}); }),
            "misclassified_grid: font_size must be >= 1, got 0");
}

}  // namespace
}  // namespace fovea::viz
