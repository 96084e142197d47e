// A heatmap blended over its image through a colour map, for Grad-CAM and saliency pictures.
#include <algorithm>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/data/image_io.h"
#include "fovea/viz/gradcam.h"

namespace fovea::viz {

Tensor overlay_heatmap(const Tensor& image, const Tensor& heatmap, const OverlayOptions& options) {
  FOVEA_CHECK(options.alpha >= 0.0 && options.alpha <= 1.0, ValueError, "overlay_heatmap: alpha must be in [0, 1], got ",
              options.alpha);
  FOVEA_CHECK(image.defined() && image.rank() == 3, ShapeError,
              "overlay_heatmap: the image must be (H, W, C) (or (C, H, W) with image_format channels_first), got ",
              image.defined() ? image.shape().to_string() : std::string("an undefined tensor"));
  const bool last = options.image_format == Layout::channels_last;
  const int64_t height = last ? image.dim(0) : image.dim(1);
  const int64_t width = last ? image.dim(1) : image.dim(2);
  const int64_t channels = last ? image.dim(2) : image.dim(0);
  FOVEA_CHECK(channels == 1 || channels == 3, ShapeError, "overlay_heatmap: the image needs 1 or 3 channels, got shape ",
              image.shape().to_string());
  FOVEA_CHECK(heatmap.defined() && (heatmap.rank() == 2 || (heatmap.rank() == 3 && heatmap.dim(2) == 1)), ShapeError,
              "overlay_heatmap: the heatmap must be (H, W) or (H, W, 1), got ",
              heatmap.defined() ? heatmap.shape().to_string() : std::string("an undefined tensor"));

  Tensor heat = heatmap.to(DType::f32).view(Shape{heatmap.dim(0), heatmap.dim(1), 1});
  if (heat.dim(0) != height || heat.dim(1) != width) heat = resize_bilinear(heat, height, width);
  const std::vector<double> colour = apply_colormap(heat, options.colormap).to_vector();

  // The image as (H, W, C) doubles, stretched to 0..255 when asked.
  const std::vector<double> src = image.to_vector();
  const int64_t positions = height * width;
  auto pixel = [&](int64_t i, int64_t c) {
    return src[static_cast<size_t>(last ? i * channels + c : c * positions + i)];
  };
  double low = 0.0;
  double scale = 1.0;
  if (options.normalize_image && !src.empty()) {
    const auto [lo, hi] = std::minmax_element(src.begin(), src.end());
    low = *lo;
    scale = *hi > *lo ? 255.0 / (*hi - *lo) : 0.0;
  }
  std::vector<float> out(static_cast<size_t>(positions * 3));
  const double a = options.alpha;
  for (int64_t i = 0; i < positions; ++i) {
    for (int64_t c = 0; c < 3; ++c) {
      const double v = (pixel(i, channels == 1 ? 0 : c) - low) * scale;
      const double blended = (1.0 - a) * std::clamp(v, 0.0, 255.0) + a * colour[static_cast<size_t>(i * 3 + c)];
      out[static_cast<size_t>(i * 3 + c)] = static_cast<float>(blended);
    }
  }
  return Tensor::from_vector(Shape{height, width, 3}, out);
}

}  // namespace fovea::viz
