// ONNX operators on fovea's differentiable ops. Each kernel reads the attributes the importer resolved (explicit
// pads, static target shapes, axes as lists) and follows the operator's ONNX definition exactly.
#include "onnx/layers/onnx_kernels.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/conv.h"
#include "fovea/ops/math.h"
#include "fovea/ops/normalization.h"
#include "fovea/ops/pool.h"
#include "fovea/ops/shape_ops.h"

namespace fovea::onnx_detail {
namespace {

using Json = nlohmann::json;
using Operands = std::vector<Tensor>;

// ---- attribute access ----

int64_t int_attr(const Json& a, const char* key, int64_t fallback) {
  return a.contains(key) && !a[key].is_null() ? a[key].get<int64_t>() : fallback;
}
double float_attr(const Json& a, const char* key, double fallback) {
  return a.contains(key) && !a[key].is_null() ? a[key].get<double>() : fallback;
}
std::string string_attr(const Json& a, const char* key, const std::string& fallback) {
  return a.contains(key) && !a[key].is_null() ? a[key].get<std::string>() : fallback;
}
std::vector<int64_t> ints_attr(const Json& a, const char* key, std::vector<int64_t> fallback = {}) {
  return a.contains(key) && !a[key].is_null() ? a[key].get<std::vector<int64_t>>() : fallback;
}
Dims to_dims(const std::vector<int64_t>& v) { return Dims(v.begin(), v.end()); }

int normalize_axis(int64_t axis, int rank, const char* op) {
  FOVEA_CHECK(axis >= -rank && axis < std::max(rank, 1), ValueError, op, ": axis ", axis, " is out of range for rank ",
              rank);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

bool is_integer(DType t) { return t != DType::f32 && t != DType::f64; }

// ---- shapes and layout ----

Tensor onnx_reshape(const Tensor& x, const std::vector<int64_t>& target, bool allowzero) {
  Shape out;
  for (size_t i = 0; i < target.size(); ++i) {
    const bool copy = target[i] == 0 && !allowzero;
    FOVEA_CHECK(!copy || static_cast<int>(i) < x.rank(), ShapeError, "Reshape: 0 at position ", i,
                " copies an input dimension, but the input ", x.shape().to_string(), " has rank ", x.rank());
    out.push_back(copy ? x.dim(static_cast<int>(i)) : target[i]);
  }
  return reshape(x, out);
}

Tensor k_reshape(const Json& a, const Operands& in, bool) {
  return onnx_reshape(in[0], ints_attr(a, "shape"), int_attr(a, "allowzero", 0) != 0);
}

Tensor k_flatten(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const int axis = normalize_axis(int_attr(a, "axis", 1), x.rank() + 1, "Flatten");
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= x.dim(d);
  int64_t inner = 1;
  for (int d = axis; d < x.rank(); ++d) inner *= x.dim(d);
  return reshape(x, Shape{outer, inner});
}

Tensor k_transpose(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  std::vector<int64_t> perm = ints_attr(a, "perm");
  if (perm.empty()) {
    for (int d = x.rank() - 1; d >= 0; --d) perm.push_back(d);
  }
  return permute(x, to_dims(perm));
}

std::vector<int> axes_of(const Json& a, int rank, const char* op) {
  std::vector<int> axes;
  for (int64_t axis : ints_attr(a, "axes")) axes.push_back(normalize_axis(axis, rank, op));
  std::sort(axes.begin(), axes.end());
  return axes;
}

Tensor k_squeeze(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  std::vector<int> axes = axes_of(a, x.rank(), "Squeeze");
  Shape out;
  for (int d = 0; d < x.rank(); ++d) {
    const bool listed = std::find(axes.begin(), axes.end(), d) != axes.end();
    const bool drop = axes.empty() ? x.dim(d) == 1 : listed;
    FOVEA_CHECK(!listed || x.dim(d) == 1, ShapeError, "Squeeze: axis ", d, " of ", x.shape().to_string(), " is not 1");
    if (!drop) out.push_back(x.dim(d));
  }
  return reshape(x, out);
}

Tensor k_unsqueeze(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const int rank = x.rank() + static_cast<int>(ints_attr(a, "axes").size());
  std::vector<int> axes = axes_of(a, rank, "Unsqueeze");
  Shape out;
  int next = 0;
  for (int d = 0; d < rank; ++d) {
    if (std::find(axes.begin(), axes.end(), d) != axes.end()) {
      out.push_back(1);
    } else {
      out.push_back(x.dim(next++));
    }
  }
  return reshape(x, out);
}

Tensor k_concat(const Json& a, const Operands& in, bool) {
  std::vector<Tensor> parts;
  for (const Tensor& t : in) {
    if (t.defined() && t.numel() > 0) parts.push_back(t);
  }
  if (parts.empty()) return in[0];
  return concat(parts, normalize_axis(int_attr(a, "axis", 0), in[0].rank(), "Concat"));
}

// Slice with steps of 1 (ONNX's clamping of starts and ends included).
Tensor k_slice(const Json& a, const Operands& in, bool) {
  Tensor x = in[0];
  const std::vector<int64_t> starts = ints_attr(a, "starts");
  const std::vector<int64_t> ends = ints_attr(a, "ends");
  std::vector<int64_t> axes = ints_attr(a, "axes");
  const std::vector<int64_t> steps = ints_attr(a, "steps");
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    FOVEA_CHECK(steps.empty() || steps[i] == 1, ValueError, "Slice: only steps of 1 are supported, got ", steps[i]);
    const int axis = normalize_axis(axes[i], x.rank(), "Slice");
    const int64_t size = x.dim(axis);
    int64_t start = starts[i] < 0 ? starts[i] + size : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + size : ends[i];
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, 0, size);
    x = slice(x, axis, start, std::max<int64_t>(end - start, 0));
  }
  return x;
}

Tensor k_gather(const Json& a, const Operands& in, bool) {
  const Tensor& data = in[0];
  Tensor indices = in.size() > 1 && in[1].defined() ? in[1] : Tensor();
  if (!indices.defined()) {
    std::vector<int64_t> values = ints_attr(a, "indices");
    std::vector<double> as_double(values.begin(), values.end());
    std::vector<int64_t> shape = ints_attr(a, "indices_shape");
    indices = Tensor::from_vector(to_dims(shape), as_double, DType::i64);
  }
  const int axis = normalize_axis(int_attr(a, "axis", 0), data.rank(), "Gather");
  const int64_t size = data.dim(axis);
  std::vector<Tensor> rows;
  for (double v : indices.to_vector()) {
    int64_t i = static_cast<int64_t>(v);
    if (i < 0) i += size;
    FOVEA_CHECK(i >= 0 && i < size, ValueError, "Gather: index ", static_cast<int64_t>(v), " is out of range for ",
                size, " elements");
    rows.push_back(slice(data, axis, i, 1));
  }
  Shape out;
  for (int d = 0; d < axis; ++d) out.push_back(data.dim(d));
  for (int64_t d : indices.shape()) out.push_back(d);
  for (int d = axis + 1; d < data.rank(); ++d) out.push_back(data.dim(d));
  if (rows.empty()) return Tensor::zeros(out, data.dtype());
  return reshape(rows.size() == 1 ? rows[0] : concat(rows, axis), out);
}

Tensor k_tile(const Json& a, const Operands& in, bool) {
  Tensor x = in[0];
  const std::vector<int64_t> repeats = ints_attr(a, "repeats");
  FOVEA_CHECK(static_cast<int>(repeats.size()) == x.rank(), ValueError, "Tile: ", repeats.size(),
              " repeats for an input of rank ", x.rank(), "; expected one per axis");
  for (size_t d = 0; d < repeats.size(); ++d) {
    // Checked before the copies are listed: -1 or 2^40 repeats made a vector of that many tensors.
    const std::optional<int64_t> size = checked_mul(x.dim(static_cast<int>(d)), repeats[d]);
    FOVEA_CHECK(repeats[d] >= 1 && size && *size < (int64_t{1} << 40), ValueError, "Tile: repeats ", repeats[d],
                " on axis ", d, " of size ", x.dim(static_cast<int>(d)),
                "; expected a positive count that gives fewer than 2^40 positions");
    if (repeats[d] == 1) continue;
    x = concat(std::vector<Tensor>(static_cast<size_t>(repeats[d]), x), static_cast<int>(d));
  }
  return x;
}

// Pad in constant, reflect or edge mode; negative pads crop.
Tensor k_pad(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const int rank = x.rank();
  const std::vector<int64_t> pads = ints_attr(a, "pads");
  FOVEA_CHECK(static_cast<int>(pads.size()) == 2 * rank, ValueError, "Pad: needs ", 2 * rank, " pads for rank ", rank,
              ", got ", pads.size());
  const std::string mode = string_attr(a, "mode", "constant");
  // Edge and reflect padding take one slice per padded position: their pads stay below 2^20, the others below 2^40.
  const int64_t limit = mode == "constant" ? int64_t{1} << 40 : int64_t{1} << 20;
  for (int64_t p : pads) {
    FOVEA_CHECK(p > -limit && p < limit, ValueError, "Pad: pad ", p, " in ", mode, " mode; expected less than ", limit,
                " positions either way");
  }
  if (mode == "constant") {
    PadArgs args;
    for (int d = 0; d < rank; ++d) {
      args.begin.push_back(pads[d]);
      args.end.push_back(pads[d + rank]);
    }
    args.value = float_attr(a, "value", 0.0);
    return pad(x, args);
  }
  FOVEA_CHECK(mode == "reflect" || mode == "edge", ValueError, "Pad: unknown mode '", mode, "'");
  Tensor y = x;
  for (int d = 0; d < rank; ++d) {
    const int64_t begin = pads[d];
    const int64_t end = pads[d + rank];
    if (begin < 0 || end < 0) {
      const int64_t start = std::max<int64_t>(-begin, 0);
      y = slice(y, d, start, y.dim(d) - start - std::max<int64_t>(-end, 0));
    }
    const int64_t size = y.dim(d);
    std::vector<Tensor> parts;
    for (int64_t i = std::max<int64_t>(begin, 0); i > 0; --i) {
      const int64_t src = mode == "edge" ? 0 : i;  // reflect: mirror without repeating the border
      FOVEA_CHECK(src < size, ShapeError, "Pad: reflect padding of ", begin, " needs more than ", size, " elements");
      parts.push_back(slice(y, d, src, 1));
    }
    parts.push_back(y);
    for (int64_t i = 1; i <= std::max<int64_t>(end, 0); ++i) {
      const int64_t src = mode == "edge" ? size - 1 : size - 1 - i;
      FOVEA_CHECK(src >= 0, ShapeError, "Pad: reflect padding of ", end, " needs more than ", size, " elements");
      parts.push_back(slice(y, d, src, 1));
    }
    if (parts.size() > 1) y = concat(parts, d);
  }
  return y;
}

// ---- elementwise ----

// x ^ y for a tensor of exponents (numpy broadcasting), computed per element. No gradient flows through it.
Tensor elementwise_pow(const Tensor& x, const Tensor& y) {
  const Shape shape = broadcast_shapes(x.shape(), y.shape());
  const Tensor xb = add(x.detach().to(DType::f64), Tensor::zeros(shape, DType::f64));
  const Tensor yb = add(y.detach().to(DType::f64), Tensor::zeros(shape, DType::f64));
  Tensor out = Tensor::empty(shape, DType::f64);
  const double* xs = xb.data<double>();
  const double* ys = yb.data<double>();
  double* o = out.data<double>();
  for (int64_t i = 0; i < out.numel(); ++i) o[i] = std::pow(xs[i], ys[i]);
  return out.to(x.dtype());
}

// erf per element; its derivative 2/sqrt(pi) * exp(-x^2) flows back (exported gelu layers use it).
Tensor differentiable_erf(const Tensor& x) {
  const Tensor x64 = x.detach().to(DType::f64);
  Tensor out64 = Tensor::empty(x.shape(), DType::f64);
  const double* xs = x64.data<double>();
  double* o = out64.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i) o[i] = std::erf(xs[i]);
  Tensor out = out64.to(x.dtype());
  autograd::record("erf", {x}, {&out}, [x](autograd::BackwardContext& ctx) {
    const double scale = 2.0 / std::sqrt(std::acos(-1.0));
    ctx.set_grad(0, ctx.grad_output() * (exp(-square(x.detach())) * scale));
  });
  return out;
}

