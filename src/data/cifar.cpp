// CIFAR-10 and CIFAR-100 binary batches: fixed-size records of label byte(s) and three 32x32 colour planes.
// Records are checked (size, label range) before any pixel is converted; planes become channels-last pixels.
#include <filesystem>
#include <fstream>
#include <vector>

#include "data/file_util.h"
#include "fovea/core/error.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSide = 32;
constexpr int64_t kPlane = kSide * kSide;
constexpr int64_t kPixelBytes = 3 * kPlane;

const std::vector<std::string> kCifar10Names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                "dog",      "frog",       "horse", "ship", "truck"};

void check_options(const CifarOptions& options) {
  FOVEA_CHECK(options.variant == 10 || options.variant == 100, ValueError, "CIFAR: variant ", options.variant,
              " is not a CIFAR data set; expected 10 or 100");
  FOVEA_CHECK(options.pixels == DType::f32 || options.pixels == DType::u8, ValueError,
              "CIFAR: pixels must be float32 or uint8; got ", dtype_name(options.pixels));
}

// The folder holding the batch files: dir itself, or the sub-folder the official archive unpacks to.
std::string batch_folder(const std::string& dir, int variant) {
  std::error_code ec;
  fs::path sub = fs::path(dir) / (variant == 10 ? "cifar-10-batches-bin" : "cifar-100-binary");
  fs::path probe = variant == 10 ? "test_batch.bin" : "test.bin";
  if (!fs::exists(fs::path(dir) / probe, ec) && fs::is_directory(sub, ec)) return sub.string();
  return dir;
}

std::vector<std::string> split_files(int variant, const std::string& split) {
  if (split == "train") {
    if (variant == 100) return {"train.bin"};
    return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
  }
  if (split == "test") return {variant == 10 ? "test_batch.bin" : "test.bin"};
  throw ValueError(detail::concat("load_cifar: unknown split '", split, "'; expected 'train' or 'test'"));
}

// A batch file's bytes and where its good records start. The whole split is checked before the output is
// allocated, so that 50,000 images are converted once, straight into the tensor.
struct CifarBatch {
  std::vector<uint8_t> bytes;
  std::vector<int64_t> records;  // byte offsets of the records kept
  int64_t skipped = 0;
};

CifarBatch scan_batch(const std::string& path, const CifarOptions& options) {
  const int64_t label_bytes = options.variant == 10 ? 1 : 2;
  const int64_t record = label_bytes + kPixelBytes;
  const char* name = options.variant == 10 ? "CIFAR-10" : "CIFAR-100";
  CifarBatch batch;
  batch.bytes = data_detail::read_file_bytes(path);
  const std::vector<uint8_t>& bytes = batch.bytes;
  const int64_t size = static_cast<int64_t>(bytes.size());
  FOVEA_CHECK(size > 0, IoError, path, ": file is empty; expected ", name, " records of ", record, " bytes");
  const int64_t whole = size / record;
  if (size % record != 0) {
    report_bad_sample(detail::concat(path, ": ", size, " bytes is not a whole number of ", record, "-byte ", name,
                                     " records (", label_bytes == 1 ? "a label byte" : "coarse and fine label bytes",
                                     " and 3072 pixel bytes); record ", whole, " at byte ", whole * record,
                                     " is truncated to ", size % record, " bytes"),
                      options.skip_bad_samples, options.on_skip);
    ++batch.skipped;
  }
  // CIFAR-100 stores the coarse label first; both bytes are checked, since either out of range means the
  // record is not what it claims to be.
  struct LabelByte {
    int64_t offset;
    int64_t classes;
    const char* what;
    const char* kind;  // of classes
  };
  std::vector<LabelByte> checks;
  if (options.variant == 10) {
    checks = {{0, 10, "label", "classes"}};
  } else {
    checks = {{0, 20, "coarse label", "coarse classes"}, {1, 100, "fine label", "fine classes"}};
  }
  for (int64_t r = 0; r < whole; ++r) {
    const uint8_t* rec = bytes.data() + r * record;
    bool good = true;
    for (const LabelByte& check : checks) {
      if (rec[check.offset] < check.classes) continue;
      report_bad_sample(detail::concat(path, ": ", check.what, " ", int{rec[check.offset]}, " of record ", r,
                                       " at byte ", r * record + check.offset, " is out of range; expected 0 to ",
                                       check.classes - 1, " (", name, " has ", check.classes, " ", check.kind, ")"),
                        options.skip_bad_samples, options.on_skip);
      good = false;
      break;
    }
    if (good) {
      batch.records.push_back(r * record);
    } else {
      ++batch.skipped;
    }
  }
  return batch;
}

