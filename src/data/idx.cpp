// IDX reader (the MNIST / Fashion-MNIST format): a big-endian header (magic, dimensions) and raw big-endian data.
// Files are read whole (gzip-aware) and checked against the header before any element is converted.
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <vector>

#include "data/file_util.h"
#include "fovea/core/error.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

using data_detail::hex;

constexpr uint32_t kIdxImagesMagic = 0x00000803;
constexpr uint32_t kIdxLabelsMagic = 0x00000801;
constexpr int kMaxIdxRank = 6;

uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

struct IdxType {
  uint8_t code;
  const char* name;
  size_t size;
  DType dtype;  // what read_idx_tensor stores it as
};
constexpr IdxType kIdxTypes[] = {
    {0x08, "unsigned byte", 1, DType::u8}, {0x09, "signed byte", 1, DType::i32}, {0x0B, "short", 2, DType::i32},
    {0x0C, "int", 4, DType::i32},          {0x0D, "float", 4, DType::f32},       {0x0E, "double", 8, DType::f64},
};

struct IdxLayout {
  const IdxType* type = nullptr;
  std::vector<int64_t> dims;
  size_t data_offset = 0;
  int64_t count = 0;  // elements
};

// Validates the header and the file length. expected_magic (when nonzero) is checked first, so a swapped
// images/labels file is reported as such rather than as a size problem.
IdxLayout parse_idx(const std::vector<uint8_t>& bytes, const std::string& path, uint32_t expected_magic,
                    const char* what) {
  FOVEA_CHECK(bytes.size() >= 4, IoError, path, ": file is ", bytes.size(),
              " bytes long; expected at least 4 bytes for the IDX magic number at byte 0");
  uint32_t magic = load_be32(bytes.data());
  if (expected_magic != 0) {
    FOVEA_CHECK(magic == expected_magic, IoError, path, ": bad magic number ", hex(magic), " at byte 0; expected ",
                hex(expected_magic), " (", what, ")");
  }
  FOVEA_CHECK(bytes[0] == 0 && bytes[1] == 0, IoError, path, ": bad magic number ", hex(magic),
              " at byte 0; expected 0x0000TTNN (IDX: two zero bytes, a type byte, a dimension count)");
  IdxLayout layout;
  for (const IdxType& t : kIdxTypes) {
    if (t.code == bytes[2]) layout.type = &t;
  }
  FOVEA_CHECK(layout.type != nullptr, IoError, path, ": unknown IDX element type byte ", hex(bytes[2], 2),
              " at byte 2; expected 0x08 (unsigned byte), 0x09, 0x0B, 0x0C, 0x0D or 0x0E");
  int rank = bytes[3];
  FOVEA_CHECK(rank >= 1 && rank <= kMaxIdxRank, IoError, path, ": IDX dimension count ", rank,
              " at byte 3; expected 1 to ", kMaxIdxRank);
  layout.data_offset = 4 + 4 * static_cast<size_t>(rank);
  FOVEA_CHECK(bytes.size() >= layout.data_offset, IoError, path, ": file is truncated at byte ", bytes.size(),
              "; expected ", rank, " dimension sizes in bytes 4 to ", layout.data_offset);
  layout.count = 1;
  for (int i = 0; i < rank; ++i) {
    int64_t d = load_be32(bytes.data() + 4 + 4 * i);
    FOVEA_CHECK(d > 0, IoError, path, ": dimension ", i, " is 0 at byte ", 4 + 4 * i, "; expected a positive size");
    FOVEA_CHECK(layout.count <= std::numeric_limits<int64_t>::max() / 8 / d, IoError, path, ": dimension ", i, " (", d,
                ") at byte ", 4 + 4 * i, " makes the data impossibly large");
    layout.dims.push_back(d);
    layout.count *= d;
  }
  size_t data_bytes = static_cast<size_t>(layout.count) * layout.type->size;
  size_t expected_end = layout.data_offset + data_bytes;
  std::string dims_text;
  for (size_t i = 0; i < layout.dims.size(); ++i) dims_text += (i ? " x " : "") + std::to_string(layout.dims[i]);
  FOVEA_CHECK(bytes.size() >= expected_end, IoError, path, ": file is truncated at byte ", bytes.size(), "; expected ",
              data_bytes, " bytes of data (", dims_text, " ", layout.type->name, ") from byte ", layout.data_offset,
              " to byte ", expected_end);
  FOVEA_CHECK(bytes.size() == expected_end, IoError, path, ": ", bytes.size() - expected_end,
              " unexpected bytes after the data at byte ", expected_end, "; expected the file to end there (",
              dims_text, " ", layout.type->name, ")");
  return layout;
}