// ONNX Where: a where cond is nonzero, b elsewhere (numpy broadcasting). A value of the branch not taken never
// reaches the result (so an infinity there is harmless), and gradients flow only into the branch taken.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b_in) {
  const Tensor b = b_in.dtype() == a.dtype() ? b_in : b_in.to(a.dtype());
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape()), b.shape());
  const auto expanded = [&](const Tensor& t) {
    return add(t.detach().to(DType::f64), Tensor::zeros(shape, DType::f64));
  };
  const Tensor c64 = expanded(cond), a64 = expanded(a), b64 = expanded(b);
  Tensor out64 = Tensor::empty(shape, DType::f64);
  const double *c = c64.data<double>(), *av = a64.data<double>(), *bv = b64.data<double>();
  double* o = out64.data<double>();
  for (int64_t i = 0; i < out64.numel(); ++i) o[i] = c[i] != 0 ? av[i] : bv[i];
  Tensor out = out64.to(a.dtype());
  const Tensor taken = c64.to(a.dtype()).view(shape);
  autograd::record("where", {a, b}, {&out},
                   [taken, a_shape = a.shape(), b_shape = b.shape()](autograd::BackwardContext& ctx) {
                     const Tensor g = ctx.grad_output();
                     if (ctx.needs_grad(0)) ctx.set_grad(0, sum_to(g * taken, a_shape));
                     if (ctx.needs_grad(1)) ctx.set_grad(1, sum_to(g * (1.0 - taken), b_shape));
                   });
  return out;
}

