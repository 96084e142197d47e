// Public matrix product and dense (x @ kernel + bias, activation fused), with their backward rules.
#include <string>

#include "backends/backend.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/math.h"

namespace fovea {
namespace {

std::string transposes(const MatmulArgs& args) {
  if (args.transpose_a && args.transpose_b) return " with transpose_a and transpose_b";
  if (args.transpose_a) return " with transpose_a";
  if (args.transpose_b) return " with transpose_b";
  return "";
}

// The unrecorded kernel call: activation(op(a) @ op(b) + bias).
Tensor matmul_kernel(const Tensor& a, const Tensor& b, const MatmulArgs& args, const Tensor& bias = Tensor(),
                     const Activation& activation = {}) {
  const int64_t m = args.transpose_a ? a.dim(1) : a.dim(0);
  const int64_t n = args.transpose_b ? b.dim(0) : b.dim(1);
  Tensor y = Tensor::empty({m, n}, a.dtype());
  backend_for(Kernel::matmul, a.dtype()).matmul(args, a, b, bias, activation, y);
  return y;
}

// Whether dense fuses f into the matmul kernel: only where the backward rule can start from the output.
bool fused_in_dense(const Activation& f) {
  return f == Activation::relu() || f.kind == ActivationKind::sigmoid || f.kind == ActivationKind::tanh;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const MatmulArgs& args) {
  FOVEA_CHECK(a.defined() && b.defined(), ValueError, "matmul: an operand is undefined");
  FOVEA_CHECK(a.rank() == 2 && b.rank() == 2, ShapeError, "matmul needs 2-D operands, got a ", a.shape().to_string(),
              " and b ", b.shape().to_string());
  FOVEA_CHECK(a.dtype() == b.dtype(), ValueError, "matmul: operands have different dtypes, ", dtype_name(a.dtype()),
              " and ", dtype_name(b.dtype()));
  const int64_t ka = args.transpose_a ? a.dim(0) : a.dim(1);
  const int64_t kb = args.transpose_b ? b.dim(1) : b.dim(0);
  FOVEA_CHECK(ka == kb, ShapeError, "matmul: inner dimensions differ: a ", a.shape().to_string(), " gives ", ka,
              " and b ", b.shape().to_string(), " gives ", kb, transposes(args));
  Tensor y = matmul_kernel(a, b, args);

  Tensor saved_a = b.requires_grad() ? a.detach() : Tensor();
  Tensor saved_b = a.requires_grad() ? b.detach() : Tensor();
  autograd::record("matmul", {a, b}, {&y}, [args, saved_a, saved_b](autograd::BackwardContext& ctx) {
    const Tensor& g = ctx.grad_output();
    const bool ta = args.transpose_a;
    const bool tb = args.transpose_b;
    // y = A B with A = op(a), B = op(b): dA = g B^T, dB = A^T g, transposed back where a or b was.
    if (ctx.needs_grad(0)) {
      ctx.set_grad(0, ta ? matmul_kernel(saved_b, g, {.transpose_a = tb, .transpose_b = true})
                         : matmul_kernel(g, saved_b, {.transpose_a = false, .transpose_b = !tb}));
    }
    if (ctx.needs_grad(1)) {
      ctx.set_grad(1, tb ? matmul_kernel(g, saved_a, {.transpose_a = true, .transpose_b = ta})
                         : matmul_kernel(saved_a, g, {.transpose_a = !ta, .transpose_b = false}));
    }
  });
  return y;
}

Tensor dense(const Tensor& x, const DenseWeights& weights, const Activation& activation) {
  const Tensor& kernel = weights.kernel;
  const Tensor& bias = weights.bias;
  FOVEA_CHECK(x.defined() && kernel.defined(), ValueError, "dense: the input or the kernel is undefined");
  FOVEA_CHECK(kernel.rank() == 2, ShapeError, "dense: the kernel must be 2-D (in, out), got ",
              kernel.shape().to_string());
  FOVEA_CHECK(x.rank() >= 1 && x.dim(-1) == kernel.dim(0), ShapeError, "dense: input shape ", x.shape().to_string(),
              " does not end in the kernel's input size ", kernel.dim(0), " (kernel ", kernel.shape().to_string(), ")");
  FOVEA_CHECK(x.dtype() == kernel.dtype(), ValueError, "dense: input is ", dtype_name(x.dtype()), " but kernel is ",
              dtype_name(kernel.dtype()));
  if (bias.defined()) {
    FOVEA_CHECK(bias.rank() == 1 && bias.dim(0) == kernel.dim(1), ShapeError, "dense: bias must have shape ",
                Shape{kernel.dim(1)}.to_string(), ", got ", bias.shape().to_string());
    FOVEA_CHECK(bias.dtype() == x.dtype(), ValueError, "dense: input is ", dtype_name(x.dtype()), " but bias is ",
                dtype_name(bias.dtype()));
  }
  // Like Keras, dense acts on the last axis: higher-rank inputs run as (rows, in).
  const Shape x_shape = x.shape();
  Shape y_shape = x_shape;
  y_shape[y_shape.rank() - 1] = kernel.dim(1);
  const Tensor x2 = x.view({-1, kernel.dim(0)});
  const bool fuse = fused_in_dense(activation);
  Tensor y = matmul_kernel(x2, kernel, {}, bias, fuse ? activation : Activation{}).view(y_shape);

  Tensor saved_x = kernel.requires_grad() ? x2.detach() : Tensor();
  Tensor saved_kernel = x.requires_grad() ? kernel.detach() : Tensor();
  Tensor saved_y = fuse ? y.detach().view({-1, kernel.dim(1)}) : Tensor();
  autograd::record(
      "dense", {x, kernel, bias}, {&y},
      [x_shape, activation, saved_x, saved_kernel, saved_y](autograd::BackwardContext& ctx) {
        Tensor g = ctx.grad_output().view(saved_y.defined() ? saved_y.shape() : Shape{-1, ctx.grad_output().dim(-1)});
        if (saved_y.defined()) {
          Tensor dz = Tensor::empty(g.shape(), g.dtype());
          backend_for(Kernel::eltwise_backward, g.dtype()).eltwise_backward(activation, saved_y, true, g, dz);
          g = dz;
        }
        if (ctx.needs_grad(0)) {
          ctx.set_grad(0, matmul_kernel(g, saved_kernel, {.transpose_b = true}).view(x_shape));
        }
        if (ctx.needs_grad(1)) ctx.set_grad(1, matmul_kernel(saved_x, g, {.transpose_a = true}));
        if (ctx.needs_grad(2)) ctx.set_grad(2, sum(g, {0}));
      });
  if (!fuse && !activation.is_linear()) y = fovea::activation(y, activation);
  return y;
}

}  // namespace fovea
