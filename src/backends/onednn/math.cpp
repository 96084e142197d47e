// onednn backend: matrix product (oneDNN matmul with bias and activation post-ops; transposes are strides),
// broadcasting binary ops (oneDNN binary where its src1-only broadcasting fits, else fovea's loop), and
// reductions (oneDNN reduction).
#include <algorithm>
#include <cstring>

#include "backends/onednn/onednn_backend.h"
#include "backends/onednn/onednn_context.h"
#include "backends/onednn/onednn_util.h"
#include "core/simd.h"

namespace fovea {
namespace {

using dnnl::memory;
using dt = memory::data_type;

struct MatmulPlan {
  memory::desc a, b, bias, y;
  dnnl::matmul prim;
  bool activation_fused = false;
};

MatmulPlan make_matmul(int64_t m, int64_t k, int64_t n, const MatmulArgs& args, bool bias, const Activation& f) {
  MatmulPlan p;
  // A transposed operand is the same row-major buffer read with swapped strides.
  p.a = args.transpose_a ? memory::desc({m, k}, dt::f32, memory::dims{1, m})
                         : memory::desc({m, k}, dt::f32, memory::dims{k, 1});
  p.b = args.transpose_b ? memory::desc({k, n}, dt::f32, memory::dims{1, k})
                         : memory::desc({k, n}, dt::f32, memory::dims{n, 1});
  p.bias = memory::desc({1, n}, dt::f32, memory::format_tag::ab);
  p.y = memory::desc({m, n}, dt::f32, memory::format_tag::ab);
  dnnl::post_ops ops;
  p.activation_fused = onednn::append_activation(ops, f);
  dnnl::primitive_attr attr;
  if (p.activation_fused) attr.set_post_ops(ops);
  auto desc = bias ? dnnl::matmul::desc(p.a, p.b, p.bias, p.y) : dnnl::matmul::desc(p.a, p.b, p.y);
  p.prim = dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, onednn::engine()));
  return p;
}

// oneDNN dims of a shape; a scalar is seen as one element.
memory::dims dims_or_one(const Shape& s) { return s.rank() == 0 ? memory::dims{1} : onednn::dims_of(s); }

memory::desc row_major(const memory::dims& d) {
  return memory::desc(d, dt::f32, onednn::row_major_tag(static_cast<int>(d.size())));
}

struct BinaryChoice {
  dnnl::algorithm alg;
  bool swap = false;    // run as binary(b, a): oneDNN broadcasts only its second operand
  bool negate = false;  // (b - a) negated gives a - b
};

// How to run kind on oneDNN with operands swapped or not; false when only fovea's loop can do it.
bool choose_binary(BinaryKind kind, bool swap, BinaryChoice& c) {
  using A = dnnl::algorithm;
  c.swap = swap;
  switch (kind) {
    case BinaryKind::add:
      c.alg = A::binary_add;
      return true;
    case BinaryKind::mul:
      c.alg = A::binary_mul;
      return true;
    case BinaryKind::maximum:
      c.alg = A::binary_max;
      return true;
    case BinaryKind::minimum:
      c.alg = A::binary_min;
      return true;
    case BinaryKind::equal:
      c.alg = A::binary_eq;
      return true;
    case BinaryKind::sub:
      c.alg = A::binary_sub;
      c.negate = swap;
      return true;
    case BinaryKind::div:
      c.alg = A::binary_div;
      return !swap;
    case BinaryKind::greater:
      c.alg = swap ? A::binary_lt : A::binary_gt;
      return true;
    case BinaryKind::greater_equal:
      c.alg = swap ? A::binary_le : A::binary_ge;
      return true;
    case BinaryKind::less:
      c.alg = swap ? A::binary_gt : A::binary_lt;
      return true;
    case BinaryKind::less_equal:
      c.alg = swap ? A::binary_ge : A::binary_le;
      return true;
  }
  return false;
}