Tensor k_where(const Json&, const Operands& in, bool) {
  const Tensor cond = in[0].dtype() == DType::f64 ? in[0] : in[0].to(DType::f64);
  return where(cond, in[1], in[2]);
}

Tensor k_binary(const Json& a, const Operands& in, bool) {
  const std::string kind = string_attr(a, "kind", "add");
  Tensor x = in[0];
  Tensor y = in[1];
  if (y.dtype() != x.dtype()) y = y.to(x.dtype());
  if (kind == "add") return add(x, y);
  if (kind == "sub") return sub(x, y);
  if (kind == "mul") return mul(x, y);
  if (kind == "div") return div(x, y);
  if (kind == "max") return maximum(x, y);
  if (kind == "min") return minimum(x, y);
  if (kind == "less") return binary(x, y, BinaryKind::less);
  if (kind == "greater") return binary(x, y, BinaryKind::greater);
  if (kind == "equal") return binary(x, y, BinaryKind::equal);
  if (kind == "pow") {
    if (y.numel() == 1) {
      Tensor r = pow(x, y.item());
      return y.rank() > x.rank() ? reshape(r, broadcast_shapes(x.shape(), y.shape())) : r;
    }
    return elementwise_pow(x, y);
  }
  throw ValueError("binary kernel: unknown kind '" + kind + "'");
}

