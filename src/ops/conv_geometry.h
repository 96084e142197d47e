// Shape functions shared by convolution and pooling: per-dimension argument lists, padding resolution, layout
// bookkeeping and the checks (with their error text) that turn user options into a ConvGeometry/PoolGeometry.
#pragma once

#include <string>
#include <string_view>

#include "backends/geometry.h"
#include "fovea/core/shape.h"
#include "fovea/ops/conv.h"

namespace fovea::detail {

// "(2, 3)" for error messages.
std::string dims_to_string(const Dims& d);
// "5x5" (a spatial extent) for error messages.
std::string dims_x(const Dims& d);
std::string_view padding_name(Padding p);

// Expands a per-dimension list: empty gives `fallback` everywhere, one value is used for every dimension,
// otherwise it must hold exactly `n` values. Throws ValueError naming op and what.
Dims per_dim(const Dims& values, int n, int64_t fallback, std::string_view op, std::string_view what);
// Throws ValueError "<op>: <what> must be positive, got (...)" unless every value is > 0.
void check_positive(const Dims& values, std::string_view op, std::string_view what);

// Checks that x is an image tensor: (N, C, spatial...) or (N, spatial..., C) with 1-3 spatial dimensions.
void check_image_rank(const Shape& x, std::string_view op);
// Channel count and spatial sizes of an image shape under a layout.
int64_t channels_of(const Shape& x, Layout layout);
Dims spatial_of(const Shape& x, Layout layout);
// The image shape (N, C, spatial...) or (N, spatial..., C).
Shape image_shape(int64_t batch, int64_t channels, const Dims& spatial, Layout layout);

// Resolves one padding mode into explicit pads per spatial dimension. `dilated_kernel` is dilation*(k-1)+1.
// For explicit_, pads_begin/pads_end are expanded (empty = 0) and must be non-negative.
struct ResolvedPads {
  Dims begin;
  Dims end;
};
ResolvedPads resolve_pads(Padding mode, const Dims& in, const Dims& dilated_kernel, const Dims& strides,
                          const Dims& pads_begin, const Dims& pads_end, std::string_view op);

// The geometry of conv(x, kernel) with all arguments validated; throws ShapeError/ValueError otherwise.
ConvGeometry conv_geometry(const Shape& x, const Shape& kernel, const ConvArgs& args);
// The geometry of the convolution whose backward-data is conv_transpose(x, kernel): its in_size is the
// transposed convolution's output and its out_size is x's spatial size.
ConvGeometry conv_transpose_geometry(const Shape& x, const Shape& kernel, const ConvTransposeArgs& args);

}  // namespace fovea::detail
