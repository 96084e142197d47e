// Tests for the CIFAR-10/100 binary readers: records written here in the exact on-disk layout (label bytes, then
// the R, G and B planes), the split files, class names, and every corruption with its exact message.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/data_test_util.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

// Pixel (y, x) channel c of image i in a (N, 32, 32, 3) tensor.
float pixel(const Dataset& d, int64_t i, int y, int x, int c) {
  return d.images.data<float>()[((i * 32 + y) * 32 + x) * 3 + c];
}

TEST(CifarTest, Cifar10RecordsBecomeChannelsLastImages) {
  fs::path dir = temp_dir("cifar_basic");
  write_bytes(dir / "batch.bin", cifar_record({7}, 1) + cifar_record({0}, 2) + cifar_record({9}, 3));
  Dataset d = read_cifar_batch(dir / "batch.bin");
  ASSERT_EQ(d.images.shape(), (Shape{3, 32, 32, 3}));
  EXPECT_EQ(d.images.dtype(), DType::f32);
  EXPECT_EQ(d.labels.dtype(), DType::i64);
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{7, 0, 9}));
  EXPECT_EQ(d.skipped, 0);
  // Plane byte p = y * 32 + x of channel c lands at [i][y][x][c].
  for (int i = 0; i < 3; ++i) {
    for (auto [y, x] : {std::pair{0, 0}, std::pair{0, 31}, std::pair{1, 2}, std::pair{31, 31}, std::pair{17, 5}}) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(pixel(d, i, y, x, c), cifar_pixel(i + 1, c, y * 32 + x)) << i << " " << y << " " << x << " " << c;
      }
    }
  }
  // A hand-computed corner: image 0 (seed 1), pixel (1, 2) = plane byte 34: R 31 + 34, G 31 + 85 + 34, B 31 + 170 + 34.
  EXPECT_EQ(pixel(d, 0, 1, 2, 0), 65);
  EXPECT_EQ(pixel(d, 0, 1, 2, 1), 150);
  EXPECT_EQ(pixel(d, 0, 1, 2, 2), 235);
}

TEST(CifarTest, KeepsTheStoredBytesWhenAsked) {
  fs::path dir = temp_dir("cifar_bytes");
  write_bytes(dir / "batch.bin", cifar_record({7}, 1) + cifar_record({0}, 2));
  const Dataset floats = read_cifar_batch(dir / "batch.bin");
  const Dataset bytes = read_cifar_batch(dir / "batch.bin", {.pixels = DType::u8});
  EXPECT_EQ(bytes.images.dtype(), DType::u8);
  EXPECT_EQ(bytes.images.shape(), floats.images.shape());
  EXPECT_EQ(bytes.images.to_vector(), floats.images.to_vector());
  EXPECT_EQ(bytes.labels.to_vector(), floats.labels.to_vector());
}

TEST(CifarTest, Cifar100FineAndCoarseLabels) {
  fs::path dir = temp_dir("cifar100");
  write_bytes(dir / "train.bin", cifar_record({3, 99}, 5) + cifar_record({19, 0}, 6));
  Dataset fine = read_cifar_batch(dir / "train.bin", {.variant = 100});
  EXPECT_EQ(fine.labels.to_vector(), (std::vector<double>{99, 0}));
  EXPECT_EQ(pixel(fine, 1, 31, 0, 2), cifar_pixel(6, 2, 31 * 32));
  Dataset coarse = read_cifar_batch(dir / "train.bin", {.variant = 100, .labels = CifarLabels::coarse});
  EXPECT_EQ(coarse.labels.to_vector(), (std::vector<double>{3, 19}));
  // A CIFAR-100 file read as CIFAR-10 does not divide into 3073-byte records.
  expect_io_error([&] { read_cifar_batch(dir / "train.bin"); },
                  {"train.bin: 6148 bytes is not a whole number of 3073-byte CIFAR-10 records"});
  EXPECT_THROW(read_cifar_batch(dir / "train.bin", {.variant = 20}), ValueError);
}

