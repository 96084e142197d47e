// A small three-class image data set for command-line tests: horizontal bars, vertical bars and diagonals on
// noise, written as NPY files in the folder of a test.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/rng.h"
#include "fovea/core/tensor.h"
#include "fovea/data/datasets.h"

namespace fovea::testing {

// n 12x12 grayscale images (0-255) of three classes: a horizontal bar, a vertical bar, a diagonal.
inline void write_bars(const std::filesystem::path& x_path, const std::filesystem::path& y_path, int64_t n,
                       uint64_t seed) {
  Generator gen(seed);
  std::vector<float> pixels(static_cast<size_t>(n * 144));
  std::vector<double> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int cls = static_cast<int>(i % 3), at = 2 + static_cast<int>(gen.uniform() * 8);
    float* img = &pixels[static_cast<size_t>(i * 144)];
    for (int p = 0; p < 144; ++p) img[p] = static_cast<float>(50 * gen.uniform());
    for (int k = 0; k < 12; ++k) img[(cls == 0 ? at : k) * 12 + (cls == 1 ? at : k)] = 255;
    labels[static_cast<size_t>(i)] = cls;
  }
  write_npy(x_path.string(), Tensor::from_vector(Shape{n, 12, 12, 1}, pixels));
  write_npy(y_path.string(), Tensor::from_vector(Shape{n}, labels, DType::i64));
}

// The --data spec of a training and a test set of bars written into dir.
inline std::string write_bars_data(const std::filesystem::path& dir, int64_t train, int64_t test) {
  write_bars(dir / "x.npy", dir / "y.npy", train, 1);
  write_bars(dir / "xt.npy", dir / "yt.npy", test, 2);
  return "npy:" + (dir / "x.npy").string() + "," + (dir / "y.npy").string() + "," + (dir / "xt.npy").string() + "," +
         (dir / "yt.npy").string();
}

}  // namespace fovea::testing
