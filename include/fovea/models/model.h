// Models: a functional Model is a DAG of layer applications from Input tensors to outputs; Sequential is a
// Model built from a list of layers. Both check shapes as layers are connected, before any data flows.
//
//   auto x = Input({28, 28, 1});
//   auto y = Dense({.units = 10, .activation = Activation::of(ActivationKind::softmax)})(Flatten()(x));
//   Model model(x, y);
//   std::cout << model.summary();
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fovea/layers/layer.h"

namespace fovea {

// Model's compile/fit/evaluate/predict members take and give the types of higher layers: train's options and
// results (fovea/train/training.h, fovea/train/callbacks.h), data's Dataset and DataLoader. They are only declared
// here, so that models does not depend on those layers; include fovea/train/training.h (or fovea/fovea.h) to call
// the members. Overloads stand in for default arguments, which would need the complete option types.
class DataLoader;
class History;
class Logs;
class Optimizer;
struct CompileOptions;
struct Dataset;
struct EvaluateOptions;
struct FitOptions;
struct PredictOptions;
struct TrainingState;  // src/train/fit/training_state.h
namespace losses {
class Loss;
}

// Optional columns for summary(), beyond Keras's table.
struct SummaryOptions {
  bool macs = false;               // multiply-accumulates per sample
  bool receptive_field = false;    // receptive field of each output position, in input pixels
  bool activation_memory = false;  // bytes of each layer's output per sample (float32)
  // When > 0, adds an estimate of training memory at this batch size (weights, gradients, Adam state,
  // activations kept for backward).
  int64_t batch_size = 0;
};

// Threads: inference (call() and operator() with training false under a NoGradGuard, predict() and
// predict_on_batch()) may run on any number of threads at once on one model, with outputs bit for bit those of one
// call at a time. Each calling thread runs kernels with its own
// OpenMP thread count (set_num_threads on that thread): with N callers on C cores, C / N each avoids
// oversubscription. Everything that changes the model or its compiled state (fit, evaluate and the *_on_batch
// steps, which keep running metrics; compile, set_trainable, writing weights) needs the model to itself: not
// concurrently with any other call on it.
class Model {
 public:
  Model() = default;
  Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs,
        const std::string& name = "");
  Model(const SymbolicTensor& input, const SymbolicTensor& output, const std::string& name = "");
  virtual ~Model() = default;

  const std::string& name() const { return name_; }
  // The layers in topological order (Input layers included, as in Keras's functional models).
  const std::vector<Layer>& layers() const { return layers_; }
  Layer get_layer(const std::string& name) const;
  Layer get_layer(int index) const;
  // The symbolic output of a layer inside this model (Keras's model.get_layer(name).output), to build a new
  // model on top of it that shares this model's layers and weights. A negative index counts from the end.
  SymbolicTensor layer_output(const std::string& layer_name) const;
  SymbolicTensor layer_output(int index) const;
  const std::vector<SymbolicTensor>& inputs() const { return inputs_; }
  const std::vector<SymbolicTensor>& outputs() const { return outputs_; }
  // The layer applications in topological order (Input nodes first), with their output shapes.
  const std::vector<std::shared_ptr<GraphNode>>& nodes() const { return nodes_; }

