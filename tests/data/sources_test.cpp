// Tests for load_data: every spec form on small files written here, class counts and names, test labels checked
// against the training classes, skip_bad_samples through to each reader, and the real Fashion-MNIST and
// mnist-digits when they are installed.
#include "fovea/data/sources.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/data_test_util.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

TEST(SourcesTest, UnknownSpecsListTheValidForms) {
  for (const std::string spec : {"mnist", "idx", "idx:", "zip:/tmp/x", "npy:a.npy", "csv:a,b,c", "npy:a.npy,,b,c"}) {
    try {
      load_data(spec);
      ADD_FAILURE() << spec << ": expected a ValueError";
    } catch (const ValueError& e) {
      std::string message = e.what();
      EXPECT_EQ(message.rfind("data source '" + spec + "': ", 0), 0u) << message;
      EXPECT_NE(message.find("fashion-mnist\n  mnist-digits\n  idx:DIR\n  cifar10:DIR\n  cifar100:DIR\n  cifar:DIR\n"
                             "  folder:DIR\n  csv:TRAIN.csv[,TEST.csv]\n  npy:X.npy,Y.npy[,XTEST.npy,YTEST.npy]"),
                std::string::npos)
          << message;
    }
  }
  try {
    load_data("zip:/tmp/x");
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown kind 'zip'"), std::string::npos) << e.what();
  }
}

TEST(SourcesTest, IdxFolderCountsClassesFromTheTrainingLabels) {
  fs::path dir = temp_dir("sources_idx");
  write_gzip(dir / "train-images-idx3-ubyte.gz", idx_bytes(3, 1, 2, {1, 2, 3, 4, 5, 6}));
  write_gzip(dir / "train-labels-idx1-ubyte.gz", idx_labels({0, 4, 2}));
  DataSplits only_train = load_data("idx:" + dir.string());
  EXPECT_EQ(only_train.train.images.shape(), (Shape{3, 1, 2, 1}));
  EXPECT_EQ(only_train.test.size(), 0);
  EXPECT_EQ(only_train.num_classes, 5);
  EXPECT_EQ(only_train.class_names, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(only_train.description, "IDX files in " + dir.string());

  write_bytes(dir / "t10k-images-idx3-ubyte", idx_bytes(2, 1, 2, {7, 8, 9, 10}));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels({4, 5}));
  const std::string labels = (dir / "t10k-labels-idx1-ubyte").string();
  expect_io_error([&] { load_data("idx:" + dir.string()); },
                  {labels + ": label 5 of sample 1 at byte 9 is out of range; expected 0 to 4 (5 classes)"});
  // skip_bad_samples reaches read_idx: the test sample with an unseen label is left out and logged.
  SkipRecorder skipped;
  DataSplits d = load_data("idx:" + dir.string(), {.skip_bad_samples = true, .on_skip = skipped.log()});
  EXPECT_EQ(d.test.labels.to_vector(), (std::vector<double>{4}));
  EXPECT_EQ(d.test.images.to_vector(), (std::vector<double>{7, 8}));
  EXPECT_EQ(d.test.skipped, 1);
  EXPECT_EQ(skipped.lines, (std::vector<std::string>{"skipped: " + labels +
                                                     ": label 5 of sample 1 at byte 9 is out of range; expected 0 "
                                                     "to 4 (5 classes)"}));
  expect_io_error([&] { load_data("idx:" + (dir / "absent").string()); }, {"absent: no such folder"});
}

TEST(SourcesTest, PixelsCanStayTheStoredBytes) {
  fs::path dir = temp_dir("sources_bytes");
  write_gzip(dir / "train-images-idx3-ubyte.gz", idx_bytes(3, 1, 2, {1, 2, 3, 4, 5, 255}));
  write_gzip(dir / "train-labels-idx1-ubyte.gz", idx_labels({0, 1, 2}));
  const DataSplits floats = load_data("idx:" + dir.string());
  const DataSplits bytes = load_data("idx:" + dir.string(), {.pixels = DType::u8});
  EXPECT_EQ(floats.train.images.dtype(), DType::f32);
  EXPECT_EQ(bytes.train.images.dtype(), DType::u8);
  EXPECT_EQ(bytes.train.images.to_vector(), floats.train.images.to_vector());

  fs::path cifar = temp_dir("sources_bytes_cifar");
  for (int b = 1; b <= 5; ++b) write_bytes(cifar / ("data_batch_" + std::to_string(b) + ".bin"), cifar_record({1}, b));
  write_bytes(cifar / "test_batch.bin", cifar_record({3}, 8));
  EXPECT_EQ(load_data("cifar10:" + cifar.string(), {.pixels = DType::u8}).test.images.dtype(), DType::u8);
}

