// Kernel taps that only ever meet padding. On small images (a 3x3 kernel with padding 1 on a 1x1 map, as in a
// ResNet's last stage on 32x32 inputs) most taps of the kernel multiply padding zeros, yet oneDNN's kernels compute
// and reorder all of them. Cropping the kernel to the taps that can reach the image gives the same convolution with
// fewer taps: 9x less work and 9x smaller weight reorders for the 1x1 case.
#pragma once

#include <optional>

#include "backends/geometry.h"
#include "fovea/core/tensor.h"

namespace fovea::onednn {

struct TapCrop {
  ConvGeometry geometry;  // the same convolution with the cropped kernel and its padding
  Dims first_tap;         // per spatial dimension: the first kept tap of the original kernel
};

// The crop of g's kernel when some of its taps never reach the image (undilated convolutions only), else nothing.
std::optional<TapCrop> tap_crop(const ConvGeometry& g);

// The kept taps of w (out, in / groups, k...), as a tensor of the cropped kernel's shape. The copy is kept on w's
// storage until w changes, so inference crops each kernel once.
Tensor crop_kernel(const Tensor& w, const TapCrop& crop);

// dw (the original kernel's shape) from the cropped kernel's gradient: the kept taps, zeros elsewhere.
void uncrop_kernel_grad(const Tensor& cropped_dw, const TapCrop& crop, Tensor& dw);

}  // namespace fovea::onednn
