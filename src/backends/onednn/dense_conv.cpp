// Convolutions computed as matrix products over whole samples (see dense_conv.h).
#include "backends/onednn/dense_conv.h"

#include <algorithm>
#include <string>
#include <vector>

#include "backends/onednn/onednn_backend.h"
#include "backends/onednn/onednn_util.h"
#include "backends/onednn/tap_crop.h"
#include "fovea/core/storage.h"

namespace fovea::onednn {
namespace {

// One (output position, input position) pair that a kernel tap joins; positions and taps are flat indices.
struct Link {
  int64_t out_position, in_position, tap;
};

int64_t product(const Dims& d, int rank) {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= d[i];
  return n;
}

// Every pair of positions that some tap joins: output o reads input o * stride + tap - pad_begin.
std::vector<Link> find_links(const ConvGeometry& g) {
  const int rank = g.spatial_rank;
  std::vector<Link> out;
  const int64_t out_positions = product(g.out_size, rank), in_positions = product(g.in_size, rank);
  for (int64_t po = 0; po < out_positions; ++po) {
    for (int64_t pi = 0; pi < in_positions; ++pi) {
      int64_t o_rest = po, i_rest = pi, tap = 0, tap_stride = 1;
      bool joined = true;
      for (int d = rank - 1; d >= 0; --d) {
        const int64_t o = o_rest % g.out_size[d], i = i_rest % g.in_size[d];
        o_rest /= g.out_size[d];
        i_rest /= g.in_size[d];
        const int64_t t = i - o * g.strides[d] + g.pads_begin[d];
        joined = joined && t >= 0 && t < g.kernel_size[d];
        tap += t * tap_stride;
        tap_stride *= g.kernel_size[d];
      }
      if (joined) out.push_back({po, pi, tap});
    }
  }
  return out;
}

// The taps that reach the image for some output: the direct algorithm's work per output position and channel pair
// after tap_crop.
int64_t reaching_taps(const ConvGeometry& g) {
  const auto crop = tap_crop(g);
  return product(crop ? crop->geometry.kernel_size : g.kernel_size, g.spatial_rank);
}

// Where the unrolled kernel's rows and columns sit: in y's and x's flattened order per sample, (position, channel)
// for channels_last and (channel, position) for channels_first.
struct Unrolled {
  int64_t out_positions, in_positions, taps;
  int64_t row_position_stride, row_channel_stride, col_position_stride, col_channel_stride;
  std::vector<Link> links;

