// The Keras-style layer: options fixed at construction, weights created lazily by build(input_shapes), a pure
// compute_output_shape(), and call() on real tensors. Layer is a cheap handle (shared ownership) to a LayerImpl;
// calling a Layer on symbolic tensors builds a functional graph, calling it on real tensors runs it.
//
//   SymbolicTensor x = Input({28, 28, 1});
//   SymbolicTensor y = Dense({.units = 10})(Flatten()(x));
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fovea/core/tensor.h"
#include "fovea/layers/constraints.h"
#include "fovea/layers/initializers.h"
#include "fovea/layers/regularizers.h"
#include "fovea/ops/conv.h"

namespace fovea {

// Keras's data_format. channels_last (N, spatial..., C) is the default of every layer.
using DataFormat = Layout;

// A variable owned by a layer.
struct Weight {
  std::string name{};  // "kernel", "bias", "gamma", "moving_mean", ...
  Tensor value{};
  bool trainable = true;  // false for batch-norm moving statistics
  RegularizerPtr regularizer{};
  ConstraintPtr constraint{};
  Dims fan_in_axes{};  // the axes a norm constraint reduces over by default
};

// Per spatial dimension: how a layer maps positions, for receptive-field arithmetic in summary().
struct SpatialWindow {
  Dims kernel{};  // effective extent (dilation included); empty means the layer keeps positions as they are
  Dims strides{};
};

class LayerImpl {
 public:
  virtual ~LayerImpl() = default;

  // Keras class name ("Conv2D") and the base of generated names ("conv2d").
  virtual std::string class_name() const = 0;
  std::string default_name_base() const;
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // How many inputs the layer takes: 1 for most, 2 or more for merge layers (min_inputs > 1).
  virtual int min_inputs() const { return 1; }
  virtual int max_inputs() const { return 1; }

  // Pure: the output shape for these input shapes (the batch dimension is -1, printed None). Throws ShapeError
  // naming the layer and both shapes when the inputs do not fit.
  virtual Shape compute_output_shape(const std::vector<Shape>& inputs) const = 0;
  // Creates the weights for these input shapes; called once, before the first call. Default: no weights.
  virtual void build(const std::vector<Shape>& inputs);
  bool built() const { return built_; }
  // Validates the input count and shapes, then builds once (later calls must agree with the built shapes).
  void ensure_built(const std::vector<Shape>& inputs);

  // Runs the layer on real tensors (batch first). training selects dropout and batch-norm behaviour.
  virtual Tensor call(const std::vector<Tensor>& inputs, bool training) = 0;
  // Whether call() takes integer tensors (stored pixels, uint8) and converts them itself: the preprocessing layers
  // do, so a model whose inputs feed only such layers accepts the bytes a data set stores.
  virtual bool accepts_integer_input() const { return false; }

  // Keras get_config(): the constructor arguments plus "name" and "trainable".
  virtual nlohmann::json config() const;

  // Weights in creation order; trainable ones first is not guaranteed (Keras keeps creation order too).
  std::vector<Weight>& weights() { return weights_; }
  const std::vector<Weight>& weights() const { return weights_; }
  Weight& weight(const std::string& name);
  std::vector<Tensor> get_weights() const;
  // Replaces weight values; throws ValueError naming the layer and weight when a count or shape differs.
  void set_weights(const std::vector<Tensor>& values);
  int64_t count_params() const;
  int64_t count_trainable_params() const;

  // Freezing: a non-trainable layer's weights are all reported as non-trainable and get no gradient.
  bool trainable() const { return trainable_; }
  // Also turns gradient tracking of the trainable weights off or on, so frozen weights get no gradient.
  void set_trainable(bool value);

  // For summary(): multiply-accumulate count of one sample, and the spatial window (empty = pointwise).
  virtual int64_t macs(const std::vector<Shape>& inputs, const Shape& output) const;
  virtual SpatialWindow spatial_window() const { return {}; }

  // Sum of the regularization penalties of this layer's weights (and activity penalties from the last call).
  Tensor regularization_loss() const;

 protected:
  // Adds a weight initialized by init with the given fans; used by build().
  Weight& add_weight(const std::string& name, const Shape& shape, const InitializerPtr& init, const Fans& fans,
                     bool trainable = true);
  // Prefix for error messages: "Conv2D 'conv2d_1'".
  std::string describe() const;
  // Checks that every input has the given rank (batch included); the error names the layer and the expected form.
  void expect_rank(const std::vector<Shape>& inputs, int rank, const std::string& form) const;
  // Records the activity-regularization penalty of the current call (layers with activity_regularizer).
  void set_activity_loss(const Tensor& loss) { activity_loss_ = loss; }

 private:
  std::string name_;
  bool built_ = false;
  bool trainable_ = true;
  std::vector<Shape> built_shapes_;
  std::vector<Weight> weights_;
  Tensor activity_loss_;
};

class SymbolicTensor;

// A shared handle to a layer. Copies refer to the same layer (and the same weights).
class Layer {
 public:
  Layer() = default;
  explicit Layer(std::shared_ptr<LayerImpl> impl) : impl_(std::move(impl)) {}

  LayerImpl* operator->() const { return impl_.get(); }
  LayerImpl& operator*() const { return *impl_; }
  const std::shared_ptr<LayerImpl>& ptr() const { return impl_; }
  // The concrete layer type, or null when it is another type.
  template <class T>
  T* as() const {
    return dynamic_cast<T*>(impl_.get());
  }

  // Applies the layer to symbolic tensors (functional API): builds it on first use and checks shapes.
  SymbolicTensor operator()(const SymbolicTensor& input) const;
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& inputs) const;
  // Runs the layer on real tensors, building it from their shapes on first use.
  Tensor operator()(const Tensor& input, bool training = false) const;

 private:
  std::shared_ptr<LayerImpl> impl_;
};

// A node of the functional graph: one application of a layer to symbolic inputs.
struct GraphNode {
  Layer layer;
  std::vector<SymbolicTensor> inputs;
  Shape output_shape;
};

// A placeholder for data flowing through a functional model: its shape (batch as -1) and where it comes from.
class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  explicit SymbolicTensor(std::shared_ptr<GraphNode> node) : node_(std::move(node)) {}
  const Shape& shape() const { return node_->output_shape; }
  const std::shared_ptr<GraphNode>& node() const { return node_; }

 private:
  std::shared_ptr<GraphNode> node_;
};

// Input: the entry of a functional model. shape excludes the batch dimension, as in Keras. batch_size fixes the
// batch dimension (Keras's Input(batch_size=...)); -1 leaves it free (None).
SymbolicTensor Input(const Shape& shape, const std::string& name = "", int64_t batch_size = -1);
// The InputLayer behind Input(), for Sequential's first entry.
Layer InputLayer(const Shape& shape, const std::string& name = "", int64_t batch_size = -1);

// Makes a Layer of type T with options: make_layer<Conv2DImpl>(options).
template <class T, class... Args>
Layer make_layer(Args&&... args) {
  return Layer(std::make_shared<T>(std::forward<Args>(args)...));
}

}  // namespace fovea
