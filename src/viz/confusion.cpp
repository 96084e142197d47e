// The confusion heatmap: cells coloured by row-normalised values with their counts, row names and the axis title
// "true" on the left, column names and "predicted" below, laid out from measured text.
#include "fovea/viz/confusion.h"

#include <algorithm>

#include "confusion_counts.h"
#include "fovea/core/error.h"
#include "fovea/viz/text.h"
#include "picture_grid.h"

namespace fovea::viz {
namespace {

constexpr int64_t kMargin = 6;       // around the picture
constexpr int64_t kGap = 4;          // between the cells and their names, and the names and the axis titles
constexpr int64_t kMinCell = 28;     // a cell is at least this many pixels on a side
constexpr int64_t kCellPadding = 8;  // around the widest count in a cell

}  // namespace

Tensor confusion_heatmap(const Tensor& matrix, const std::vector<std::string>& class_names,
                         const ConfusionHeatmapOptions& options) {
  const std::string who = "confusion_heatmap";
  const pictures_detail::CountMatrix counts = pictures_detail::read_counts(matrix, who);
  const std::vector<std::string> names = pictures_detail::class_names_for(class_names, counts.classes, who);
  FOVEA_CHECK(options.cell_size >= 0, ValueError, who, ": cell_size must be >= 0 (0: automatic), got ",
              options.cell_size);
  FOVEA_CHECK(options.font_size >= 1, ValueError, who, ": font_size must be >= 1, got ", options.font_size);
  const int64_t k = counts.classes;
  const int size = options.font_size;
  const Font font(options.font);
  const int64_t line_h = font.measure("", size).height;

  int64_t cell = options.cell_size;
  if (cell == 0) {
    cell = std::max(kMinCell, line_h + kCellPadding);
    for (double v : counts.counts)
      cell = std::max(cell, font.measure(pictures_detail::count_text(v), size).width + kCellPadding);
  }
  int64_t row_names_w = 0;
  int64_t column_names_longest = 0;
  for (const std::string& name : names) {
    const int64_t w = font.measure(name, size).width;
    row_names_w = std::max(row_names_w, w);
    column_names_longest = std::max(column_names_longest, w);
  }
  // Column names that do not fit their cell read bottom to top, as matplotlib's rotated tick labels.
  const bool vertical_columns = column_names_longest > cell - 2;
  const int64_t column_names_h = vertical_columns ? column_names_longest : line_h;

  const CoverageMask true_title = font.render("true", size).rotated_left();
  const TextSize predicted_title = font.measure("predicted", size);
  const int64_t grid_side = k * cell;
  const int64_t grid_x = kMargin + true_title.width + kGap + row_names_w + kGap;
  const int64_t grid_y = kMargin + std::max<int64_t>(0, (true_title.height - grid_side + 1) / 2);
  const int64_t predicted_x = std::max(kMargin, grid_x + grid_side / 2 - predicted_title.width / 2);
  const int64_t width = std::max(grid_x + grid_side, predicted_x + predicted_title.width) + kMargin;
  const int64_t height = grid_y + grid_side + kGap + column_names_h + kGap + predicted_title.height + kMargin;
  Canvas canvas(width, height, options.background);
  const Rgb text_color = pictures_detail::contrasting_text_color(options.background);

  for (int64_t i = 0; i < k; ++i) {
    double row_sum = 0;
    for (int64_t j = 0; j < k; ++j) row_sum += counts.at(i, j);
    for (int64_t j = 0; j < k; ++j) {
      const double share = row_sum > 0 ? counts.at(i, j) / row_sum : 0.0;
      const Rgb color = colormap_color(options.colormap, share);
      const Rect box{.x = grid_x + j * cell, .y = grid_y + i * cell, .width = cell, .height = cell};
      canvas.fill_rect(box, color);
      if (options.counts) {
        font.draw(canvas, pictures_detail::count_text(counts.at(i, j)),
                  {.x = box.x + cell / 2,
                   .y = box.y + cell / 2,
                   .anchor = TextAnchor::center,
                   .pixel_size = size,
                   .color = pictures_detail::contrasting_text_color(color)});
      }
    }
  }
  for (int64_t i = 0; i < k; ++i) {
    const std::string& name = names[static_cast<size_t>(i)];
    const int64_t w = font.measure(name, size).width;
    // Row names right-aligned against the grid, centred on their row.
    font.draw(canvas, name,
              {.x = grid_x - kGap - w,
               .y = grid_y + i * cell + (cell - line_h) / 2,
               .pixel_size = size,
               .color = text_color});
    const int64_t column_x = grid_x + i * cell;
    const int64_t names_y = grid_y + grid_side + kGap;
    if (vertical_columns) {
      const CoverageMask mask = font.render(name, size).rotated_left();
      canvas.blend(mask, {.x = column_x + (cell - mask.width) / 2, .y = names_y}, text_color);
    } else {
      font.draw(canvas, name, {.x = column_x + (cell - w) / 2, .y = names_y, .pixel_size = size, .color = text_color});
    }
  }
  canvas.blend(true_title, {.x = kMargin, .y = grid_y + (grid_side - true_title.height) / 2}, text_color);
  font.draw(canvas, "predicted",
            {.x = predicted_x,
             .y = grid_y + grid_side + kGap + column_names_h + kGap,
             .pixel_size = size,
             .color = text_color});
  return canvas.to_tensor();
}

}  // namespace fovea::viz
