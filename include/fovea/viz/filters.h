// Pictures of what convolution layers learned: the kernels of one layer tiled in a grid (AlexNet's 96 colour
// 11x11 first-layer filters, grey tiles per input channel deeper down, heat strips for Conv1D, depth slices for
// Conv3D).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fovea/core/tensor.h"
#include "fovea/layers/layer.h"
#include "fovea/viz/canvas.h"
#include "fovea/viz/colormap.h"

namespace fovea {
class Model;
}

namespace fovea::viz {

// How a filter's values become brightness: per_filter stretches each filter's own minimum to 0 and maximum to 255
// (every filter readable, magnitudes not comparable); common uses one range over all filters drawn.
enum class FilterScale { per_filter, common };

// What a filter's input channels become: color draws three channels as one RGB tile (a first layer over RGB
// images); each draws one grey tile per channel; mean draws one grey tile of the channels' mean. automatic is
// color for 2-D filters of exactly three channels and each otherwise.
enum class FilterChannels { automatic, color, each, mean };

struct FilterGridOptions {
  FilterScale scale = FilterScale::per_filter;
  FilterChannels channels = FilterChannels::automatic;
  // Colour of one-channel tiles; by default gray for 2-D and 3-D tiles and viridis for Conv1D heat strips.
  std::optional<Colormap> colormap{};
  int64_t upscale = 0;      // each kernel tap as upscale x upscale pixels; 0: enough for tiles of about 32 pixels
  int64_t spacing = 1;      // background pixels between filters (and between the tiles of one filter)
  int64_t columns = 0;      // filters per row; 0: about square where a 2-D filter is one tile, else one per row
  int64_t max_filters = 0;  // draw the first max_filters filters; 0: all
  bool labels = false;      // the filter's index under it, in text
  int label_size = 10;      // text pixel size of the labels
  Rgb background = kWhite;
  std::string font{};  // empty: default_font_path() (only opened when labels are drawn)
};

// The kernels of layer as a float32 (H, W, 3) image with values 0-255 (for write_png). The layer must be a built
// convolution layer: Conv1D/2D/3D (kernel (filters, in / groups, k...): one picture per filter over its inputs),
// Conv1D/2D/3DTranspose (kernel (in, filters / groups, k...): drawn per output filter over the inputs it reads),
// DepthwiseConv2D (one one-channel filter per input channel and multiplier) or SeparableConv2D (its depthwise
// kernel; the pointwise one is 1x1). Filters sit in a grid, filter 0 top left, row by row; a 2-D filter is its
// channel tiles side by side; a Conv3D filter is its depth slices side by side, one row per channel tile; a
// Conv1D filter is a heat strip with a row per channel tile and a column per tap. A constant filter is mid grey.
// Throws ValueError naming the layer when it is no convolution ("Dense 'dense' has no convolution filters ...") or
// is not built yet, and for invalid options.
Tensor filter_grid(const Layer& layer, const FilterGridOptions& options = {});

// The same for the layer of model named layer_name. A name that is not in the model is a ValueError listing the
// model's convolution layers.
Tensor filter_grid(const Model& model, const std::string& layer_name, const FilterGridOptions& options = {});

}  // namespace fovea::viz
