// Grad-CAM: the target layer's activation is swapped for a leaf that requires grad during a hooked forward pass,
// so one backward pass from the class score leaves d y^c / d A in that leaf's grad().
#include <algorithm>
#include <string>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/data/image_io.h"
#include "fovea/viz/gradcam.h"
#include "viz/gradcam_layout.h"
#include "viz/gradcam_support.h"

namespace fovea::viz {
namespace {


bool is_input(const Model& model, const GraphNode* node) {
  for (const SymbolicTensor& x : model.inputs()) {
    if (x.node().get() == node) return true;
  }
  return false;
}

using Layouts = std::unordered_map<const GraphNode*, Layout>;

// An output with two spatial axes that hold more than one position between them (a global pooling's 1x1 map
// shows nothing of where); unknown sizes (-1) count as spatial.
bool spatial(const GraphNode* node, const Layouts& layouts) {
  const Shape& s = node->output_shape;
  if (s.rank() != 4) return false;
  const auto it = layouts.find(node);
  const bool last = it == layouts.end() || it->second == Layout::channels_last;
  const int64_t h = last ? s[1] : s[2];
  const int64_t w = last ? s[2] : s[3];
  return !(h == 1 && w == 1);
}

std::vector<std::string> spatial_layers(const Model& model, const Layouts& layouts) {
  std::vector<std::string> names;
  for (const auto& n : model.nodes()) {
    if (!spatial(n.get(), layouts) || is_input(model, n.get())) continue;
    const std::string& name = n->layer->name();
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

// The default: the output of the last convolution block, as Keras's and torchvision's Grad-CAM examples take it:
// the last convolution, or a later layer of the same output shape (its batch norm, activation, residual add), not
// the pooling or dropout after it. Without a convolution, the last spatial layer.
const GraphNode* default_target(const Model& model, const Layouts& layouts) {
  const auto& nodes = model.nodes();
  auto candidate = [&](const GraphNode* n) { return spatial(n, layouts) && !is_input(model, n); };
  const GraphNode* last_conv = nullptr;
  size_t last_conv_at = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (candidate(nodes[i].get()) && nodes[i]->layer->class_name().find("Conv") != std::string::npos) {
      last_conv = nodes[i].get();
      last_conv_at = i;
    }
  }
  if (last_conv != nullptr) {
    const GraphNode* chosen = last_conv;
    for (size_t i = last_conv_at + 1; i < nodes.size(); ++i) {
      if (candidate(nodes[i].get()) && nodes[i]->output_shape == last_conv->output_shape) chosen = nodes[i].get();
    }
    return chosen;
  }
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    if (candidate(it->get())) return it->get();
  }
  return nullptr;
}

// The layer application Grad-CAM weighs: the named layer's last application, or default_target.
const GraphNode* find_target(const Model& model, const std::string& name, const Layouts& layouts) {
  const auto& nodes = model.nodes();
  const std::vector<std::string> valid = spatial_layers(model, layouts);
  if (name.empty()) {
    if (const GraphNode* target = default_target(model, layouts)) return target;
    throw ValueError(detail::concat("grad_cam: model '", model.name(),
                                    "' has no layer with a spatial output (batch, H, W, C) after its input"));
  }
  const GraphNode* found = nullptr;
  for (const auto& n : nodes) {
    if (n->layer->name() == name) found = n.get();
  }
  FOVEA_CHECK(found != nullptr, ValueError, "grad_cam: model '", model.name(), "' has no layer named '", name,
              "'; the layers Grad-CAM can use: ", joined(valid));
  FOVEA_CHECK(spatial(found, layouts) && !is_input(model, found), ValueError, "grad_cam: layer '", name, "' (",
              found->layer->class_name(), ") has output shape ", found->output_shape.to_string(true),
              ", not a spatial map with two spatial axes; choose one of: ", joined(valid));
  return found;
}

}  // namespace

std::vector<std::string> grad_cam_layers(const Model& model) {
  return spatial_layers(model, gradcam_detail::infer_layouts(model));
}

GradCamResult grad_cam(Model& model, const Tensor& image, const GradCamOptions& options) {
  const Tensor x = gradcam_detail::batch_of_one(model, image, "grad_cam");
  Layouts layouts = gradcam_detail::infer_layouts(model);
  const GraphNode* target = find_target(model, options.layer, layouts);
  const Layout layer_layout = options.layer_format.value_or(layouts[target]);
  const Layout input_layout = options.input_format.value_or(layouts[model.inputs()[0].node().get()]);

  GradCamResult result;
  const gradcam_detail::NodeGradient pass = gradcam_detail::gradient_at(
      model, x, target, options.class_index, "grad_cam", "layer '" + target->layer->name() + "'");
  result.target = pass.target;
  const Shape s = pass.value.shape();  // the activation's shape, (1, h, w, K) or (1, K, h, w)
  const std::vector<double> activation = pass.value.to_vector();
  const std::vector<double>& gradient = pass.gradient;

  // Element (i, k) of A: position i of h*w, channel k of K.
  const bool last = layer_layout == Layout::channels_last;
  const int64_t h = last ? s[1] : s[2];
  const int64_t w = last ? s[2] : s[3];
  const int64_t k_count = last ? s[3] : s[1];
  const int64_t positions = h * w;
  auto at = [&](const std::vector<double>& v, int64_t i, int64_t k) {
    return v[static_cast<size_t>(last ? i * k_count + k : k * positions + i)];
  };
  std::vector<double> alpha(static_cast<size_t>(k_count), 0.0);
  for (int64_t k = 0; k < k_count; ++k) {
    double total = 0.0;
    for (int64_t i = 0; i < positions; ++i) total += at(gradient, i, k);
    alpha[static_cast<size_t>(k)] = total / static_cast<double>(positions);
  }
  std::vector<double> cam(static_cast<size_t>(positions), 0.0);
  for (int64_t i = 0; i < positions; ++i) {
    double v = 0.0;
    for (int64_t k = 0; k < k_count; ++k) v += alpha[static_cast<size_t>(k)] * at(activation, i, k);
    cam[static_cast<size_t>(i)] = std::max(0.0, v);
  }
  result.raw_max = gradcam_detail::scale_to_unit(cam, Shape{h, w}, &result.layer_heatmap);

  // Upsampled from the unscaled map and scaled by its own maximum, so that the picture's brightest pixel is 1.
  const int64_t height = input_layout == Layout::channels_last ? x.dim(1) : x.dim(2);
  const int64_t width = input_layout == Layout::channels_last ? x.dim(2) : x.dim(3);
  std::vector<float> cam32(cam.begin(), cam.end());
  const Tensor up = resize_bilinear(Tensor::from_vector(Shape{h, w, 1}, cam32), height, width);
  gradcam_detail::scale_to_unit(up.to_vector(), Shape{height, width}, &result.heatmap);
  result.layer = target->layer->name();
  result.layer_shape = target->output_shape;
  return result;
}

}  // namespace fovea::viz