// Sum/Max/Min/Mean over any number of operands.
Tensor k_variadic(const Json& a, const Operands& in, bool training) {
  const bool mean = string_attr(a, "kind", "add") == "mean";
  const Json step = mean ? Json{{"kind", "add"}} : a;
  Tensor acc = in[0];
  for (size_t i = 1; i < in.size(); ++i) acc = k_binary(step, {acc, in[i]}, training);
  return mean ? acc / static_cast<double>(in.size()) : acc;
}

Tensor k_unary(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const std::string fn = string_attr(a, "fn", "identity");
  if (fn == "identity") return x;
  if (fn == "neg") return -x;
  if (fn == "selu") {
    return activation(x, Activation::elu(float_attr(a, "alpha", 1.67326319217681884765625))) *
           float_attr(a, "gamma", 1.05070102214813232421875);
  }
  if (fn == "reciprocal") return Tensor::scalar(1.0, x.dtype()) / x;
  if (fn == "erf") return differentiable_erf(x);
  // The activations without a fovea kind, composed of differentiable ops.
  if (fn == "celu") {
    const double alpha = float_attr(a, "alpha", 1.0);
    return relu(x) + minimum(Tensor::scalar(0.0, x.dtype()), (exp(x / alpha) - 1.0) * alpha);
  }
  if (fn == "thresholded_relu") {
    return x * binary(x, Tensor::scalar(float_attr(a, "alpha", 1.0), x.dtype()), BinaryKind::greater);
  }
  if (fn == "hard_swish") return x * clip(x / 6.0 + 0.5, 0.0, 1.0);
  return activation(x, Activation(parse_activation(fn), float_attr(a, "alpha", 0.0), float_attr(a, "beta", 0.0)));
}

Tensor k_clip(const Json& a, const Operands& in, bool) {
  const double low = float_attr(a, "min", -std::numeric_limits<double>::max());
  const double high = float_attr(a, "max", std::numeric_limits<double>::max());
  return minimum(maximum(in[0], Tensor::scalar(low, in[0].dtype())), Tensor::scalar(high, in[0].dtype()));
}

Tensor k_prelu(const Json&, const Operands& in, bool) { return prelu(in[0], in[1]); }

Tensor k_cast(const Json& a, const Operands& in, bool) { return in[0].to(dtype_of_onnx_type(int_attr(a, "to", 1))); }

// Softmax and LogSoftmax; "coerce" selects opset < 13's meaning (over all axes from axis on, as a 2-D matrix).
Tensor k_softmax(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const bool log = string_attr(a, "fn", "softmax") == "log_softmax";
  const int axis = normalize_axis(int_attr(a, "axis", -1), x.rank(), "Softmax");
  if (int_attr(a, "coerce", 0) != 0 && axis != x.rank() - 1) {
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    const Tensor flat = reshape(x, Shape{outer, x.numel() / std::max<int64_t>(outer, 1)});
    return reshape(log ? log_softmax(flat, 1) : softmax(flat, 1), x.shape());
  }
  return log ? log_softmax(x, axis) : softmax(x, axis);
}

Tensor k_reduce(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const std::string kind = string_attr(a, "kind", "mean");
  Dims axes;
  for (int axis : axes_of(a, x.rank(), "Reduce")) axes.push_back(axis);
  if (axes.empty()) {
    for (int d = 0; d < x.rank(); ++d) axes.push_back(d);
  }
  const bool keep = int_attr(a, "keepdims", 1) != 0;
  const ReduceKind k = kind == "sum"   ? ReduceKind::sum
                       : kind == "max" ? ReduceKind::max
                       : kind == "min" ? ReduceKind::min
                                       : ReduceKind::mean;
  return reduce(x, k, axes, keep);
}

// ---- neural-network operators ----