float apply_binary(BinaryKind kind, float a, float b) {
  switch (kind) {
    case BinaryKind::add:
      return a + b;
    case BinaryKind::sub:
      return a - b;
    case BinaryKind::mul:
      return a * b;
    case BinaryKind::div:
      return a / b;
    case BinaryKind::maximum:
      return std::max(a, b);
    case BinaryKind::minimum:
      return std::min(a, b);
    case BinaryKind::greater:
      return a > b ? 1.f : 0.f;
    case BinaryKind::greater_equal:
      return a >= b ? 1.f : 0.f;
    case BinaryKind::less:
      return a < b ? 1.f : 0.f;
    case BinaryKind::less_equal:
      return a <= b ? 1.f : 0.f;
    case BinaryKind::equal:
      return a == b ? 1.f : 0.f;
  }
  return 0.f;
}

// Broadcasting on both operands: rows of y's last axis, each operand read with stride 0 where it broadcasts.
template <BinaryKind kind>
void binary_rows(const Tensor& a, const Tensor& b, Tensor& y) {
  const Shape& ys = y.shape();
  const int rank = ys.rank();
  const int64_t inner = rank == 0 ? 1 : ys[rank - 1];
  const int64_t rows = inner == 0 ? 0 : y.numel() / inner;
  Shape as = a.shape().strides(), bs = b.shape().strides();
  for (int i = 0; i < rank; ++i) {
    if (a.shape()[i] == 1) as[i] = 0;
    if (b.shape()[i] == 1) bs[i] = 0;
  }
  const int64_t a_inner = rank == 0 ? 0 : as[rank - 1], b_inner = rank == 0 ? 0 : bs[rank - 1];
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* py = y.data<float>();
  simd::for_each_row(rows, [&](int64_t r) {
    int64_t rem = r, oa = 0, ob = 0;
    for (int i = rank - 2; i >= 0; --i) {
      const int64_t idx = rem % ys[i];
      rem /= ys[i];
      oa += idx * as[i];
      ob += idx * bs[i];
    }
    float* out = py + r * inner;
#pragma omp simd
    for (int64_t j = 0; j < inner; ++j) out[j] = apply_binary(kind, pa[oa + j * a_inner], pb[ob + j * b_inner]);
  });
}

void binary_loop(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& y) {
  switch (kind) {
    case BinaryKind::add:
      return binary_rows<BinaryKind::add>(a, b, y);
    case BinaryKind::sub:
      return binary_rows<BinaryKind::sub>(a, b, y);
    case BinaryKind::mul:
      return binary_rows<BinaryKind::mul>(a, b, y);
    case BinaryKind::div:
      return binary_rows<BinaryKind::div>(a, b, y);
    case BinaryKind::maximum:
      return binary_rows<BinaryKind::maximum>(a, b, y);
    case BinaryKind::minimum:
      return binary_rows<BinaryKind::minimum>(a, b, y);
    case BinaryKind::greater:
      return binary_rows<BinaryKind::greater>(a, b, y);
    case BinaryKind::greater_equal:
      return binary_rows<BinaryKind::greater_equal>(a, b, y);
    case BinaryKind::less:
      return binary_rows<BinaryKind::less>(a, b, y);
    case BinaryKind::less_equal:
      return binary_rows<BinaryKind::less_equal>(a, b, y);
    case BinaryKind::equal:
      return binary_rows<BinaryKind::equal>(a, b, y);
  }
}

struct BinaryPlan {
  memory::desc src0, src1, dst;
  dnnl::binary prim;
};

struct ReducePlan {
  memory::desc src, dst;
  dnnl::reduction prim;
};

dnnl::algorithm reduce_algorithm(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::sum:
      return dnnl::algorithm::reduction_sum;
    case ReduceKind::mean:
      return dnnl::algorithm::reduction_mean;
    case ReduceKind::max:
      return dnnl::algorithm::reduction_max;
    case ReduceKind::min:
      return dnnl::algorithm::reduction_min;
  }
  return dnnl::algorithm::reduction_sum;
}

}  // namespace

