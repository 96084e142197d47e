// Shape functions for convolution and transposed convolution: argument expansion, padding rules and the
// checks whose messages tell the user what was expected and what was got.
#include "ops/conv_geometry.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "fovea/core/error.h"

namespace fovea {
namespace detail {

std::string dims_to_string(const Dims& d) {
  std::string out = "(";
  for (int i = 0; i < d.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(d[i]);
  }
  return out + ")";
}

std::string dims_x(const Dims& d) {
  std::string out;
  for (int i = 0; i < d.size(); ++i) {
    if (i > 0) out += "x";
    out += std::to_string(d[i]);
  }
  return out;
}

std::string_view padding_name(Padding p) {
  switch (p) {
    case Padding::valid:
      return "valid";
    case Padding::same:
      return "same";
    case Padding::full:
      return "full";
    case Padding::causal:
      return "causal";
    case Padding::explicit_:
      return "explicit";
  }
  return "?";
}

Dims per_dim(const Dims& values, int n, int64_t fallback, std::string_view op, std::string_view what) {
  if (values.empty()) return Dims::filled(n, fallback);
  if (values.size() == 1) return Dims::filled(n, values[0]);
  FOVEA_CHECK(values.size() == n, ValueError, op, ": ", what, " must have 1 or ", n,
              " values (one per spatial dimension), got ", values.size(), " ", dims_to_string(values));
  return values;
}

void check_positive(const Dims& values, std::string_view op, std::string_view what) {
  const bool ok = std::all_of(values.begin(), values.end(), [](int64_t v) { return v > 0; });
  FOVEA_CHECK(ok, ValueError, op, ": ", what, " must be positive, got ", dims_to_string(values));
}

void check_image_rank(const Shape& x, std::string_view op) {
  FOVEA_CHECK(x.rank() >= 3 && x.rank() <= 5, ShapeError, op,
              ": input must have rank 3, 4 or 5 (batch, channels and 1-3 spatial dimensions), got shape ",
              x.to_string());
}

int64_t channels_of(const Shape& x, Layout layout) { return layout == Layout::channels_first ? x[1] : x[x.rank() - 1]; }

Dims spatial_of(const Shape& x, Layout layout) {
  const int first = layout == Layout::channels_first ? 2 : 1;
  Dims s;
  for (int i = 0; i < x.rank() - 2; ++i) s.push_back(x[first + i]);
  return s;
}

Shape image_shape(int64_t batch, int64_t channels, const Dims& spatial, Layout layout) {
  Shape s{batch};
  if (layout == Layout::channels_first) s.push_back(channels);
  for (int64_t d : spatial) s.push_back(d);
  if (layout == Layout::channels_last) s.push_back(channels);
  return s;
}

ResolvedPads resolve_pads(Padding mode, const Dims& in, const Dims& dilated_kernel, const Dims& strides,
                          const Dims& pads_begin, const Dims& pads_end, std::string_view op) {
  const int n = in.size();
  ResolvedPads pads{Dims::filled(n, 0), Dims::filled(n, 0)};
  for (int i = 0; i < n; ++i) {
    switch (mode) {
      case Padding::valid:
        break;
      case Padding::same: {
        // TensorFlow's rule: out = ceil(in / stride); the odd pad goes to the end.
        const int64_t out = (in[i] + strides[i] - 1) / strides[i];
        const int64_t total = std::max<int64_t>((out - 1) * strides[i] + dilated_kernel[i] - in[i], 0);
        pads.begin[i] = total / 2;
        pads.end[i] = total - total / 2;
        break;
      }
      case Padding::full:
        pads.begin[i] = pads.end[i] = dilated_kernel[i] - 1;
        break;
      case Padding::causal:
        pads.begin[i] = dilated_kernel[i] - 1;
        break;
      case Padding::explicit_:
        break;
    }
  }
  if (mode == Padding::explicit_) {
    pads.begin = per_dim(pads_begin, n, 0, op, "pads_begin");
    pads.end = per_dim(pads_end, n, 0, op, "pads_end");
    const auto non_negative = [](const Dims& d) {
      return std::all_of(d.begin(), d.end(), [](int64_t v) { return v >= 0; });
    };
    FOVEA_CHECK(non_negative(pads.begin) && non_negative(pads.end), ValueError, op,
                ": pads must be non-negative, got pads_begin ", dims_to_string(pads.begin), " and pads_end ",
                dims_to_string(pads.end));
  }
  return pads;
}

namespace {

// The checks conv and conv_transpose share. `kernel_per_group` is the kernel's dim 1 and `kernel_groups_dim`
// its dim 0; for conv x's channels must be dim1 * groups, for conv_transpose they must equal dim 0.
struct CommonConvArgs {
  int spatial_rank;
  Dims kernel_size;
  Dims strides;
  Dims dilation;
  Dims dilated_kernel;
};

CommonConvArgs check_common(const Shape& x, const Shape& kernel, const Dims& strides, const Dims& dilation,
                            int64_t groups, std::string_view op) {
  check_image_rank(x, op);
  const int n = x.rank() - 2;
  FOVEA_CHECK(kernel.rank() == x.rank(), ShapeError, op, ": kernel must have rank ", x.rank(),
              " (2 channel dimensions and ", n, " kernel dimensions, as the input has ", n,
              " spatial dimensions), got shape ", kernel.to_string());
  CommonConvArgs c;
  c.spatial_rank = n;
  for (int i = 0; i < n; ++i) c.kernel_size.push_back(kernel[2 + i]);
  check_positive(c.kernel_size, op, "kernel size");
  FOVEA_CHECK(groups > 0, ValueError, op, ": groups must be positive, got ", groups);
  c.strides = per_dim(strides, n, 1, op, "strides");
  check_positive(c.strides, op, "strides");
  c.dilation = per_dim(dilation, n, 1, op, "dilation");
  check_positive(c.dilation, op, "dilation");
  for (int i = 0; i < n; ++i) c.dilated_kernel.push_back(c.dilation[i] * (c.kernel_size[i] - 1) + 1);
  return c;
}

std::string kernel_description(const CommonConvArgs& c) {
  std::string s = "kernel " + dims_x(c.kernel_size);
  const bool dilated = std::any_of(c.dilation.begin(), c.dilation.end(), [](int64_t d) { return d != 1; });
  if (dilated) s += " with dilation " + dims_x(c.dilation);
  return s;
}

}  // namespace

ConvGeometry conv_geometry(const Shape& x, const Shape& kernel, const ConvArgs& args) {
  constexpr std::string_view op = "conv";
  const CommonConvArgs c = check_common(x, kernel, args.strides, args.dilation, args.groups, op);
  const int64_t in_channels = channels_of(x, args.layout);
  const int64_t out_channels = kernel[0];
  FOVEA_CHECK(in_channels % args.groups == 0, ValueError, op, ": groups=", args.groups,
              " does not divide in_channels=", in_channels);
  FOVEA_CHECK(out_channels % args.groups == 0, ValueError, op, ": groups=", args.groups,
              " does not divide out_channels=", out_channels, " (kernel shape ", kernel.to_string(), ")");
  FOVEA_CHECK(in_channels == kernel[1] * args.groups, ShapeError, op, ": input has ", in_channels,
              " channels but the kernel expects ", kernel[1] * args.groups, " (in_channels ", kernel[1], " x groups ",
              args.groups, ")");

  ConvGeometry g;
  g.spatial_rank = c.spatial_rank;
  g.batch = x[0];
  g.in_channels = in_channels;
  g.out_channels = out_channels;
  g.groups = args.groups;
  g.in_size = spatial_of(x, args.layout);
  g.kernel_size = c.kernel_size;
  g.strides = c.strides;
  g.dilation = c.dilation;
  g.layout = args.layout;
  g.activation = args.activation;
  const ResolvedPads pads =
      resolve_pads(args.padding, g.in_size, c.dilated_kernel, c.strides, args.pads_begin, args.pads_end, op);
  g.pads_begin = pads.begin;
  g.pads_end = pads.end;
  for (int i = 0; i < c.spatial_rank; ++i) {
    const int64_t padded = g.in_size[i] + pads.begin[i] + pads.end[i];
    FOVEA_CHECK(padded >= c.dilated_kernel[i], ShapeError, op, ": ", kernel_description(c), " does not fit input ",
                dims_x(g.in_size), " with padding='", padding_name(args.padding), "' (input shape ", x.to_string(),
                ")");
    g.out_size.push_back(
        conv_output_size(g.in_size[i], c.kernel_size[i], c.strides[i], c.dilation[i], pads.begin[i], pads.end[i]));
  }
  return g;
}

ConvGeometry conv_transpose_geometry(const Shape& x, const Shape& kernel, const ConvTransposeArgs& args) {
  constexpr std::string_view op = "conv_transpose";
  const CommonConvArgs c = check_common(x, kernel, args.strides, args.dilation, args.groups, op);
  const int n = c.spatial_rank;
  const int64_t in_channels = channels_of(x, args.layout);
  FOVEA_CHECK(in_channels % args.groups == 0, ValueError, op, ": groups=", args.groups,
              " does not divide in_channels=", in_channels);
  FOVEA_CHECK(in_channels == kernel[0], ShapeError, op, ": input has ", in_channels,
              " channels but the kernel expects ", kernel[0], " (kernel shape ", kernel.to_string(),
              " is (in_channels, out_channels / groups, kernel...))");
  const Dims output_padding = per_dim(args.output_padding, n, 0, op, "output_padding");
  for (int i = 0; i < n; ++i) {
    FOVEA_CHECK(output_padding[i] >= 0 && output_padding[i] < c.strides[i], ValueError, op,
                ": output_padding must be non-negative and smaller than the strides, got output_padding ",
                dims_to_string(output_padding), " with strides ", dims_to_string(c.strides));
  }
  const bool has_output_padding =
      std::any_of(output_padding.begin(), output_padding.end(), [](int64_t v) { return v != 0; });
  FOVEA_CHECK(!(args.padding == Padding::same && has_output_padding), ValueError, op,
              ": output_padding cannot be combined with padding='same' (which fixes output = input * stride), got ",
              dims_to_string(output_padding));

  // Roles swap: the forward convolution of this geometry maps the transposed output back onto x.
  ConvGeometry g;
  g.spatial_rank = n;
  g.batch = x[0];
  g.in_channels = kernel[1] * args.groups;
  g.out_channels = in_channels;
  g.groups = args.groups;
  g.out_size = spatial_of(x, args.layout);
  g.kernel_size = c.kernel_size;
  g.strides = c.strides;
  g.dilation = c.dilation;
  g.layout = args.layout;
  g.activation = args.activation;
  if (args.padding == Padding::same) {
    // Output = input * stride; the pads are the TensorFlow 'same' pads of the forward convolution on it.
    for (int i = 0; i < n; ++i) g.in_size.push_back(g.out_size[i] * c.strides[i]);
    const ResolvedPads pads = resolve_pads(Padding::same, g.in_size, c.dilated_kernel, c.strides, {}, {}, op);
    g.pads_begin = pads.begin;
    g.pads_end = pads.end;
    return g;
  }
  // The pads are those of the forward convolution; its input is then fixed by the output-size rule.
  const ResolvedPads pads =
      resolve_pads(args.padding, g.out_size, c.dilated_kernel, c.strides, args.pads_begin, args.pads_end, op);
  g.pads_begin = pads.begin;
  g.pads_end = pads.end;
  for (int i = 0; i < n; ++i) {
    const int64_t out =
        (g.out_size[i] - 1) * c.strides[i] + c.dilated_kernel[i] - pads.begin[i] - pads.end[i] + output_padding[i];
    FOVEA_CHECK(out >= 1, ShapeError, op, ": ", kernel_description(c), " with padding='", padding_name(args.padding),
                "' and pads ", dims_to_string(pads.begin), "/", dims_to_string(pads.end),
                " leaves no output for input ", dims_x(g.out_size), " (input shape ", x.to_string(), ")");
    g.in_size.push_back(out);
  }
  return g;
}

}  // namespace detail

Padding parse_padding(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (Padding p : {Padding::valid, Padding::same, Padding::full, Padding::causal}) {
    if (lower == detail::padding_name(p)) return p;
  }
  throw ValueError(detail::concat("unknown padding '", name, "'; valid names: valid, same, full, causal"));
}

Layout parse_layout(std::string_view name) {
  std::string lower(name);  // Keras lowercases data_format as it does padding
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (lower == "channels_last") return Layout::channels_last;
  if (lower == "channels_first") return Layout::channels_first;
  throw ValueError(detail::concat("unknown data_format '", name, "'; valid names: channels_last, channels_first"));
}

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                         int64_t pad_end) {
  FOVEA_CHECK(stride > 0 && dilation > 0 && kernel > 0, ValueError,
              "conv_output_size: kernel, stride and dilation must be positive, got kernel ", kernel, ", stride ",
              stride, ", dilation ", dilation);
  const int64_t span = in + pad_begin + pad_end - dilation * (kernel - 1) - 1;
  // Floor division, so that a kernel larger than the padded input gives a size <= 0 rather than 1.
  const int64_t q = span >= 0 ? span / stride : -((-span + stride - 1) / stride);
  return q + 1;
}

}  // namespace fovea
