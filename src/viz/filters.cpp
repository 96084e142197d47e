// The filter grid: a layer's kernel rearranged into filters (each over the input channels it reads), reduced to the
// channel views asked for, scaled and painted tile by tile.
#include "fovea/viz/filters.h"

#include <algorithm>

#include "convolution_layers.h"
#include "fovea/core/error.h"
#include "fovea/layers/conv.h"
#include "fovea/models/model.h"
#include "fovea/viz/text.h"
#include "picture_grid.h"

namespace fovea::viz {
namespace {

using pictures_detail::convolution_layer_names;
using pictures_detail::is_convolution;
using pictures_detail::ValueBlock;
using pictures_detail::ValueRange;

// Output pixels per kernel tap by default: a 3x3 kernel becomes a 33x33 tile, an 11x11 one 33x33.
constexpr int64_t kFilterTilePixels = 32;
// Space between a filter and its label.
constexpr int64_t kLabelGap = 2;

// A layer's kernel as filters: values[filter][channel][depth][height][width] (1-D kernels have depth = height = 1,
// 2-D ones depth = 1).
struct FilterBank {
  int64_t filters = 0;
  int64_t channels = 0;
  int rank = 0;
  int64_t depth = 1;
  int64_t height = 1;
  int64_t width = 1;
  std::vector<double> values;
};

std::string describe(const Layer& layer) { return layer->class_name() + " '" + layer->name() + "'"; }

// The model's convolution layers in a sentence, for error messages.
std::string convolution_layers_sentence(const Model& model) {
  const std::string names = convolution_layer_names(model);
  return names.empty() ? std::string("it has no convolution layers") : "its convolution layers are: " + names;
}

FilterBank bank_of(const Layer& layer, const std::string& model_note) {
  FOVEA_CHECK(is_convolution(layer), ValueError, "filter_grid: ", describe(layer),
              " has no convolution filters (filters are the kernels of Conv1D/2D/3D, Conv1D/2D/3DTranspose, "
              "DepthwiseConv2D and SeparableConv2D layers)",
              model_note);
  // SeparableConv2D's pointwise kernel is 1x1: its spatial filters are the depthwise ones.
  const std::string weight_name = layer.as<SeparableConv2DImpl>() ? "depthwise_kernel" : "kernel";
  const Tensor* kernel = nullptr;
  for (const Weight& weight : layer->weights()) {
    if (weight.name == weight_name) kernel = &weight.value;
  }
  FOVEA_CHECK(kernel && kernel->defined(), ValueError, "filter_grid: ", describe(layer),
              " is not built yet, so it has no kernel; call it (or its model) on data first, or give its model an "
              "Input");
  const Shape& shape = kernel->shape();
  FilterBank bank;
  bank.rank = shape.rank() - 2;
  const std::vector<double> values = kernel->to_vector();
  int64_t taps = 1;
  for (int i = 2; i < shape.rank(); ++i) taps *= shape.dim(i);
  bank.width = shape.dim(-1);
  if (bank.rank >= 2) bank.height = shape.dim(-2);
  if (bank.rank == 3) bank.depth = shape.dim(-3);
  if (const auto* transpose = layer.as<ConvTransposeImpl>()) {
    // (in, filters / groups, k...): output filter o of group g reads inputs g * in_per_group ... as kernel[i][j].
    const int64_t groups = transpose->options().groups;
    const int64_t inputs_per_group = shape.dim(0) / groups;
    const int64_t outputs_per_group = shape.dim(1);
    bank.filters = outputs_per_group * groups;
    bank.channels = inputs_per_group;
    bank.values.resize(values.size());
    for (int64_t o = 0; o < bank.filters; ++o) {
      const int64_t g = o / outputs_per_group;
      const int64_t j = o % outputs_per_group;
      for (int64_t c = 0; c < inputs_per_group; ++c) {
        const int64_t i = g * inputs_per_group + c;
        std::copy_n(values.begin() + (i * outputs_per_group + j) * taps, taps,
                    bank.values.begin() + (o * inputs_per_group + c) * taps);
      }
    }
  } else {
    // (filters, in / groups, k...) for Conv and (in * multiplier, 1, k...) for the depthwise kernels: as drawn.
    bank.filters = shape.dim(0);
    bank.channels = shape.dim(1);
    bank.values = values;
  }
  return bank;
}

enum class View { color, each, mean };

View resolve_view(const FilterGridOptions& options, const FilterBank& bank, const Layer& layer) {
  switch (options.channels) {
    case FilterChannels::color:
      FOVEA_CHECK(bank.channels == 3, ValueError, "filter_grid: ", describe(layer),
                  ": channels = color needs filters over 3 input channels, these have ", bank.channels);
      return View::color;
    case FilterChannels::each:
      return View::each;
    case FilterChannels::mean:
      return View::mean;
    case FilterChannels::automatic:
      break;
  }
  return bank.rank == 2 && bank.channels == 3 ? View::color : View::each;
}

// The values one filter is drawn from: views x depth x height x width, times 3 (interleaved) for color.
std::vector<double> shown_values(const FilterBank& bank, int64_t filter, View view) {
  const int64_t taps = bank.depth * bank.height * bank.width;
  const double* first = bank.values.data() + filter * bank.channels * taps;
  if (view == View::each) return {first, first + bank.channels * taps};
  std::vector<double> out(static_cast<size_t>(view == View::color ? 3 * taps : taps));
  for (int64_t t = 0; t < taps; ++t) {
    if (view == View::color) {
      for (int64_t c = 0; c < 3; ++c) out[static_cast<size_t>(t * 3 + c)] = first[c * taps + t];
    } else {
      double sum = 0;
      for (int64_t c = 0; c < bank.channels; ++c) sum += first[c * taps + t];
      out[static_cast<size_t>(t)] = sum / static_cast<double>(bank.channels);
    }
  }
  return out;
}

void check_options(const FilterGridOptions& options) {
  FOVEA_CHECK(options.upscale >= 0, ValueError, "filter_grid: upscale must be >= 0 (0: automatic), got ",
              options.upscale);
  FOVEA_CHECK(options.spacing >= 0, ValueError, "filter_grid: spacing must be >= 0, got ", options.spacing);
  FOVEA_CHECK(options.columns >= 0, ValueError, "filter_grid: columns must be >= 0 (0: automatic), got ",
              options.columns);
  FOVEA_CHECK(options.max_filters >= 0, ValueError, "filter_grid: max_filters must be >= 0 (0: all), got ",
              options.max_filters);
  FOVEA_CHECK(options.label_size >= 1, ValueError, "filter_grid: label_size must be >= 1, got ", options.label_size);
}

Tensor draw_filters(const Layer& layer, const FilterGridOptions& options, const std::string& model_note) {
  check_options(options);
  const FilterBank bank = bank_of(layer, model_note);
  const View view = resolve_view(options, bank, layer);
  const int64_t count = options.max_filters > 0 ? std::min(options.max_filters, bank.filters) : bank.filters;
  const int64_t views = view == View::each ? bank.channels : 1;
  const int64_t scale = options.upscale > 0
                            ? options.upscale
                            : pictures_detail::auto_upscale(std::max(bank.height, bank.width), kFilterTilePixels);
  const Colormap map = options.colormap.value_or(bank.rank == 1 ? Colormap::viridis : Colormap::gray);
  const int64_t sp = options.spacing;

  std::vector<std::vector<double>> shown;
  for (int64_t f = 0; f < count; ++f) shown.push_back(shown_values(bank, f, view));
  ValueRange common{};
  if (options.scale == FilterScale::common) {
    std::vector<double> all;
    for (const auto& values : shown) all.insert(all.end(), values.begin(), values.end());
    common = pictures_detail::range_of(all.data(), static_cast<int64_t>(all.size()), 0.5);
  }

  // A filter's cell: a 1-D heat strip (a row per view), 2-D views side by side, 3-D depth slices side by side with
  // a row per view.
  const int64_t tile_w = bank.width * scale;
  const int64_t tile_h = bank.height * scale;
  int64_t cell_w = tile_w;
  int64_t cell_h = views * scale;
  if (bank.rank == 2) {
    cell_w = views * tile_w + (views - 1) * sp;
    cell_h = tile_h;
  } else if (bank.rank == 3) {
    cell_w = bank.depth * tile_w + (bank.depth - 1) * sp;
    cell_h = views * tile_h + (views - 1) * sp;
  }

  std::optional<Font> font;
  int64_t label_h = 0;
  int64_t slot_w = cell_w;
  if (options.labels) {
    font.emplace(options.font);
    label_h = font->measure("0123456789", options.label_size).height;
    for (int64_t f = 0; f < count; ++f) {
      slot_w = std::max(slot_w, font->measure(std::to_string(f), options.label_size).width);
    }
  }
  const bool one_tile = bank.rank == 2 && views == 1;
  const pictures_detail::GridLayout grid{
      .count = count,
      .columns = options.columns > 0 ? options.columns : (one_tile ? pictures_detail::square_columns(count) : 1),
      .slot_width = slot_w,
      .slot_height = cell_h + (options.labels ? kLabelGap + label_h : 0),
      .spacing = sp};
  Canvas canvas(grid.width(), grid.height(), options.background);
  const int64_t taps = bank.depth * bank.height * bank.width;
  const int64_t plane = bank.height * bank.width;
  const int64_t per_value = view == View::color ? 3 : 1;
  for (int64_t f = 0; f < count; ++f) {
    const std::vector<double>& values = shown[static_cast<size_t>(f)];
    const ValueRange range = options.scale == FilterScale::common
                                 ? common
                                 : pictures_detail::range_of(values.data(), static_cast<int64_t>(values.size()), 0.5);
    const Point slot = grid.slot(f);
    const Point cell{.x = slot.x + (slot_w - cell_w) / 2, .y = slot.y};
    if (bank.rank == 1) {
      const ValueBlock strip{.rows = views, .cols = bank.width, .rgb = view == View::color, .values = values.data()};
      pictures_detail::paint_block(
          canvas, strip, {.at = cell, .pixel_width = scale, .pixel_height = scale, .map = map, .range = range});
    } else {
      for (int64_t v = 0; v < views; ++v) {
        for (int64_t d = 0; d < bank.depth; ++d) {
          const ValueBlock tile{.rows = bank.height,
                                .cols = bank.width,
                                .rgb = view == View::color,
                                .values = values.data() + (v * taps + d * plane) * per_value};
          // 2-D: views side by side; 3-D: depth slices side by side, a row per view.
          const int64_t column = bank.rank == 2 ? v : d;
          const int64_t row = bank.rank == 2 ? 0 : v;
          const Point at{.x = cell.x + column * (tile_w + sp), .y = cell.y + row * (tile_h + sp)};
          pictures_detail::paint_block(
              canvas, tile, {.at = at, .pixel_width = scale, .pixel_height = scale, .map = map, .range = range});
        }
      }
    }
    if (font) {
      const std::string label = std::to_string(f);
      const int64_t label_w = font->measure(label, options.label_size).width;
      font->draw(canvas, label,
                 {.x = slot.x + (slot_w - label_w) / 2,
                  .y = slot.y + cell_h + kLabelGap,
                  .pixel_size = options.label_size,
                  .color = pictures_detail::contrasting_text_color(options.background)});
    }
  }
  return canvas.to_tensor();
}

}  // namespace

Tensor filter_grid(const Layer& layer, const FilterGridOptions& options) {
  FOVEA_CHECK(layer.ptr() != nullptr, ValueError, "filter_grid: no layer given (an empty Layer handle)");
  return draw_filters(layer, options, "");
}

Tensor filter_grid(const Model& model, const std::string& layer_name, const FilterGridOptions& options) {
  const std::vector<Layer>& layers = model.layers();
  const auto found =
      std::find_if(layers.begin(), layers.end(), [&](const Layer& l) { return l->name() == layer_name; });
  FOVEA_CHECK(found != layers.end(), ValueError, "filter_grid: model '", model.name(), "' has no layer named '",
              layer_name, "'; ", convolution_layers_sentence(model));
  return draw_filters(*found, options, "; " + convolution_layers_sentence(model));
}

}  // namespace fovea::viz
