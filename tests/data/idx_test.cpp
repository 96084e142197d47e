// Tests for the IDX reader: plain and gzipped files written here, every kind of corruption, Fashion-MNIST lookup,
// and the real Fashion-MNIST test split when the Debian package is installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/data_test_util.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

// Three 2x2 images with distinct pixels, labels 2, 0, 1.
const std::vector<uint8_t> kPixels = {0, 1, 2, 3, 10, 11, 12, 13, 253, 254, 255, 128};
const std::vector<uint8_t> kLabels = {2, 0, 1};

void check_small_dataset(const Dataset& d) {
  ASSERT_EQ(d.images.shape(), (Shape{3, 2, 2, 1}));
  EXPECT_EQ(d.images.dtype(), DType::f32);
  ASSERT_EQ(d.labels.shape(), (Shape{3}));
  EXPECT_EQ(d.labels.dtype(), DType::i64);
  EXPECT_EQ(d.size(), 3);
  std::vector<double> pixels = d.images.to_vector();
  for (size_t i = 0; i < kPixels.size(); ++i) EXPECT_EQ(pixels[i], kPixels[i]) << "pixel " << i;
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{2, 0, 1}));
}

TEST(IdxTest, ReadsPlainFiles) {
  fs::path dir = temp_dir("idx_plain");
  write_bytes(dir / "images", idx_bytes(3, 2, 2, kPixels));
  write_bytes(dir / "labels", idx_labels(kLabels));
  check_small_dataset(read_idx(dir / "images", dir / "labels", 3));
}

TEST(IdxTest, KeepsTheStoredBytesWhenAsked) {
  fs::path dir = temp_dir("idx_bytes");
  write_gzip(dir / "images.gz", idx_bytes(3, 2, 2, kPixels));
  write_bytes(dir / "labels", idx_labels(kLabels));
  const Dataset d = read_idx(dir / "images.gz", dir / "labels", IdxOptions{.pixels = DType::u8});
  ASSERT_EQ(d.images.shape(), (Shape{3, 2, 2, 1}));
  EXPECT_EQ(d.images.dtype(), DType::u8);
  EXPECT_EQ(std::vector<uint8_t>(d.images.data<uint8_t>(), d.images.data<uint8_t>() + kPixels.size()), kPixels);
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{2, 0, 1}));
  EXPECT_THROW(read_idx(dir / "images.gz", dir / "labels", IdxOptions{.pixels = DType::i32}), ValueError);
}

TEST(IdxTest, ReadsGzippedFiles) {
  fs::path dir = temp_dir("idx_gz");
  write_gzip(dir / "images.gz", idx_bytes(3, 2, 2, kPixels));
  write_gzip(dir / "labels.gz", idx_labels(kLabels));
  check_small_dataset(read_idx(dir / "images.gz", dir / "labels.gz"));
}

TEST(IdxTest, ReadIdxTensorKeepsShapeAndConvertsBigEndianTypes) {
  fs::path dir = temp_dir("idx_tensor");
  std::string ints;
  for (int32_t v : {1, -2, 300000, -70000, 0, 7}) append_be32(ints, static_cast<uint32_t>(v));
  write_bytes(dir / "ints", idx_file(0x0C, {2, 3}, ints));
  Tensor t = read_idx_tensor(dir / "ints");
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.dtype(), DType::i32);
  EXPECT_EQ(t.to_vector(), (std::vector<double>{1, -2, 300000, -70000, 0, 7}));

  std::string floats;
  append_be32(floats, 0x3FC00000);  // 1.5f
  append_be32(floats, 0xC0200000);  // -2.5f
  write_gzip(dir / "floats.gz", idx_file(0x0D, {2}, floats));
  Tensor f = read_idx_tensor(dir / "floats.gz");
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.to_vector(), (std::vector<double>{1.5, -2.5}));

  write_bytes(dir / "shorts", idx_file(0x0B, {2}, std::string("\xFF\xFE\x01\x00", 4)));
  EXPECT_EQ(read_idx_tensor(dir / "shorts").to_vector(), (std::vector<double>{-2, 256}));

  write_bytes(dir / "bytes", idx_bytes(3, 2, 2, kPixels));
  Tensor b = read_idx_tensor(dir / "bytes");
  EXPECT_EQ(b.dtype(), DType::u8);
  EXPECT_EQ(b.shape(), (Shape{3, 2, 2}));
}

