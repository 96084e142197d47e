// Window options, input checks and output sizes shared by the convolution and pooling layers.
#include "layers/conv_util.h"

#include <algorithm>
#include <limits>

#include "fovea/core/error.h"
#include "ops/conv_geometry.h"

namespace fovea::layer_detail {

Dims Window::extent() const {
  Dims out;
  for (int i = 0; i < kernel_size.size(); ++i) out.push_back(dilation[i] * (kernel_size[i] - 1) + 1);
  return out;
}

void check_filters_and_groups(const std::string& cls, int64_t filters, int64_t groups) {
  FOVEA_CHECK(filters >= 1, ValueError, cls, ": filters must be a positive integer, got ", filters);
  FOVEA_CHECK(groups >= 1, ValueError, cls, ": groups must be a positive integer, got ", groups);
  FOVEA_CHECK(filters % groups == 0, ValueError, cls,
              ": the number of filters must be divisible by groups, got filters=", filters, " and groups=", groups);
}

Window resolve_window(std::string_view cls, int rank, const Dims& kernel_size, const Dims& strides,
                      const Dims& dilation_rate, std::string_view what) {
  FOVEA_CHECK(!kernel_size.empty(), ValueError, cls, ": ", what,
              " is required (one value, or one per spatial dimension)");
  Window w;
  w.kernel_size = detail::per_dim(kernel_size, rank, 1, cls, what);
  detail::check_positive(w.kernel_size, cls, what);
  w.strides = detail::per_dim(strides, rank, 1, cls, "strides");
  detail::check_positive(w.strides, cls, "strides");
  w.dilation = detail::per_dim(dilation_rate, rank, 1, cls, "dilation_rate");
  detail::check_positive(w.dilation, cls, "dilation_rate");
  for (int i = 0; i < rank; ++i) {
    // The window's extent, (kernel - 1) * dilation + 1, sizes the padding and the output.
    const std::optional<int64_t> span = checked_mul(w.kernel_size[i] - 1, w.dilation[i]);
    FOVEA_CHECK(span && *span < std::numeric_limits<int64_t>::max() / 4, ValueError, cls, ": ", what, " ",
                detail::dims_to_string(w.kernel_size), " with dilation_rate ", detail::dims_to_string(w.dilation),
                " spans more positions than fovea can index");
    FOVEA_CHECK(w.strides[i] < std::numeric_limits<int64_t>::max() / 4, ValueError, cls, ": strides ",
                detail::dims_to_string(w.strides), " step further than fovea can index");
  }
  const auto above_one = [](const Dims& d) { return std::any_of(d.begin(), d.end(), [](int64_t v) { return v > 1; }); };
  FOVEA_CHECK(!(above_one(w.strides) && above_one(w.dilation)), ValueError, cls,
              ": strides > 1 cannot be combined with dilation_rate > 1 (as in Keras), got strides ",
              detail::dims_to_string(w.strides), " and dilation_rate ", detail::dims_to_string(w.dilation));
  return w;
}

void check_padding(std::string_view cls, Padding padding, std::initializer_list<Padding> allowed) {
  if (std::find(allowed.begin(), allowed.end(), padding) != allowed.end()) return;
  std::string names;
  for (Padding p : allowed) names += (names.empty() ? "'" : ", '") + std::string(detail::padding_name(p)) + "'";
  std::string hint;
  if (padding == Padding::causal) hint = " (only Conv1D supports 'causal')";
  throw ValueError(
      detail::concat(cls, ": padding must be one of ", names, ", got '", detail::padding_name(padding), "'", hint));
}

std::string image_form(int rank, DataFormat format) {
  static const char* const kNames[3][3] = {{"steps"}, {"height", "width"}, {"depth", "height", "width"}};
  std::string spatial;
  for (int i = 0; i < rank; ++i) spatial += std::string(i ? ", " : "") + kNames[rank - 1][i];
  return format == DataFormat::channels_last ? "(None, " + spatial + ", channels)"
                                             : "(None, channels, " + spatial + ")";
}

int64_t known_channels(const Shape& input, DataFormat format, const std::string& who) {
  const int64_t c = detail::channels_of(input, format);
  FOVEA_CHECK(c > 0, ShapeError, who, " needs a known number of input channels (",
              format == DataFormat::channels_last ? "last" : "second", " axis), got ", input.to_string(true));
  return c;
}

Dims window_output_sizes(const Shape& input, DataFormat format, const Window& w, Padding padding,
                         const std::string& who, std::string_view what) {
  const Dims in = detail::spatial_of(input, format);
  const Dims extent = w.extent();
  Dims out;
  for (int i = 0; i < in.size(); ++i) {
    if (in[i] < 0) {
      out.push_back(-1);
      continue;
    }
    int64_t pads = 0;  // total padding; only the sum matters for the size
    if (padding == Padding::full) pads = 2 * (extent[i] - 1);
    if (padding == Padding::causal) pads = extent[i] - 1;
    if (padding == Padding::same) {
      out.push_back((in[i] + w.strides[i] - 1) / w.strides[i]);
      continue;
    }
    if (in[i] + pads < extent[i]) {
      std::string window = detail::dims_x(w.kernel_size);
      const bool dilated = std::any_of(w.dilation.begin(), w.dilation.end(), [](int64_t d) { return d != 1; });
      if (dilated) window += " with dilation " + detail::dims_x(w.dilation);
      throw ShapeError(detail::concat(who, ": ", what, " ", window, " does not fit input ", detail::dims_x(in),
                                      " with padding='", detail::padding_name(padding), "' (input shape ",
                                      input.to_string(true), ")"));
    }
    out.push_back((in[i] + pads - extent[i]) / w.strides[i] + 1);
  }
  return out;
}

int64_t spatial_volume(const Shape& shape, DataFormat format) {
  int64_t n = 1;
  for (int64_t d : detail::spatial_of(shape, format)) {
    if (d < 0) return 0;
    n *= d;
  }
  return n;
}

Dims kernel_fan_in_axes(int first_channel_axis, int rank) {
  Dims axes{first_channel_axis};
  for (int i = 0; i < rank; ++i) axes.push_back(2 + i);
  return axes;
}

}  // namespace fovea::layer_detail
