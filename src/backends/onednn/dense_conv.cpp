// Convolutions computed as matrix products (see dense_conv.h).
#include "backends/onednn/dense_conv.h"

#include <string>

#include "backends/onednn/onednn_backend.h"
#include "fovea/core/storage.h"
#include "fovea/ops/math.h"

namespace fovea::onednn {
namespace {

int64_t image_size(const ConvGeometry& g) {
  int64_t n = 1;
  for (int i = 0; i < g.spatial_rank; ++i) n *= g.in_size[i];
  return n;
}

// A sample flattened in the data's order is (channel, position) for channels_first and (position, channel) for
// channels_last; the filters must be flattened the same way. (O, I, positions) -> (O, positions, I) or back.
void swap_last_two(const float* src, float* dst, int64_t filters, int64_t rows, int64_t cols) {
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) dst[(f * cols + c) * rows + r] = src[(f * rows + r) * cols + c];
}

bool needs_swap(const ConvGeometry& g) { return g.layout == Layout::channels_last && image_size(g) > 1; }

// w as (O, K) in the data's order: a view of w itself, or a reordered copy kept on w's storage until w changes.
Tensor filters_as_rows(const ConvGeometry& g, const Tensor& w) {
  const int64_t k = g.in_channels * image_size(g);
  if (!needs_swap(g)) return w.view(Shape{g.out_channels, k});
  const std::string key = "dense_conv_rows|" + std::to_string(w.impl()->offset_bytes);
  auto rows = w.impl()->storage->derived<Tensor>(key, {}, [&](const std::shared_ptr<Tensor>& stale) {
    Tensor out = stale ? *stale : Tensor::empty(Shape{g.out_channels, k}, w.dtype());
    swap_last_two(w.data<float>(), out.data<float>(), g.out_channels, g.in_channels, image_size(g));
    return out;
  });
  return *rows;
}

Tensor as_matrix(const Tensor& t, int64_t rows) { return t.view(Shape{rows, t.numel() / rows}); }

}  // namespace

bool is_dense_conv(const ConvGeometry& g) {
  if (g.groups != 1 || g.accumulate) return false;
  for (int i = 0; i < g.spatial_rank; ++i) {
    if (g.kernel_size[i] != g.in_size[i] || g.out_size[i] != 1 || g.pads_begin[i] != 0 || g.pads_end[i] != 0 ||
        g.dilation[i] != 1)
      return false;
  }
  return true;
}

void dense_conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) {
  Tensor y_matrix = as_matrix(y, g.batch);
  onednn_backend().matmul({.transpose_b = true}, as_matrix(x, g.batch), filters_as_rows(g, w), b, g.activation,
                          y_matrix);
}

void dense_conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx) {
  Tensor dx_matrix = as_matrix(dx, g.batch);
  onednn_backend().matmul({}, as_matrix(dy, g.batch), filters_as_rows(g, w), Tensor(), Activation(), dx_matrix);
}

void dense_conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db) {
  const Tensor dy_matrix = as_matrix(dy, g.batch);
  const int64_t k = g.in_channels * image_size(g);
  Tensor rows = needs_swap(g) ? Tensor::empty(Shape{g.out_channels, k}, dw.dtype()) : dw.view(Shape{g.out_channels, k});
  onednn_backend().matmul({.transpose_a = true}, dy_matrix, as_matrix(x, g.batch), Tensor(), Activation(), rows);
  if (needs_swap(g)) swap_last_two(rows.data<float>(), dw.data<float>(), g.out_channels, image_size(g), g.in_channels);
  if (db.defined()) {
    // Column sums of dy: a few thousand values, not worth a primitive.
    const float* d = dy_matrix.data<float>();
    float* out = db.data<float>();
    for (int64_t o = 0; o < g.out_channels; ++o) out[o] = 0.0f;
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t o = 0; o < g.out_channels; ++o) out[o] += d[n * g.out_channels + o];
  }
}

}  // namespace fovea::onednn
