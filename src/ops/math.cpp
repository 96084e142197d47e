// Public elementwise binary math with numpy broadcasting, reductions and sum_to, with their backward rules.
// Matrix products and dense live in linalg.cpp.
#include "fovea/ops/math.h"

#include <string>

#include "backends/backend.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

std::string_view binary_name(BinaryKind kind) {
  switch (kind) {
    case BinaryKind::add:
      return "add";
    case BinaryKind::sub:
      return "sub";
    case BinaryKind::mul:
      return "mul";
    case BinaryKind::div:
      return "div";
    case BinaryKind::maximum:
      return "maximum";
    case BinaryKind::minimum:
      return "minimum";
    case BinaryKind::greater:
      return "greater";
    case BinaryKind::greater_equal:
      return "greater_equal";
    case BinaryKind::less:
      return "less";
    case BinaryKind::less_equal:
      return "less_equal";
    case BinaryKind::equal:
      return "equal";
  }
  return "binary";
}

bool is_comparison(BinaryKind kind) {
  return kind == BinaryKind::greater || kind == BinaryKind::greater_equal || kind == BinaryKind::less ||
         kind == BinaryKind::less_equal || kind == BinaryKind::equal;
}

// shape with leading 1s up to rank (numpy aligns shapes at their last axis).
Shape left_pad(const Shape& shape, int rank) {
  Shape out = Shape::filled(rank - shape.rank(), 1);
  for (int64_t d : shape) out.push_back(d);
  return out;
}

// The binary kernel on tensors already known to broadcast to `shape`.
Tensor binary_kernel(BinaryKind kind, const Tensor& a, const Tensor& b, const Shape& shape) {
  Tensor y = Tensor::empty(shape, a.dtype());
  Tensor a_view = a.view(left_pad(a.shape(), shape.rank()));
  Tensor b_view = b.view(left_pad(b.shape(), shape.rank()));
  backend_for(Kernel::binary, a.dtype()).binary(kind, a_view, b_view, y);
  return y;
}

// x broadcast to shape (the forward of sum_to), without recording.
Tensor expand(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return binary_kernel(BinaryKind::add, x, Tensor::zeros(Shape{}, x.dtype()), shape);
}

// Resolves reduce axes into a per-axis flag; empty means every axis.
InlineVec<bool, 6> reduced_axes(const Shape& shape, const Dims& axes, std::string_view what) {
  InlineVec<bool, 6> flags = InlineVec<bool, 6>::filled(shape.rank(), axes.empty());
  for (int64_t a : axes) {
    const int axis = shape.axis(static_cast<int>(a));
    FOVEA_CHECK(!flags[axis], ValueError, what, ": axis ", a, " is listed twice for a tensor of shape ",
                shape.to_string());
    flags[axis] = true;
  }
  return flags;
}

std::string_view reduce_name(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::sum:
      return "sum";
    case ReduceKind::mean:
      return "mean";
    case ReduceKind::max:
      return "amax";
    case ReduceKind::min:
      return "amin";
  }
  return "reduce";
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  const Shape pa = left_pad(a, rank);
  const Shape pb = left_pad(b, rank);
  Shape out;
  for (int i = 0; i < rank; ++i) {
    FOVEA_CHECK(pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1, ShapeError, "shapes ", a.to_string(), " and ",
                b.to_string(), " do not broadcast: axis ", i - rank, " has sizes ", pa[i], " and ", pb[i]);
    out.push_back(pa[i] == 1 ? pb[i] : pa[i]);
  }
  return out;
}

Tensor binary(const Tensor& a, const Tensor& b, BinaryKind kind) {
  FOVEA_CHECK(a.defined() && b.defined(), ValueError, binary_name(kind), ": an operand is undefined");
  FOVEA_CHECK(a.dtype() == b.dtype(), ValueError, binary_name(kind), ": operands have different dtypes, ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor y = binary_kernel(kind, a, b, shape);
  if (is_comparison(kind)) return y;  // piecewise constant: no gradient flows through a comparison

  const Shape a_shape = a.shape();
  const Shape b_shape = b.shape();
  // Capture an operand only where a needed gradient uses it: d(a*b)/da = b, d(a/b)/da = 1/b,
  // d(a/b)/db = -a/b^2; maximum/minimum compare both operands for either gradient.
  const bool need_a = autograd::needs_grad({a});
  const bool need_b = autograd::needs_grad({b});
  const bool extreme = kind == BinaryKind::maximum || kind == BinaryKind::minimum;
  const bool keep_a = extreme || ((kind == BinaryKind::mul || kind == BinaryKind::div) && need_b);
  const bool keep_b = extreme || (kind == BinaryKind::mul && need_a) || kind == BinaryKind::div;
  if (!need_a && !need_b) return y;
  Tensor saved_a = keep_a ? a.detach() : Tensor();
  Tensor saved_b = keep_b ? b.detach() : Tensor();
  autograd::record(std::string(binary_name(kind)), {a, b}, {&y},
                   [kind, a_shape, b_shape, saved_a, saved_b](autograd::BackwardContext& ctx) {
                     const Tensor& g = ctx.grad_output();
                     Tensor ga;
                     Tensor gb;
                     switch (kind) {
                       case BinaryKind::add:
                         ga = g;
                         gb = g;
                         break;
                       case BinaryKind::sub:
                         ga = g;
                         gb = ctx.needs_grad(1) ? -g : Tensor();
                         break;
                       case BinaryKind::mul:
                         if (ctx.needs_grad(0)) ga = g * saved_b;
                         if (ctx.needs_grad(1)) gb = g * saved_a;
                         break;
                       case BinaryKind::div:
                         if (ctx.needs_grad(0)) ga = g / saved_b;
                         if (ctx.needs_grad(1)) gb = -(g * saved_a) / (saved_b * saved_b);
                         break;
                       case BinaryKind::maximum:
                       case BinaryKind::minimum: {
                         // Ties split the gradient evenly between the operands.
                         const BinaryKind wins = kind == BinaryKind::maximum ? BinaryKind::greater : BinaryKind::less;
                         Tensor mask_a =
                             binary(saved_a, saved_b, wins) + binary(saved_a, saved_b, BinaryKind::equal) * 0.5;
                         if (ctx.needs_grad(0)) ga = g * mask_a;
                         if (ctx.needs_grad(1)) gb = g * (1.0 - mask_a);
                         break;
                       }
                       default:
                         break;
                     }
                     if (ctx.needs_grad(0) && ga.defined()) ctx.set_grad(0, sum_to(ga, a_shape));
                     if (ctx.needs_grad(1) && gb.defined()) ctx.set_grad(1, sum_to(gb, b_shape));
                   });
  return y;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryKind::add); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryKind::sub); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryKind::mul); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryKind::div); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryKind::maximum); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryKind::minimum); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, Tensor::scalar(b, a.dtype())); }
