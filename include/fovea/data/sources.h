// Data sources by name: one text spec ("fashion-mnist", "cifar10:DIR", "folder:DIR", ...) gives the training and
// test splits, the class names and the class count, for the command line and for programs alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/data/datasets.h"
#include "fovea/data/image_io.h"

namespace fovea {

struct DataSourceOptions {
  int64_t image_height = 0;  // folder: resize every image (bilinear); 0 and 0 keep the sizes
  int64_t image_width = 0;
  ColorMode image_color = ColorMode::automatic;  // folder: channels to read images with
  bool skip_bad_samples = false;                 // log and leave out bad samples instead of failing (all formats)
  SkipLog on_skip{};                             // where those lines go; std::cerr when empty
  int csv_label_column = -1;                     // csv: the label's column; negative counts from the end
  bool csv_has_header = false;                   // csv: skip the first line
  CifarLabels cifar100_labels = CifarLabels::fine;
  // fashion-mnist, mnist-digits, idx and cifar: DType::u8 keeps the stored pixel bytes instead of float32 copies
  // (a quarter of the memory; normalize per batch with FitOptions::normalizer). Other formats ignore it.
  DType pixels = DType::f32;
};

struct DataSplits {
  Dataset train{};
  Dataset test{};                          // empty (size 0) when the source has no test split
  std::vector<std::string> class_names{};  // index = label; the label numbers "0", "1", ... when the source has none
  int64_t num_classes = 0;               // the format's known count, else the largest training label + 1
  std::string description{};             // e.g. "Fashion-MNIST (/usr/share/datasets/fashion-mnist)"
};

// Loads the data named by spec:
//   fashion-mnist (also the empty spec)   the Debian package dataset-fashion-mnist ($FOVEA_FASHION_MNIST_ROOT
//                                         overrides its folder)
//   mnist-digits                          the digits scripts/setup installs (see load_mnist_digits)
//   idx:DIR                               train-/t10k- IDX files named as Fashion-MNIST names them (t10k optional)
//   cifar10:DIR, cifar100:DIR, cifar:DIR  CIFAR binary batches (cifar: tells 10 from 100 by the files present)
//   folder:DIR                            class sub-folders of images: DIR/train (and DIR/test, which may lack
//                                         classes) when DIR/train exists, else all of DIR is the training split
//   csv:TRAIN[,TEST]                      CSV signals (see read_csv)
//   npy:X.npy,Y.npy[,XTEST.npy,YTEST.npy] arrays: X (N, H, W, C) images, (N, H, W) grayscale images, (N, L, 1) or
//                                         (N, L) signals, any numeric dtype; Y (N) or (N, 1) integer labels, or
//                                         (N, K) one-hot rows
// Test labels must be below num_classes. An unknown spec is a ValueError listing these forms; problems with
// the files are IoErrors from the readers.
DataSplits load_data(const std::string& spec, const DataSourceOptions& options = {});

// The spec forms load_data accepts, one per line, for help texts and error messages.
std::string data_spec_forms();

}  // namespace fovea