Shape to_shape(const std::vector<int64_t>& dims) {
  Shape shape;
  for (int64_t d : dims) shape.push_back(d);
  return shape;
}

template <class Out, class Stored>
void convert_big_endian(const uint8_t* src, int64_t count, Out* dst) {
  for (int64_t i = 0; i < count; ++i) {
    uint8_t swapped[sizeof(Stored)];
    for (size_t b = 0; b < sizeof(Stored); ++b) swapped[b] = src[i * sizeof(Stored) + sizeof(Stored) - 1 - b];
    Stored value;
    std::memcpy(&value, swapped, sizeof(Stored));
    dst[i] = static_cast<Out>(value);
  }
}

// The split's file prefix as MNIST names it; empty for an unknown split.
std::string split_prefix(const std::string& split) {
  if (split == "train") return "train";
  if (split == "test" || split == "t10k") return "t10k";
  return "";
}

// dir/stem.gz or dir/stem, whichever exists (the .gz first); nothing when neither does.
std::optional<std::string> find_idx_file(const std::string& dir, const std::string& stem) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& name : {stem + ".gz", stem}) {
    fs::path candidate = fs::path(dir) / name;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  return std::nullopt;
}

}  // namespace

void report_bad_sample(const std::string& message, bool skip, const SkipLog& log) {
  if (!skip) throw IoError(message);
  if (log) {
    log("skipped: " + message);
  } else {
    std::cerr << "fovea: skipped: " << message << std::endl;
  }
}

Tensor read_idx_tensor(const std::string& path) {
  std::vector<uint8_t> bytes = data_detail::read_file_bytes(path);
  IdxLayout layout = parse_idx(bytes, path, 0, "");
  Tensor out = Tensor::empty(to_shape(layout.dims), layout.type->dtype);
  const uint8_t* src = bytes.data() + layout.data_offset;
  switch (layout.type->code) {
    case 0x08:
      std::memcpy(out.data<uint8_t>(), src, static_cast<size_t>(layout.count));
      break;
    case 0x09:
      convert_big_endian<int32_t, int8_t>(src, layout.count, out.data<int32_t>());
      break;
    case 0x0B:
      convert_big_endian<int32_t, int16_t>(src, layout.count, out.data<int32_t>());
      break;
    case 0x0C:
      convert_big_endian<int32_t, int32_t>(src, layout.count, out.data<int32_t>());
      break;
    case 0x0D:
      convert_big_endian<float, float>(src, layout.count, out.data<float>());
      break;
    case 0x0E:
      convert_big_endian<double, double>(src, layout.count, out.data<double>());
      break;
  }
  return out;
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path, int64_t num_classes) {
  FOVEA_CHECK(num_classes >= 0, ValueError, "read_idx: num_classes must be >= 0 (0: no check); got ", num_classes);
  return read_idx(images_path, labels_path, IdxOptions{.num_classes = num_classes});
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path, const IdxOptions& options) {
  const int64_t num_classes = options.num_classes;
  FOVEA_CHECK(num_classes >= 0, ValueError, "read_idx: num_classes must be >= 0 (0: no check); got ", num_classes);
  std::vector<uint8_t> image_bytes = data_detail::read_file_bytes(images_path);
  IdxLayout images = parse_idx(image_bytes, images_path, kIdxImagesMagic, "IDX images");
  std::vector<uint8_t> label_bytes = data_detail::read_file_bytes(labels_path);
  IdxLayout labels = parse_idx(label_bytes, labels_path, kIdxLabelsMagic, "IDX labels");
  FOVEA_CHECK(labels.dims[0] == images.dims[0], IoError, labels_path, ": ", labels.dims[0],
              " labels (count at byte 4); expected ", images.dims[0], " to match the images in ", images_path);

  const int64_t n = images.dims[0], h = images.dims[1], w = images.dims[2];
  const uint8_t* src = label_bytes.data() + labels.data_offset;
  std::vector<int64_t> kept;  // sample indices, in file order
  kept.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (num_classes == 0 || src[i] < num_classes) {
      kept.push_back(i);
      continue;
    }
    report_bad_sample(
        detail::concat(labels_path, ": label ", int{src[i]}, " of sample ", i, " at byte ", labels.data_offset + i,
                       " is out of range; expected 0 to ", num_classes - 1, " (", num_classes, " classes)"),
        options.skip_bad_samples, options.on_skip);
  }

  FOVEA_CHECK(options.pixels == DType::f32 || options.pixels == DType::u8, ValueError,
              "read_idx: pixels must be float32 or uint8; got ", dtype_name(options.pixels));
  const int64_t kept_n = static_cast<int64_t>(kept.size());
  const int64_t pixels_per_image = h * w;
  Dataset out;
  out.skipped = n - kept_n;
  out.images = Tensor::empty(Shape{kept_n, h, w, 1}, options.pixels);
  out.labels = Tensor::empty(Shape{kept_n}, DType::i64);
  const uint8_t* pixels = image_bytes.data() + images.data_offset;
  int64_t* lab = out.labels.data<int64_t>();
  for (int64_t k = 0; k < kept_n; ++k) {
    const uint8_t* image = pixels + kept[k] * pixels_per_image;
    if (options.pixels == DType::u8) {
      std::memcpy(out.images.data<uint8_t>() + k * pixels_per_image, image, static_cast<size_t>(pixels_per_image));
    } else {
      float* dst = out.images.data<float>() + k * pixels_per_image;
      for (int64_t p = 0; p < pixels_per_image; ++p) dst[p] = static_cast<float>(image[p]);
    }
    lab[k] = src[kept[k]];
  }
  return out;
}

