// Shared by Grad-CAM and saliency: input checks, the class score before the softmax, the gradient-pass guard.
#include "viz/gradcam_support.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/layers/activations.h"
#include "fovea/layers/dense.h"
#include "fovea/ops/math.h"

namespace fovea::viz::gradcam_detail {
namespace {

std::mutex& gradient_pass_mutex() {
  static std::mutex m;
  return m;
}

bool is_integer(DType t) { return t == DType::u8 || t == DType::i32 || t == DType::i64; }

// The logits behind the output node when its layer ends in a softmax over the classes; undefined otherwise.
Tensor logits_before_softmax(const GraphNode& node, const NodeValues& values) {
  if (node.inputs.size() != 1) return Tensor();
  const Tensor& x = values.at(node.inputs[0].node().get());
  const LayerImpl& layer = *node.layer;
  if (const auto* dense_layer = dynamic_cast<const DenseImpl*>(&layer)) {
    const DenseOptions& o = dense_layer->options();
    if (o.activation.kind != ActivationKind::softmax) return Tensor();
    return dense(x, {layer.weights()[0].value, o.use_bias ? layer.weights()[1].value : Tensor()}, Activation());
  }
  if (const auto* act = dynamic_cast<const ActivationLayerImpl*>(&layer)) {
    return act->options().activation.kind == ActivationKind::softmax ? x : Tensor();
  }
  const nlohmann::json config = layer.config();
  const int rank = x.rank();
  if (layer.class_name() == "Softmax") {
    const int axis = config.value("axis", -1);
    return axis == -1 || axis == rank - 1 ? x : Tensor();
  }
  // An imported ONNX Softmax that no Keras layer expressed (opset < 13's flattening form): over the classes only
  // when the data is (batch, classes).
  if (layer.class_name() == "OnnxSoftmax" && rank == 2) {
    const nlohmann::json attributes = config.value("attributes", nlohmann::json::object());
    return attributes.value("fn", std::string()) == "softmax" ? x : Tensor();
  }
  return Tensor();
}

}  // namespace

GradientPass::GradientPass(Model& model) : lock_(gradient_pass_mutex()) {
  for (Weight* w : model.weights()) {
    if (w->value.defined()) saved_.emplace_back(w->value, w->value.grad());
  }
}

GradientPass::~GradientPass() {
  for (auto& [weight, grad] : saved_) weight.set_grad(grad);
}

Tensor batch_of_one(const Model& model, const Tensor& image, const std::string& who) {
  FOVEA_CHECK(model.inputs().size() == 1, ValueError, who, ": model '", model.name(), "' has ",
              model.inputs().size(), " inputs; only models with one image input are supported");
  const Shape& expected = model.inputs()[0].shape();
  FOVEA_CHECK(expected.rank() == 4, ValueError, who, ": model '", model.name(), "' takes inputs of shape ",
              expected.to_string(true), "; only models of 2-D images, (batch, H, W, C) or (batch, C, H, W), are supported");
  FOVEA_CHECK(image.defined(), ValueError, who, ": the image is an undefined tensor");
  FOVEA_CHECK(image.rank() == 3 || (image.rank() == 4 && image.dim(0) == 1), ShapeError, who,
              ": expected one image, (H, W, C) or a batch of one (1, H, W, C) in the model's layout, but got shape ",
              image.shape().to_string());
  FOVEA_CHECK(autograd::grad_enabled(), ValueError, who,
              " differentiates the model: call it where gradient recording is on (not under a NoGradGuard)");
  Tensor x = image.rank() == 3 ? image.view(Shape{1, image.dim(0), image.dim(1), image.dim(2)}) : image;
  // Stored pixels go through the model's preprocessing front as float32, which it takes too and which can carry a
  // gradient.
  if (is_integer(x.dtype())) x = x.to(DType::f32);
  return x.detach();
}

ScoreTarget class_score(const Model& model, const NodeValues& values, int64_t class_index) {
  FOVEA_CHECK(model.outputs().size() == 1, ValueError, "model '", model.name(), "' has ", model.outputs().size(),
              " outputs; Grad-CAM and saliency explain models with one output of class scores");
  const GraphNode& out_node = *model.outputs()[0].node();
  const Tensor& output = values.at(&out_node);
  const int64_t classes = output.numel();
  FOVEA_CHECK(classes >= 1, ValueError, "model '", model.name(), "' gives an empty output");
  const std::vector<double> out = output.to_vector();
  const auto predicted = static_cast<int64_t>(std::max_element(out.begin(), out.end()) - out.begin());
  const int64_t c = class_index < 0 ? predicted : class_index;
  FOVEA_CHECK(class_index >= -1 && c < classes, ValueError, "class index ", class_index,
              " is out of range: model '", model.name(), "' has ", classes, " classes (0 to ", classes - 1,
              "; -1 for the predicted one)");

  ScoreTarget t;
  t.root = logits_before_softmax(out_node, values);
  t.explained.score_is_logit = t.root.defined();
  if (!t.root.defined()) t.root = output;
  FOVEA_CHECK(t.root.numel() == classes, ValueError, "model '", model.name(), "': the scores before the softmax ",
              t.root.shape().to_string(), " do not match its output ", output.shape().to_string());
  t.explained.index = c;
  t.explained.output = out[static_cast<size_t>(c)];
  t.explained.score = t.root.to_vector()[static_cast<size_t>(c)];
  std::vector<double> one_hot(static_cast<size_t>(classes), 0.0);
  one_hot[static_cast<size_t>(c)] = 1.0;
  t.seed = Tensor::from_vector(t.root.shape(), one_hot, t.root.dtype());
  return t;
}

NodeGradient gradient_at(Model& model, const Tensor& x, const GraphNode* node, int64_t class_index,
                         const std::string& who, const std::string& what) {
  GradientPass pass(model);
  NodeValues values;
  Tensor leaf;
  model.call_with_hook({x}, [&](const GraphNode& applied, const Tensor& output) {
    Tensor value = output;
    if (&applied == node) {
      value = output.detach();
      value.set_requires_grad(true);
      leaf = value;
    }
    values[&applied] = value;
    return value;
  });
  const ScoreTarget score = class_score(model, values, class_index);
  FOVEA_CHECK(score.root.requires_grad(), ValueError, who, ": the output of model '", model.name(),
              "' does not depend on ", what);
  score.root.backward(score.seed);
  NodeGradient result{.value = leaf, .gradient = {}, .target = score.explained};
  const Tensor g = leaf.grad();
  result.gradient = g.defined() ? g.to_vector() : std::vector<double>(static_cast<size_t>(leaf.numel()), 0.0);
  return result;
}

double scale_to_unit(const std::vector<double>& values, const Shape& shape, Tensor* out) {
  double top = 0.0;
  for (const double v : values) top = std::max(top, v);
  std::vector<float> scaled(values.size(), 0.0f);
  if (top > 0.0) {
    for (size_t i = 0; i < values.size(); ++i) scaled[i] = static_cast<float>(std::max(0.0, values[i]) / top);
  }
  *out = Tensor::from_vector(shape, scaled);
  return top;
}

}  // namespace fovea::viz::gradcam_detail
