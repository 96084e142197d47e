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
  std::vector<double> gradient;
  {
    gradcam_detail::GradientPass pass(model);
    gradcam_detail::NodeValues values;
    Tensor leaf;
    model.call_with_hook({x}, [&](const GraphNode& node, const Tensor& output) {
      Tensor value = output;
      if (&node == input) {
        value = output.detach();
        value.set_requires_grad(true);
        leaf = value;
      }
      values[&node] = value;
      return value;
    });
    const gradcam_detail::ScoreTarget score = gradcam_detail::class_score(model, values, options.class_index);
    result.target = score.explained;
    FOVEA_CHECK(score.root.requires_grad(), ValueError, "saliency_map: the output of model '", model.name(),
                "' does not depend on its input");
    score.root.backward(score.seed);
    const Tensor g = leaf.grad();
    gradient = g.defined() ? g.to_vector() : std::vector<double>(static_cast<size_t>(leaf.numel()), 0.0);
  }

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
