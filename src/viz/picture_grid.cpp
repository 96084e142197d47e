// Shared picture helpers (see picture_grid.h).
#include "picture_grid.h"

#include <algorithm>
#include <cmath>

namespace fovea::viz::pictures_detail {

int64_t square_columns(int64_t count) {
  int64_t columns = 1;
  while (columns * columns < count) ++columns;
  return columns;
}

int64_t auto_upscale(int64_t extent, int64_t target) {
  return extent <= 0 ? 1 : std::max<int64_t>(1, (target + extent - 1) / extent);
}

Rgb contrasting_text_color(Rgb background) {
  const double luma = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2];
  return luma >= 128 ? kBlack : kWhite;
}

ValueRange range_of(const double* values, int64_t count, double constant_t) {
  ValueRange range{.low = 0, .high = 0, .constant_t = constant_t};
  bool any = false;
  for (int64_t i = 0; i < count; ++i) {
    const double v = values[i];
    if (!std::isfinite(v)) continue;
    range.low = any ? std::min(range.low, v) : v;
    range.high = any ? std::max(range.high, v) : v;
    any = true;
  }
  return range;
}

void paint_block(Canvas& canvas, const ValueBlock& block, const BlockPaint& paint) {
  const ValueRange& range = paint.range;
  for (int64_t r = 0; r < block.rows; ++r) {
    for (int64_t c = 0; c < block.cols; ++c) {
      Rgb color{};
      if (block.rgb) {
        const double* v = block.values + (r * block.cols + c) * 3;
        for (size_t k = 0; k < 3; ++k) color[k] = colormap_color(Colormap::gray, range.scaled(v[k]))[0];
      } else {
        color = colormap_color(paint.map, range.scaled(block.values[r * block.cols + c]));
      }
      canvas.fill_rect({.x = paint.at.x + c * paint.pixel_width,
                        .y = paint.at.y + r * paint.pixel_height,
                        .width = paint.pixel_width,
                        .height = paint.pixel_height},
                       color);
    }
  }
}

}  // namespace fovea::viz::pictures_detail
