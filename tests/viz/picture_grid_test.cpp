// Tests of the helpers the pictures share (src/viz/picture_grid.h): grid geometry, automatic sizes, contrast, value
// ranges and painting.
#include "viz/picture_grid.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fovea::viz::pictures_detail {
namespace {

TEST(PictureGrid, SlotsSitRowByRowWithSpacingAround) {
  const GridLayout grid{.count = 5, .columns = 2, .slot_width = 10, .slot_height = 4, .spacing = 3};
  EXPECT_EQ(grid.rows(), 3);
  EXPECT_EQ(grid.width(), 3 + 2 * 13);
  EXPECT_EQ(grid.height(), 3 + 3 * 7);
  EXPECT_EQ(grid.slot(0).x, 3);
  EXPECT_EQ(grid.slot(1).x, 16);
  EXPECT_EQ(grid.slot(4).x, 3);
  EXPECT_EQ(grid.slot(4).y, 3 + 2 * 7);
  // Fewer slots than columns: as wide as the slots there are.
  EXPECT_EQ((GridLayout{.count = 1, .columns = 4, .slot_width = 10, .slot_height = 4, .spacing = 1}).width(), 12);
}

TEST(PictureGrid, AutomaticSizesAndContrast) {
  EXPECT_EQ(square_columns(1), 1);
  EXPECT_EQ(square_columns(2), 2);
  EXPECT_EQ(square_columns(9), 3);
  EXPECT_EQ(square_columns(10), 4);
  EXPECT_EQ(auto_upscale(3, 32), 11);
  EXPECT_EQ(auto_upscale(32, 32), 1);
  EXPECT_EQ(auto_upscale(100, 32), 1);
  EXPECT_EQ(contrasting_text_color(kWhite), kBlack);
  EXPECT_EQ(contrasting_text_color({0x44, 0x01, 0x54}), kWhite);  // viridis's dark end
  EXPECT_EQ(contrasting_text_color({0xfd, 0xe7, 0x25}), kBlack);  // and its light end
}

TEST(PictureGrid, RangesSkipNonFiniteValuesAndPaintScales) {
  const std::vector<double> values = {2, std::nan(""), 6, 4};
  const ValueRange range = range_of(values.data(), 4, 0.5);
  EXPECT_EQ(range.low, 2);
  EXPECT_EQ(range.high, 6);
  EXPECT_EQ(range.scaled(4), 0.5);
  EXPECT_EQ(range_of(values.data(), 1, 0.25).scaled(2), 0.25);  // constant
  Canvas canvas(4, 2, {9, 9, 9});
  const std::vector<double> block = {2, 6};
  paint_block(canvas, {.rows = 1, .cols = 2, .rgb = false, .values = block.data()},
              {.at = {.x = 0, .y = 0}, .pixel_width = 2, .pixel_height = 2, .map = Colormap::gray, .range = range});
  EXPECT_EQ(canvas.pixel(1, 1), kBlack);
  EXPECT_EQ(canvas.pixel(2, 0), kWhite);
  EXPECT_EQ(canvas.pixel(3, 1), kWhite);
  EXPECT_EQ(canvas.pixel(0, 1), kBlack);
}

}  // namespace
}  // namespace fovea::viz::pictures_detail
