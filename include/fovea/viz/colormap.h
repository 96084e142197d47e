// Colour maps for pictures of values (heatmaps, Grad-CAM, confusion matrices): a value in [0, 1] to an RGB colour.
#pragma once

#include <array>
#include <cstdint>

#include "fovea/core/tensor.h"

namespace fovea::viz {

// viridis: matplotlib's perceptually uniform default (dark purple to yellow), readable in grey and by colour-blind
// readers. gray: black to white.
enum class Colormap { viridis, gray };

using Rgb = std::array<uint8_t, 3>;

// The colour of value t in map; t is clamped to [0, 1] and NaN is 0.
Rgb colormap_color(Colormap map, double t);

// Maps a (H, W) or (H, W, 1) tensor of any floating dtype, whose values are already scaled to [0, 1], to a float32
// (H, W, 3) image with values 0-255, ready for write_png.
Tensor apply_colormap(const Tensor& values, Colormap map = Colormap::viridis);

}  // namespace fovea::viz
