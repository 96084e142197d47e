// load_data: a spec string -> the readers of datasets.h, plus class names, the class count and a description.
// Here only the choices between formats are made; every check on the files themselves stays in the readers.
#include "fovea/data/sources.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "data/file_util.h"
#include "fovea/core/error.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFashionNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(',', start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

std::vector<std::string> number_names(int64_t count) {
  std::vector<std::string> names;
  for (int64_t i = 0; i < count; ++i) names.push_back(std::to_string(i));
  return names;
}

int64_t max_label_plus_one(const Dataset& data) {
  int64_t top = -1;
  const int64_t* labels = data.labels.data<int64_t>();
  for (int64_t i = 0; i < data.size(); ++i) top = std::max(top, labels[i]);
  return top + 1;
}

// The rows of images and labels listed in kept, in that order.
Dataset keep_rows(const Tensor& images, const std::vector<int64_t>& labels, const std::vector<int64_t>& kept) {
  Shape shape = images.shape();
  const int64_t row = Shape(shape.begin() + 1, shape.end()).numel();  // one sample's values (also for 0 samples)
  shape[0] = static_cast<int64_t>(kept.size());
  Dataset out;
  out.images = Tensor::empty(shape, DType::f32);
  out.labels = Tensor::empty(Shape{shape[0]}, DType::i64);
  const float* src = images.data<float>();
  float* dst = out.images.data<float>();
  int64_t* lab = out.labels.data<int64_t>();
  for (size_t k = 0; k < kept.size(); ++k) {
    std::copy(src + kept[k] * row, src + (kept[k] + 1) * row, dst + static_cast<int64_t>(k) * row);
    lab[k] = labels[kept[k]];
  }
  return out;
}

// An X array as images (N, H, W, C) or signals (N, L, 1), float32.
Tensor array_as_images(const Tensor& x, const std::string& path) {
  const Shape& s = x.shape();
  Tensor f = x.dtype() == DType::f32 ? x : x.to(DType::f32);
  if (s.rank() == 4) return f;
  if (s.rank() == 3) return s[2] == 1 ? f : f.view(Shape{s[0], s[1], s[2], 1});  // (N, L, 1) signals stay
  if (s.rank() == 2) return f.view(Shape{s[0], s[1], 1});
  throw IoError(detail::concat(path, ": array of shape ", s.to_string(),
                               "; expected (N, H, W, C) or (N, H, W) images, or (N, L, 1) or (N, L) signals"));
}

// Y as class indices: (N) or (N, 1) integers (floats with no fraction too), or (N, K) one-hot rows. A label that
// is negative, fractional, not one-hot or (when num_classes > 0) too large is a bad sample.
Dataset arrays_to_dataset(const std::string& x_path, const std::string& y_path, int64_t num_classes,
                          const DataSourceOptions& options) {
  Tensor images = array_as_images(read_npy(x_path), x_path);
  Tensor y = read_npy(y_path);
  const int64_t n = images.dim(0);
  // As the CSV reader: a split of no samples is an error here, not a division by zero later (keep_rows, the
  // normalizer, the batch count).
  FOVEA_CHECK(n > 0, IoError, x_path, ": array of shape ", images.shape().to_string(),
              " holds no samples; expected at least one");
  FOVEA_CHECK(y.rank() >= 1 && y.rank() <= 2 && y.dim(0) == n, IoError, y_path, ": labels of shape ",
              y.shape().to_string(), "; expected (", n, ",), (", n, ", 1) or one-hot (", n, ", K) to match the ", n,
              " samples in ", x_path);
  const int64_t width = y.rank() == 2 ? y.dim(1) : 1;
  const bool one_hot = width > 1;
  std::vector<double> values = y.to_vector();
  std::vector<int64_t> labels(static_cast<size_t>(n), 0);
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < n; ++i) {
    const double* row = values.data() + i * width;
    std::string problem;
    if (one_hot) {
      int64_t ones = 0, others = 0;
      for (int64_t k = 0; k < width; ++k) {
        if (row[k] == 1) {
          ++ones;
          labels[i] = k;
        } else if (row[k] != 0) {
          ++others;
        }
      }
      if (ones != 1 || others != 0) problem = detail::concat("row ", i, " is not one-hot (a single 1, the rest 0)");
    } else if (!(row[0] >= 0 && row[0] == std::floor(row[0]) && row[0] < 9e15)) {
      problem = detail::concat("label ", row[0], " of sample ", i, " is not a non-negative integer");
    } else {
      labels[i] = static_cast<int64_t>(row[0]);
    }
    if (problem.empty() && num_classes <= 0 && labels[i] >= data_detail::kMaxClasses) {
      problem = detail::concat("label ", labels[i], " of sample ", i, " is out of range; expected ",
                               data_detail::class_limit_text());
    }
    if (problem.empty() && num_classes > 0 && labels[i] >= num_classes) {
      problem = detail::concat("label ", labels[i], " of sample ", i, " is out of range; expected 0 to ",
                               num_classes - 1, " (", num_classes, " classes in the training labels)");
    }
    if (problem.empty()) {
      kept.push_back(i);
    } else {
      report_bad_sample(y_path + ": " + problem, options.skip_bad_samples, options.on_skip);
    }
  }
  Dataset out = keep_rows(images, labels, kept);
  out.skipped = n - static_cast<int64_t>(kept.size());
  return out;
}

