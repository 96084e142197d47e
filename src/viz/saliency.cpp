// Gradient saliency: the input itself becomes the leaf that requires grad, through the same hooked forward pass as
// Grad-CAM, so a model's preprocessing front (Rescaling, Normalization) is differentiated through.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/viz/gradcam.h"
#include "viz/gradcam_layout.h"
#include "viz/gradcam_support.h"

namespace fovea::viz {

SaliencyResult saliency_map(Model& model, const Tensor& image, const SaliencyOptions& options) {
  const Tensor x = gradcam_detail::batch_of_one(model, image, "saliency_map");
  const GraphNode* input = model.inputs()[0].node().get();
  const Layout layout = options.input_format ? *options.input_format : gradcam_detail::infer_layouts(model).at(input);

  SaliencyResult result;
  const gradcam_detail::NodeGradient pass =
      gradcam_detail::gradient_at(model, x, input, options.class_index, "saliency_map", "its input");
  result.target = pass.target;
  const std::vector<double>& gradient = pass.gradient;

  const bool last = layout == Layout::channels_last;
  const int64_t height = last ? x.dim(1) : x.dim(2);
  const int64_t width = last ? x.dim(2) : x.dim(3);
  const int64_t channels = last ? x.dim(3) : x.dim(1);
  const int64_t positions = height * width;
  std::vector<double> magnitude(static_cast<size_t>(positions), 0.0);
  for (int64_t i = 0; i < positions; ++i) {
    double m = 0.0;
    for (int64_t c = 0; c < channels; ++c) {
      m = std::max(m, std::abs(gradient[static_cast<size_t>(last ? i * channels + c : c * positions + i)]));
    }
    magnitude[static_cast<size_t>(i)] = m;
  }
  result.raw_max = gradcam_detail::scale_to_unit(magnitude, Shape{height, width}, &result.saliency);
  return result;
}

}  // namespace fovea::viz
