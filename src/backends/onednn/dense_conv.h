// Convolutions on images so small that the whole convolution, as one matrix product over whole samples, takes no
// more multiply-adds than the direct algorithm: y (N, P_out x O) = x (N, P_in x I) W^T, where the unrolled kernel
// W holds, for each output position and input position, the tap that joins them (zero where none does). The
// direct algorithm spends P_out x taps multiply-adds per (I, O) pair, the product P_out x P_in, so it pays when an
// image has no more positions than the kernel has taps that reach it: a ResNet's last two stages on 32x32 inputs
// (3x3 kernels on 2x2 and 1x1 maps). oneDNN's convolution kernels also run such shapes poorly (~15 GFLOP/s
// measured for 64 x 512 x 512 on a 1x1 map; 125 GFLOP/s for backward weights on a 2x2 map), its matmul well.
#pragma once

#include "backends/geometry.h"
#include "fovea/core/tensor.h"

namespace fovea::onednn {

// Ungrouped, undilated, not accumulating, input positions <= reaching taps, and an unrolled kernel at most twice
// the size of the kernel itself.
bool is_dense_conv(const ConvGeometry& g);

void dense_conv_forward(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y);
void dense_conv_backward_data(const ConvGeometry& g, const Tensor& dy, const Tensor& w, Tensor& dx);
void dense_conv_backward_weights(const ConvGeometry& g, const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db);

}  // namespace fovea::onednn