// A window's attributes as a config may carry them (the importer checks them too; a hand-written or altered config
// reaches the kernels directly): n values each (pads 2n), kernel sizes, strides and dilations positive, pads
// non-negative. A stride of 0 would divide by zero.
void check_window(const char* op, int n, const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                  const std::vector<int64_t>& dilations, const std::vector<int64_t>& pads) {
  const auto text = [](const std::vector<int64_t>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + "]";
  };
  const auto all = [](const std::vector<int64_t>& v, int64_t low) {
    return std::all_of(v.begin(), v.end(), [low](int64_t d) { return d >= low && d < (int64_t{1} << 40); });
  };
  const size_t rank = static_cast<size_t>(std::max(n, 0));
  FOVEA_CHECK(n >= 1 && kernel.size() == rank && strides.size() == rank && dilations.size() == rank &&
                  pads.size() == 2 * rank && all(kernel, 1) && all(strides, 1) && all(dilations, 1) && all(pads, 0),
              ValueError, op, ": kernel_shape ", text(kernel), ", strides ", text(strides), ", dilations ",
              text(dilations), " and pads ", text(pads), " do not fit a ", n,
              "-D input; expected per spatial axis one positive kernel size, stride and dilation and two "
              "non-negative pads");
}

// The geometry ConvArgs and ConvTransposeArgs share: strides, dilations, explicit pads, groups, channels first.
template <class Args>
Args conv_geometry(const Json& a, int spatial_rank) {
  const std::vector<int64_t> pads = ints_attr(a, "pads");
  FOVEA_CHECK(pads.empty() || pads.size() == 2 * static_cast<size_t>(std::max(spatial_rank, 0)), ValueError,
              "Conv: pads hold ", pads.size(), " values; expected ", 2 * spatial_rank, " (a begin and an end per axis)");
  Args args;
  args.strides = to_dims(ints_attr(a, "strides", std::vector<int64_t>(spatial_rank, 1)));
  args.dilation = to_dims(ints_attr(a, "dilations", std::vector<int64_t>(spatial_rank, 1)));
  args.padding = Padding::explicit_;
  for (int i = 0; i < spatial_rank; ++i) {
    args.pads_begin.push_back(pads.empty() ? 0 : pads[i]);
    args.pads_end.push_back(pads.empty() ? 0 : pads[i + spatial_rank]);
  }
  args.groups = int_attr(a, "group", 1);
  args.layout = Layout::channels_first;
  return args;
}

Tensor k_conv(const Json& a, const Operands& in, bool) {
  const ConvArgs args = conv_geometry<ConvArgs>(a, in[0].rank() - 2);
  return conv(in[0], {in[1], in.size() > 2 ? in[2] : Tensor()}, args);
}

Tensor k_conv_transpose(const Json& a, const Operands& in, bool) {
  const int n = in[0].rank() - 2;
  ConvTransposeArgs args = conv_geometry<ConvTransposeArgs>(a, n);
  args.output_padding = to_dims(ints_attr(a, "output_padding", std::vector<int64_t>(n, 0)));
  return conv_transpose(in[0], {in[1], in.size() > 2 ? in[2] : Tensor()}, args);
}

// MaxPool, AveragePool and LpPool (p = 2) with explicit pads (ceil_mode resolved into extra end padding by the
// importer). Dilated max pooling is the maximum over the kernel's taps of strided subsamplings of the input.
Tensor k_pool(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const int n = x.rank() - 2;
  const std::string kind = string_attr(a, "kind", "max");
  const std::vector<int64_t> kernel = ints_attr(a, "kernel_shape");
  const std::vector<int64_t> strides = ints_attr(a, "strides", std::vector<int64_t>(n, 1));
  const std::vector<int64_t> dilations = ints_attr(a, "dilations", std::vector<int64_t>(n, 1));
  std::vector<int64_t> pads = ints_attr(a, "pads", std::vector<int64_t>(2 * n, 0));
  check_window("Pool", n, kernel, strides, dilations, pads);
  PoolArgs args;
  args.kind = kind == "max" ? PoolKind::max : kind == "average" ? PoolKind::average : PoolKind::l2;
  args.pool_size = to_dims(kernel);
  args.strides = to_dims(strides);
  args.padding = Padding::explicit_;
  args.pads_begin = to_dims(std::vector<int64_t>(pads.begin(), pads.begin() + n));
  args.pads_end = to_dims(std::vector<int64_t>(pads.begin() + n, pads.end()));
  args.count_include_pad = int_attr(a, "count_include_pad", 0) != 0;
  args.layout = Layout::channels_first;
  const bool dilated = std::any_of(dilations.begin(), dilations.end(), [](int64_t d) { return d != 1; });
  if (!dilated) return pool(x, args);
  FOVEA_CHECK(kind == "max", ValueError, "AveragePool/LpPool: dilations are not supported");
  PadArgs padding;
  padding.begin = {0, 0};
  padding.end = {0, 0};
  for (int i = 0; i < n; ++i) {
    padding.begin.push_back(pads[i]);
    padding.end.push_back(pads[i + n]);
  }
  padding.value = -std::numeric_limits<double>::infinity();
  const Tensor padded = pad(x, padding);
  std::vector<int64_t> out(n);
  for (int i = 0; i < n; ++i) {
    out[i] = (padded.dim(2 + i) - (dilations[i] * (kernel[i] - 1) + 1)) / strides[i] + 1;
  }
  PoolArgs subsample;
  subsample.kind = PoolKind::max;
  subsample.pool_size = Dims::filled(n, 1);
  subsample.strides = to_dims(strides);
  subsample.layout = Layout::channels_first;
  Tensor result;
  std::vector<int64_t> tap(n, 0);
  while (true) {
    Tensor window = padded;
    for (int i = 0; i < n; ++i) {
      window = slice(window, 2 + i, tap[i] * dilations[i], (out[i] - 1) * strides[i] + 1);
    }
    const Tensor sampled = pool(window, subsample);
    result = result.defined() ? maximum(result, sampled) : sampled;
    int i = n - 1;
    while (i >= 0 && ++tap[i] == kernel[i]) tap[i--] = 0;
    if (i < 0) break;
  }
  return result;
}

