// Image files: PNG (libpng) and JPEG (libjpeg) read into float32 (H, W, C) tensors with values 0-255, bilinear
// resizing, and atomic PNG writing (for dataset samples and pictures of filters and activations).
#pragma once

#include <cstdint>
#include <string>

#include "fovea/core/tensor.h"

namespace fovea {

// The channels an image is read with. automatic keeps the file's own: 1 for grayscale, 3 for color (palette
// images are color). grayscale converts color with PIL's luma weights (0.299 R + 0.587 G + 0.114 B, rounded to
// an integer as PIL's convert("L") does); rgb repeats a gray value in all three channels. Alpha is dropped.
enum class ColorMode { automatic, grayscale, rgb };

// Reads a PNG or JPEG file (told apart by its first bytes, not its extension) into float32 (H, W, C) with C = 1
// or 3 and integer values 0-255 (16-bit PNGs are scaled to 8 bits). A missing, truncated or corrupt file, or one
// that is neither PNG nor JPEG, is an IoError naming the file and what the decoder said; never a process exit.
Tensor read_image(const std::string& path, ColorMode color = ColorMode::automatic);

// Resizes an (H, W, C) float32 image to (height, width, C) by bilinear interpolation with half-pixel centers
// and clamped edges, the way tf.image.resize(method="bilinear") does without antialiasing. The same size gives
// an exact copy.
Tensor resize_bilinear(const Tensor& image, int64_t height, int64_t width);

// Converts an (H, W, C) float32 image with C = 1 or 3 to the channels color asks for (see ColorMode).
Tensor convert_color(const Tensor& image, ColorMode color);

// Writes an (H, W, 1) or (H, W, 3) tensor (any dtype) as an 8-bit grayscale or RGB PNG: values are rounded and
// clamped to 0-255. Atomic: the file is written under a temporary name in the same folder and renamed over path
// only once complete, so a failure leaves any existing file untouched.
void write_png(const std::string& path, const Tensor& image);

}  // namespace fovea
