// Where a network looks: Grad-CAM (Selvaraju et al., ICCV 2017) and gradient saliency (Simonyan, Vedaldi and
// Zisserman 2014) heatmaps for one image and one class, and a heatmap blended over its image.
//
//   viz::GradCamResult cam = viz::grad_cam(model, image);              // the predicted class, last spatial layer
//   write_png("cam.png", viz::overlay_heatmap(image, cam.heatmap));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/shape.h"
#include "fovea/core/tensor.h"
#include "fovea/models/model.h"
#include "fovea/ops/conv.h"
#include "fovea/viz/colormap.h"

namespace fovea::viz {

// Which class a heatmap explains and the score it differentiates. When the model ends in a softmax (a Dense with
// softmax activation, a Softmax layer, an Activation('softmax') or an imported ONNX Softmax) the score is the
// class's logit, the softmax's input, as the Grad-CAM paper does: a probability's gradient also pushes the other
// classes down. Otherwise the score is the model's output for the class as it is.
struct ExplainedClass {
  int64_t index = 0;            // the class explained
  double score = 0.0;           // y^c, the value differentiated
  double output = 0.0;          // the model's output for the class (its probability when it ends in a softmax)
  bool score_is_logit = false;  // whether y^c was taken before the model's final softmax
};

struct GradCamOptions {
  int64_t class_index = -1;  // the class to explain; -1: the predicted one (the largest output)
  // The layer whose activations A^k are weighted (a convolution, usually); empty: the last convolution block's output
  // as Keras's and torchvision's Grad-CAM examples take it, i.e. the last convolution or a later layer of the same
  // output shape (its batch norm, activation, residual add; not the pooling or dropout after it); without a
  // convolution, the last layer in topological order whose output is still spatial, (batch, H, W, C) or
  // (batch, C, H, W).
  std::string layer{};
  // The layout of that layer's output and of the input image; empty: read from the model's layers (their
  // data_format, batch norm axes, ONNX operators, transposes between them), channels_last when nothing says.
  std::optional<Layout> layer_format{};
  std::optional<Layout> input_format{};
};

struct GradCamResult {
  Tensor heatmap{};        // float32 (H, W) at the input image's size: layer_heatmap upsampled bilinearly
  Tensor layer_heatmap{};  // float32 (h, w) at the layer's resolution; both scaled to [0, 1] by raw_max
  double raw_max = 0.0;    // the largest value of ReLU(sum_k alpha_k A^k) before scaling; 0: the maps are all zero
  ExplainedClass target{};
  std::string layer{};  // the layer used
  Shape layer_shape{};  // its output shape, batch first
};

// Grad-CAM of one image: alpha_k = the spatial mean of d y^c / d A^k, heatmap = ReLU(sum_k alpha_k A^k).
// Requires a built model with one input taking images, image of shape (H, W, C) or (1, H, W, C) in the model's
// input layout (channels first: (C, H, W)); integer pixels are converted to float32 (for preprocessing fronts), and
// gradient recording on (not under a NoGradGuard). Throws ValueError naming the valid layers for an unknown layer
// name, naming the layer when its output is not spatial, and naming the range for a class index out of range.
// Leaves the model's weights and their gradients as they were; safe to call from several threads (the passes that
// read gradients take turns).
GradCamResult grad_cam(Model& model, const Tensor& image, const GradCamOptions& options = {});

// The names of the layers grad_cam accepts (outputs with two spatial axes), in topological order.
std::vector<std::string> grad_cam_layers(const Model& model);

struct SaliencyOptions {
  int64_t class_index = -1;                 // as GradCamOptions::class_index
  std::optional<Layout> input_format{};     // as GradCamOptions::input_format
};

struct SaliencyResult {
  Tensor saliency{};      // float32 (H, W): |d y^c / d x| maxed over channels, scaled to [0, 1] by raw_max
  double raw_max = 0.0;   // the largest gradient magnitude before scaling
  ExplainedClass target{};
};

// The gradient saliency map of one image: requires what grad_cam does; the gradient is taken with respect to the
// image as given (integer pixels as float32 through the model's preprocessing front). Same guarantees as
// grad_cam.
SaliencyResult saliency_map(Model& model, const Tensor& image, const SaliencyOptions& options = {});

struct OverlayOptions {
  double alpha = 0.4;                   // the heatmap's weight: result = (1 - alpha) * image + alpha * colour
  Colormap colormap = Colormap::viridis;
  Layout image_format = Layout::channels_last;  // channels_first: image is (C, H, W)
  // Stretch the image's own min..max to 0..255 first (for images fed to the model already normalized); off, the
  // image's values are taken as 0-255.
  bool normalize_image = false;
};

// Blends heatmap ((h, w) or (h, w, 1), values in [0, 1], resized bilinearly to the image when the sizes differ)
// over image ((H, W, 1) or (H, W, 3), any dtype, values 0-255; grayscale is expanded to RGB). Returns a float32
// (H, W, 3) image with values 0-255, ready for write_png. Throws ShapeError when a shape does not fit and ValueError
// when alpha is outside [0, 1].
Tensor overlay_heatmap(const Tensor& image, const Tensor& heatmap, const OverlayOptions& options = {});

}  // namespace fovea::viz