TEST(SourcesTest, CifarSpecsDetectTheVariant) {
  fs::path dir = temp_dir("sources_cifar");
  for (int b = 1; b <= 5; ++b) write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"), cifar_record({1}, b));
  write_bytes(dir / "test_batch.bin", cifar_record({12}, 9) + cifar_record({3}, 8));
  SkipRecorder skipped;
  DataSplits d = load_data("cifar:" + dir.string(), {.skip_bad_samples = true, .on_skip = skipped.log()});
  EXPECT_EQ(d.train.images.shape(), (Shape{5, 32, 32, 3}));
  EXPECT_EQ(d.test.labels.to_vector(), (std::vector<double>{3}));
  EXPECT_EQ(d.test.skipped, 1);
  EXPECT_EQ(skipped.lines.size(), 1u);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.class_names[1], "automobile");
  EXPECT_EQ(d.description, "CIFAR-10 (" + dir.string() + ")");
  expect_io_error([&] { load_data("cifar10:" + dir.string()); }, {"label 12 of record 0 at byte 0"});
  expect_io_error([&] { load_data("cifar100:" + dir.string()); }, {"has no train.bin"});

  fs::path dir100 = temp_dir("sources_cifar100");
  write_bytes(dir100 / "train.bin", cifar_record({1, 50}, 1));
  write_bytes(dir100 / "test.bin", cifar_record({2, 60}, 2));
  DataSplits fine = load_data("cifar:" + dir100.string());
  EXPECT_EQ(fine.num_classes, 100);
  EXPECT_EQ(fine.train.labels.to_vector(), (std::vector<double>{50}));
  DataSplits coarse = load_data("cifar100:" + dir100.string(), {.cifar100_labels = CifarLabels::coarse});
  EXPECT_EQ(coarse.num_classes, 20);
  EXPECT_EQ(coarse.test.labels.to_vector(), (std::vector<double>{2}));
  EXPECT_EQ(coarse.description, "CIFAR-100 coarse labels (" + dir100.string() + ")");
  expect_io_error([&] { load_data("cifar:" + temp_dir("sources_cifar_none").string()); },
                  {"found neither CIFAR-10 files"});
}

void flat_png(const fs::path& path, int64_t h, int64_t w, std::vector<double> colour) {
  fs::create_directories(path.parent_path());
  std::vector<double> values;
  for (int64_t i = 0; i < h * w; ++i) values.insert(values.end(), colour.begin(), colour.end());
  write_png(path.string(), Tensor::from_vector(Shape{h, w, static_cast<int64_t>(colour.size())}, values));
}