Tensor operator-(const Tensor& a, double b) { return sub(a, Tensor::scalar(b, a.dtype())); }
Tensor operator*(const Tensor& a, double b) { return mul(a, Tensor::scalar(b, a.dtype())); }
Tensor operator/(const Tensor& a, double b) { return div(a, Tensor::scalar(b, a.dtype())); }
Tensor operator*(double a, const Tensor& b) { return mul(Tensor::scalar(a, b.dtype()), b); }
Tensor operator-(double a, const Tensor& b) { return sub(Tensor::scalar(a, b.dtype()), b); }
Tensor operator-(const Tensor& a) { return mul(a, Tensor::scalar(-1.0, a.dtype())); }

Tensor reduce(const Tensor& x, ReduceKind kind, const Dims& axes, bool keepdims) {
  FOVEA_CHECK(x.defined(), ValueError, reduce_name(kind), ": the input is undefined");
  const Shape& in = x.shape();
  const InlineVec<bool, 6> flags = reduced_axes(in, axes, reduce_name(kind));
  Shape kept;      // x's rank, 1 on reduced axes: what the kernel writes
  Shape squeezed;  // without the reduced axes
  for (int i = 0; i < in.rank(); ++i) {
    kept.push_back(flags[i] ? 1 : in[i]);
    if (!flags[i]) squeezed.push_back(in[i]);
  }
  if (kind == ReduceKind::max || kind == ReduceKind::min) {
    for (int i = 0; i < in.rank(); ++i) {
      FOVEA_CHECK(!flags[i] || in[i] > 0, ShapeError, reduce_name(kind), ": cannot reduce over axis ", i,
                  " of size 0 (shape ", in.to_string(), ")");
    }
  }
  Tensor y_kept = Tensor::empty(kept, x.dtype());
  backend_for(Kernel::reduce, x.dtype()).reduce(kind, x, y_kept);
  Tensor y = keepdims ? y_kept : y_kept.view(squeezed);

  const bool extreme = kind == ReduceKind::max || kind == ReduceKind::min;
  Tensor saved_x = extreme ? x.detach() : Tensor();
  Tensor saved_y = extreme ? y_kept.detach() : Tensor();
  const int64_t count = kept.numel() > 0 ? in.numel() / kept.numel() : 1;
  autograd::record(std::string(reduce_name(kind)), {x}, {&y},
                   [kind, in, kept, count, saved_x, saved_y](autograd::BackwardContext& ctx) {
                     Tensor g = ctx.grad_output().view(kept);
                     switch (kind) {
                       case ReduceKind::sum:
                         ctx.set_grad(0, expand(g, in));
                         break;
                       case ReduceKind::mean:
                         ctx.set_grad(0, expand(g * (1.0 / double(count)), in));
                         break;
                       case ReduceKind::max:
                       case ReduceKind::min: {
                         // Every element equal to the extreme shares the gradient evenly.
                         Tensor mask = binary(saved_x, saved_y, BinaryKind::equal);
                         Tensor ties = sum_to(mask, kept);
                         ctx.set_grad(0, mask * (g / ties));
                         break;
                       }
                     }
                   });
  return y;
}

Tensor sum(const Tensor& x, const Dims& axes, bool keepdims) { return reduce(x, ReduceKind::sum, axes, keepdims); }
Tensor mean(const Tensor& x, const Dims& axes, bool keepdims) { return reduce(x, ReduceKind::mean, axes, keepdims); }
Tensor amax(const Tensor& x, const Dims& axes, bool keepdims) { return reduce(x, ReduceKind::max, axes, keepdims); }
Tensor amin(const Tensor& x, const Dims& axes, bool keepdims) { return reduce(x, ReduceKind::min, axes, keepdims); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const Shape& in = x.shape();
  FOVEA_CHECK(broadcast_shapes(in, shape) == in, ShapeError, "sum_to: shape ", in.to_string(),
              " is not a broadcast of ", shape.to_string());
  const int extra = in.rank() - shape.rank();
  // Axes that broadcasting added in front are summed away; axes it stretched from 1 are summed and kept.
  Dims leading;
  Dims stretched;
  for (int i = 0; i < in.rank(); ++i) {
    if (i < extra) {
      leading.push_back(i);
    } else if (shape[i - extra] == 1 && in[i] != 1) {
      stretched.push_back(i);
    }
  }
  Tensor y = x;
  if (!stretched.empty()) y = sum(y, stretched, true);
  if (!leading.empty()) y = sum(y, leading, false);
  return y;
}

}  // namespace fovea
