// Feature maps: a model cut to the chosen layers' outputs (sharing its weights) runs once on the image; each output
// is split into channels, each channel scaled to its own range and painted as a tile under the layer's name.
#include "fovea/viz/feature_maps.h"

#include <algorithm>
#include <optional>

#include "convolution_layers.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/layers/conv.h"
#include "fovea/layers/pooling.h"
#include "fovea/models/model.h"
#include "fovea/viz/text.h"
#include "picture_grid.h"

namespace fovea::viz {
namespace {

using pictures_detail::convolution_layer_names;
using pictures_detail::is_convolution;

// Pixels per activation by default: a 26x26 map becomes 52x52, a 7x7 one 49x49.
constexpr int64_t kMapTilePixels = 48;
// A 1-D map's row is at least this many pixels high, however long it is.
constexpr int64_t kMinStripHeight = 8;
// Space between the title and the picture's edge and grid.
constexpr int64_t kTitleMargin = 3;

// "(None, 28, 28, 1)": unknown sizes (-1) as None, wherever they are.
std::string dims_text(const Shape& shape, int first) {
  std::string out = "(";
  for (int i = first; i < shape.rank(); ++i) {
    out += (i > first ? ", " : "") + (shape.dim(i) < 0 ? std::string("None") : std::to_string(shape.dim(i)));
  }
  return out + (shape.rank() - first == 1 ? ",)" : ")");
}

// Where a layer keeps its channels: only the layers with a data_format can say channels_first.
bool channels_first(const Layer& layer) {
  std::optional<DataFormat> format;
  if (const auto* conv = layer.as<ConvImpl>()) format = conv->options().data_format;
  if (const auto* conv = layer.as<ConvTransposeImpl>()) format = conv->options().data_format;
  if (const auto* conv = layer.as<DepthwiseConv2DImpl>()) format = conv->options().data_format;
  if (const auto* conv = layer.as<SeparableConv2DImpl>()) format = conv->options().data_format;
  if (const auto* pool = layer.as<PoolingImpl>()) format = pool->options().data_format;
  return format == DataFormat::channels_first;
}

// image as a batch of one for model's only input, or a ShapeError naming both shapes.
Tensor as_batch(const Model& model, const Tensor& image) {
  FOVEA_CHECK(image.defined(), ShapeError, "feature_maps: no image given (an undefined tensor)");
  const Shape& expected = model.inputs()[0].shape();  // batch first, as -1 unless fixed
  const Shape& shape = image.shape();
  const bool one_sample = shape.rank() == expected.rank() - 1;
  const bool batch_of_one = shape.rank() == expected.rank() && shape.dim(0) == 1;
  bool fits = one_sample || batch_of_one;
  for (int i = 1; fits && i < expected.rank(); ++i) {
    const int64_t got = shape.dim(one_sample ? i - 1 : i);
    fits = expected.dim(i) < 0 || expected.dim(i) == got;
  }
  FOVEA_CHECK(fits, ShapeError, "feature_maps: the image has shape ", dims_text(shape, 0), " but model '", model.name(),
              "' takes ", dims_text(expected, 0), ": give one image of shape ", dims_text(expected, 1),
              " or a batch of one");
  if (!one_sample) return image;
  Shape batched{1};
  for (int i = 0; i < shape.rank(); ++i) batched.push_back(shape.dim(i));
  return image.view(batched);
}

std::vector<std::string> chosen_layers(const Model& model, const FeatureMapOptions& options) {
  const std::string convolutions = convolution_layer_names(model);
  const std::string listing = convolutions.empty() ? std::string("it has no convolution layers")
                                                   : "its convolution layers are: " + convolutions;
  std::vector<std::string> names = options.layers;
  if (names.empty()) {
    for (const Layer& layer : model.layers()) {
      if (is_convolution(layer)) names.push_back(layer->name());
    }
    FOVEA_CHECK(!names.empty(), ValueError, "feature_maps: model '", model.name(),
                "' has no convolution layers; name the layers to draw in FeatureMapOptions::layers");
  }
  for (const std::string& name : names) {
    const auto& layers = model.layers();
    const bool known = std::any_of(layers.begin(), layers.end(), [&](const Layer& l) { return l->name() == name; });
    FOVEA_CHECK(known, ValueError, "feature_maps: model '", model.name(), "' has no layer named '", name, "'; ",
                listing);
  }
  return names;
}

void check_options(const FeatureMapOptions& options) {
  FOVEA_CHECK(options.upscale >= 0, ValueError, "feature_maps: upscale must be >= 0 (0: automatic), got ",
              options.upscale);
  FOVEA_CHECK(options.spacing >= 0, ValueError, "feature_maps: spacing must be >= 0, got ", options.spacing);
  FOVEA_CHECK(options.columns >= 0, ValueError, "feature_maps: columns must be >= 0 (0: automatic), got ",
              options.columns);
  FOVEA_CHECK(options.max_channels >= 0, ValueError, "feature_maps: max_channels must be >= 0 (0: all), got ",
              options.max_channels);
  FOVEA_CHECK(options.title_size >= 1, ValueError, "feature_maps: title_size must be >= 1, got ", options.title_size);
}

// One layer's output (batch of one) as a picture.
Tensor draw_layer(const std::string& name, const Tensor& output, bool first_axis_channels,
                  const FeatureMapOptions& options, const Font* font) {
  const Shape& shape = output.shape();
  const int rank = shape.rank() - 2;  // spatial dimensions
  const int channel_axis = first_axis_channels ? 1 : shape.rank() - 1;
  const int64_t channels = shape.dim(channel_axis);
  const int64_t positions = shape.numel() / std::max<int64_t>(channels, 1);
  const int64_t width = shape.dim(first_axis_channels ? -1 : -2);
  const int64_t height = rank >= 2 ? shape.dim(first_axis_channels ? -2 : -3) : 1;
  const int64_t depth = rank == 3 ? shape.dim(first_axis_channels ? 2 : 1) : 1;

  // Channel-major copy, so that a channel's positions are contiguous.
  const std::vector<double> values = output.to_vector();
  std::vector<double> by_channel(values.size());
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t p = 0; p < positions; ++p) {
      by_channel[static_cast<size_t>(c * positions + p)] =
          values[static_cast<size_t>(first_axis_channels ? c * positions + p : p * channels + c)];
    }
  }