TEST(SourcesTest, FolderWithTrainAndTestSplits) {
  fs::path dir = temp_dir("sources_folder");
  flat_png(dir / "train" / "ant" / "1.png", 4, 4, {10, 20, 30});
  flat_png(dir / "train" / "bee" / "1.png", 4, 4, {40, 50, 60});
  flat_png(dir / "train" / "cow" / "1.png", 4, 4, {70, 80, 90});
  flat_png(dir / "test" / "cow" / "1.png", 4, 4, {5});  // test lacks classes, and is grayscale
  DataSplits d = load_data("folder:" + dir.string(), {.image_height = 2, .image_width = 2});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"ant", "bee", "cow"}));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.train.images.shape(), (Shape{3, 2, 2, 3}));
  EXPECT_EQ(d.test.images.shape(), (Shape{1, 2, 2, 3}));           // the training channels
  EXPECT_EQ(d.test.labels.to_vector(), (std::vector<double>{2}));  // "cow" keeps its training label
  EXPECT_EQ(d.description, "image folder " + dir.string());

  flat_png(dir / "test" / "cow" / "1.png", 3, 3, {5});
  expect_io_error([&] { load_data("folder:" + dir.string()); },
                  {(dir / "test").string() + ": images are 3x3 (width x height); expected 4x4 like those in " +
                   (dir / "train").string()});
  flat_png(dir / "test" / "dog" / "1.png", 4, 4, {5});
  expect_io_error([&] { load_data("folder:" + dir.string()); },
                  {"class folder 'dog' is not among the 3 classes given"});

  // train/ alone is the training split; without train/ the whole folder is.
  fs::remove_all(dir / "test");
  DataSplits train_only = load_data("folder:" + dir.string());
  EXPECT_EQ(train_only.train.size(), 3);
  EXPECT_EQ(train_only.test.size(), 0);
  EXPECT_EQ(train_only.num_classes, 3);
  fs::path flat = temp_dir("sources_folder_flat");
  flat_png(flat / "x" / "1.png", 2, 2, {1});
  flat_png(flat / "y" / "1.png", 2, 2, {2});
  DataSplits one = load_data("folder:" + flat.string());
  EXPECT_EQ(one.train.size(), 2);
  EXPECT_EQ(one.test.size(), 0);
  EXPECT_EQ(one.class_names, (std::vector<std::string>{"x", "y"}));
}

TEST(SourcesTest, CsvTrainAndTestWithSkippedRows) {
  fs::path dir = temp_dir("sources_csv");
  write_bytes(dir / "train.csv", "t0,t1,y\n1,2,0\n3,4,2\n5,x,1\n6,7,1,9\n");
  write_bytes(dir / "test.csv", "t0,t1,y\n8,9,2\n1,1,3\n");
  const std::string train = (dir / "train.csv").string(), test = (dir / "test.csv").string();
  const std::string spec = "csv:" + train + "," + test;
  expect_io_error([&] { load_data(spec, {.csv_has_header = true}); },
                  {train + ": line 4, column 2: cannot read 'x' as a number"});
  SkipRecorder skipped;
  DataSplits d = load_data(spec, {.skip_bad_samples = true, .on_skip = skipped.log(), .csv_has_header = true});
  EXPECT_EQ(d.train.images.shape(), (Shape{2, 2, 1}));
  EXPECT_EQ(d.train.images.to_vector(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(d.train.skipped, 2);
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.test.labels.to_vector(), (std::vector<double>{2}));  // label 3 is beyond the training classes
  EXPECT_EQ(skipped.lines,
            (std::vector<std::string>{
                "skipped: " + train + ": line 4, column 2: cannot read 'x' as a number",
                "skipped: " + train + ": line 5 has 4 columns; expected 3 like the first data line",
                "skipped: " + test + ": line 3, column 3: label 3 is out of range; expected 0 to 2 (3 classes)"}));
  // The label column can be chosen.
  write_bytes(dir / "first.csv", "1,0.5,0.25\n0,1.5,1.25\n");
  DataSplits first = load_data("csv:" + (dir / "first.csv").string(), {.csv_label_column = 0});
  EXPECT_EQ(first.train.labels.to_vector(), (std::vector<double>{1, 0}));
  EXPECT_EQ(first.num_classes, 2);
}

TEST(SourcesTest, NpyArraysOfImagesSignalsAndOneHotLabels) {
  fs::path dir = temp_dir("sources_npy");
  auto path = [&](const char* name) { return (dir / name).string(); };
  // (N, H, W) uint8 images gain a channel axis; one-hot labels become indices.
  write_npy(path("x.npy"), Tensor::from_vector(Shape{2, 1, 2}, std::vector<double>{1, 2, 3, 4}, DType::u8));
  write_npy(path("y.npy"), Tensor::from_vector(Shape{2, 3}, std::vector<double>{0, 0, 1, 1, 0, 0}));
  write_npy(path("xt.npy"), Tensor::from_vector(Shape{2, 1, 2, 1}, std::vector<double>{5, 6, 7, 8}));
  write_npy(path("yt.npy"), Tensor::from_vector(Shape{2, 1}, std::vector<double>{1, 3}, DType::i64));
  const std::string spec = "npy:" + path("x.npy") + "," + path("y.npy") + "," + path("xt.npy") + "," + path("yt.npy");
  expect_io_error([&] { load_data(spec); },
                  {path("yt.npy") + ": label 3 of sample 1 is out of range; expected 0 to 2 (3 classes in the "
                                    "training labels)"});
  DataSplits d = load_data(spec, {.skip_bad_samples = true, .on_skip = [](const std::string&) {}});
  EXPECT_EQ(d.train.images.shape(), (Shape{2, 1, 2, 1}));
  EXPECT_EQ(d.train.images.dtype(), DType::f32);
  EXPECT_EQ(d.train.labels.to_vector(), (std::vector<double>{2, 0}));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.test.images.to_vector(), (std::vector<double>{5, 6}));
  EXPECT_EQ(d.test.skipped, 1);

  // (N, L) signals become (N, L, 1); float labels with no fraction are integers, others are bad samples.
  write_npy(path("s.npy"), Tensor::from_vector(Shape{3, 4}, std::vector<double>(12, 0.5), DType::f64));
  write_npy(path("sl.npy"), Tensor::from_vector(Shape{3}, std::vector<double>{1, 0.5, 0}, DType::f64));
  const std::string signals = "npy:" + path("s.npy") + "," + path("sl.npy");
  expect_io_error([&] { load_data(signals); },
                  {path("sl.npy") + ": label 0.5 of sample 1 is not a non-negative integer"});
  DataSplits s = load_data(signals, {.skip_bad_samples = true, .on_skip = [](const std::string&) {}});
  EXPECT_EQ(s.train.images.shape(), (Shape{2, 4, 1}));
  EXPECT_EQ(s.train.labels.to_vector(), (std::vector<double>{1, 0}));

  write_npy(path("bad_y.npy"), Tensor::from_vector(Shape{3}, std::vector<double>{0, 1, 2}));
  expect_io_error([&] { load_data("npy:" + path("x.npy") + "," + path("bad_y.npy")); },
                  {path("bad_y.npy") +
                   ": labels of shape (3,); expected (2,), (2, 1) or one-hot (2, K) to match the 2 "
                   "samples in " +
                   path("x.npy")});
  write_npy(path("flat.npy"), Tensor::from_vector(Shape{2}, std::vector<double>{1, 2}));
  expect_io_error([&] { load_data("npy:" + path("flat.npy") + "," + path("y.npy")); },
                  {path("flat.npy") + ": array of shape (2,); expected (N, H, W, C) or (N, H, W) images"});
}