TEST(IdxTest, SwappedFilesReportBadMagicWithOffsetAndExpectation) {
  fs::path dir = temp_dir("idx_magic");
  write_gzip(dir / "t10k-images-idx3-ubyte.gz", idx_bytes(3, 2, 2, kPixels));
  write_gzip(dir / "t10k-labels-idx1-ubyte.gz", idx_labels(kLabels));
  std::string images = dir / "t10k-images-idx3-ubyte.gz", labels = dir / "t10k-labels-idx1-ubyte.gz";
  expect_io_error(
      [&] { read_idx(labels, images); },
      {"t10k-labels-idx1-ubyte.gz: bad magic number 0x00000801 at byte 0; expected 0x00000803 (IDX images)"});
  expect_io_error(
      [&] { read_idx(images, images); },
      {"t10k-images-idx3-ubyte.gz: bad magic number 0x00000803 at byte 0; expected 0x00000801 (IDX labels)"});
}

TEST(IdxTest, UnknownTypeAndNonIdxFilesAreRejected) {
  fs::path dir = temp_dir("idx_type");
  write_bytes(dir / "weird", idx_file(0x0A, {2}, "ab"));
  expect_io_error([&] { read_idx_tensor(dir / "weird"); }, {"weird", "element type byte", "at byte 2"});
  write_bytes(dir / "text", "hello world");
  expect_io_error([&] { read_idx_tensor(dir / "text"); }, {"text", "bad magic number 0x68656C6C at byte 0"});
  write_bytes(dir / "tiny", "ab");
  expect_io_error([&] { read_idx_tensor(dir / "tiny"); }, {"tiny", "2 bytes long", "at least 4"});
}

TEST(IdxTest, TruncatedFilesNameTheOffsetAndExpectedSize) {
  fs::path dir = temp_dir("idx_trunc");
  std::string full = idx_bytes(3, 2, 2, kPixels);  // 16-byte header + 12 pixels
  write_bytes(dir / "images", full.substr(0, full.size() - 5));
  write_bytes(dir / "labels", idx_labels(kLabels));
  expect_io_error([&] { read_idx(dir / "images", dir / "labels"); },
                  {"images: file is truncated at byte 23", "expected 12 bytes of data (3 x 2 x 2 unsigned byte)",
                   "from byte 16 to byte 28"});
  // Cut inside the dimensions.
  write_gzip(dir / "short.gz", full.substr(0, 10));
  expect_io_error([&] { read_idx(dir / "short.gz", dir / "labels"); },
                  {"short.gz: file is truncated at byte 10", "dimension sizes"});
  // Extra bytes after the data are a size mismatch too.
  write_bytes(dir / "long", full + "xyz");
  expect_io_error([&] { read_idx(dir / "long", dir / "labels"); }, {"long: 3 unexpected bytes", "at byte 28"});
}

TEST(IdxTest, TruncatedGzipStreamIsReported) {
  fs::path dir = temp_dir("idx_gztrunc");
  std::vector<uint8_t> pixels(3 * 20 * 20);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7919 % 251);
  write_gzip(dir / "full.gz", idx_bytes(3, 20, 20, pixels));
  std::string gz = read_bytes(dir / "full.gz");
  write_bytes(dir / "cut.gz", gz.substr(0, gz.size() / 2));
  write_bytes(dir / "labels", idx_labels(kLabels));
  expect_io_error([&] { read_idx(dir / "cut.gz", dir / "labels"); }, {"cut.gz", "gzip stream is truncated"});
}

