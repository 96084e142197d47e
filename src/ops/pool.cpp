// Public pooling ops: pool() with its shape function and backward rule, and global_pool() built on it.
#include "fovea/ops/pool.h"

#include "backends/backend.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/shape_ops.h"
#include "ops/conv_geometry.h"

namespace fovea {
namespace {

constexpr std::string_view kOp = "pool";

PoolGeometry pool_geometry(const Shape& x, const PoolArgs& args) {
  detail::check_image_rank(x, kOp);
  const int n = x.rank() - 2;
  FOVEA_CHECK(!args.pool_size.empty(), ValueError, kOp,
              ": pool_size is required (one value, or one per spatial dimension)");
  FOVEA_CHECK(args.padding == Padding::valid || args.padding == Padding::same || args.padding == Padding::explicit_,
              ValueError, kOp, ": padding must be 'valid', 'same' or 'explicit', got '",
              detail::padding_name(args.padding), "'");
  PoolGeometry g;
  g.spatial_rank = n;
  g.batch = x[0];
  g.channels = detail::channels_of(x, args.layout);
  g.in_size = detail::spatial_of(x, args.layout);
  g.kernel_size = detail::per_dim(args.pool_size, n, 1, kOp, "pool_size");
  detail::check_positive(g.kernel_size, kOp, "pool_size");
  g.strides = args.strides.empty() ? g.kernel_size : detail::per_dim(args.strides, n, 1, kOp, "strides");
  detail::check_positive(g.strides, kOp, "strides");
  g.kind = args.kind;
  g.count_include_pad = args.count_include_pad;
  g.layout = args.layout;

  const detail::ResolvedPads pads =
      detail::resolve_pads(args.padding, g.in_size, g.kernel_size, g.strides, args.pads_begin, args.pads_end, kOp);
  g.pads_begin = pads.begin;
  g.pads_end = pads.end;
  for (int i = 0; i < n; ++i) {
    // A window made only of padding would have no value to pool.
    FOVEA_CHECK(pads.begin[i] < g.kernel_size[i] && pads.end[i] < g.kernel_size[i], ValueError, kOp,
                ": pads must be smaller than pool_size, got pads_begin ", detail::dims_to_string(pads.begin),
                " and pads_end ", detail::dims_to_string(pads.end), " with pool_size ",
                detail::dims_to_string(g.kernel_size));
  }
  for (int i = 0; i < n; ++i) {
    FOVEA_CHECK(g.in_size[i] + pads.begin[i] + pads.end[i] >= g.kernel_size[i], ShapeError, kOp, ": window ",
                detail::dims_x(g.kernel_size), " does not fit input ", detail::dims_x(g.in_size), " with padding='",
                detail::padding_name(args.padding), "' (input shape ", x.to_string(), ")");
    g.out_size.push_back(conv_output_size(g.in_size[i], g.kernel_size[i], g.strides[i], 1, pads.begin[i], pads.end[i]));
  }
  return g;
}

}  // namespace

Shape pool_output_shape(const Shape& input, const PoolArgs& args) {
  const PoolGeometry g = pool_geometry(input, args);
  return detail::image_shape(g.batch, g.channels, g.out_size, g.layout);
}

Tensor pool(const Tensor& x, const PoolArgs& args) {
  FOVEA_CHECK(x.defined(), ValueError, kOp, ": input is undefined");
  const PoolGeometry g = pool_geometry(x.shape(), args);
  Tensor y = Tensor::empty(detail::image_shape(g.batch, g.channels, g.out_size, g.layout), x.dtype());
  Backend& backend = backend_for(Kernel::pool_forward, x.dtype());
  if (!autograd::needs_grad({x})) {
    backend.pool_forward(g, x, y);
    return y;
  }
  // Keep only what the backward needs: max pooling the backend's record of the max positions (or x when it keeps
  // none), l2 pooling x and y, average and sum pooling nothing. Not keeping x lets a training step free it as soon
  // as no other op holds it.
  Tensor workspace;
  if (g.kind == PoolKind::max) {
    backend.max_pool_forward_training(g, x, y, workspace);
  } else {
    backend.pool_forward(g, x, y);
  }
  const bool keep_x = g.kind == PoolKind::l2 || (g.kind == PoolKind::max && !workspace.defined());
  // Detached copies share the data without letting y's own graph node keep itself alive.
  Tensor saved_x = keep_x ? x.detach() : Tensor();
  Tensor saved_y = g.kind == PoolKind::l2 ? y.detach() : Tensor();
  const Shape x_shape = x.shape();
  // The backend that made the workspace is the one that can read it.
  autograd::record("pool", {x}, {&y}, [g, backend = &backend, workspace, saved_x, saved_y, x_shape](
                                          autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad_output(0);
    Tensor dx = Tensor::empty(x_shape, dy.dtype());
    if (workspace.defined()) {
      backend->max_pool_backward(g, workspace, dy, dx);
    } else {
      backend->pool_backward(g, saved_x, saved_y, dy, dx);
    }
    ctx.set_grad(0, dx);
  });
  return y;
}

Tensor global_pool(const Tensor& x, PoolKind kind, Layout layout, bool keepdims) {
  FOVEA_CHECK(x.defined(), ValueError, "global_pool: input is undefined");
  detail::check_image_rank(x.shape(), "global_pool");
  const Dims spatial = detail::spatial_of(x.shape(), layout);
  Tensor y = pool(x, {.kind = kind, .pool_size = spatial, .layout = layout});
  if (keepdims) return y;
  return reshape(y, Shape{x.dim(0), detail::channels_of(x.shape(), layout)});
}

}  // namespace fovea
