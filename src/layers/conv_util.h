// Helpers shared by the convolution and pooling layers: checking and expanding the per-dimension window
// options at construction, the input checks of build(), output sizes that keep unknown (-1) dimensions, and
// wrapping option errors from configs with the place in the document.
#pragma once

#include <string>
#include <string_view>

#include "fovea/core/error.h"
#include "fovea/layers/layer.h"
#include "fovea/layers/layer_config.h"

namespace fovea::layer_detail {

// A sliding window expanded to one value per spatial dimension.
struct Window {
  Dims kernel_size;
  Dims strides;
  Dims dilation;
  // dilation * (kernel - 1) + 1 per dimension.
  Dims extent() const;
};

// Keras's checks on filters and groups: both positive, filters divisible by groups (ValueError "Conv2D: ...").
void check_filters_and_groups(const std::string& cls, int64_t filters, int64_t groups);

// Expands kernel_size (required), strides (empty = 1) and dilation_rate (empty = 1) for a layer class with rank
// spatial dimensions. Throws ValueError "<cls>: ..." when a list has the wrong length or a non-positive value, or
// when strides > 1 meet dilation_rate > 1 (Keras refuses that combination). `what` names the window option
// ("kernel_size", "pool_size").
Window resolve_window(std::string_view cls, int rank, const Dims& kernel_size, const Dims& strides,
                      const Dims& dilation_rate, std::string_view what = "kernel_size");

// Throws ValueError "<cls>: padding must be one of ..." unless padding is one of `allowed`.
void check_padding(std::string_view cls, Padding padding, std::initializer_list<Padding> allowed);

// The expected input form for error messages: "(None, height, width, channels)", "(None, channels, steps)".
std::string image_form(int rank, DataFormat format);

// The channel count of an image input; throws ShapeError naming `who` when it is unknown.
int64_t known_channels(const Shape& input, DataFormat format, const std::string& who);

// Output spatial sizes of a sliding window under a padding mode (valid, same, full, causal); unknown input sizes
// stay unknown. Throws ShapeError "<who>: <what> 5x5 does not fit input 3x3 with padding='valid' (input shape
// (None, 3, 3, 64))" when the window is larger than the padded input.
Dims window_output_sizes(const Shape& input, DataFormat format, const Window& window, Padding padding,
                         const std::string& who, std::string_view what = "kernel");

// Product of the spatial sizes of an image shape, or 0 when one of them is unknown.
int64_t spatial_volume(const Shape& shape, DataFormat format);

// Axes {first, 2, 3, ..., rank + 1} of a kernel with two channel axes and rank spatial axes.
Dims kernel_fan_in_axes(int first_channel_axis, int rank);

// Runs make(); a ValueError from a layer constructor gets the config's place as prefix.
template <class Make>
Layer with_config_place(const ConfigReader& config, Make make) {
  try {
    return make();
  } catch (const ValueError& e) {
    const std::string what = e.what();
    if (what.rfind(config.where(), 0) == 0) throw;
    throw ValueError(config.where() + ": " + what);
  }
}

}  // namespace fovea::layer_detail