  // Runs the model on real tensors (batch first). Throws ShapeError naming the input when a shape differs.
  virtual std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training = false);
  Tensor operator()(const Tensor& input, bool training = false);

  // What call_with_hook() calls with each layer application (Input nodes included) and the output it computed;
  // what it returns takes that output's place for every later layer (return `output` to only look at it).
  using LayerOutputHook = std::function<Tensor(const GraphNode& node, const Tensor& output)>;
  // call() with a forward hook (as PyTorch's) on every layer application's output, run on the calling thread in
  // topological order: Grad-CAM swaps an activation for a leaf that requires grad to read its gradient. Each layer
  // application runs on its own (none of call()'s fusions), so the hook sees every output and what it returns is
  // what later layers read. The hook is not stored in the model: concurrent calls are as safe as call()'s.
  // Requires a built model (ValueError for a Sequential not yet built or called); an empty batch runs no hook.
  std::vector<Tensor> call_with_hook(const std::vector<Tensor>& inputs, const LayerOutputHook& hook,
                                     bool training = false);

  // All weights of all layers, in layer order; trainable_weights() honours each layer's trainable flag.
  std::vector<Weight*> weights();
  std::vector<Tensor> trainable_weights();
  int64_t count_params() const;
  int64_t count_trainable_params() const;
  int64_t count_non_trainable_params() const;
  // Multiply-accumulates of one sample's forward pass (the total of summary()'s MACs column).
  int64_t count_macs() const;
  // Sum of every layer's regularization penalty (undefined when there is none).
  Tensor regularization_loss() const;

  // The Keras summary table, with optional extra columns.
  std::string summary(const SummaryOptions& options = {}) const;

  // ---- training (Keras's compile / fit / evaluate / predict; implemented in src/train; see above) ----
  // Sets the optimizer, loss and metrics. Throws ValueError when the loss is missing or a name is unknown.
  void compile(const CompileOptions& options);
  bool compiled() const;
  // The compiled optimizer, loss and metrics (ValueError when compile() was not called).
  Optimizer& optimizer();
  const losses::Loss& loss() const;
  // Trains on x (inputs, batch first) and y (targets: class ids, one-hot rows or values) for options.epochs.
  // Returns the per-epoch logs. A shape that does not fit the model is a ShapeError naming the layer.
  // Without options: FitOptions' defaults, here and below.
  History fit(const Tensor& x, const Tensor& y, const FitOptions& options);
  History fit(const Tensor& x, const Tensor& y);
  History fit(const Dataset& data, const FitOptions& options);
  History fit(const Dataset& data);
  // Trains on batches from a loader (its batch size, shuffling and augmentation); validation from options.
  History fit(DataLoader& train, const FitOptions& options);
  History fit(DataLoader& train);
  // The loss and metrics over all samples, in inference mode.
  Logs evaluate(const Tensor& x, const Tensor& y, const EvaluateOptions& options);
  Logs evaluate(const Tensor& x, const Tensor& y);
  Logs evaluate(const Dataset& data, const EvaluateOptions& options);
  Logs evaluate(const Dataset& data);
  // Outputs for x in inference mode, batch by batch, concatenated.
  Tensor predict(const Tensor& x, const PredictOptions& options);
  Tensor predict(const Tensor& x);
  // One optimizer step on one batch; returns the running loss and metric values since the last
  // reset_metrics() (call it first for one batch's values). A batch whose loss is not finite updates no weight
  // (its loss still reaches the logs, so TerminateOnNaN sees it).
  Logs train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = Tensor());
  Logs test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = Tensor());
  Tensor predict_on_batch(const Tensor& x);
  void reset_metrics();
  // Callbacks set this to end fit() after the current batch; fit() clears it when it starts.
  void stop_training(bool value);
  bool stop_training() const;

  // Keras-shaped architecture document: {"class_name": "Functional" | "Sequential", "config": {...}}.
  virtual nlohmann::json to_config() const;
  std::string to_json(int indent = 2) const;  // to_config() as text

 protected:
  // Connects the graph from inputs to outputs: collects nodes in topological order and names layers.
  void set_graph(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs);
  // Gives every unnamed layer a Keras name unique in this model ("conv2d", "conv2d_1", ...).
  void assign_name(Layer& layer);
  // call()'s work; hook is null for call() itself, which then fuses what it can.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, bool training, const LayerOutputHook* hook);
  bool is_sequential_ = false;
  std::string name_;
  std::vector<SymbolicTensor> inputs_;
  std::vector<SymbolicTensor> outputs_;
  std::vector<std::shared_ptr<GraphNode>> nodes_;  // topological order, Input nodes first
  std::vector<Layer> layers_;
  std::shared_ptr<TrainingState> training_;  // set by compile()
};

// A linear stack of layers. With an Input layer first (or after the first call on data) the graph is built
// and every added layer is checked against the previous output shape immediately.
class Sequential : public Model {
 public:
  explicit Sequential(const std::vector<Layer>& layers = {}, const std::string& name = "");
  // Appends a layer; throws ShapeError naming it when it does not fit the previous output.
  void add(const Layer& layer);
  // Builds the graph for inputs of this shape (batch excluded), when no Input layer was given.
  void build(const Shape& input_shape);
  bool built() const { return !inputs_.empty(); }
  std::vector<Tensor> call(const std::vector<Tensor>& inputs, bool training = false) override;
  nlohmann::json to_config() const override;

 private:
  std::vector<Layer> pending_;  // layers added before the input shape is known
};

}  // namespace fovea
