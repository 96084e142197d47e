// Dataset readers: IDX (MNIST / Fashion-MNIST, gzipped or not), NPY arrays and CSV files of 1-D signals.
// Readers return data as stored (IDX pixels stay 0-255): normalization is a separate, fitted step.
// Every problem with a file is a fovea::IoError naming the file, where it went wrong and what was expected.
#pragma once

#include <cstdint>
#include <string>

#include "fovea/core/tensor.h"

namespace fovea {

// A labelled set of samples: images float32 (N, H, W, C) channels-last (1-D signals are (N, length, 1)),
// labels int64 (N).
struct Dataset {
  Tensor images;
  Tensor labels;

  int64_t size() const { return images.defined() ? images.dim(0) : 0; }
};

// ---- IDX ----
// Reads any IDX file (gzipped or not, detected from the content) into a tensor of its stored shape.
// Element types: unsigned byte -> u8, signed byte / short / int -> i32, float -> f32, double -> f64.
Tensor read_idx_tensor(const std::string& path);

// Reads an IDX image file (magic 0x00000803: N x H x W bytes) and its label file (magic 0x00000801: N bytes).
// images: float32 (N, H, W, 1) with values 0-255; labels: int64 (N). num_classes > 0 checks every label is in
// [0, num_classes).
Dataset read_idx(const std::string& images_path, const std::string& labels_path, int64_t num_classes = 0);

// The Fashion-MNIST split "train" (60,000 images) or "test" (10,000; "t10k" also accepted) from root, as
// installed by the Debian package dataset-fashion-mnist (train-images-idx3-ubyte.gz and so on; uncompressed
// files are found too). A missing folder or file is an IoError that names the folder and the package.
Dataset load_fashion_mnist(const std::string& split = "train",
                           const std::string& root = "/usr/share/datasets/fashion-mnist");

// ---- NPY ----
// Reads a NumPy .npy file (format 1.0, 2.0 or 3.0; C order; little-endian or single-byte; dtypes float32,
// float64, int32, int64, uint8) into a tensor of the stored shape (rank up to 6).
Tensor read_npy(const std::string& path);

// Writes tensor as a .npy file (format 1.0, or 2.0 when the header needs it). Atomic: the data goes to a
// temporary file in the same folder which replaces path only once completely written, so a failed write
// leaves any existing file untouched.
void write_npy(const std::string& path, const Tensor& tensor);

// ---- CSV ----
struct CsvOptions {
  int label_column = -1;    // which column holds the integer class label; negative counts from the end
  bool has_header = false;  // skip the first line
  char delimiter = ',';
  int64_t num_classes = 0;  // > 0: every label must be in [0, num_classes)
};

// Reads one signal per line: every column except the label column is a value. Gives images float32
// (N, length, 1) and labels int64 (N). Blank lines are skipped; every row must have the same number of columns.
Dataset read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace fovea
