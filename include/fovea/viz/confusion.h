// A picture of a confusion matrix: a heatmap of row-normalised values (the share of each true class predicted as
// each class) with the counts written in the cells and the class names on both axes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/viz/canvas.h"
#include "fovea/viz/colormap.h"

namespace fovea::viz {

struct ConfusionHeatmapOptions {
  Colormap colormap = Colormap::viridis;
  int64_t cell_size = 0;  // pixels per cell side; 0: enough for the largest count and at least 28
  bool counts = true;     // the count in each cell, black or white, whichever stands out from the cell's colour
  int font_size = 12;     // text pixel size of counts, class names and axis titles
  Rgb background = kWhite;
  std::string font{};  // empty: default_font_path()
};

// Draws matrix, a (K, K) tensor of counts (any dtype; rows are true classes, columns predicted ones, as
// sklearn's confusion_matrix and fovea's ConfusionMatrix metric give), as a float32 (H, W, 3) image with values
// 0-255. Cell (i, j) has the colour of matrix[i][j] / (sum of row i) (0 for an empty row); row names on the left
// under the axis title "true" (written bottom to top), column names below the cells (bottom to top when one is
// wider than a cell) above the axis title "predicted". class_names has K names, or none for "0" ... "K-1".
// Throws ShapeError for a matrix that is not square (or empty), ValueError for a negative or non-finite count or
// a class_names count other than K.
Tensor confusion_heatmap(const Tensor& matrix, const std::vector<std::string>& class_names = {},
                         const ConfusionHeatmapOptions& options = {});

}  // namespace fovea::viz
