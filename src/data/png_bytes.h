// PNG encoding into memory, for pictures that go into a page (the training report) rather than into a file.
#pragma once

#include <string>

#include "fovea/core/tensor.h"

namespace fovea {

// The PNG file write_png would write for image (same checks and rounding), as bytes. what starts each error message
// (e.g. "write_png: out.png").
std::string png_bytes(const Tensor& image, const std::string& what);

}  // namespace fovea