DataSplits load_fashion(DType pixels) {
  const char* env = std::getenv("FOVEA_FASHION_MNIST_ROOT");
  const std::string root = env != nullptr && *env != '\0' ? env : "/usr/share/datasets/fashion-mnist";
  return {.train = load_fashion_mnist("train", root, pixels),
          .test = load_fashion_mnist("test", root, pixels),
          .class_names = kFashionNames,
          .num_classes = 10,
          .description = "Fashion-MNIST (" + root + ")"};
}

DataSplits load_digits(DType pixels) {
  const std::string root = default_mnist_digits_root();
  return {.train = load_mnist_digits("train", root, pixels),
          .test = load_mnist_digits("test", root, pixels),
          .class_names = number_names(10),
          .num_classes = 10,
          .description = "mnist-digits (" + root + ")"};
}

DataSplits load_idx_dir(const std::string& dir, const DataSourceOptions& options) {
  DataSplits out;
  IdxOptions idx{.pixels = options.pixels, .skip_bad_samples = options.skip_bad_samples, .on_skip = options.on_skip};
  out.train = read_idx_folder(dir, "train", idx);
  out.num_classes = max_label_plus_one(out.train);
  if (has_idx_split(dir, "test")) {
    idx.num_classes = out.num_classes;
    out.test = read_idx_folder(dir, "test", idx);
  }
  out.class_names = number_names(out.num_classes);
  out.description = "IDX files in " + dir;
  return out;
}

DataSplits load_cifar_dir(const std::string& dir, int variant, const DataSourceOptions& options) {
  if (variant == 0) {
    variant = detect_cifar_variant(dir);
    FOVEA_CHECK(variant != 0, IoError, "cifar:", dir,
                ": found neither CIFAR-10 files (data_batch_1.bin, "
                "test_batch.bin) nor CIFAR-100 files (train.bin, test.bin) in ",
                dir, " or its sub-folders cifar-10-batches-bin / cifar-100-binary");
  }
  CifarOptions cifar{.variant = variant,
                     .labels = options.cifar100_labels,
                     .pixels = options.pixels,
                     .skip_bad_samples = options.skip_bad_samples,
                     .on_skip = options.on_skip};
  DataSplits out;
  out.train = load_cifar(dir, "train", cifar);
  out.test = load_cifar(dir, "test", cifar);
  out.class_names = cifar_class_names(dir, cifar);
  out.num_classes = static_cast<int64_t>(out.class_names.size());
  const bool coarse = variant == 100 && options.cifar100_labels == CifarLabels::coarse;
  out.description = detail::concat("CIFAR-", variant,
                                   variant == 100 ? (coarse ? " coarse labels" : " fine labels") : "", " (", dir, ")");
  return out;
}

