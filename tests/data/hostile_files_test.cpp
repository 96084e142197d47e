// Input files a hostile or careless user gives: a FIFO or a device instead of a file (open() on a FIFO blocked
// forever), an NPY header whose shape does not fit in memory's arithmetic, and a single label of 1e15 (which built
// a class name per class, 12.5 GB in 35 s). Each is one IoError naming the file, at once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "data/data_test_util.h"
#include "fovea/data/datasets.h"
#include "fovea/data/image_io.h"
#include "fovea/data/sources.h"
#include "fovea/io/onnx.h"
#include "fovea/models/config.h"

namespace fovea {
namespace {

using testing_data::temp_dir;
using testing_data::write_bytes;

// The error of read(path), which must come within seconds. Should the reader block in open() after all, a writer
// opening the FIFO releases it, so the test fails instead of hanging.
template <class Read>
std::string error_within_seconds(const std::string& path, Read read) {
  auto result = std::async(std::launch::async, [&]() -> std::string {
    try {
      read(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  });
  if (result.wait_for(std::chrono::seconds(20)) == std::future_status::timeout) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
    return "blocked: " + result.get();
  }
  return result.get();
}

// An NPY file with the given header dict and data bytes.
std::string npy_bytes(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

TEST(HostileFiles, AFifoIsRefusedBeforeItIsOpenedByEveryReader) {
  const std::filesystem::path dir = temp_dir("hostile_fifo");
  const std::string fifo = (dir / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_within_seconds(fifo, [](const std::string& p) { read_npy(p); }),
            fifo + ": is a FIFO, not a regular file; expected an NPY file");
  EXPECT_EQ(error_within_seconds(fifo, [](const std::string& p) { read_idx_tensor(p); }),
            fifo + ": is a FIFO, not a regular file; expected a data file");
  EXPECT_EQ(error_within_seconds(fifo, [](const std::string& p) { read_csv(p); }),
            fifo + ": is a FIFO, not a regular file; expected a data file");
  EXPECT_EQ(error_within_seconds(fifo, [](const std::string& p) { read_image(p); }),
            fifo + ": is a FIFO, not a regular file; expected a data file");
  EXPECT_EQ(error_within_seconds(fifo, [](const std::string& p) { load_model_config(p); }),
            fifo + ": is a FIFO, not a regular file; expected a JSON model config");
  EXPECT_EQ(error_within_seconds(fifo, [](const std::string& p) { import_onnx(p); }),
            fifo + ": is a FIFO, not a regular file; expected a file with the ONNX model");
  EXPECT_EQ(error_within_seconds(fifo, [](const std::string& p) { load_data("csv:" + p); }),
            fifo + ": is a FIFO, not a regular file; expected a data file");
}

TEST(HostileFiles, ADeviceThatNeverEndsIsRefused) {
  EXPECT_EQ(error_within_seconds("/dev/zero", [](const std::string& p) { read_npy(p); }),
            "/dev/zero: is a character device, not a regular file; expected an NPY file");
}

TEST(HostileFiles, AnNpyShapeBeyondWhatFoveaCanIndexIsRefusedBeforeAllocating) {
  const std::filesystem::path dir = temp_dir("hostile_npy_shape");
  // (2^30, 2^30, 4, 1) float32: 2^62 elements, 2^64 bytes, which wrapped to 0 and passed the truncation check.
  const std::string wrapped = (dir / "wrapped.npy").string();
  write_bytes(wrapped,
              npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824, 1073741824, 4, 1), }", ""));
  EXPECT_EQ(error_within_seconds(wrapped, [](const std::string& p) { read_npy(p); }),
            wrapped +
                ": shape (1073741824, 1073741824, 4, 1) in the header at byte 10 has more elements than fovea "
                "can index (at most 9223372036854775807 bytes of data)");
  // 4 TiB that fits the arithmetic: the truncation check comes before the allocation.
  const std::string large = (dir / "large.npy").string();
  write_bytes(large, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", "abcd"));
  EXPECT_EQ(error_within_seconds(large, [](const std::string& p) { read_npy(p); }),
            large +
                ": data is truncated: 4 bytes from byte 128; expected 4398046511104 (shape (1048576, 1048576), "
                "<f4)");
}

TEST(HostileFiles, AnNpySplitOfNoSamplesIsRefused) {
  // (0, 28, 28, 1) images divided by their zero sample count: SIGFPE in eval, train and bench.
  const std::filesystem::path dir = temp_dir("hostile_npy_empty");
  const std::string x = (dir / "x.npy").string(), y = (dir / "y.npy").string();
  write_npy(x, Tensor::zeros(Shape{0, 28, 28, 1}));
  write_npy(y, Tensor::zeros(Shape{0}, DType::i64));
  EXPECT_EQ(error_within_seconds(x, [&](const std::string&) { load_data("npy:" + x + "," + y); }),
            x + ": array of shape (0, 28, 28, 1) holds no samples; expected at least one");
}

TEST(HostileFiles, OneHugeLabelIsABadSampleInsteadOfAMillionClassNames) {
  const std::filesystem::path dir = temp_dir("hostile_labels");
  const std::string x = (dir / "x.npy").string(), y = (dir / "y.npy").string();
  write_npy(x, Tensor::zeros(Shape{3, 2, 2, 1}));
  write_npy(y, Tensor::from_vector(Shape{3}, {0, 1e15, 1}, DType::f64));
  EXPECT_EQ(error_within_seconds(x, [&](const std::string&) { load_data("npy:" + x + "," + y); }),
            y + ": label 1000000000000000 of sample 1 is out of range; expected 0 to 999999 (fovea takes at most "
                "1000000 classes)");
  // Skipped as a bad sample, the rest loads with the classes the other labels span.
  const DataSplits kept =
      load_data("npy:" + x + "," + y, {.skip_bad_samples = true, .on_skip = [](const std::string&) {}});
  EXPECT_EQ(kept.num_classes, 2);
  EXPECT_EQ(kept.train.size(), 2);

  const std::string csv = (dir / "train.csv").string();
  write_bytes(csv, "0.5,0.25,0\n0.5,0.25,1000000000000000\n");
  EXPECT_EQ(error_within_seconds(csv, [&](const std::string&) { load_data("csv:" + csv); }),
            csv +
                ": line 2, column 3: label 1000000000000000 is out of range; expected 0 to 999999 (fovea takes at "
                "most 1000000 classes)");
  write_bytes(csv, "0.5,0.25,0\n0.5,0.25,-1\n");
  EXPECT_EQ(error_within_seconds(csv, [&](const std::string&) { load_data("csv:" + csv); }),
            csv + ": line 2, column 3: label -1 is out of range; expected a non-negative integer");
}

}  // namespace
}  // namespace fovea