TEST(CifarTest, WrongSizeNamesTheTruncatedRecordAndItsOffset) {
  fs::path dir = temp_dir("cifar_size");
  std::string two = cifar_record({1}, 1) + cifar_record({2}, 2);
  write_bytes(dir / "data_batch_1.bin", two + std::string(100, 'x'));
  expect_io_error([&] { read_cifar_batch(dir / "data_batch_1.bin"); },
                  {"data_batch_1.bin: 6246 bytes is not a whole number of 3073-byte CIFAR-10 records (a label byte "
                   "and 3072 pixel bytes); record 2 at byte 6146 is truncated to 100 bytes"});
  write_bytes(dir / "empty.bin", "");
  expect_io_error([&] { read_cifar_batch(dir / "empty.bin"); },
                  {"empty.bin: file is empty; expected CIFAR-10 records of 3073 bytes"});
  expect_io_error([&] { read_cifar_batch(dir / "absent.bin"); }, {"absent.bin: cannot open"});
}

TEST(CifarTest, LabelOutOfRangeNamesRecordAndByte) {
  fs::path dir = temp_dir("cifar_label");
  write_bytes(dir / "b.bin", cifar_record({4}, 1) + cifar_record({10}, 2));
  expect_io_error([&] { read_cifar_batch(dir / "b.bin"); },
                  {"b.bin: label 10 of record 1 at byte 3073 is out of range; expected 0 to 9 (CIFAR-10 has 10 "
                   "classes)"});
  write_bytes(dir / "c.bin", cifar_record({0, 100}, 1));
  expect_io_error([&] { read_cifar_batch(dir / "c.bin", {.variant = 100}); },
                  {"c.bin: fine label 100 of record 0 at byte 1 is out of range; expected 0 to 99 (CIFAR-100 has 100 "
                   "fine classes)"});
  // The coarse byte is checked even when the fine labels are used: either out of range means corruption.
  write_bytes(dir / "d.bin", cifar_record({1, 1}, 1) + cifar_record({2, 2}, 2) + cifar_record({20, 3}, 3));
  expect_io_error([&] { read_cifar_batch(dir / "d.bin", {.variant = 100}); },
                  {"d.bin: coarse label 20 of record 2 at byte 6148 is out of range; expected 0 to 19 (CIFAR-100 has "
                   "20 coarse classes)"});
}

TEST(CifarTest, SkipBadSamplesLeavesOutAndLogsEachBadRecord) {
  fs::path dir = temp_dir("cifar_skip");
  write_bytes(dir / "b.bin",
              cifar_record({4}, 1) + cifar_record({10}, 2) + cifar_record({5}, 3) + cifar_record({255}, 4) + "xy");
  SkipRecorder skipped;
  Dataset d = read_cifar_batch(dir / "b.bin", {.skip_bad_samples = true, .on_skip = skipped.log()});
  EXPECT_EQ(d.size(), 2);
  EXPECT_EQ(d.skipped, 3);
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{4, 5}));
  EXPECT_EQ(pixel(d, 1, 0, 0, 0), cifar_pixel(3, 0, 0));  // the third record moved up to second place
  const std::string path = (dir / "b.bin").string();
  ASSERT_EQ(skipped.lines.size(), 3u);
  EXPECT_EQ(skipped.lines[0], "skipped: " + path +
                                  ": 12294 bytes is not a whole number of 3073-byte CIFAR-10 records (a label byte and "
                                  "3072 pixel bytes); record 4 at byte 12292 is truncated to 2 bytes");
  EXPECT_EQ(skipped.lines[1], "skipped: " + path +
                                  ": label 10 of record 1 at byte 3073 is out of range; expected 0 to 9 (CIFAR-10 has "
                                  "10 classes)");
  EXPECT_EQ(skipped.lines[2], "skipped: " + path +
                                  ": label 255 of record 3 at byte 9219 is out of range; expected 0 to 9 (CIFAR-10 "
                                  "has 10 classes)");
}