  explicit Unrolled(const ConvGeometry& g)
      : out_positions(product(g.out_size, g.spatial_rank)),
        in_positions(product(g.in_size, g.spatial_rank)),
        taps(product(g.kernel_size, g.spatial_rank)),
        links(find_links(g)) {
    const bool last = g.layout == Layout::channels_last;
    row_position_stride = last ? g.out_channels : 1;
    row_channel_stride = last ? 1 : out_positions;
    col_position_stride = last ? g.in_channels : 1;
    col_channel_stride = last ? 1 : in_positions;
  }
  int64_t rows(const ConvGeometry& g) const { return out_positions * g.out_channels; }
  int64_t cols(const ConvGeometry& g) const { return in_positions * g.in_channels; }
  int64_t row(int64_t position, int64_t channel) const {
    return position * row_position_stride + channel * row_channel_stride;
  }
  int64_t col(int64_t position, int64_t channel) const {
    return position * col_position_stride + channel * col_channel_stride;
  }
  // The unrolled kernel is w itself, seen as (O, I x taps): one output, every tap joining input position = tap,
  // and the input flattened channel-major (or a single position).
  bool is_view_of_kernel(const ConvGeometry& g) const {
    if (out_positions != 1 || in_positions != taps) return false;
    if (g.layout == Layout::channels_last && in_positions > 1) return false;
    return std::all_of(links.begin(), links.end(), [](const Link& l) { return l.in_position == l.tap; });
  }
};

// The (output position, input position) blocks no tap joins: zeros in the unrolled kernel.
std::vector<Link> unjoined_blocks(const Unrolled& u) {
  std::vector<bool> joined(static_cast<size_t>(u.out_positions * u.in_positions), false);
  for (const Link& l : u.links) joined[l.out_position * u.in_positions + l.in_position] = true;
  std::vector<Link> out;
  for (int64_t po = 0; po < u.out_positions; ++po)
    for (int64_t pi = 0; pi < u.in_positions; ++pi)
      if (!joined[po * u.in_positions + pi]) out.push_back({po, pi, -1});
  return out;
}

// W (rows, cols) from w (O, I, taps...): zeros where no tap joins two positions. Filter by filter, so that each
// filter's gathers (stride taps) stay in L1.
void unroll_kernel(const ConvGeometry& g, const Unrolled& u, const float* w, float* unrolled) {
  const int64_t in_channels = g.in_channels, cols = u.cols(g), stride = u.col_channel_stride;
  const std::vector<Link> zeros = unjoined_blocks(u);
#pragma omp parallel for schedule(static) if (u.rows(g) * cols >= (1 << 16))
  for (int64_t o = 0; o < g.out_channels; ++o) {
    const float* filter = w + o * in_channels * u.taps;
    for (const Link& l : u.links) {
      float* dst = unrolled + u.row(l.out_position, o) * cols + u.col(l.in_position, 0);
      for (int64_t i = 0; i < in_channels; ++i) dst[i * stride] = filter[i * u.taps + l.tap];
    }
    for (const Link& z : zeros) {
      float* dst = unrolled + u.row(z.out_position, o) * cols + u.col(z.in_position, 0);
      for (int64_t i = 0; i < in_channels; ++i) dst[i * stride] = 0.0f;
    }
  }
}

// dw (O, I, taps...) from the unrolled kernel's gradient: each tap sums the entries of every pair it joins.
void fold_kernel_grad(const ConvGeometry& g, const Unrolled& u, const float* unrolled, float* dw) {
  const int64_t in_channels = g.in_channels, cols = u.cols(g), stride = u.col_channel_stride;
#pragma omp parallel for schedule(static) if (u.rows(g) * cols >= (1 << 16))
  for (int64_t o = 0; o < g.out_channels; ++o) {
    float* filter = dw + o * in_channels * u.taps;
    std::fill_n(filter, in_channels * u.taps, 0.0f);
    for (const Link& l : u.links) {
      const float* src = unrolled + u.row(l.out_position, o) * cols + u.col(l.in_position, 0);
      for (int64_t i = 0; i < in_channels; ++i) filter[i * u.taps + l.tap] += src[i * stride];
    }
  }
}

std::string geometry_key(const char* what, const ConvGeometry& g, const Tensor& t) {
  KeyBuilder k(what);
  k.add(static_cast<int64_t>(t.impl()->offset_bytes)).add(g.in_size).add(g.kernel_size).add(g.out_size).add(g.strides);
  k.add(g.pads_begin).add(int64_t{static_cast<int>(g.layout)}).add(g.in_channels).add(g.out_channels);
  return k.str();
}

// W as (rows, cols): a view of w itself, or the unrolled copy kept on w's storage until w changes.
Tensor unrolled_kernel(const ConvGeometry& g, const Unrolled& u, const Tensor& w) {
  if (u.is_view_of_kernel(g)) return w.view(Shape{u.rows(g), u.cols(g)});
  auto unrolled = w.impl()->storage->derived<Tensor>(
      geometry_key("dense_conv_kernel", g, w), {}, [&](const std::shared_ptr<Tensor>& stale) {
        Tensor out = stale ? *stale : Tensor::empty(Shape{u.rows(g), u.cols(g)}, w.dtype());
        unroll_kernel(g, u, w.data<float>(), out.data<float>());
        return out;
      });
  return *unrolled;
}

// The bias per output column: b itself for one output position, else b repeated at every position.
Tensor unrolled_bias(const ConvGeometry& g, const Unrolled& u, const Tensor& b) {
  if (!b.defined() || u.out_positions == 1) return b;
  auto unrolled = b.impl()->storage->derived<Tensor>(
      geometry_key("dense_conv_bias", g, b), {}, [&](const std::shared_ptr<Tensor>& stale) {
        Tensor out = stale ? *stale : Tensor::empty(Shape{u.rows(g)}, b.dtype());
        const float* src = b.data<float>();
        float* dst = out.data<float>();
        for (int64_t o = 0; o < g.out_channels; ++o)
          for (int64_t po = 0; po < u.out_positions; ++po) dst[u.row(po, o)] = src[o];
        return out;
      });
  return *unrolled;
}

Tensor as_matrix(const Tensor& t, int64_t rows) { return t.view(Shape{rows, t.numel() / rows}); }

}  // namespace

bool is_dense_conv(const ConvGeometry& g) {
  if (g.groups != 1 || g.accumulate) return false;
  for (int i = 0; i < g.spatial_rank; ++i) {
    if (g.dilation[i] != 1) return false;
  }
  const int64_t in_positions = product(g.in_size, g.spatial_rank);
  const int64_t out_positions = product(g.out_size, g.spatial_rank);
  return in_positions <= reaching_taps(g) && out_positions * in_positions <= 2 * product(g.kernel_size, g.spatial_rank);
}

void dense_conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) {
  const Unrolled u(g);
  Tensor y_matrix = as_matrix(y, g.batch);
  onednn_backend().matmul({.transpose_b = true}, as_matrix(x, g.batch), unrolled_kernel(g, u, w),
                          unrolled_bias(g, u, b), g.activation, y_matrix);
}

void dense_conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx) {
  const Unrolled u(g);
  Tensor dx_matrix = as_matrix(dx, g.batch);
  onednn_backend().matmul({}, as_matrix(dy, g.batch), unrolled_kernel(g, u, w), Tensor(), Activation(), dx_matrix);
}

void dense_conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db) {
  const Unrolled u(g);
  const Tensor dy_matrix = as_matrix(dy, g.batch);
  const bool view = u.is_view_of_kernel(g);
  Tensor unrolled_grad = view ? dw.view(Shape{u.rows(g), u.cols(g)}) : Tensor::empty(Shape{u.rows(g), u.cols(g)}, dw.dtype());
  onednn_backend().matmul({.transpose_a = true}, dy_matrix, as_matrix(x, g.batch), Tensor(), Activation(),
                          unrolled_grad);
  if (!view) fold_kernel_grad(g, u, unrolled_grad.data<float>(), dw.data<float>());
  if (db.defined()) {
    // Column sums of dy, folded over output positions: a few thousand values, not worth a primitive.
    const float* d = dy_matrix.data<float>();
    float* out = db.data<float>();
    std::vector<float> columns(static_cast<size_t>(u.rows(g)), 0.0f);
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t c = 0; c < u.rows(g); ++c) columns[c] += d[n * u.rows(g) + c];
    for (int64_t o = 0; o < g.out_channels; ++o) {
      float sum = 0.0f;
      for (int64_t po = 0; po < u.out_positions; ++po) sum += columns[u.row(po, o)];
      out[o] = sum;
    }
  }
}

}  // namespace fovea::onednn
