// Convolutions that are matrix products. When the kernel (after tap_crop) covers the whole unpadded image and there
// is one output position, as for a ResNet's last stage on 32x32 inputs, every output is a dot product of a whole
// sample with a whole filter: y (N, O) = x (N, K) W (O, K)^T with K = in_channels x image size. oneDNN's
// convolution kernels handle such shapes poorly (~15 GFLOP/s measured for 64 x 512 x 512), its matmul well.
#pragma once

#include "backends/geometry.h"
#include "fovea/core/tensor.h"

namespace fovea::onednn {

// Ungrouped, unpadded, kernel the size of the image, one output position, not accumulating.
bool is_dense_conv(const ConvGeometry& g);

void dense_conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y);
void dense_conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx);
void dense_conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db);

}  // namespace fovea::onednn