// MaxPool's second output: the flat index of each window's maximum (row-major, or column-major per image with
// storage_order 1), computed on the values (no gradient).
Tensor k_max_pool_indices(const Json& a, const Operands& in, bool) {
  const Tensor x = in[0].to(DType::f64);
  FOVEA_CHECK(x.rank() == 4, ValueError, "MaxPool indices: only 2-D pooling is supported");
  const std::vector<int64_t> kernel = ints_attr(a, "kernel_shape");
  const std::vector<int64_t> strides = ints_attr(a, "strides", {1, 1});
  const std::vector<int64_t> pads = ints_attr(a, "pads", {0, 0, 0, 0});
  check_window("MaxPool indices", 2, kernel, strides, {1, 1}, pads);
  const bool column_major = int_attr(a, "storage_order", 0) != 0;
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t OH = (H + pads[0] + pads[2] - kernel[0]) / strides[0] + 1;
  const int64_t OW = (W + pads[1] + pads[3] - kernel[1]) / strides[1] + 1;
  Tensor y = Tensor::empty(Shape{N, C, OH, OW}, DType::i64);
  const double* src = x.data<double>();
  int64_t* dst = y.data<int64_t>();
  for (int64_t nc = 0; nc < N * C; ++nc) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow) {
        double best = -std::numeric_limits<double>::infinity();
        int64_t where = 0;
        for (int64_t kh = 0; kh < kernel[0]; ++kh) {
          for (int64_t kw = 0; kw < kernel[1]; ++kw) {
            const int64_t h = oh * strides[0] - pads[0] + kh;
            const int64_t w = ow * strides[1] - pads[1] + kw;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const double v = src[(nc * H + h) * W + w];
            if (v > best) {
              best = v;
              where = column_major ? w * H + h : h * W + w;
            }
          }
        }
        dst[(nc * OH + oh) * OW + ow] = nc * H * W + where;
      }
    }
  }
  return y;
}

Tensor k_global_pool(const Json& a, const Operands& in, bool) {
  return global_pool(in[0], string_attr(a, "kind", "average") == "max" ? PoolKind::max : PoolKind::average,
                     Layout::channels_first, true);
}

// Per-channel parameters (C) reshaped to broadcast against an (N, C, ...) input.
Tensor channel_view(const Tensor& p, int rank) {
  Shape s{p.numel()};
  for (int d = 2; d < rank; ++d) s.push_back(1);
  return reshape(p, s);
}

// BatchNormalization: inference with the given statistics, or (training_mode) with the batch's; "output" picks Y
// (0) or the updated running mean (1) or variance (2).
Tensor k_batch_norm(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const double eps = float_attr(a, "epsilon", 1e-5);
  const double momentum = float_attr(a, "momentum", 0.9);
  const int r = x.rank();
  Tensor m = in[3];
  Tensor v = in[4];
  const int64_t output = int_attr(a, "output", 0);
  if (int_attr(a, "training_mode", 0) != 0) {
    Dims axes{0};
    for (int d = 2; d < r; ++d) axes.push_back(d);
    const Tensor batch_mean = mean(x, axes);
    const Tensor centered = x - channel_view(batch_mean, r);
    const Tensor batch_var = mean(square(centered), axes);
    if (output == 1) return m * momentum + batch_mean * (1 - momentum);
    if (output == 2) return v * momentum + batch_var * (1 - momentum);
    m = batch_mean;
    v = batch_var;
  }
  const Tensor inv = channel_view(in[1], r) / sqrt(channel_view(v, r) + eps);
  return (x - channel_view(m, r)) * inv + channel_view(in[2], r);
}