TEST(IdxTest, CountMismatchNamesBothFiles) {
  fs::path dir = temp_dir("idx_count");
  write_bytes(dir / "images", idx_bytes(3, 2, 2, kPixels));
  write_bytes(dir / "labels", idx_labels({1, 2}));
  expect_io_error([&] { read_idx(dir / "images", dir / "labels"); },
                  {"labels: 2 labels (count at byte 4); expected 3 to match the images in", "images"});
}

TEST(IdxTest, LabelOutOfRangeNamesSampleAndOffset) {
  fs::path dir = temp_dir("idx_range");
  write_bytes(dir / "images", idx_bytes(3, 2, 2, kPixels));
  write_bytes(dir / "labels", idx_labels({0, 1, 5}));
  expect_io_error([&] { read_idx(dir / "images", dir / "labels", 3); },
                  {"labels: label 5 of sample 2 at byte 10 is out of range; expected 0 to 2 (3 classes)"});
  // Without num_classes any byte is a valid label.
  EXPECT_EQ(read_idx(dir / "images", dir / "labels").labels.to_vector(), (std::vector<double>{0, 1, 5}));
}

TEST(IdxTest, ZeroDimensionAndMissingFileAreReported) {
  fs::path dir = temp_dir("idx_zero");
  write_bytes(dir / "images", idx_bytes(3, 0, 2, {}));
  write_bytes(dir / "labels", idx_labels(kLabels));
  expect_io_error([&] { read_idx(dir / "images", dir / "labels"); }, {"images: dimension 1 is 0 at byte 8"});
  expect_io_error([&] { read_idx(dir / "nothing-here", dir / "labels"); }, {"nothing-here: cannot open"});
}

TEST(IdxTest, FashionMnistLookupFindsStandardNamesAndExplainsAbsence) {
  fs::path dir = temp_dir("idx_fashion");
  write_gzip(dir / "t10k-images-idx3-ubyte.gz", idx_bytes(3, 2, 2, kPixels));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(kLabels));  // unpacked files are found too
  check_small_dataset(load_fashion_mnist("test", dir.string()));
  expect_io_error([&] { load_fashion_mnist("train", dir.string()); },
                  {dir.string(), "train-images-idx3-ubyte.gz", "dataset-fashion-mnist"});
  std::string missing = (dir / "absent").string();
  expect_io_error([&] { load_fashion_mnist("test", missing); }, {missing, "dataset-fashion-mnist"});
  EXPECT_THROW(load_fashion_mnist("validation", dir.string()), ValueError);
  // Fashion-MNIST has 10 classes: a label of 10 is corruption.
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels({0, 10, 1}));
  expect_io_error([&] { load_fashion_mnist("test", dir.string()); }, {"label 10 of sample 1", "(10 classes)"});
}

TEST(IdxTest, RealFashionMnistTestSplit) {
  const char* env = std::getenv("FOVEA_FASHION_MNIST_ROOT");
  std::string root = env != nullptr ? env : "/usr/share/datasets/fashion-mnist";
  if (!fs::is_directory(root)) {
    GTEST_SKIP() << root << " does not exist: install the Debian package dataset-fashion-mnist "
                 << "(or set FOVEA_FASHION_MNIST_ROOT) to run this test";
  }
  Dataset test = load_fashion_mnist("test", root);
  ASSERT_EQ(test.images.shape(), (Shape{10000, 28, 28, 1}));
  ASSERT_EQ(test.labels.shape(), (Shape{10000}));
  std::vector<int64_t> per_class(10, 0);
  const int64_t* labels = test.labels.data<int64_t>();
  for (int64_t i = 0; i < 10000; ++i) {
    ASSERT_GE(labels[i], 0);
    ASSERT_LT(labels[i], 10);
    ++per_class[labels[i]];
  }
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 1000) << "class " << c;  // the test split is balanced
  const float* pixels = test.images.data<float>();
  float lo = 255, hi = 0;
  for (int64_t i = 0; i < test.images.numel(); ++i) lo = std::min(lo, pixels[i]), hi = std::max(hi, pixels[i]);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 255.0f);
}

}  // namespace
}  // namespace fovea
