// Cropping convolution kernels to the taps that reach the image (see tap_crop.h).
#include "backends/onednn/tap_crop.h"

#include <algorithm>
#include <string>
#include <vector>

#include "fovea/core/storage.h"

namespace fovea::onednn {
namespace {

// The offsets in one (out, in) filter of the full kernel of every kept tap, in the cropped kernel's order.
std::vector<int64_t> kept_tap_offsets(const ConvGeometry& full, const TapCrop& crop) {
  const int rank = full.spatial_rank;
  int64_t full_size[3] = {1, 1, 1}, kept_size[3] = {1, 1, 1}, first[3] = {0, 0, 0};
  for (int i = 0; i < rank; ++i) {
    full_size[i] = full.kernel_size[i];
    kept_size[i] = crop.geometry.kernel_size[i];
    first[i] = crop.first_tap[i];
  }
  std::vector<int64_t> offsets;
  for (int64_t a = 0; a < kept_size[0]; ++a)
    for (int64_t b = 0; b < kept_size[1]; ++b)
      for (int64_t c = 0; c < kept_size[2]; ++c)
        offsets.push_back(((a + first[0]) * full_size[1] + b + first[1]) * full_size[2] + c + first[2]);
  return offsets;
}

int64_t filters(const ConvGeometry& g) { return g.out_channels * (g.in_channels / g.groups); }

int64_t taps(const ConvGeometry& g) {
  int64_t n = 1;
  for (int i = 0; i < g.spatial_rank; ++i) n *= g.kernel_size[i];
  return n;
}

// The original geometry, rebuilt from the crop (the kernel sizes are all that differ).
ConvGeometry full_geometry(const TapCrop& crop, const Shape& kernel_shape) {
  ConvGeometry g = crop.geometry;
  for (int i = 0; i < g.spatial_rank; ++i) g.kernel_size[i] = kernel_shape[2 + i];
  return g;
}

}  // namespace

std::optional<TapCrop> tap_crop(const ConvGeometry& g) {
  TapCrop crop{g, Dims::filled(g.spatial_rank, 0)};
  bool smaller = false;
  for (int i = 0; i < g.spatial_rank; ++i) {
    if (g.dilation[i] != 1) return std::nullopt;
    const int64_t k = g.kernel_size[i], in = g.in_size[i], out = g.out_size[i], s = g.strides[i];
    const int64_t pb = g.pads_begin[i];
    // Tap t reads input o*s + t - pb for outputs o in [0, out): below `first` it is left of the image for every
    // output, above `last` right of it.
    const int64_t first = std::max<int64_t>(0, pb - (out - 1) * s);
    const int64_t last = std::min<int64_t>(k - 1, in + pb - 1);
    if (first == 0 && last == k - 1) continue;
    if (first > last) return std::nullopt;  // nothing reaches the image: leave such oddities to oneDNN
    const int64_t kept = last - first + 1;
    const int64_t new_pb = pb - first;
    const int64_t new_pe = (out - 1) * s + kept - in - new_pb;
    if (new_pe < 0) return std::nullopt;
    crop.geometry.kernel_size[i] = kept;
    crop.geometry.pads_begin[i] = new_pb;
    crop.geometry.pads_end[i] = new_pe;
    crop.first_tap[i] = first;
    smaller = true;
  }
  if (!smaller) return std::nullopt;
  return crop;
}

Tensor crop_kernel(const Tensor& w, const TapCrop& crop) {
  const ConvGeometry full = full_geometry(crop, w.shape());
  Shape cropped_shape = w.shape();
  for (int i = 0; i < full.spatial_rank; ++i) cropped_shape[2 + i] = crop.geometry.kernel_size[i];
  std::string key = "tap_crop|" + std::to_string(w.impl()->offset_bytes);
  for (int i = 0; i < full.spatial_rank; ++i) key += '|' + std::to_string(crop.first_tap[i]) + ',' + std::to_string(cropped_shape[2 + i]);
  auto cropped = w.impl()->storage->derived<Tensor>(key, {}, [&](const std::shared_ptr<Tensor>& stale) {
    Tensor out = stale ? *stale : Tensor::empty(cropped_shape, w.dtype());
    const float* src = w.data<float>();
    float* dst = out.data<float>();
    const std::vector<int64_t> offsets = kept_tap_offsets(full, crop);
    const int64_t full_taps = taps(full), kept_taps = static_cast<int64_t>(offsets.size()), n = filters(full);
#pragma omp parallel for schedule(static) if (n * kept_taps >= (1 << 16))
    for (int64_t f = 0; f < n; ++f)
      for (int64_t t = 0; t < kept_taps; ++t) dst[f * kept_taps + t] = src[f * full_taps + offsets[t]];
    return out;
  });
  return *cropped;
}

void uncrop_kernel_grad(const Tensor& cropped_dw, const TapCrop& crop, Tensor& dw) {
  const ConvGeometry full = full_geometry(crop, dw.shape());
  const float* src = cropped_dw.data<float>();
  float* dst = dw.data<float>();
  const std::vector<int64_t> offsets = kept_tap_offsets(full, crop);
  const int64_t full_taps = taps(full), kept_taps = static_cast<int64_t>(offsets.size()), n = filters(full);
#pragma omp parallel for schedule(static) if (n * full_taps >= (1 << 16))
  for (int64_t f = 0; f < n; ++f) {
    float* filter = dst + f * full_taps;
    std::fill(filter, filter + full_taps, 0.0f);
    for (int64_t t = 0; t < kept_taps; ++t) filter[offsets[t]] = src[f * kept_taps + t];
  }
}

}  // namespace fovea::onednn