bool has_idx_split(const std::string& dir, const std::string& split) {
  std::string prefix = split_prefix(split);
  return !prefix.empty() && find_idx_file(dir, prefix + "-images-idx3-ubyte") &&
         find_idx_file(dir, prefix + "-labels-idx1-ubyte");
}

Dataset read_idx_folder(const std::string& dir, const std::string& split, const IdxOptions& options) {
  std::string prefix = split_prefix(split);
  FOVEA_CHECK(!prefix.empty(), ValueError, "read_idx_folder: unknown split '", split, "'; expected 'train' or 'test'");
  std::error_code ec;
  FOVEA_CHECK(std::filesystem::is_directory(dir, ec), IoError, dir,
              ": no such folder; expected a folder of IDX files (", prefix, "-images-idx3-ubyte.gz and so on)");
  auto find = [&](const std::string& stem) {
    std::optional<std::string> path = find_idx_file(dir, stem);
    FOVEA_CHECK(path.has_value(), IoError, dir, " has neither ", stem, ".gz nor ", stem,
                "; expected the IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte "
                "and t10k-labels-idx1-ubyte (each gzipped or not)");
    return *path;
  };
  std::string images = find(prefix + "-images-idx3-ubyte");
  std::string labels = find(prefix + "-labels-idx1-ubyte");
  return read_idx(images, labels, options);
}

Dataset load_fashion_mnist(const std::string& split, const std::string& root, DType pixels) {
  std::string prefix = split_prefix(split);
  FOVEA_CHECK(!prefix.empty(), ValueError, "load_fashion_mnist: unknown split '", split,
              "'; expected 'train' or 'test'");
  std::error_code ec;
  FOVEA_CHECK(std::filesystem::is_directory(root, ec), IoError, "Fashion-MNIST not found: no folder ", root,
              "; install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) "
              "or pass the folder holding the IDX files");
  // The Debian package ships .gz files; a folder of unpacked files works too.
  auto find = [&](const std::string& stem) {
    std::optional<std::string> path = find_idx_file(root, stem);
    FOVEA_CHECK(path.has_value(), IoError, "Fashion-MNIST: ", root, " has neither ", stem, ".gz nor ", stem,
                "; expected the files of the Debian package dataset-fashion-mnist");
    return *path;
  };
  std::string images = find(prefix + "-images-idx3-ubyte");
  std::string labels = find(prefix + "-labels-idx1-ubyte");
  return read_idx(images, labels, IdxOptions{.num_classes = 10, .pixels = pixels});
}

}  // namespace fovea
