// onednn backend: data movement. Permute is a cached oneDNN reorder from the input read through permuted
// strides; pad/crop and concat copy contiguous runs with memcpy, OpenMP-parallel over rows.
#include <algorithm>
#include <cstring>

#include "backends/onednn/onednn_backend.h"
#include "backends/onednn/onednn_context.h"
#include "fovea/core/error.h"

namespace fovea {
namespace {

void fill_run(float* p, int64_t n, float value) { std::fill(p, p + n, value); }

struct Reorder {
  dnnl::reorder primitive;
};

}  // namespace

void OneDnnBackend::pad(const PadArgs& args, const Tensor& x, Tensor& y) {
  const int rank = x.rank();
  if (y.numel() == 0) return;
  const float* px = x.data<float>();
  float* py = y.data<float>();
  if (rank == 0) {
    py[0] = px[0];
    return;
  }
  const Shape& xs = x.shape();
  const Shape& ys = y.shape();
  const auto value = static_cast<float>(args.value);
  // Along the last axis every row copies the same column range [lo, hi) of y from x's columns lo - begin...
  const int64_t wy = ys[rank - 1], wx = xs[rank - 1], b = args.begin[rank - 1];
  const int64_t lo = std::clamp<int64_t>(b, 0, wy), hi = std::clamp<int64_t>(b + wx, lo, wy);
  const int64_t rows = y.numel() / wy;
  const Shape x_strides = xs.strides();
#pragma omp parallel for schedule(static) if (rows > 64)
  for (int64_t row = 0; row < rows; ++row) {
    float* out = py + row * wy;
    // ...from the x row that the other axes' indices, shifted by their begin pads, select (if any).
    int64_t rest = row, src = 0;
    bool inside = x.numel() > 0;
    for (int d = rank - 2; d >= 0 && inside; --d) {
      const int64_t iy = rest % ys[d];
      rest /= ys[d];
      const int64_t ix = iy - args.begin[d];
      inside = ix >= 0 && ix < xs[d];
      src += ix * x_strides[d];
    }
    if (!inside || lo == hi) {
      fill_run(out, wy, value);
      continue;
    }
    fill_run(out, lo, value);
    std::memcpy(out + lo, px + src + (lo - b), static_cast<size_t>(hi - lo) * sizeof(float));
    fill_run(out + hi, wy - hi, value);
  }
}

void OneDnnBackend::permute(const Dims& perm, const Tensor& x, Tensor& y) {
  const int rank = x.rank();
  if (x.numel() == 0) return;
  bool identity = true;
  for (int i = 0; i < rank; ++i) identity = identity && perm[i] == i;
  if (identity) {
    std::memcpy(y.raw_data(), x.raw_data(), static_cast<size_t>(x.numel()) * sizeof(float));
    return;
  }
  // y[i0, i1, ...] = x at offset sum_k i_k * x_stride[perm[k]]: read x through y's dims with permuted strides.
  const Shape x_strides = x.shape().strides();
  dnnl::memory::dims dims(rank), strides(rank);
  std::string key = onednn::cache_key("permute", x.shape().to_string());
  for (int i = 0; i < rank; ++i) {
    dims[i] = x.shape()[perm[i]];
    strides[i] = x_strides[perm[i]];
    key += std::to_string(perm[i]) + ",";
  }
  const dnnl::memory::desc src_md(dims, dnnl::memory::data_type::f32, strides);
  const auto dst_md = onednn::plain_f32(dims);
  const auto p = onednn::cache().get<Reorder>(key, [&] {
    return Reorder{dnnl::reorder(dnnl::reorder::primitive_desc(onednn::engine(), src_md, onednn::engine(), dst_md))};
  });
  p->primitive.execute(onednn::stream(),
                       {{DNNL_ARG_FROM, onednn::wrap(src_md, x)}, {DNNL_ARG_TO, onednn::wrap(dst_md, y)}});
  onednn::stream().wait();
}

void OneDnnBackend::concat(int axis, const std::vector<Tensor>& xs, Tensor& y) {
  if (y.numel() == 0) return;
  const Shape& ys = y.shape();
  axis = ys.axis(axis);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= ys[d];
  for (int d = axis + 1; d < ys.rank(); ++d) inner *= ys[d];
  // Row o of y (one step of the axes before `axis`) is the concatenation of row o of every input.
  const auto parts = static_cast<int64_t>(xs.size());
  std::vector<const float*> src(xs.size());
  std::vector<int64_t> run(xs.size()), offset(xs.size());
  int64_t row = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    src[k] = xs[k].numel() > 0 ? xs[k].data<float>() : nullptr;
    run[k] = xs[k].shape()[axis] * inner;
    offset[k] = row;
    row += run[k];
  }
  float* py = y.data<float>();
#pragma omp parallel for collapse(2) schedule(static) if (outer * parts > 16)
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < parts; ++k) {
      if (run[k] == 0) continue;
      std::memcpy(py + o * row + offset[k], src[k] + o * run[k], static_cast<size_t>(run[k]) * sizeof(float));
    }
  }
}

}  // namespace fovea