Tensor k_instance_norm(const Json& a, const Operands& in, bool) {
  const Tensor& x = in[0];
  const int r = x.rank();
  Dims axes;
  for (int d = 2; d < r; ++d) axes.push_back(d);
  const Tensor centered = x - mean(x, axes, true);
  const Tensor var = mean(square(centered), axes, true);
  return centered / sqrt(var + float_attr(a, "epsilon", 1e-5)) * channel_view(in[1], r) + channel_view(in[2], r);
}

Tensor k_lrn(const Json& a, const Operands& in, bool) {
  LrnArgs args;
  args.size = int_attr(a, "size", 1);
  args.alpha = float_attr(a, "alpha", 1e-4);
  args.beta = float_attr(a, "beta", 0.75);
  args.bias = float_attr(a, "bias", 1.0);
  args.axis = 1;
  return lrn(in[0], args);
}

Tensor k_gemm(const Json& a, const Operands& in, bool) {
  MatmulArgs args;
  args.transpose_a = int_attr(a, "transA", 0) != 0;
  args.transpose_b = int_attr(a, "transB", 0) != 0;
  Tensor y = matmul(in[0], in[1], args);
  const double alpha = float_attr(a, "alpha", 1.0);
  if (alpha != 1.0) y = y * alpha;
  if (in.size() > 2 && in[2].defined()) {
    const double beta = float_attr(a, "beta", 1.0);
    y = y + (beta != 1.0 ? in[2] * beta : in[2]);
  }
  return y;
}

// numpy's matmul: 1-D operands gain (and then lose) an axis; leading axes broadcast.
Tensor k_matmul(const Json&, const Operands& in, bool) {
  Tensor a = in[0];
  Tensor b = in[1];
  const bool a_vector = a.rank() == 1;
  const bool b_vector = b.rank() == 1;
  if (a_vector) a = reshape(a, Shape{1, a.dim(0)});
  if (b_vector) b = reshape(b, Shape{b.dim(0), 1});
  Tensor y;
  if (a.rank() == 2 && b.rank() == 2) {
    y = matmul(a, b);
  } else if (b.rank() == 2) {
    const int64_t k = a.dim(-1);
    Shape out = a.shape();
    out[out.rank() - 1] = b.dim(1);
    y = reshape(matmul(reshape(a, Shape{a.numel() / k, k}), b), out);
  } else {
    Shape batch_a(a.shape().begin(), a.shape().end() - 2);
    Shape batch_b(b.shape().begin(), b.shape().end() - 2);
    const Shape batch = broadcast_shapes(batch_a, batch_b);
    Shape full_a = batch, full_b = batch;
    full_a.push_back(a.dim(-2));
    full_a.push_back(a.dim(-1));
    full_b.push_back(b.dim(-2));
    full_b.push_back(b.dim(-1));
    // Broadcasting through an addition of zeros keeps the gradient flowing to the smaller operand.
    if (!(a.shape() == full_a)) a = add(a, Tensor::zeros(full_a, a.dtype()));
    if (!(b.shape() == full_b)) b = add(b, Tensor::zeros(full_b, b.dtype()));
    const int64_t count = batch.numel();
    const Tensor a3 = reshape(a, Shape{count, a.dim(-2), a.dim(-1)});
    const Tensor b3 = reshape(b, Shape{count, b.dim(-2), b.dim(-1)});
    std::vector<Tensor> products;
    for (int64_t i = 0; i < count; ++i) {
      const Tensor ai = reshape(slice(a3, 0, i, 1), Shape{a3.dim(1), a3.dim(2)});
      const Tensor bi = reshape(slice(b3, 0, i, 1), Shape{b3.dim(1), b3.dim(2)});
      products.push_back(reshape(matmul(ai, bi), Shape{1, a3.dim(1), b3.dim(2)}));
    }
    Shape out = batch;
    out.push_back(a3.dim(1));
    out.push_back(b3.dim(2));
    y = reshape(products.size() == 1 ? products[0] : concat(products, 0), out);
  }
  if (a_vector || b_vector) {
    Shape out;
    for (int d = 0; d < y.rank(); ++d) {
      const bool drop = (a_vector && d == y.rank() - 2) || (b_vector && d == y.rank() - 1);
      if (!drop) out.push_back(y.dim(d));
    }
    y = reshape(y, out);
  }
  return y;
}

Tensor k_dropout(const Json& a, const Operands& in, bool training) {
  if (int_attr(a, "mask", 0) != 0) return Tensor::ones(in[0].shape(), DType::u8);
  if (!training) return in[0];
  DropoutArgs args;
  args.rate = float_attr(a, "ratio", 0.5);
  args.training = true;
  return dropout(in[0], args);
}

