// Public data-movement ops: reshape, flatten, permute, pad/crop, slice and concat, with their backward rules.
// Each backward is the inverse movement: reshape back, the inverse permutation, pad with negated amounts,
// slice the concatenated gradient apart.
#include "fovea/ops/shape_ops.h"

#include <string>

#include "backends/backend.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

void check_defined(const Tensor& x, std::string_view op) {
  FOVEA_CHECK(x.defined(), ValueError, op, ": input is undefined");
}

std::string dims_to_string(const Dims& d) {
  std::string out = "(";
  for (int i = 0; i < d.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(d[i]);
  return out + ")";
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape");
  // Shares x's data, like torch.reshape on a contiguous tensor: reshaping never copies.
  Tensor y = x.view(shape);
  const Shape x_shape = x.shape();
  autograd::record("reshape", {x}, {&y}, [x_shape](autograd::BackwardContext& ctx) {
    ctx.set_grad(0, reshape(ctx.grad_output(0), x_shape));
  });
  return y;
}

Tensor flatten(const Tensor& x) {
  check_defined(x, "flatten");
  FOVEA_CHECK(x.rank() >= 1, ShapeError, "flatten: needs a batch axis, got a scalar of shape ", x.shape().to_string());
  int64_t features = 1;
  for (int d = 1; d < x.rank(); ++d) features *= x.shape()[d];
  return reshape(x, Shape{x.dim(0), features});
}

Tensor permute(const Tensor& x, const Dims& perm) {
  check_defined(x, "permute");
  const int rank = x.rank();
  bool valid = perm.size() == rank;
  Dims seen = Dims::filled(rank, 0);
  for (int i = 0; i < perm.size() && valid; ++i) {
    valid = perm[i] >= 0 && perm[i] < rank && seen[perm[i]] == 0;
    if (valid) seen[perm[i]] = 1;
  }
  FOVEA_CHECK(valid, ValueError, "permute: ", dims_to_string(perm), " is not a permutation of the ", rank,
              " axes of a tensor of shape ", x.shape().to_string(), " (expected each of 0..", rank - 1, " once)");

  Shape y_shape;
  for (int i = 0; i < rank; ++i) y_shape.push_back(x.shape()[perm[i]]);
  Tensor y = Tensor::empty(y_shape, x.dtype());
  backend_for(Kernel::permute, x.dtype()).permute(perm, x, y);

  Dims inverse = Dims::filled(rank, 0);
  for (int i = 0; i < rank; ++i) inverse[perm[i]] = i;
  autograd::record("permute", {x}, {&y}, [inverse](autograd::BackwardContext& ctx) {
    ctx.set_grad(0, permute(ctx.grad_output(0), inverse));
  });
  return y;
}

Tensor pad(const Tensor& x, const PadArgs& args) {
  check_defined(x, "pad");
  const int rank = x.rank();
  FOVEA_CHECK(args.begin.size() == rank && args.end.size() == rank, ValueError, "pad: needs one begin and one end ",
              "amount per axis of the input of shape ", x.shape().to_string(), " (", rank, " each), got begin ",
              dims_to_string(args.begin), " and end ", dims_to_string(args.end));
  Shape y_shape;
  for (int d = 0; d < rank; ++d) {
    const int64_t size = x.shape()[d] + args.begin[d] + args.end[d];
    FOVEA_CHECK(size >= 0, ShapeError, "pad: cropping ", -args.begin[d], " + ", -args.end[d], " elements from axis ", d,
                " of size ", x.shape()[d], " leaves nothing (input shape ", x.shape().to_string(), ")");
    y_shape.push_back(size);
  }
  Tensor y = Tensor::empty(y_shape, x.dtype());
  backend_for(Kernel::pad, x.dtype()).pad(args, x, y);

  PadArgs undo;
  for (int d = 0; d < rank; ++d) {
    undo.begin.push_back(-args.begin[d]);
    undo.end.push_back(-args.end[d]);
  }
  autograd::record("pad", {x}, {&y},
                   [undo](autograd::BackwardContext& ctx) { ctx.set_grad(0, pad(ctx.grad_output(0), undo)); });
  return y;
}

Tensor slice(const Tensor& x, int axis, int64_t start, int64_t length) {
  check_defined(x, "slice");
  const int a = x.shape().axis(axis);
  const int64_t size = x.shape()[a];
  FOVEA_CHECK(start >= 0 && length >= 0 && start + length <= size, ValueError, "slice: elements [", start, ", ",
              start + length, ") do not fit axis ", a, " of size ", size, " (input shape ", x.shape().to_string(), ")");
  PadArgs args{.begin = Dims::filled(x.rank(), 0), .end = Dims::filled(x.rank(), 0)};
  args.begin[a] = -start;
  args.end[a] = -(size - start - length);
  return pad(x, args);
}

Tensor concat(const std::vector<Tensor>& xs, int axis) {
  FOVEA_CHECK(!xs.empty(), ValueError, "concat: needs at least one tensor, got none");
  for (size_t k = 0; k < xs.size(); ++k) {
    FOVEA_CHECK(xs[k].defined(), ValueError, "concat: input ", k, " is undefined");
  }
  const Tensor& first = xs[0];
  const int a = first.shape().axis(axis);
  Shape y_shape = first.shape();
  y_shape[a] = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const Shape& s = xs[k].shape();
    FOVEA_CHECK(xs[k].dtype() == first.dtype(), ValueError, "concat: input ", k, " has dtype ",
                dtype_name(xs[k].dtype()), " but input 0 has ", dtype_name(first.dtype()));
    FOVEA_CHECK(s.rank() == first.rank(), ShapeError, "concat along axis ", a, ": input ", k, " has shape ",
                s.to_string(), " of rank ", s.rank(), " but input 0 has shape ", first.shape().to_string(), " of rank ",
                first.rank());
    for (int d = 0; d < s.rank(); ++d) {
      FOVEA_CHECK(d == a || s[d] == first.shape()[d], ShapeError, "concat along axis ", a, ": input ", k, " has shape ",
                  s.to_string(), " but input 0 has shape ", first.shape().to_string(), "; all dimensions except axis ",
                  a, " must match (they differ at axis ", d, ")");
    }
    y_shape[a] += s[a];
  }
  Tensor y = Tensor::empty(y_shape, first.dtype());
  backend_for(Kernel::concat, first.dtype()).concat(a, xs, y);

  std::vector<int64_t> sizes;
  for (const Tensor& x : xs) sizes.push_back(x.shape()[a]);
  autograd::record("concat", xs, {&y}, [a, sizes](autograd::BackwardContext& ctx) {
    int64_t start = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      if (ctx.needs_grad(static_cast<int>(k)))
        ctx.set_grad(static_cast<int>(k), slice(ctx.grad_output(0), a, start, sizes[k]));
      start += sizes[k];
    }
  });
  return y;
}

}  // namespace fovea
