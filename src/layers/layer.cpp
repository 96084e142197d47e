// The layer base: naming, lazy build, weights, and the Layer handle's calls.
#include "fovea/layers/layer.h"

#include <cctype>
#include <regex>

#include <nlohmann/json.hpp>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/math.h"

namespace fovea {
namespace {

// Every layer's output shape must be one whose tensors fovea can size: the product of its known dimensions (the
// batch and free sizes left out) fits, even in float64. A layer that multiplies sizes itself (Flatten) checks its
// own products first.
void check_indexable(const std::string& layer, const Shape& output) {
  int64_t elements = 1;
  for (int64_t d : output) {
    if (d < 0) continue;  // the batch, or a size only known at run time
    const std::optional<int64_t> product = checked_mul(elements, d);
    FOVEA_CHECK(product && checked_mul(*product, 8), ShapeError, layer, " gives an output of shape ",
                output.to_string(true), ", more elements than fovea can index (at most 2^60)");
    elements = *product;
  }
}

}  // namespace

std::string LayerImpl::default_name_base() const {
  // Keras's to_snake_case: "MaxPooling2D" -> "max_pooling2d", "Conv2D" -> "conv2d", "PReLU" -> "p_re_lu".
  static const std::regex word("(.)([A-Z][a-z0-9]+)");
  static const std::regex hump("([a-z])([A-Z])");
  std::string out = std::regex_replace(std::regex_replace(class_name(), word, "$1_$2"), hump, "$1_$2");
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void LayerImpl::build(const std::vector<Shape>&) {}

void LayerImpl::ensure_built(const std::vector<Shape>& inputs) {
  const int n = static_cast<int>(inputs.size());
  FOVEA_CHECK(n >= min_inputs() && n <= max_inputs(), ValueError, describe(), " expects ",
              min_inputs() == max_inputs() ? std::to_string(min_inputs())
                                           : "at least " + std::to_string(min_inputs()),
              min_inputs() == 1 && max_inputs() == 1 ? " input" : " inputs", " but got ", n);
  check_indexable(describe(), compute_output_shape(inputs));  // throws the layer's own shape errors
  if (built_) {
    for (int i = 0; i < n; ++i) {
      const Shape& was = built_shapes_[i];
      const Shape& now = inputs[i];
      bool same = was.rank() == now.rank();
      for (int d = 1; same && d < now.rank(); ++d) same = was[d] == now[d] || was[d] < 0 || now[d] < 0;
      FOVEA_CHECK(same, ShapeError, describe(), " was built for input shape ", was.to_string(true),
                  " but is now called on ", now.to_string(true));
    }
    return;
  }
  build(inputs);
  built_shapes_ = inputs;
  built_ = true;
}

nlohmann::json LayerImpl::config() const { return {{"name", name_}, {"trainable", trainable_}}; }

Weight& LayerImpl::weight(const std::string& name) {
  for (Weight& w : weights_) {
    if (w.name == name) return w;
  }
  // Name what there is, so a misspelt or misremembered name ("weights" for "kernel") is fixed from the message.
  if (weights_.empty()) {
    throw ValueError(detail::concat(describe(), " has no weight named '", name, "': ",
                                    built_ ? "it has no weights"
                                           : "it is not built yet (a layer makes its weights on its first call)"));
  }
  std::string names;
  for (const Weight& w : weights_) names += (names.empty() ? "" : ", ") + w.name;
  throw ValueError(detail::concat(describe(), " has no weight named '", name, "'; its weights are: ", names));
}

std::vector<Tensor> LayerImpl::get_weights() const {
  std::vector<Tensor> out;
  for (const Weight& w : weights_) out.push_back(w.value);
  return out;
}

void LayerImpl::set_weights(const std::vector<Tensor>& values) {
  FOVEA_CHECK(values.size() == weights_.size(), ValueError, describe(), " has ", weights_.size(),
              " weights but ", values.size(), " values were given");
  for (size_t i = 0; i < values.size(); ++i) {
    FOVEA_CHECK(values[i].shape() == weights_[i].value.shape(), ValueError, describe(), ": weight '",
                weights_[i].name, "' has shape ", weights_[i].value.shape().to_string(), " but the value has shape ",
                values[i].shape().to_string());
  }
  for (size_t i = 0; i < values.size(); ++i) weights_[i].value.copy_(values[i]);
}

void LayerImpl::set_trainable(bool value) {
  trainable_ = value;
  for (Weight& w : weights_) w.value.set_requires_grad(value && w.trainable);
}

int64_t LayerImpl::count_params() const {
  int64_t n = 0;
  for (const Weight& w : weights_) n += w.value.numel();
  return n;
}

int64_t LayerImpl::count_trainable_params() const {
  if (!trainable_) return 0;
  int64_t n = 0;
  for (const Weight& w : weights_) n += w.trainable ? w.value.numel() : 0;
  return n;
}

int64_t LayerImpl::macs(const std::vector<Shape>&, const Shape&) const { return 0; }

Tensor LayerImpl::regularization_loss() const {
  Tensor total = activity_loss_;
  for (const Weight& w : weights_) {
    if (!w.regularizer) continue;
    Tensor penalty = (*w.regularizer)(w.value);
    total = total.defined() ? add(total, penalty) : penalty;
  }
  return total;
}

Weight& LayerImpl::add_weight(const std::string& name, const Shape& shape, const InitializerPtr& init,
                              const Fans& fans, bool trainable) {
  // The shape comes from options (units, filters, kernel sizes) that a config file may set to anything: the
  // product must fit before anything is sized by it, and even in float64 (8 bytes an element).
  const std::optional<int64_t> elements = shape.checked_numel();
  FOVEA_CHECK(elements && checked_mul(*elements, 8), ShapeError, describe(), ": weight '", name, "' of shape ",
              shape.to_string(), " has more elements than fovea can index (at most 2^60)");
  Weight w;
  w.name = name;
  try {
    w.value = (*init)(shape, fans, *DefaultGenerator());
  } catch (const MemoryError& e) {
    throw MemoryError(detail::concat(describe(), ": weight '", name, "': ", e.what()));
  }
  w.value.set_requires_grad(trainable && trainable_);
  w.trainable = trainable;
  weights_.push_back(std::move(w));
  return weights_.back();
}

std::string LayerImpl::describe() const {
  return detail::concat(class_name(), " '", name_.empty() ? default_name_base() : name_, "'");
}

void LayerImpl::expect_rank(const std::vector<Shape>& inputs, int rank, const std::string& form) const {
  for (const Shape& s : inputs) {
    FOVEA_CHECK(s.rank() == rank, ShapeError, describe(), " expects a rank-", rank, " input ", form, " but got ",
                s.to_string(true));
  }
}

SymbolicTensor Layer::operator()(const SymbolicTensor& input) const {
  return (*this)(std::vector<SymbolicTensor>{input});
}

SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& inputs) const {
  FOVEA_CHECK(impl_ != nullptr, ValueError, "calling an empty Layer handle");
  std::vector<Shape> shapes;
  for (const SymbolicTensor& t : inputs) shapes.push_back(t.shape());
  impl_->ensure_built(shapes);
  auto node = std::make_shared<GraphNode>();
  node->layer = *this;
  node->inputs = inputs;
  node->output_shape = impl_->compute_output_shape(shapes);
  return SymbolicTensor(std::move(node));
}

Tensor Layer::operator()(const Tensor& input, bool training) const {
  FOVEA_CHECK(impl_ != nullptr, ValueError, "calling an empty Layer handle");
  Shape shape = input.shape();
  if (shape.rank() > 0) shape[0] = -1;
  impl_->ensure_built({shape});
  return impl_->call({input}, training);
}

}  // namespace fovea
