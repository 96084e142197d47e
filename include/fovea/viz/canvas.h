// Canvas: an RGB picture of 8-bit pixels that the pictures of fovea::viz are drawn on (rectangles, borders, images
// blitted with an integer upscale, text coverage blended in), converted to a float32 (H, W, 3) tensor for write_png.
#pragma once

#include <cstdint>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/viz/colormap.h"

namespace fovea::viz {

inline constexpr Rgb kWhite = {255, 255, 255};
inline constexpr Rgb kBlack = {0, 0, 0};

// Positions count x in columns from the left and y in rows from the top (as in PIL and on screens).
struct Point {
  int64_t x = 0;
  int64_t y = 0;
};

struct Rect {
  int64_t x = 0;
  int64_t y = 0;
  int64_t width = 0;
  int64_t height = 0;
};

// A grey-level mask of coverage (0: nothing, 255: full), row-major: what text is rasterized into before it is
// blended onto a canvas in a colour.
struct CoverageMask {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> coverage{};

  // The mask turned a quarter counter-clockwise (text reading bottom to top, for vertical axis labels).
  CoverageMask rotated_left() const;
};

// Drawing clips to the canvas: anything outside it is silently left out, so callers may draw partly outside.
class Canvas {
 public:
  // Requires width, height >= 0 (ValueError otherwise) and fewer than 2^31 pixels; every pixel is background.
  Canvas(int64_t width, int64_t height, Rgb background = kWhite);

  int64_t width() const { return width_; }
  int64_t height() const { return height_; }
  // The colour at (x, y); ValueError when outside the canvas.
  Rgb pixel(int64_t x, int64_t y) const;
  void set_pixel(int64_t x, int64_t y, Rgb color);

  void fill(Rgb color);
  void fill_rect(const Rect& rect, Rgb color);
  // The outline of rect, thickness pixels wide, inside rect.
  void draw_border(const Rect& rect, Rgb color, int64_t thickness = 1);
  // Draws image (an (H, W, 1) or (H, W, 3) tensor of any dtype, values 0-255, rounded and clamped) with its top
  // left corner at `at`, each pixel repeated scale x scale times (nearest neighbour). ShapeError for another
  // shape; ValueError for scale < 1.
  void blit(const Tensor& image, Point at, int64_t scale = 1);
  // Mixes color into the pixels under mask (its top left corner at `at`) by coverage / 255: anti-aliased text.
  void blend(const CoverageMask& mask, Point at, Rgb color);

  // The picture as a float32 (height, width, 3) tensor with values 0-255, ready for write_png.
  Tensor to_tensor() const;
  // The pixels as bytes, row-major, R G B per pixel.
  const std::vector<uint8_t>& pixels() const { return pixels_; }

 private:
  int64_t width_;
  int64_t height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace fovea::viz
