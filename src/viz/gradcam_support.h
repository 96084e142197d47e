// What Grad-CAM and saliency share: the image as a batch of one, the class score to differentiate, the lock and
// weight-gradient snapshot around a backward pass, and heatmap scaling.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fovea/models/model.h"
#include "fovea/viz/gradcam.h"

namespace fovea::viz::gradcam_detail {

// The value every layer application produced in one hooked forward pass.
using NodeValues = std::unordered_map<const GraphNode*, Tensor>;

// A backward pass through a model accumulates into its weights' grad(): while one lives, the process's gradient
// passes take turns (the weights' gradient slots and accumulators are shared by every caller) and each weight's
// grad() is put back as it was when it ends.
class GradientPass {
 public:
  explicit GradientPass(Model& model);
  ~GradientPass();
  GradientPass(const GradientPass&) = delete;
  GradientPass& operator=(const GradientPass&) = delete;

 private:
  std::unique_lock<std::mutex> lock_;
  std::vector<std::pair<Tensor, Tensor>> saved_;  // (weight, its grad() before the pass)
};

// Checks what grad_cam and saliency_map require of the model and the image (`who` names the caller in messages)
// and returns the image as a floating batch of one.
Tensor batch_of_one(const Model& model, const Tensor& image, const std::string& who);

// The score to differentiate: root (the logits, or the output when the model does not end in a softmax) and seed
// (one-hot at the class), so that root.backward(seed) gives d y^c / d (whatever requires grad).
struct ScoreTarget {
  ExplainedClass explained{};
  Tensor root{};
  Tensor seed{};
};
ScoreTarget class_score(const Model& model, const NodeValues& values, int64_t class_index);

// One gradient pass: x through the model with node's output made a leaf that records its gradient, then the class
// score back-propagated. Returns that output (its shape as the node produced it) and d y^c / d output (zeros when
// the score does not reach it through differentiable ops); ValueError "<who>: the output of model '<name>' does not
// depend on <what>" when the score does not depend on it at all.
struct NodeGradient {
  Tensor value{};
  std::vector<double> gradient{};
  ExplainedClass target{};
};
NodeGradient gradient_at(Model& model, const Tensor& x, const GraphNode* node, int64_t class_index,
                         const std::string& who, const std::string& what);

// Scales values (any floating tensor) by their maximum into float32 [0, 1] of the given shape; a maximum of zero
// (or below) gives zeros. Returns the maximum.
double scale_to_unit(const std::vector<double>& values, const Shape& shape, Tensor* out);

}  // namespace fovea::viz::gradcam_detail
