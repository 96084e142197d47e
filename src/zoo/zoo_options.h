// The zoo's option checks, shared by every family: the input shape (or a network's default), the class count, the
// minimum image size, and the channel axis for BatchNormalization / Concatenate.
#pragma once

#include <string>

#include "fovea/core/error.h"
#include "fovea/zoo/zoo.h"

namespace fovea::zoo::options_detail {


// "32x32": the spatial sizes of a channels-first or channels-last shape (batch excluded).
inline std::string spatial_text(const Shape& shape, Layout format) {
  const int first = format == Layout::channels_first ? 1 : 0;
  std::string out;
  for (int d = first; d < first + shape.rank() - 1; ++d) {
    if (!out.empty()) out += 'x';
    out += std::to_string(shape[d]);
  }
  return out;
}

// options.input_shape, or the network's default (given channels-last) put in data_format's order. Throws
// ValueError naming the network when the rank differs from the default's or a size is not positive.
inline Shape image_input(const ZooOptions& options, const std::string& network, const Shape& default_channels_last) {
  const bool first = options.data_format == Layout::channels_first;
  const int rank = default_channels_last.rank();
  if (options.input_shape.rank() == 0) {
    if (!first) return default_channels_last;
    Shape shape{default_channels_last[rank - 1]};
    for (int d = 0; d + 1 < rank; ++d) shape.push_back(default_channels_last[d]);
    return shape;
  }
  const Shape& shape = options.input_shape;
  const char* form = rank == 4 ? (first ? "(channels, depth, rows, cols)" : "(depth, rows, cols, channels)")
                               : (first ? "(channels, rows, cols)" : "(rows, cols, channels)");
  FOVEA_CHECK(shape.rank() == rank, ValueError, network, ": input_shape must be ", form, " without the batch, got ",
              shape.to_string());
  for (int64_t size : shape) {
    FOVEA_CHECK(size > 0, ValueError, network, ": input_shape sizes must be positive, got ", shape.to_string());
  }
  return shape;
}

// Throws ValueError "<network>: input 16x16 is too small: <why>" when a spatial size is below min_size.
inline void check_min_size(const std::string& network, const Shape& input, Layout format, int64_t min_size,
                           const std::string& why) {
  const int first = format == Layout::channels_first ? 1 : 0;
  for (int d = first; d < first + input.rank() - 1; ++d) {
    FOVEA_CHECK(input[d] >= min_size, ValueError, network, ": input ", spatial_text(input, format),
                " is too small: ", why);
  }
}

// options.num_classes, or the network's default when it is 0. Throws ValueError naming the network when negative.
inline int64_t classes_or(const ZooOptions& options, const std::string& network, int64_t fallback) {
  FOVEA_CHECK(options.num_classes >= 0, ValueError, network, ": num_classes must be >= 0 (0 for the default ", fallback,
              "), got ", options.num_classes);
  return options.num_classes == 0 ? fallback : options.num_classes;
}

// A Dropout layer's rate: options.dropout when set, else the network's own. Throws ValueError naming the network
// when options.dropout is outside [0, 1).
inline double dropout_or(const ZooOptions& options, const std::string& network, double own_rate) {
  if (!options.dropout) return own_rate;
  const double rate = *options.dropout;
  FOVEA_CHECK(rate >= 0 && rate < 1, ValueError, network, ": dropout must be in [0, 1), got ", rate);
  return rate;
}

// The channel axis of a feature map for BatchNormalization: -1 (channels_last) or 1 (channels_first).
inline int channel_axis(Layout format) { return format == Layout::channels_last ? -1 : 1; }

}  // namespace fovea::zoo::options_detail