void OneDnnBackend::matmul(const MatmulArgs& args, const Tensor& a, const Tensor& b, const Tensor& bias,
                           const Activation& activation, Tensor& y) {
  const int64_t m = y.dim(0), n = y.dim(1);
  const int64_t k = args.transpose_a ? a.dim(0) : a.dim(1);
  const bool has_bias = bias.defined();
  onednn::KeyBuilder key("matmul");
  key.add(m).add(k).add(n).add(int64_t{args.transpose_a}).add(int64_t{args.transpose_b}).add(int64_t{has_bias});
  key.add(activation);
  auto plan =
      onednn::cache().get<MatmulPlan>(key.str(), [&] { return make_matmul(m, k, n, args, has_bias, activation); });
  std::unordered_map<int, memory> exec_args{{DNNL_ARG_SRC, onednn::wrap(plan->a, a)},
                                            {DNNL_ARG_WEIGHTS, onednn::wrap(plan->b, b)},
                                            {DNNL_ARG_DST, onednn::wrap(plan->y, y)}};
  if (has_bias) exec_args.emplace(DNNL_ARG_BIAS, onednn::wrap(plan->bias, bias));
  plan->prim.execute(onednn::stream(), exec_args);
  onednn::stream().wait();
  if (!plan->activation_fused) onednn::apply_activation_inplace(activation, y);
}

void OneDnnBackend::binary(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& y) {
  if (y.numel() == 0) return;
  BinaryChoice choice{};
  bool on_onednn = false;
  if (a.shape() == y.shape())
    on_onednn = choose_binary(kind, false, choice);
  else if (b.shape() == y.shape())
    on_onednn = choose_binary(kind, true, choice);
  if (!on_onednn) {
    binary_loop(kind, a, b, y);
    return;
  }
  const Tensor& src0 = choice.swap ? b : a;
  const Tensor& src1 = choice.swap ? a : b;
  onednn::KeyBuilder key("binary");
  key.add(int64_t{static_cast<int>(choice.alg)}).add(int64_t{choice.negate}).add(Dims(src0.shape()));
  key.add(Dims(src1.shape()));
  auto plan = onednn::cache().get<BinaryPlan>(key.str(), [&] {
    BinaryPlan p;
    p.src0 = row_major(dims_or_one(src0.shape()));
    p.src1 = row_major(dims_or_one(src1.shape()));
    p.dst = p.src0;
    dnnl::primitive_attr attr;
    if (choice.negate) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, -1.f, 0.f);
      attr.set_post_ops(ops);
    }
    dnnl::binary::desc desc(choice.alg, p.src0, p.src1, p.dst);
    p.prim = dnnl::binary(dnnl::binary::primitive_desc(desc, attr, onednn::engine()));
    return p;
  });
  plan->prim.execute(onednn::stream(), {{DNNL_ARG_SRC_0, onednn::wrap(plan->src0, src0)},
                                        {DNNL_ARG_SRC_1, onednn::wrap(plan->src1, src1)},
                                        {DNNL_ARG_DST, onednn::wrap(plan->dst, y)}});
  onednn::stream().wait();
}

void OneDnnBackend::reduce(ReduceKind kind, const Tensor& x, Tensor& y) {
  if (x.shape() == y.shape()) {  // nothing reduced: every reduction of one element is the element
    std::memcpy(y.raw_data(), x.raw_data(), x.nbytes());
    return;
  }
  onednn::KeyBuilder key("reduce");
  key.add(int64_t{static_cast<int>(kind)}).add(Dims(x.shape())).add(Dims(y.shape()));
  auto plan = onednn::cache().get<ReducePlan>(key.str(), [&] {
    ReducePlan p;
    p.src = row_major(onednn::dims_of(x.shape()));
    p.dst = row_major(onednn::dims_of(y.shape()));
    dnnl::reduction::desc desc(reduce_algorithm(kind), p.src, p.dst, 0.f, 0.f);
    p.prim = dnnl::reduction(dnnl::reduction::primitive_desc(desc, onednn::engine()));
    return p;
  });
  plan->prim.execute(onednn::stream(),
                     {{DNNL_ARG_SRC, onednn::wrap(plan->src, x)}, {DNNL_ARG_DST, onednn::wrap(plan->dst, y)}});
  onednn::stream().wait();
}

}  // namespace fovea
