// Public normalization ops: batch_norm (training and inference) and lrn, with their backward rules.
#include "fovea/ops/normalization.h"

#include <string_view>

#include "backends/backend.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/math.h"
#include "ops/batch_norm_relu.h"

namespace fovea {
namespace {

// Normalizes a possibly negative channel axis, naming the op when it is out of range.
int channel_axis(const Tensor& x, int axis, std::string_view op) {
  FOVEA_CHECK(x.defined(), ValueError, op, ": input is undefined");
  const int rank = x.rank();
  FOVEA_CHECK(axis >= -rank && axis < rank, ShapeError, op, ": channel axis ", axis,
              " is out of range for an input of shape ", x.shape().to_string(), " (rank ", rank, ")");
  return axis < 0 ? axis + rank : axis;
}

// A per-channel tensor (gamma, beta, running statistics) must be undefined or of shape (channels) and x's dtype.
void check_per_channel(const Tensor& t, std::string_view name, const Tensor& x, int a) {
  if (!t.defined()) return;
  const Shape expected{x.shape()[a]};
  FOVEA_CHECK(t.shape() == expected, ShapeError, "batch_norm: ", name, " must have shape ", expected.to_string(),
              " (one value per channel of axis ", a, " of the input of shape ", x.shape().to_string(), "), got ",
              t.shape().to_string());
  FOVEA_CHECK(t.dtype() == x.dtype(), ValueError, "batch_norm: ", name, " has dtype ", dtype_name(t.dtype()),
              " but the input has ", dtype_name(x.dtype()));
}

// running = running * momentum + batch * (1 - momentum), in place. One loop over the channels: as tensor ops it was
// three temporaries and a copy per statistic, a dozen small kernel launches per layer and training step.
template <class T>
void update_running_as(Tensor& running, const Tensor& batch, double momentum) {
  T* r = running.data<T>();
  const T* b = batch.data<T>();
  const T keep = static_cast<T>(momentum), take = static_cast<T>(1.0 - momentum);
  for (int64_t i = 0, n = running.numel(); i < n; ++i) r[i] = r[i] * keep + b[i] * take;
}

void update_running(Tensor running, const Tensor& batch, double momentum) {
  if (!running.defined()) return;
  if (running.dtype() == DType::f64) {
    update_running_as<double>(running, batch.to(DType::f64), momentum);
  } else {
    FOVEA_CHECK(running.dtype() == DType::f32, ValueError, "batch_norm: running statistics must be float32 or float64, got ",
                dtype_name(running.dtype()));
    update_running_as<float>(running, batch.to(DType::f32), momentum);
  }
}

// Training mode: batch statistics, running averages updated. With relu, y = max(bn(x), 0) in one kernel where the
// backend fuses them.
Tensor batch_norm_training(const Tensor& x, const BatchNormState& s, const BatchNormArgs& args, int a, bool relu) {
  const AxisGeometry g = axis_geometry(x.shape(), a);
  const DType dtype = x.dtype();
  Tensor y = Tensor::empty(x.shape(), dtype);
  Tensor mean = Tensor::empty({g.channels}, dtype);
  Tensor var = Tensor::empty({g.channels}, dtype);
  Tensor workspace;
  if (relu) {
    backend_for(Kernel::batchnorm_forward_training, dtype)
        .batchnorm_relu_forward_training(g, args.epsilon, x, s.gamma, s.beta, y, mean, var, workspace);
  } else {
    backend_for(Kernel::batchnorm_forward_training, dtype)
        .batchnorm_forward_training(g, args.epsilon, x, s.gamma, s.beta, y, mean, var);
  }
  update_running(s.running_mean, mean, args.momentum);
  update_running(s.running_var, var, args.momentum);

  if (autograd::needs_grad({x, s.gamma, s.beta})) {
    const Tensor saved_x = x.detach();
    const Tensor saved_y = relu ? y.detach() : Tensor();
    const Tensor saved_gamma = s.gamma.defined() ? s.gamma.detach() : Tensor();
    const double epsilon = args.epsilon;
    autograd::record(relu ? "batch_norm_relu" : "batch_norm", {x, s.gamma, s.beta}, {&y},
                     [=](autograd::BackwardContext& ctx) {
                       const Tensor& dy = ctx.grad_output(0);
                       Tensor dx = Tensor::empty(saved_x.shape(), dtype);
                       Tensor dgamma = ctx.needs_grad(1) ? Tensor::empty({g.channels}, dtype) : Tensor();
                       Tensor dbeta = ctx.needs_grad(2) ? Tensor::empty({g.channels}, dtype) : Tensor();
                       Backend& backend = backend_for(Kernel::batchnorm_backward, dtype);
                       if (relu) {
                         backend.batchnorm_relu_backward(g, epsilon, saved_x, saved_y, workspace, dy, saved_gamma,
                                                         mean, var, dx, dgamma, dbeta);
                       } else {
                         backend.batchnorm_backward(g, epsilon, saved_x, dy, saved_gamma, mean, var, dx, dgamma,
                                                    dbeta);
                       }
                       if (ctx.needs_grad(0)) ctx.set_grad(0, dx);
                       if (ctx.needs_grad(1)) ctx.set_grad(1, dgamma);
                       if (ctx.needs_grad(2)) ctx.set_grad(2, dbeta);
                     });
  }
  return y;
}

// Inference is affine in x: y = gamma (x - mean) / sqrt(var + eps) + beta with fixed statistics.
Tensor batch_norm_inference(const Tensor& x, const BatchNormState& s, const BatchNormArgs& args, int a) {
  FOVEA_CHECK(s.running_mean.defined() && s.running_var.defined(), ValueError,
              "batch_norm: inference needs running_mean and running_var (the input has shape ", x.shape().to_string(),
              ")");
  const AxisGeometry g = axis_geometry(x.shape(), a);
  const DType dtype = x.dtype();
  Tensor y = Tensor::empty(x.shape(), dtype);
  backend_for(Kernel::batchnorm_forward_inference, dtype)
      .batchnorm_forward_inference(g, args.epsilon, x, s.gamma, s.beta, s.running_mean, s.running_var, y);

  if (autograd::needs_grad({x, s.gamma, s.beta})) {
    const bool want_params = autograd::needs_grad({s.gamma, s.beta});
    const Tensor saved_x = want_params ? x.detach() : Tensor();
    const Tensor gamma = s.gamma.defined() ? s.gamma.detach() : Tensor();
    // The statistics are copied: the running averages change in place during later training steps.
    const Tensor mean = s.running_mean.clone();
    const Tensor var = s.running_var.clone();
    const double epsilon = args.epsilon;
    autograd::record("batch_norm", {x, s.gamma, s.beta}, {&y}, [=](autograd::BackwardContext& ctx) {
      const Tensor& dy = ctx.grad_output(0);
      if (ctx.needs_grad(0)) {
        // dx = dy * gamma / sqrt(var + eps): the inference kernel applied to dy with a zero mean and no beta.
        Tensor dx = Tensor::empty(dy.shape(), dtype);
        backend_for(Kernel::batchnorm_forward_inference, dtype)
            .batchnorm_forward_inference(g, epsilon, dy, gamma, Tensor(), Tensor::zeros({g.channels}, dtype), var, dx);
        ctx.set_grad(0, dx);
      }
      if (ctx.needs_grad(1) || ctx.needs_grad(2)) {
        // dgamma = sum(dy * xhat) and dbeta = sum(dy) have the same form as in training; the kernel's dx (the
        // training-mode one) is not this op's and is dropped.
        Tensor scratch = Tensor::empty(dy.shape(), dtype);
        Tensor dgamma = ctx.needs_grad(1) ? Tensor::empty({g.channels}, dtype) : Tensor();
        Tensor dbeta = ctx.needs_grad(2) ? Tensor::empty({g.channels}, dtype) : Tensor();
        backend_for(Kernel::batchnorm_backward, dtype)
            .batchnorm_backward(g, epsilon, saved_x, dy, gamma, mean, var, scratch, dgamma, dbeta);
        if (ctx.needs_grad(1)) ctx.set_grad(1, dgamma);
        if (ctx.needs_grad(2)) ctx.set_grad(2, dbeta);
      }
    });
  }
  return y;
}

// The checks every batch_norm call makes; returns the channel axis.
int check_batch_norm(const Tensor& x, const BatchNormState& state, const BatchNormArgs& args) {
  const int a = channel_axis(x, args.axis, "batch_norm");
  check_per_channel(state.gamma, "gamma", x, a);
  check_per_channel(state.beta, "beta", x, a);
  check_per_channel(state.running_mean, "running_mean", x, a);
  check_per_channel(state.running_var, "running_var", x, a);
  FOVEA_CHECK(args.epsilon >= 0, ValueError, "batch_norm: epsilon must be non-negative, got ", args.epsilon);
  FOVEA_CHECK(args.momentum >= 0 && args.momentum <= 1, ValueError, "batch_norm: momentum must be in [0, 1], got ",
              args.momentum);
  return a;
}

}  // namespace

Tensor batch_norm(const Tensor& x, const BatchNormState& state, const BatchNormArgs& args) {
  const int a = check_batch_norm(x, state, args);
  return args.training ? batch_norm_training(x, state, args, a, /*relu=*/false) : batch_norm_inference(x, state, args, a);
}

Tensor detail::batch_norm_relu_training(const Tensor& x, const BatchNormState& state, const BatchNormArgs& args) {
  FOVEA_CHECK(args.training, ValueError, "batch_norm_relu_training: args.training must be set");
  return batch_norm_training(x, state, args, check_batch_norm(x, state, args), /*relu=*/true);
}

Tensor lrn(const Tensor& x, const LrnArgs& args) {
  const int a = channel_axis(x, args.axis, "lrn");
  FOVEA_CHECK(args.size >= 1, ValueError, "lrn: size must be at least 1, got ", args.size);
  const AxisGeometry g = axis_geometry(x.shape(), a);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  backend_for(Kernel::lrn_forward, x.dtype()).lrn_forward(g, args, x, y);

  if (!autograd::needs_grad({x})) return y;
  const Tensor saved_x = x.detach();
  autograd::record("lrn", {x}, {&y}, [g, args, saved_x](autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad_output(0);
    Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
    backend_for(Kernel::lrn_backward, dy.dtype()).lrn_backward(g, args, saved_x, dy, dx);
    ctx.set_grad(0, dx);
  });
  return y;
}

}  // namespace fovea
