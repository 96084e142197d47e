// Canvas: RGB bytes with clipped drawing.
#include "fovea/viz/canvas.h"

#include <algorithm>
#include <cmath>

#include "fovea/core/error.h"

namespace fovea::viz {
namespace {

// The part of [start, start + length) inside [0, limit), as [first, last).
std::pair<int64_t, int64_t> clip(int64_t start, int64_t length, int64_t limit) {
  const int64_t first = std::clamp<int64_t>(start, 0, limit);
  const int64_t last = std::clamp<int64_t>(length > 0 ? start + length : start, 0, limit);
  return {first, last};
}

uint8_t to_byte(double value) {
  if (std::isnan(value)) return 0;
  return static_cast<uint8_t>(std::lround(std::clamp(value, 0.0, 255.0)));
}

}  // namespace

CoverageMask CoverageMask::rotated_left() const {
  CoverageMask out{.width = height, .height = width, .coverage = std::vector<uint8_t>(coverage.size())};
  // Source (x, y) goes to (y, width - 1 - x): the top row becomes the left column, read bottom to top.
  for (int64_t y = 0; y < height; ++y) {
    for (int64_t x = 0; x < width; ++x) {
      out.coverage[static_cast<size_t>((width - 1 - x) * out.width + y)] = coverage[static_cast<size_t>(y * width + x)];
    }
  }
  return out;
}

Canvas::Canvas(int64_t width, int64_t height, Rgb background) : width_(width), height_(height) {
  FOVEA_CHECK(width >= 0 && height >= 0, ValueError, "Canvas: width and height must be >= 0, got ", width, "x", height);
  FOVEA_CHECK(width == 0 || height <= (int64_t{1} << 31) / width, ValueError, "Canvas: ", width, "x", height,
              " pixels is more than a picture may have (2^31)");
  pixels_.resize(static_cast<size_t>(width * height * 3));
  fill(background);
}

Rgb Canvas::pixel(int64_t x, int64_t y) const {
  FOVEA_CHECK(x >= 0 && x < width_ && y >= 0 && y < height_, ValueError, "Canvas: pixel (", x, ", ", y,
              ") is outside the ", width_, "x", height_, " canvas");
  const size_t i = static_cast<size_t>((y * width_ + x) * 3);
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void Canvas::set_pixel(int64_t x, int64_t y, Rgb color) {
  if (x < 0 || x >= width_ || y < 0 || y >= height_) return;
  const size_t i = static_cast<size_t>((y * width_ + x) * 3);
  std::copy(color.begin(), color.end(), pixels_.begin() + static_cast<std::ptrdiff_t>(i));
}

void Canvas::fill(Rgb color) { fill_rect({.x = 0, .y = 0, .width = width_, .height = height_}, color); }

void Canvas::fill_rect(const Rect& rect, Rgb color) {
  const auto [x0, x1] = clip(rect.x, rect.width, width_);
  const auto [y0, y1] = clip(rect.y, rect.height, height_);
  for (int64_t y = y0; y < y1; ++y) {
    for (int64_t x = x0; x < x1; ++x) set_pixel(x, y, color);
  }
}

void Canvas::draw_border(const Rect& rect, Rgb color, int64_t thickness) {
  const int64_t t = std::min({thickness, rect.width, rect.height});
  if (t <= 0) return;
  fill_rect({.x = rect.x, .y = rect.y, .width = rect.width, .height = t}, color);
  fill_rect({.x = rect.x, .y = rect.y + rect.height - t, .width = rect.width, .height = t}, color);
  fill_rect({.x = rect.x, .y = rect.y, .width = t, .height = rect.height}, color);
  fill_rect({.x = rect.x + rect.width - t, .y = rect.y, .width = t, .height = rect.height}, color);
}

void Canvas::blit(const Tensor& image, Point at, int64_t scale) {
  const bool ok = image.defined() && image.rank() == 3 && (image.dim(2) == 1 || image.dim(2) == 3);
  FOVEA_CHECK(ok, ShapeError, "Canvas::blit: expected an (H, W, 1) or (H, W, 3) image, got ",
              (image.defined() ? image.shape().to_string() : std::string("no tensor")));
  FOVEA_CHECK(scale >= 1, ValueError, "Canvas::blit: scale must be >= 1, got ", scale);
  const int64_t rows = image.dim(0);
  const int64_t cols = image.dim(1);
  const int64_t channels = image.dim(2);
  const std::vector<double> values = image.to_vector();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>((r * cols + c) * channels);
      Rgb color{};
      for (size_t k = 0; k < 3; ++k) color[k] = to_byte(values[i + (channels == 3 ? k : 0)]);
      fill_rect({.x = at.x + c * scale, .y = at.y + r * scale, .width = scale, .height = scale}, color);
    }
  }
}

void Canvas::blend(const CoverageMask& mask, Point at, Rgb color) {
  const auto [x0, x1] = clip(at.x, mask.width, width_);
  const auto [y0, y1] = clip(at.y, mask.height, height_);
  for (int64_t y = y0; y < y1; ++y) {
    for (int64_t x = x0; x < x1; ++x) {
      const int alpha = mask.coverage[static_cast<size_t>((y - at.y) * mask.width + (x - at.x))];
      if (alpha == 0) continue;
      const size_t i = static_cast<size_t>((y * width_ + x) * 3);
      for (size_t k = 0; k < 3; ++k) {
        const int mixed = (color[k] * alpha + pixels_[i + k] * (255 - alpha) + 127) / 255;
        pixels_[i + k] = static_cast<uint8_t>(mixed);
      }
    }
  }
}

Tensor Canvas::to_tensor() const {
  Tensor image = Tensor::empty(Shape{height_, width_, 3});
  float* out = image.data<float>();
  std::transform(pixels_.begin(), pixels_.end(), out, [](uint8_t v) { return static_cast<float>(v); });
  return image;
}

}  // namespace fovea::viz