TEST(SourcesTest, RealFashionMnistHasItsClassNames) {
  const char* env = std::getenv("FOVEA_FASHION_MNIST_ROOT");
  const std::string root = env != nullptr ? env : "/usr/share/datasets/fashion-mnist";
  if (!fs::is_directory(root)) {
    GTEST_SKIP() << root << " does not exist: install the Debian package dataset-fashion-mnist to run this test";
  }
  DataSplits d = load_data("fashion-mnist");
  EXPECT_EQ(d.train.images.shape(), (Shape{60000, 28, 28, 1}));
  EXPECT_EQ(d.test.images.shape(), (Shape{10000, 28, 28, 1}));
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                                     "Shirt", "Sneaker", "Bag", "Ankle boot"}));
  EXPECT_EQ(d.description, "Fashion-MNIST (" + root + ")");
  std::vector<int64_t> per_class(10, 0);
  for (int64_t i = 0; i < d.train.size(); ++i) ++per_class[d.train.labels.data<int64_t>()[i]];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 6000) << "class " << c;  // balanced training split
}

TEST(SourcesTest, RealMnistDigitsByName) {
  const std::string root = default_mnist_digits_root();
  if (!fs::is_directory(root)) GTEST_SKIP() << root << " does not exist: run scripts/setup to run this test";
  DataSplits d = load_data("mnist-digits");
  EXPECT_EQ(d.train.size() + d.test.size(), 10000);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.class_names[7], "7");
  EXPECT_EQ(d.description, "mnist-digits (" + root + ")");
}

}  // namespace
}  // namespace fovea
