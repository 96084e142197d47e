// What the pictures of filters, feature maps and examples share: a grid of equal slots with spacing around them,
// value blocks painted through a colour map, automatic sizes, and a text colour that stands out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "fovea/viz/canvas.h"
#include "fovea/viz/colormap.h"

namespace fovea::viz::pictures_detail {

// count slots of slot_width x slot_height, columns per row, spacing pixels between slots and around the grid.
struct GridLayout {
  int64_t count = 0;
  int64_t columns = 1;
  int64_t slot_width = 0;
  int64_t slot_height = 0;
  int64_t spacing = 0;

  int64_t rows() const { return columns > 0 ? (count + columns - 1) / columns : 0; }
  int64_t width() const { return spacing + std::max<int64_t>(std::min(columns, count), 1) * (slot_width + spacing); }
  int64_t height() const { return spacing + std::max<int64_t>(rows(), 1) * (slot_height + spacing); }
  // The top left corner of slot index (row by row).
  Point slot(int64_t index) const {
    return {.x = spacing + (index % columns) * (slot_width + spacing),
            .y = spacing + (index / columns) * (slot_height + spacing)};
  }
};

// ceil(sqrt(count)): about as many columns as rows.
int64_t square_columns(int64_t count);
// The smallest factor that makes extent at least target pixels (1 when it already is).
int64_t auto_upscale(int64_t extent, int64_t target);
// Black or white, whichever stands out more from background (by luma).
Rgb contrasting_text_color(Rgb background);

// A rows x cols block of values (row-major), or of RGB triples when rgb.
struct ValueBlock {
  int64_t rows = 0;
  int64_t cols = 0;
  bool rgb = false;
  const double* values = nullptr;
};

// The range values are stretched over: low to black, high to white (in gray); equal ends give constant_t.
struct ValueRange {
  double low = 0;
  double high = 0;
  double constant_t = 0.5;
  double scaled(double v) const { return high > low ? (v - low) / (high - low) : constant_t; }
};

// min and max of values (non-finite ones skipped; none: 0, 0).
ValueRange range_of(const double* values, int64_t count, double constant_t);

// Where and how a block is painted: each value as pixel_width x pixel_height pixels from `at`; one-value blocks
// through map, RGB blocks channel by channel in grey levels (round(t * 255)), t from range.
struct BlockPaint {
  Point at{};
  int64_t pixel_width = 1;
  int64_t pixel_height = 1;
  Colormap map = Colormap::gray;
  ValueRange range{};
};

void paint_block(Canvas& canvas, const ValueBlock& block, const BlockPaint& paint);

}  // namespace fovea::viz::pictures_detail
