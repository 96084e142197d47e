// Tests of confusion_heatmap: cell colours are the colour map of row-normalised values, counts are written in a
// contrasting colour inside their cells, names and axis titles are drawn around the grid, and errors.
#include "fovea/viz/confusion.h"

#include <gtest/gtest.h>

#include "error_text.h"

namespace fovea::viz {
namespace {

using fovea::testing::error_text;

Rgb pixel(const Tensor& image, int64_t x, int64_t y) {
  return {static_cast<uint8_t>(image.at({y, x, 0})), static_cast<uint8_t>(image.at({y, x, 1})),
          static_cast<uint8_t>(image.at({y, x, 2}))};
}

// The first pixel (row by row) of color: the top left corner of the cell that has it, when nothing above or left
// of the grid has that colour (text is grey, the background white).
Point find_color(const Tensor& image, Rgb color) {
  for (int64_t y = 0; y < image.dim(0); ++y) {
    for (int64_t x = 0; x < image.dim(1); ++x) {
      if (pixel(image, x, y) == color) return {.x = x, .y = y};
    }
  }
  return {.x = -1, .y = -1};
}

const std::vector<std::vector<double>> kCounts = {{5, 1, 0}, {2, 6, 2}, {0, 0, 10}};

Tensor counts_tensor() {
  std::vector<double> flat;
  for (const auto& row : kCounts) flat.insert(flat.end(), row.begin(), row.end());
  return Tensor::from_vector(Shape{3, 3}, flat, DType::i64);
}

double share(int64_t i, int64_t j) {
  double sum = 0;
  for (double v : kCounts[static_cast<size_t>(i)]) sum += v;
  return kCounts[static_cast<size_t>(i)][static_cast<size_t>(j)] / sum;
}

TEST(ConfusionHeatmap, CellCentresHaveTheColourOfTheRowNormalisedValue) {
  const Tensor image = confusion_heatmap(counts_tensor(), {"cat", "dog", "emu"}, {.cell_size = 40, .counts = false});
  const Point grid = find_color(image, colormap_color(Colormap::viridis, share(0, 0)));
  ASSERT_GE(grid.x, 0);
  EXPECT_GT(grid.x, 20);  // row names and the "true" title are left of it
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      const Rgb expected = colormap_color(Colormap::viridis, share(i, j));
      // The whole cell is that colour without counts.
      for (int64_t y = 0; y < 40; ++y) {
        for (int64_t x = 0; x < 40; ++x) {
          ASSERT_EQ(pixel(image, grid.x + j * 40 + x, grid.y + i * 40 + y), expected) << i << ", " << j;
        }
      }
    }
  }
  // Column names and "predicted" lie below the grid, in dark text.
  bool text_below = false;
  for (int64_t y = grid.y + 120; y < image.dim(0); ++y) {
    for (int64_t x = grid.x; x < grid.x + 120; ++x) text_below = text_below || pixel(image, x, y)[0] < 100;
  }
  EXPECT_TRUE(text_below);
}

TEST(ConfusionHeatmap, CountsAreWrittenInAContrastingColour) {
  const Tensor image = confusion_heatmap(counts_tensor(), {"cat", "dog", "emu"}, {.cell_size = 40});
  const Point grid = find_color(image, colormap_color(Colormap::viridis, share(0, 0)));
  ASSERT_GE(grid.x, 0);
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      const Rgb cell = colormap_color(Colormap::viridis, share(i, j));
      const int64_t x0 = grid.x + j * 40, y0 = grid.y + i * 40;
      EXPECT_EQ(pixel(image, x0 + 1, y0 + 1), cell) << i << ", " << j;  // a corner: no text
      EXPECT_EQ(pixel(image, x0 + 38, y0 + 38), cell) << i << ", " << j;
      // Text pixels differ from the cell, towards white on dark cells and towards black on light ones.
      const bool dark = 0.299 * cell[0] + 0.587 * cell[1] + 0.114 * cell[2] < 128;
      bool text = false;
      for (int64_t y = y0; y < y0 + 40; ++y) {
        for (int64_t x = x0; x < x0 + 40; ++x) {
          const Rgb p = pixel(image, x, y);
          text = text || (dark ? p[1] > cell[1] + 60 : p[1] + 60 < cell[1]);
        }
      }
      EXPECT_TRUE(text) << "no count in cell " << i << ", " << j;
    }
  }
}

TEST(ConfusionHeatmap, SizesFollowTheTextAndTheOptions) {
  const Tensor ids = confusion_heatmap(counts_tensor());  // names "0", "1", "2"; automatic cells
  const Point grid = find_color(ids, colormap_color(Colormap::viridis, share(0, 0)));
  ASSERT_GE(grid.x, 0);
  EXPECT_EQ(pixel(ids, grid.x + 27, grid.y), colormap_color(Colormap::viridis, share(0, 0)));  // at least 28 wide
  // Names wider than a cell turn to read bottom to top: the picture grows downwards, not sideways.
  const Tensor short_names = confusion_heatmap(counts_tensor(), {"a", "b", "c"}, {.cell_size = 30});
  const Tensor long_names =
      confusion_heatmap(counts_tensor(), {"a", "b", "a rather long class name"}, {.cell_size = 30});
  EXPECT_GT(long_names.dim(0), short_names.dim(0) + 60);
  // A gray map, an empty row (all cells at 0) and counts that are not integers.
  const Tensor gray = confusion_heatmap(Tensor::from_vector(Shape{2, 2}, std::vector<double>{0, 0, 1.5, 0.5}), {},
                                        {.colormap = Colormap::gray, .cell_size = 30, .counts = false});
  const Point zero = find_color(gray, {0, 0, 0});
  ASSERT_GE(zero.x, 0);
  EXPECT_EQ(pixel(gray, zero.x + 30, zero.y), (Rgb{0, 0, 0}));
  EXPECT_EQ(pixel(gray, zero.x, zero.y + 30), colormap_color(Colormap::gray, 0.75));
  EXPECT_EQ(pixel(gray, zero.x + 30, zero.y + 30), colormap_color(Colormap::gray, 0.25));
}

TEST(ConfusionHeatmap, Errors) {
  EXPECT_EQ(error_text([] {
              confusion_heatmap(Tensor::zeros(Shape{2, 3}));
            }),
            "confusion_heatmap: expected a square (K, K) matrix of counts with K >= 1, got (2, 3)");
  EXPECT_THROW(confusion_heatmap(Tensor::zeros(Shape{0, 0})), ShapeError);
  EXPECT_EQ(error_text([] {
              confusion_heatmap(Tensor::zeros(Shape{2, 2}), {"a", "b", "c"});
            }),
            "confusion_heatmap: 3 class names for 2 classes; give one name per class, or none");
  EXPECT_EQ(error_text([] {
              confusion_heatmap(Tensor::from_vector(Shape{2, 2}, std::vector<double>{1, -1, 0, 2}));
            }),
            "confusion_heatmap: the count at (0, 1) is -1; counts must be finite and >= 0");
  EXPECT_EQ(error_text([] {
              confusion_heatmap(Tensor::zeros(Shape{2, 2}), {}, {.cell_size = -1});
            }),
            "confusion_heatmap: cell_size must be >= 0 (0: automatic), got -1");
  EXPECT_EQ(error_text([] {
              confusion_heatmap(Tensor::zeros(Shape{2, 2}), {}, {.font_size = 0});
            }),
            "confusion_heatmap: font_size must be >= 1, got 0");
}

}  // namespace
}  // namespace fovea::viz