// Planes R, G, B of 1024 bytes each become interleaved channels-last pixels.
template <class Pixel>
void interleave(const std::vector<CifarBatch>& batches, int64_t label_bytes, int64_t label_offset, Pixel* pixels,
                int64_t* labels) {
  for (const CifarBatch& batch : batches) {
    for (int64_t offset : batch.records) {
      const uint8_t* rec = batch.bytes.data() + offset;
      *labels++ = rec[label_offset];
      const uint8_t* planes = rec + label_bytes;
      for (int64_t p = 0; p < kPlane; ++p) {
        *pixels++ = planes[p];
        *pixels++ = planes[kPlane + p];
        *pixels++ = planes[2 * kPlane + p];
      }
    }
  }
}

Dataset to_dataset(const std::vector<CifarBatch>& batches, const CifarOptions& options) {
  const int64_t label_bytes = options.variant == 10 ? 1 : 2;
  const int64_t label_offset = options.variant == 10 || options.labels == CifarLabels::coarse ? 0 : 1;
  int64_t n = 0;
  Dataset out;
  for (const CifarBatch& batch : batches) {
    n += static_cast<int64_t>(batch.records.size());
    out.skipped += batch.skipped;
  }
  out.images = Tensor::empty(Shape{n, kSide, kSide, 3}, options.pixels);
  out.labels = Tensor::empty(Shape{n}, DType::i64);
  if (options.pixels == DType::u8) {
    interleave(batches, label_bytes, label_offset, out.images.data<uint8_t>(), out.labels.data<int64_t>());
  } else {
    interleave(batches, label_bytes, label_offset, out.images.data<float>(), out.labels.data<int64_t>());
  }
  return out;
}

}  // namespace

Dataset read_cifar_batch(const std::string& path, const CifarOptions& options) {
  check_options(options);
  std::vector<CifarBatch> batches;
  batches.push_back(scan_batch(path, options));
  return to_dataset(batches, options);
}

Dataset load_cifar(const std::string& dir, const std::string& split, const CifarOptions& options) {
  check_options(options);
  std::vector<std::string> names = split_files(options.variant, split);
  const char* name = options.variant == 10 ? "CIFAR-10" : "CIFAR-100";
  std::error_code ec;
  FOVEA_CHECK(fs::is_directory(dir, ec), IoError, name, " not found: no folder ", dir,
              "; expected the unpacked binary version (",
              options.variant == 10 ? "cifar-10-binary.tar.gz" : "cifar-100-binary.tar.gz", ")");
  std::string folder = batch_folder(dir, options.variant);
  // Every file is looked for before any is read, so a missing one is reported at once and by name.
  for (const std::string& file : names) {
    FOVEA_CHECK(
        fs::is_regular_file(fs::path(folder) / file, ec), IoError, name, ": ", folder, " has no ", file, "; expected ",
        options.variant == 10 ? "data_batch_1.bin ... data_batch_5.bin and test_batch.bin" : "train.bin and test.bin",
        " (the binary version, ", options.variant == 10 ? "cifar-10-binary.tar.gz" : "cifar-100-binary.tar.gz", ")");
  }
  std::vector<CifarBatch> batches;
  for (const std::string& file : names) batches.push_back(scan_batch((fs::path(folder) / file).string(), options));
  return to_dataset(batches, options);
}

std::vector<std::string> cifar_class_names(const std::string& dir, const CifarOptions& options) {
  check_options(options);
  std::string folder = batch_folder(dir, options.variant);
  const bool coarse = options.variant == 100 && options.labels == CifarLabels::coarse;
  const int64_t count = options.variant == 10 ? 10 : coarse ? 20 : 100;
  fs::path file = fs::path(folder) / (options.variant == 10 ? "batches.meta.txt"
                                      : coarse              ? "coarse_label_names.txt"
                                                            : "fine_label_names.txt");
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    if (options.variant == 10) return kCifar10Names;
    std::vector<std::string> numbers;
    for (int64_t i = 0; i < count; ++i) numbers.push_back(std::to_string(i));
    return numbers;
  }
  std::ifstream in(file);
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);  // the official files end with blank lines
  }
  FOVEA_CHECK(static_cast<int64_t>(names.size()) == count, IoError, file.string(), ": ", names.size(),
              " class names; expected ", count, ", one per line");
  return names;
}

int detect_cifar_variant(const std::string& dir) {
  std::error_code ec;
  for (int variant : {10, 100}) {
    std::string folder = batch_folder(dir, variant);
    for (const char* probe : variant == 10 ? std::vector<const char*>{"data_batch_1.bin", "test_batch.bin"}
                                           : std::vector<const char*>{"train.bin", "test.bin"}) {
      if (fs::is_regular_file(fs::path(folder) / probe, ec)) return variant;
    }
  }
  return 0;
}

}  // namespace fovea