DataSplits load_folder(const std::string& dir, const DataSourceOptions& options) {
  ImageFolderOptions folder{.height = options.image_height,
                            .width = options.image_width,
                            .color = options.image_color,
                            .skip_bad_samples = options.skip_bad_samples,
                            .on_skip = options.on_skip};
  DataSplits out;
  std::error_code ec;
  const fs::path train_dir = fs::path(dir) / "train", test_dir = fs::path(dir) / "test";
  const bool has_train = fs::is_directory(train_dir, ec);
  const bool has_test = has_train && fs::is_directory(test_dir, ec);
  folder.class_names = &out.class_names;
  out.train = load_image_folder(has_train ? train_dir.string() : dir, folder);
  if (has_test) {
    // The test split takes the training classes and their labels, so a class it lacks shifts nothing.
    folder.classes = out.class_names;
    folder.class_names = nullptr;
    // With automatic colour a split of only grayscale images would come out with 1 channel where the other
    // has 3: the test split reads with the training channels.
    folder.color = out.train.images.dim(3) == 1 ? ColorMode::grayscale : ColorMode::rgb;
    out.test = load_image_folder(test_dir.string(), folder);
    const Shape& a = out.train.images.shape();
    const Shape& b = out.test.images.shape();
    FOVEA_CHECK(a[1] == b[1] && a[2] == b[2], IoError, test_dir.string(), ": images are ", b[2], "x", b[1],
                " (width x height); expected ", a[2], "x", a[1], " like those in ", train_dir.string(),
                "; give an image height and width to resize both");
  }
  out.num_classes = static_cast<int64_t>(out.class_names.size());
  out.description = "image folder " + dir;
  return out;
}

DataSplits load_csv_files(const std::vector<std::string>& files, const DataSourceOptions& options) {
  CsvOptions csv{.label_column = options.csv_label_column,
                 .has_header = options.csv_has_header,
                 .skip_bad_samples = options.skip_bad_samples,
                 .on_skip = options.on_skip};
  DataSplits out;
  out.train = read_csv(files[0], csv);
  out.num_classes = max_label_plus_one(out.train);
  if (files.size() == 2) {
    csv.num_classes = out.num_classes;
    out.test = read_csv(files[1], csv);
  }
  out.class_names = number_names(out.num_classes);
  out.description = "CSV " + files[0] + (files.size() == 2 ? ", test " + files[1] : "");
  return out;
}

DataSplits load_npy_files(const std::vector<std::string>& files, const DataSourceOptions& options) {
  DataSplits out;
  out.train = arrays_to_dataset(files[0], files[1], 0, options);
  out.num_classes = max_label_plus_one(out.train);
  if (files.size() == 4) out.test = arrays_to_dataset(files[2], files[3], out.num_classes, options);
  out.class_names = number_names(out.num_classes);
  out.description = "NumPy arrays " + files[0] + ", " + files[1];
  return out;
}

[[noreturn]] void unknown_spec(const std::string& spec, const std::string& why) {
  throw ValueError(detail::concat("data source '", spec, "': ", why, "; expected one of:\n", data_spec_forms()));
}

}  // namespace

std::string data_spec_forms() {
  return "  fashion-mnist\n"
         "  mnist-digits\n"
         "  idx:DIR\n"
         "  cifar10:DIR\n"
         "  cifar100:DIR\n"
         "  cifar:DIR\n"
         "  folder:DIR\n"
         "  csv:TRAIN.csv[,TEST.csv]\n"
         "  npy:X.npy,Y.npy[,XTEST.npy,YTEST.npy]\n";
}

DataSplits load_data(const std::string& spec, const DataSourceOptions& options) {
  if (spec.empty() || spec == "fashion-mnist") return load_fashion(options.pixels);
  if (spec == "mnist-digits") return load_digits(options.pixels);
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) unknown_spec(spec, "unknown name");
  const std::string kind = spec.substr(0, colon), arg = spec.substr(colon + 1);
  const bool known = kind == "idx" || kind == "cifar10" || kind == "cifar100" || kind == "cifar" || kind == "folder" ||
                     kind == "csv" || kind == "npy";
  if (!known) unknown_spec(spec, "unknown kind '" + kind + "'");
  if (arg.empty()) unknown_spec(spec, "no path after '" + kind + ":'");

  if (kind == "idx") return load_idx_dir(arg, options);
  if (kind == "cifar10") return load_cifar_dir(arg, 10, options);
  if (kind == "cifar100") return load_cifar_dir(arg, 100, options);
  if (kind == "cifar") return load_cifar_dir(arg, 0, options);
  if (kind == "folder") return load_folder(arg, options);
  std::vector<std::string> files = split_commas(arg);
  for (const std::string& f : files) {
    if (f.empty()) unknown_spec(spec, "an empty file name");
  }
  if (kind == "csv") {
    if (files.size() > 2) unknown_spec(spec, detail::concat(files.size(), " files for csv; expected 1 or 2"));
    return load_csv_files(files, options);
  }
  if (files.size() != 2 && files.size() != 4) {
    unknown_spec(spec, detail::concat(files.size(), " files for npy; expected 2 or 4"));
  }
  return load_npy_files(files, options);
}

}  // namespace fovea
