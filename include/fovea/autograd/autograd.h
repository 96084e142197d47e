// Reverse-mode automatic differentiation over recorded ops.
// Ops record a Node per call (when grad mode is on and an input requires grad); backward() walks the graph in
// reverse topological order and accumulates gradients into leaf tensors' grad().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"

namespace fovea::autograd {

// Whether ops record the graph on this thread (true by default).
bool grad_enabled();

// Turns recording off for its lifetime: inference and optimizer updates run inside one.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// What a backward rule sees: the gradients of the op's outputs (zero-filled where none arrived), which inputs
// need a gradient, and where to put them.
class BackwardContext {
 public:
  BackwardContext(std::vector<Tensor> grad_outputs, std::vector<bool> needs_grad, bool retain_graph = true)
      : grad_outputs_(std::move(grad_outputs)), needs_grad_(std::move(needs_grad)),
        grad_inputs_(needs_grad_.size()), retain_graph_(retain_graph) {}
  const Tensor& grad_output(int i = 0) const { return grad_outputs_[i]; }
  bool needs_grad(int input) const { return needs_grad_[input]; }
  // True when the rule may overwrite grad_output(i) in place (and return it as a gradient): no other tensor
  // shares its memory, neither another consumer's gradient nor a leaf's grad() nor the caller's seed.
  bool grad_output_is_exclusive(int i = 0) const;
  // False when this is the graph's last backward: a rule may then drop what it saved as soon as it is done
  // with it, so that memory is free for the rest of its own work.
  bool retain_graph() const { return retain_graph_; }
  // The gradient for input i; it must have that input's shape.
  void set_grad(int input, Tensor grad) { grad_inputs_[input] = std::move(grad); }
  std::vector<Tensor>& grad_inputs() { return grad_inputs_; }

 private:
  std::vector<Tensor> grad_outputs_;
  std::vector<bool> needs_grad_;
  std::vector<Tensor> grad_inputs_;
  bool retain_graph_ = true;
};

using BackwardFn = std::function<void(BackwardContext&)>;

// Where a node sends the gradient for one of its inputs.
struct Edge {
  std::shared_ptr<class Node> node;  // null when that input needs no gradient
  int output_index = 0;
};

// One recorded op. Captures only what its backward rule needs; inputs are referenced through edges.
class Node {
 public:
  Node(std::string name, std::vector<Edge> next, std::vector<Shape> output_shapes, BackwardFn fn)
      : name_(std::move(name)), next_(std::move(next)), output_shapes_(std::move(output_shapes)),
        fn_(std::move(fn)) {}
  virtual ~Node() = default;
  const std::string& name() const { return name_; }
  const std::vector<Edge>& next() const { return next_; }
  const std::vector<Shape>& output_shapes() const { return output_shapes_; }
  DType dtype = DType::f32;
  // Runs the backward rule; returns one gradient per input (undefined where none is needed). Without
  // retain_graph the rule may free what it saved while it runs (release() follows anyway).
  virtual std::vector<Tensor> apply(std::vector<Tensor> grad_outputs, bool retain_graph = true);
  // Frees what the rule captured once the graph is not retained.
  virtual void release() { fn_ = nullptr; }

 private:
  std::string name_;
  std::vector<Edge> next_;
  std::vector<Shape> output_shapes_;
  BackwardFn fn_;
};

// True when recording is on and any of the tensors requires grad.
bool needs_grad(const std::vector<Tensor>& inputs);

// Records an op: makes a Node over inputs with the backward rule and marks outputs as produced by it.
// Does nothing when needs_grad(inputs) is false.
void record(const std::string& name, const std::vector<Tensor>& inputs, std::vector<Tensor*> outputs,
            BackwardFn fn);

// Back-propagates `gradient` (ones for a scalar when undefined) from root through the graph.
void backward(const Tensor& root, const Tensor& gradient = Tensor(), bool retain_graph = false);

}  // namespace fovea::autograd
