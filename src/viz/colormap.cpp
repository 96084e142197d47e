// Colour maps: piecewise-linear through anchor colours (viridis's are R's viridis(9), sampled from matplotlib's map).
#include "fovea/viz/colormap.h"

#include <algorithm>
#include <cmath>

#include "fovea/core/error.h"

namespace fovea::viz {
namespace {

constexpr std::array<Rgb, 9> kViridis = {{{0x44, 0x01, 0x54},
                                          {0x47, 0x2d, 0x7b},
                                          {0x3b, 0x52, 0x8b},
                                          {0x2c, 0x72, 0x8e},
                                          {0x21, 0x90, 0x8c},
                                          {0x27, 0xad, 0x81},
                                          {0x5d, 0xc8, 0x63},
                                          {0xaa, 0xdc, 0x32},
                                          {0xfd, 0xe7, 0x25}}};

}  // namespace

Rgb colormap_color(Colormap map, double t) {
  t = std::isnan(t) ? 0.0 : std::clamp(t, 0.0, 1.0);
  if (map == Colormap::gray) {
    const auto v = static_cast<uint8_t>(std::lround(t * 255.0));
    return {v, v, v};
  }
  const double position = t * (kViridis.size() - 1);
  const size_t low = std::min(static_cast<size_t>(position), kViridis.size() - 2);
  const double fraction = position - static_cast<double>(low);
  Rgb colour{};
  for (size_t c = 0; c < 3; ++c) {
    const double a = kViridis[low][c];
    const double b = kViridis[low + 1][c];
    colour[c] = static_cast<uint8_t>(std::lround(a + (b - a) * fraction));
  }
  return colour;
}

Tensor apply_colormap(const Tensor& values, Colormap map) {
  const Shape& shape = values.shape();
  const bool ok = values.defined() && (shape.rank() == 2 || (shape.rank() == 3 && shape.dim(2) == 1));
  FOVEA_CHECK(ok, ShapeError, "apply_colormap: expected a (H, W) or (H, W, 1) tensor of values, got ",
              (values.defined() ? shape.to_string() : std::string("no tensor")));
  const std::vector<double> flat = values.to_vector();
  Tensor image = Tensor::empty(Shape{shape.dim(0), shape.dim(1), 3});
  float* out = image.data<float>();
  for (size_t i = 0; i < flat.size(); ++i) {
    const Rgb colour = colormap_color(map, flat[i]);
    for (size_t c = 0; c < 3; ++c) out[3 * i + c] = colour[c];
  }
  return image;
}

}  // namespace fovea::viz