TEST(CifarTest, LoadCifarReadsTheSplitFilesInOrder) {
  fs::path root = temp_dir("cifar_load");
  fs::path dir = root / "cifar-10-batches-bin";  // as cifar-10-binary.tar.gz unpacks
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b) {
    write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"),
                cifar_record({static_cast<uint8_t>(b)}, b) + cifar_record({0}, 10 + b));
  }
  write_bytes(dir / "test_batch.bin", cifar_record({9}, 42));
  Dataset train = load_cifar(root.string());
  EXPECT_EQ(train.images.shape(), (Shape{10, 32, 32, 3}));
  EXPECT_EQ(train.labels.to_vector(), (std::vector<double>{1, 0, 2, 0, 3, 0, 4, 0, 5, 0}));
  EXPECT_EQ(pixel(train, 9, 3, 4, 1), cifar_pixel(15, 1, 3 * 32 + 4));
  Dataset test = load_cifar(dir.string(), "test");  // the batch folder itself works too
  EXPECT_EQ(test.labels.to_vector(), (std::vector<double>{9}));
  EXPECT_EQ(detect_cifar_variant(root.string()), 10);
  EXPECT_THROW(load_cifar(root.string(), "validation"), ValueError);

  fs::remove(dir / "data_batch_4.bin");
  expect_io_error([&] { load_cifar(root.string()); },
                  {"CIFAR-10: " + dir.string() +
                   " has no data_batch_4.bin; expected data_batch_1.bin ... "
                   "data_batch_5.bin and test_batch.bin (the binary version, cifar-10-binary.tar.gz)"});
  expect_io_error([&] { load_cifar((root / "nowhere").string()); },
                  {"CIFAR-10 not found: no folder " + (root / "nowhere").string()});
}

TEST(CifarTest, Cifar100SplitsAndVariantDetection) {
  fs::path dir = temp_dir("cifar100_load");
  write_bytes(dir / "train.bin", cifar_record({1, 11}, 1) + cifar_record({2, 22}, 2));
  write_bytes(dir / "test.bin", cifar_record({3, 33}, 3));
  EXPECT_EQ(detect_cifar_variant(dir.string()), 100);
  EXPECT_EQ(load_cifar(dir.string(), "train", {.variant = 100}).labels.to_vector(), (std::vector<double>{11, 22}));
  EXPECT_EQ(load_cifar(dir.string(), "test", {.variant = 100, .labels = CifarLabels::coarse}).labels.to_vector(),
            (std::vector<double>{3}));
  EXPECT_EQ(detect_cifar_variant(temp_dir("cifar_none").string()), 0);
}

TEST(CifarTest, ClassNamesFromTheMetaFilesOrBuiltIn) {
  fs::path dir = temp_dir("cifar_names");
  std::vector<std::string> names = cifar_class_names(dir.string());
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "airplane");
  EXPECT_EQ(names[9], "truck");
  EXPECT_EQ(cifar_class_names(dir.string(), {.variant = 100})[57], "57");
  // The official batches.meta.txt ends with blank lines.
  write_bytes(dir / "batches.meta.txt", "a0\na1\na2\na3\na4\na5\na6\na7\na8\na9\n\n");
  EXPECT_EQ(cifar_class_names(dir.string())[3], "a3");
  std::string coarse;
  for (int i = 0; i < 20; ++i) coarse += "super" + std::to_string(i) + "\r\n";
  write_bytes(dir / "coarse_label_names.txt", coarse);
  EXPECT_EQ(cifar_class_names(dir.string(), {.variant = 100, .labels = CifarLabels::coarse})[19], "super19");
  write_bytes(dir / "fine_label_names.txt", "apple\nbaby\n");
  expect_io_error([&] { cifar_class_names(dir.string(), {.variant = 100}); },
                  {"fine_label_names.txt: 2 class names; expected 100, one per line"});
}

}  // namespace
}  // namespace fovea
