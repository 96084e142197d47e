// Pictures of what a network sees: the activations (feature maps) of chosen layers for one input image, each layer
// as a titled grid of per-channel tiles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/viz/canvas.h"
#include "fovea/viz/colormap.h"

namespace fovea {
class Model;
}

namespace fovea::viz {

struct FeatureMapOptions {
  std::vector<std::string> layers{};  // the layers to show, in this order; empty: every convolution layer
  Colormap colormap = Colormap::gray;
  int64_t upscale = 0;       // each activation as upscale x upscale pixels; 0: enough for tiles of about 48 pixels
  int64_t spacing = 1;       // background pixels between tiles
  int64_t columns = 0;       // tiles per row; 0: about square
  int64_t max_channels = 0;  // show the first max_channels channels; 0: all
  bool titles = true;        // the layer's name above its grid, in text
  int title_size = 12;       // text pixel size of the titles
  Rgb background = kWhite;
  std::string font{};  // empty: default_font_path() (only opened when titles are drawn)
};

// One layer's picture: a float32 (H, W, 3) image with values 0-255 (for write_png).
struct FeatureMapPicture {
  std::string layer{};
  Shape shape{};  // the layer's output shape for the image, batch included
  Tensor image{};
};

// Runs model once (inference) on image and draws the outputs of options.layers, one picture per layer in that
// order. image is one sample (the model's input shape without the batch) or a batch of one, of any dtype the
// model takes (uint8 pixels where a preprocessing layer comes first). Each channel is a tile scaled to its own
// range (minimum black, maximum white in gray; a constant channel, as a dead ReLU gives, is the minimum's colour).
// An output of rank 4 (2-D maps) gives one tile per channel; rank 3 (1-D) one heat strip row per channel; rank 5
// (3-D) one row of depth slices per channel; channels are taken from the last axis unless the layer says
// data_format channels_first. Requires a built model with one input. Throws ShapeError when image does not fit
// the model's input (naming both shapes), ValueError for a name that is not a layer (listing the convolution
// layers), for a layer whose output is not a map (rank below 3), and for a model with no convolution layer when
// options.layers is empty.
std::vector<FeatureMapPicture> feature_maps(const Model& model, const Tensor& image,
                                            const FeatureMapOptions& options = {});

}  // namespace fovea::viz