  const int64_t count = options.max_channels > 0 ? std::min(options.max_channels, channels) : channels;
  const int64_t scale =
      options.upscale > 0 ? options.upscale
                          : pictures_detail::auto_upscale(rank == 1 ? width : std::max(height, width), kMapTilePixels);
  const int64_t pixel_h = rank == 1 ? std::max(scale, kMinStripHeight) : scale;
  const int64_t sp = options.spacing;
  const int64_t tile_w = width * scale;
  const int64_t tile_h = height * pixel_h;
  const pictures_detail::GridLayout grid{
      .count = count,
      .columns = options.columns > 0 ? options.columns : (rank == 2 ? pictures_detail::square_columns(count) : 1),
      .slot_width = depth * tile_w + (depth - 1) * sp,
      .slot_height = tile_h,
      .spacing = sp};

  const TextSize title = font ? font->measure(name, options.title_size) : TextSize{};
  const int64_t title_h = font ? kTitleMargin + title.height : 0;
  Canvas canvas(std::max(grid.width(), font ? title.width + 2 * kTitleMargin : 0), title_h + grid.height(),
                options.background);
  if (font) {
    font->draw(canvas, name,
               {.x = kTitleMargin,
                .y = kTitleMargin,
                .pixel_size = options.title_size,
                .color = pictures_detail::contrasting_text_color(options.background)});
  }
  const int64_t plane = height * width;
  for (int64_t c = 0; c < count; ++c) {
    const double* channel = by_channel.data() + c * positions;
    // A constant channel (a dead ReLU's zeros) takes the minimum's colour: nothing lit up.
    const pictures_detail::ValueRange range = pictures_detail::range_of(channel, positions, 0.0);
    const Point slot = grid.slot(c);
    for (int64_t d = 0; d < depth; ++d) {
      const pictures_detail::ValueBlock tile{
          .rows = height, .cols = width, .rgb = false, .values = channel + d * plane};
      pictures_detail::paint_block(canvas, tile,
                                   {.at = {.x = slot.x + d * (tile_w + sp), .y = title_h + slot.y},
                                    .pixel_width = scale,
                                    .pixel_height = pixel_h,
                                    .map = options.colormap,
                                    .range = range});
    }
  }
  return canvas.to_tensor();
}

}  // namespace

std::vector<FeatureMapPicture> feature_maps(const Model& model, const Tensor& image, const FeatureMapOptions& options) {
  check_options(options);
  FOVEA_CHECK(!model.inputs().empty(), ValueError, "feature_maps: model '", model.name(),
              "' is not built yet; give it an Input layer or call it on data first");
  FOVEA_CHECK(model.inputs().size() == 1, ValueError, "feature_maps: model '", model.name(), "' has ",
              model.inputs().size(), " inputs; feature maps are drawn for models of one input");
  const std::vector<std::string> names = chosen_layers(model, options);
  std::vector<SymbolicTensor> outputs;
  for (const std::string& name : names) {
    SymbolicTensor output = model.layer_output(name);
    const Shape& shape = output.shape();
    FOVEA_CHECK(shape.rank() >= 3 && shape.rank() <= 5, ValueError, "feature_maps: layer '", name, "' gives ",
                dims_text(shape, 0),
                ", not a map of channels over positions; choose layers whose outputs have 1 to 3 spatial axes");
    outputs.push_back(output);
  }
  const Tensor batch = as_batch(model, image);
  // A model over the same layers and weights whose outputs are the chosen layers' (Keras's feature extractor).
  Model extractor(model.inputs(), outputs);
  std::vector<Tensor> results;
  {
    autograd::NoGradGuard no_grad;
    results = extractor.call({batch}, false);
  }
  std::optional<Font> font;
  if (options.titles) font.emplace(options.font);
  std::vector<FeatureMapPicture> pictures;
  for (size_t i = 0; i < names.size(); ++i) {
    const Layer layer = model.get_layer(names[i]);
    FeatureMapPicture picture{.layer = names[i], .shape = results[i].shape(), .image = Tensor()};
    picture.image = draw_layer(names[i], results[i], channels_first(layer), options, font ? &*font : nullptr);
    pictures.push_back(std::move(picture));
  }
  return pictures;
}

}  // namespace fovea::viz