// A constant: the weight operand (the first operand only ties the layer into the graph), or integer values kept
// in the attributes.
Tensor k_constant(const Json& a, const Operands& in, bool) {
  if (a.contains("value")) {
    const std::vector<double> values = a["value"].get<std::vector<double>>();
    return Tensor::from_vector(to_dims(ints_attr(a, "shape")), values, dtype_of_onnx_type(int_attr(a, "dtype", 7)));
  }
  return in.back();
}

Tensor k_shape(const Json&, const Operands& in, bool) {
  std::vector<double> dims(in[0].shape().begin(), in[0].shape().end());
  return Tensor::from_vector(Shape{static_cast<int64_t>(dims.size())}, dims, DType::i64);
}

using Kernel = Tensor (*)(const Json&, const Operands&, bool);

const std::map<std::string, Kernel>& kernels() {
  static const std::map<std::string, Kernel> table = {
      {"BatchNormalization", &k_batch_norm},
      {"Binary", &k_binary},
      {"Cast", &k_cast},
      {"Clip", &k_clip},
      {"Concat", &k_concat},
      {"Constant", &k_constant},
      {"Conv", &k_conv},
      {"ConvTranspose", &k_conv_transpose},
      {"Dropout", &k_dropout},
      {"Flatten", &k_flatten},
      {"Gather", &k_gather},
      {"Gemm", &k_gemm},
      {"GlobalPool", &k_global_pool},
      {"InstanceNormalization", &k_instance_norm},
      {"LRN", &k_lrn},
      {"MatMul", &k_matmul},
      {"MaxPoolIndices", &k_max_pool_indices},
      {"Pad", &k_pad},
      {"Pool", &k_pool},
      {"PRelu", &k_prelu},
      {"Reduce", &k_reduce},
      {"Reshape", &k_reshape},
      {"Shape", &k_shape},
      {"Slice", &k_slice},
      {"Softmax", &k_softmax},
      {"Squeeze", &k_squeeze},
      {"Tile", &k_tile},
      {"Transpose", &k_transpose},
      {"Unary", &k_unary},
      {"Unsqueeze", &k_unsqueeze},
      {"Variadic", &k_variadic},
      {"Where", &k_where},
  };
  return table;
}

// Kernels that handle any element type themselves (no float64 round trip).
bool keeps_dtype(const std::string& op) {
  return op == "Cast" || op == "Shape" || op == "Constant" || op == "MaxPoolIndices" || op == "Dropout" ||
         op == "Where";  // its result has the branches' type, whatever the condition's
}

}  // namespace

bool has_onnx_kernel(const std::string& op) { return kernels().count(op) > 0; }

Tensor run_onnx_kernel(const std::string& op, const nlohmann::json& attributes, const std::vector<Tensor>& operands,
                       bool training) {
  const auto it = kernels().find(op);
  FOVEA_CHECK(it != kernels().end(), ValueError, "no ONNX kernel named '", op, "'");
  FOVEA_CHECK(!operands.empty() && operands[0].defined(), ValueError, "ONNX kernel '", op, "' needs an input");
  const DType type = operands[0].dtype();
  if (keeps_dtype(op) || !is_integer(type)) {
    if (op == "Gather" || keeps_dtype(op)) return it->second(attributes, operands, training);
    // Float operands of one op share the first operand's type (a float64 input with float32 weights).
    std::vector<Tensor> same = operands;
    for (size_t i = 1; i < same.size(); ++i) {
      if (same[i].defined() && same[i].dtype() != type && !(op == "Gather" && i == 1)) same[i] = same[i].to(type);
    }
    return it->second(attributes, same, training);
  }
  // Integer data: compute exactly in float64 and convert back.
  std::vector<Tensor> wide;
  for (const Tensor& t : operands) wide.push_back(t.defined() ? t.to(DType::f64) : t);
  if (op == "Gather" && operands.size() > 1) wide[1] = operands[1];
  const Tensor y = it->second(attributes, wide, training);
  return y.to(type);
}

DType dtype_of_onnx_type(int64_t onnx_type) {
  switch (onnx_type) {
    case 1:
      return DType::f32;  // FLOAT
    case 11:
      return DType::f64;  // DOUBLE
    case 2:
      return DType::u8;  // UINT8
    case 9:
      return DType::u8;  // BOOL
    case 7:
      return DType::i64;  // INT64
    case 13:
      return DType::i64;  // UINT64
    case 12:
      return DType::i64;  // UINT32
    default:
      FOVEA_CHECK(onnx_type == 3 || onnx_type == 4 || onnx_type == 5 || onnx_type == 6, ValueError,
                  "ONNX element type ", onnx_type, " has no fovea counterpart");
      return DType::i32;  // INT8, UINT16, INT16, INT32
  }
}

}  // namespace fovea::onnx_detail
