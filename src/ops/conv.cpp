// Public convolution ops: conv() and conv_transpose(), their output shapes and their backward rules.
#include "fovea/ops/conv.h"

#include "backends/backend.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "fovea/ops/shape_ops.h"
#include "ops/activation_grad.h"
#include "ops/conv_geometry.h"
#include "ops/residual_conv.h"

namespace fovea {
namespace {

// Activations whose derivative the output determines, so the backward rule needs only y: these are fused into
// the convolution kernel. Every other activation runs as a separate op after a linear convolution.
bool fused_in_convolution(const Activation& f) {
  return f.is_linear() || f == Activation::relu() || f.kind == ActivationKind::sigmoid ||
         f.kind == ActivationKind::tanh;
}

void check_weights(const Tensor& x, const ConvWeights& w, int64_t out_channels, std::string_view op) {
  FOVEA_CHECK(w.kernel.dtype() == x.dtype(), ValueError, op, ": kernel dtype ", dtype_name(w.kernel.dtype()),
              " differs from input dtype ", dtype_name(x.dtype()));
  if (!w.bias.defined()) return;
  FOVEA_CHECK(w.bias.dtype() == x.dtype(), ValueError, op, ": bias dtype ", dtype_name(w.bias.dtype()),
              " differs from input dtype ", dtype_name(x.dtype()));
  FOVEA_CHECK(w.bias.shape() == Shape{out_channels}, ShapeError, op, ": bias must have shape ",
              Shape{out_channels}.to_string(), " (one value per output channel), got ", w.bias.shape().to_string());
}

// The shape bias must take to broadcast over an image of the given rank and layout: (1, C, 1...) or (1..., C).
Shape bias_broadcast_shape(int64_t channels, int rank, Layout layout) {
  Shape s = Shape::filled(rank, 1);
  s[layout == Layout::channels_first ? 1 : rank - 1] = channels;
  return s;
}

}  // namespace

Shape conv_output_shape(const Shape& input, const Shape& kernel, const ConvArgs& args) {
  const ConvGeometry g = detail::conv_geometry(input, kernel, args);
  return detail::image_shape(g.batch, g.out_channels, g.out_size, g.layout);
}

Tensor conv(const Tensor& x, const ConvWeights& weights, const ConvArgs& args) {
  FOVEA_CHECK(x.defined() && weights.kernel.defined(), ValueError, "conv: input and kernel must be defined");
  ConvGeometry g = detail::conv_geometry(x.shape(), weights.kernel.shape(), args);
  check_weights(x, weights, g.out_channels, "conv");
  const bool fused = fused_in_convolution(args.activation);
  g.activation = fused ? args.activation : Activation::linear();
  const Tensor& kernel = weights.kernel;
  const Tensor& bias = weights.bias;
  g.inference = !autograd::needs_grad({x, kernel, bias});

  Tensor y = Tensor::empty(detail::image_shape(g.batch, g.out_channels, g.out_size, g.layout), x.dtype());
  backend_for(Kernel::conv_forward, x.dtype()).conv_forward(g, x, weights.kernel, weights.bias, y);

  if (!g.inference) {
    const bool want_weights = autograd::needs_grad({kernel, bias});
    ConvGeometry linear = g;
    linear.activation = Activation::linear();
    // Capture only what each gradient needs; y is captured detached so it does not own its own graph node.
    Tensor saved_x = want_weights ? x.detach() : Tensor();
    Tensor saved_kernel = autograd::needs_grad({x}) ? kernel.detach() : Tensor();
    // A fused ReLU keeps y's sign bits (1/32 of y): y itself is then free once the next op is done with it. The
    // other fused activations need y's values.
    const Activation f = g.activation;
    const bool relu = f == Activation::relu();
    Tensor saved_mask = relu ? detail::relu_mask(y) : Tensor();
    Tensor saved_y = f.is_linear() || relu ? Tensor() : y.detach();
    const Shape x_shape = x.shape();
    const Shape kernel_shape = kernel.shape();
    autograd::record("conv", {x, kernel, bias}, {&y}, [=](autograd::BackwardContext& ctx) mutable {
      // The gradient before the fused activation.
      const Tensor dy = relu ? detail::relu_input_grad(saved_mask, ctx)
                        : f.is_linear() ? ctx.grad_output(0)
                                        : detail::activation_input_grad(f, saved_y, true, ctx);
      // What was saved is freed as soon as it has been used, so that it is not held beside the gradients that
      // follow: y's values or mask now, x after the weights' gradients (computed first for that reason).
      if (!ctx.retain_graph()) saved_y = saved_mask = Tensor();
      if (ctx.needs_grad(1) || ctx.needs_grad(2)) {
        Tensor dw = Tensor::empty(kernel_shape, dy.dtype());
        Tensor db = ctx.needs_grad(2) ? Tensor::empty(Shape{linear.out_channels}, dy.dtype()) : Tensor();
        backend_for(Kernel::conv_backward_weights, dy.dtype()).conv_backward_weights(linear, saved_x, dy, dw, db);
        if (ctx.needs_grad(1)) ctx.set_grad(1, dw);
        if (ctx.needs_grad(2)) ctx.set_grad(2, db);
        if (!ctx.retain_graph()) saved_x = Tensor();
      }
      if (ctx.needs_grad(0)) {
        Tensor dx = Tensor::empty(x_shape, dy.dtype());
        backend_for(Kernel::conv_backward_data, dy.dtype()).conv_backward_data(linear, dy, saved_kernel, dx);
        ctx.set_grad(0, dx);
      }
    });
  }
  if (!fused) y = activation(y, args.activation);
  return y;
}

Tensor detail::conv_with_residual(const Tensor& x, const ConvWeights& weights, const ConvArgs& args,
                                  const Tensor& residual) {
  FOVEA_CHECK(x.defined() && weights.kernel.defined() && residual.defined(), ValueError,
              "conv_with_residual: input, kernel and residual must be defined");
  FOVEA_CHECK(!autograd::needs_grad({x, weights.kernel, weights.bias, residual}), ValueError,
              "conv_with_residual is for inference: no input may need a gradient");
  ConvGeometry g = detail::conv_geometry(x.shape(), weights.kernel.shape(), args);
  check_weights(x, weights, g.out_channels, "conv_with_residual");
  const Shape y_shape = detail::image_shape(g.batch, g.out_channels, g.out_size, g.layout);
  FOVEA_CHECK(residual.shape() == y_shape && residual.dtype() == x.dtype(), ShapeError,
              "conv_with_residual: the residual must have the convolution's output shape ", y_shape.to_string(),
              " and dtype ", dtype_name(x.dtype()), ", got ", residual.shape().to_string(), " ",
              dtype_name(residual.dtype()));
  const bool fused = fused_in_convolution(args.activation);
  g.activation = fused ? args.activation : Activation::linear();
  g.accumulate = true;
  g.inference = true;
  Tensor y = residual.clone();  // the convolution adds onto it
  backend_for(Kernel::conv_forward, x.dtype()).conv_forward(g, x, weights.kernel, weights.bias, y);
  return fused ? y : activation(y, args.activation);
}

Shape conv_transpose_output_shape(const Shape& input, const Shape& kernel, const ConvTransposeArgs& args) {
  const ConvGeometry g = detail::conv_transpose_geometry(input, kernel, args);
  return detail::image_shape(g.batch, g.in_channels, g.in_size, g.layout);
}

Tensor conv_transpose(const Tensor& x, const ConvWeights& weights, const ConvTransposeArgs& args) {
  FOVEA_CHECK(x.defined() && weights.kernel.defined(), ValueError, "conv_transpose: input and kernel must be defined");
  // g describes the convolution that maps this op's output back onto x.
  ConvGeometry g = detail::conv_transpose_geometry(x.shape(), weights.kernel.shape(), args);
  check_weights(x, weights, g.in_channels, "conv_transpose");
  g.activation = Activation::linear();
  const Shape y_shape = detail::image_shape(g.batch, g.in_channels, g.in_size, g.layout);

  Tensor y = Tensor::empty(y_shape, x.dtype());
  const Tensor& kernel = weights.kernel;
  backend_for(Kernel::conv_backward_data, x.dtype()).conv_backward_data(g, x, kernel, y);
  if (autograd::needs_grad({x, kernel})) {
    Tensor saved_x = autograd::needs_grad({kernel}) ? x.detach() : Tensor();
    Tensor saved_kernel = autograd::needs_grad({x}) ? kernel.detach() : Tensor();
    const Shape x_shape = x.shape();
    const Shape kernel_shape = kernel.shape();
    autograd::record("conv_transpose", {x, kernel}, {&y}, [=](autograd::BackwardContext& ctx) {
      const Tensor& dy = ctx.grad_output(0);
      if (ctx.needs_grad(0)) {
        Tensor dx = Tensor::empty(x_shape, dy.dtype());
        backend_for(Kernel::conv_forward, dy.dtype()).conv_forward(g, dy, saved_kernel, Tensor(), dx);
        ctx.set_grad(0, dx);
      }
      if (ctx.needs_grad(1)) {
        Tensor dw = Tensor::empty(kernel_shape, dy.dtype());
        Tensor no_bias;
        backend_for(Kernel::conv_backward_weights, dy.dtype()).conv_backward_weights(g, dy, saved_x, dw, no_bias);
        ctx.set_grad(1, dw);
      }
    });
  }
  // Transposed convolution is off the hot path: bias and activation run as ordinary ops.
  if (weights.bias.defined()) {
    y = add(y, reshape(weights.bias, bias_broadcast_shape(g.in_channels, y.rank(), g.layout)));
  }
  if (!args.activation.is_linear()) y = activation(y, args.activation);
  return y;
}

}  // namespace fovea
