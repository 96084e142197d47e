// The autograd engine: recording nodes, and the reverse topological walk of backward().
#include "fovea/autograd/autograd.h"

#include <unordered_map>

#include "backends/backend.h"
#include "fovea/core/error.h"

namespace fovea::autograd {
namespace {

thread_local bool t_grad_enabled = true;

// The sink for a leaf tensor's gradient. Holds the leaf weakly so the graph never keeps parameters alive.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf)
      : Node("AccumulateGrad", {}, {leaf->shape}, nullptr), leaf_(leaf) {}
  std::vector<Tensor> apply(std::vector<Tensor> grad_outputs, bool retain_graph) override;
  void release() override {}

 private:
  std::weak_ptr<TensorImpl> leaf_;
};

// Returns a + b as a new tensor, so that gradients shared between consumers are never modified in place.
Tensor sum_of(const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  backend_for(Kernel::binary, a.dtype()).binary(BinaryKind::add, a, b, out);
  return out;
}

void accumulate(Tensor& slot, const Tensor& g) { slot = slot.defined() ? sum_of(slot, g) : g; }

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor> grad_outputs, bool /*retain_graph*/) {
  if (auto leaf = leaf_.lock()) accumulate(leaf->grad, grad_outputs[0]);
  return {};
}

std::shared_ptr<Node> grad_accumulator(const std::shared_ptr<TensorImpl>& leaf) {
  if (!leaf->grad_accumulator) leaf->grad_accumulator = std::make_shared<AccumulateGrad>(leaf);
  return leaf->grad_accumulator;
}

Edge edge_to(const Tensor& input) {
  if (!input.defined() || !input.requires_grad()) return {};
  const auto& impl = input.impl();
  if (impl->grad_fn) return {impl->grad_fn, impl->output_index};
  return {grad_accumulator(impl), 0};
}

}  // namespace

bool grad_enabled() { return t_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }

bool BackwardContext::grad_output_is_exclusive(int i) const {
  const auto& impl = grad_outputs_[i].impl();
  return impl != nullptr && impl.use_count() == 1 && impl->storage.use_count() == 1;
}

std::vector<Tensor> Node::apply(std::vector<Tensor> grad_outputs, bool retain_graph) {
  FOVEA_CHECK(fn_ != nullptr, ValueError, "backward through '", name_,
              "' a second time: its graph was freed after the first backward(); pass retain_graph=true");
  std::vector<bool> needs(next_.size());
  for (size_t i = 0; i < next_.size(); ++i) needs[i] = next_[i].node != nullptr;
  BackwardContext ctx(std::move(grad_outputs), std::move(needs), retain_graph);
  fn_(ctx);
  return std::move(ctx.grad_inputs());
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

void record(const std::string& name, const std::vector<Tensor>& inputs, std::vector<Tensor*> outputs,
            BackwardFn fn) {
  if (!needs_grad(inputs)) return;
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor& input : inputs) edges.push_back(edge_to(input));
  std::vector<Shape> shapes;
  for (const Tensor* out : outputs) shapes.push_back(out->shape());
  auto node = std::make_shared<Node>(name, std::move(edges), std::move(shapes), std::move(fn));
  node->dtype = outputs.empty() ? DType::f32 : outputs[0]->dtype();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& impl = outputs[i]->impl();
    impl->grad_fn = node;
    impl->output_index = static_cast<int>(i);
    impl->requires_grad = true;
  }
}

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  FOVEA_CHECK(root.defined() && root.requires_grad(), ValueError,
              "backward() on a tensor that does not require grad: no parameter it depends on has "
              "set_requires_grad(true), or it was computed under NoGradGuard");
  Tensor seed = gradient;
  if (!seed.defined()) {
    FOVEA_CHECK(root.numel() == 1, ShapeError, "backward() without a gradient needs a scalar, got shape ",
                root.shape().to_string(), "; pass a gradient of that shape");
    seed = Tensor::ones(root.shape(), root.dtype());
  }
  FOVEA_CHECK(seed.shape() == root.shape(), ShapeError, "backward(): gradient shape ", seed.shape().to_string(),
              " differs from the tensor's shape ", root.shape().to_string());

  NoGradGuard no_grad;
  const Edge start = edge_to(root);

  // Count, for every node reachable from the root, how many edges lead into it.
  std::unordered_map<Node*, int> dependencies;
  std::vector<Node*> stack{start.node.get()};
  dependencies[start.node.get()] = 0;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const Edge& e : node->next()) {
      if (!e.node) continue;
      auto [it, inserted] = dependencies.try_emplace(e.node.get(), 0);
      ++it->second;
      if (inserted) stack.push_back(e.node.get());
    }
  }

  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  buffers[start.node.get()].resize(start.node->output_shapes().size());
  buffers[start.node.get()][start.output_index] = seed;
  std::vector<Node*> ready{start.node.get()};
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    std::vector<Tensor> grads = std::move(buffers[node]);
    buffers.erase(node);
    grads.resize(node->output_shapes().size());
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!grads[i].defined()) grads[i] = Tensor::zeros(node->output_shapes()[i], node->dtype);
    }
    std::vector<Tensor> input_grads = node->apply(std::move(grads), retain_graph);
    if (!retain_graph) node->release();
    for (size_t i = 0; i < node->next().size(); ++i) {
      const Edge& e = node->next()[i];
      if (!e.node) continue;
      if (i < input_grads.size() && input_grads[i].defined()) {
        const Shape& expected = e.node->output_shapes()[e.output_index];
        FOVEA_CHECK(input_grads[i].shape() == expected, ShapeError, "backward of '", node->name(),
                    "' produced a gradient of shape ", input_grads[i].shape().to_string(), " for input ", i,
                    " whose shape is ", expected.to_string());
        auto& slots = buffers[e.node.get()];
        slots.resize(e.node->output_shapes().size());
        accumulate(slots[e.output_index], input_grads[i]);
      }
      if (--dependencies[e.node.get()] == 0) ready.push_back(e.node.get());
    }
  }
}

}  // namespace fovea::autograd

namespace fovea {
void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::backward(*this, gradient, retain_graph);
}
}  // namespace fovea
