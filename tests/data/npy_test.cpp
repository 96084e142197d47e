// Tests for the NPY reader and writer: round trips of every dtype, byte-exact agreement with numpy's np.save,
// version 2.0 headers, every rejected kind of file, and the atomic write surviving a failure mid-write.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/data_test_util.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

// An NPY file with the given header dict (padded like numpy: data starts on a 64-byte boundary) and data.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
  size_t preamble = major == 1 ? 10 : 12;
  size_t total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  size_t header_len = total - preamble;
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  for (size_t b = 0; b < preamble - 8; ++b) out += static_cast<char>((header_len >> (8 * b)) & 0xFF);
  out += dict;
  out.append(total - out.size() - 1, ' ');
  return out + "\n" + data;
}

std::string float_bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

TEST(NpyTest, RoundTripsEveryDtypeAndRank) {
  fs::path dir = temp_dir("npy_roundtrip");
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8}) {
    for (const Shape& shape : {Shape{2, 3}, Shape{5}, Shape{}, Shape{1, 2, 3, 1}, Shape{0, 4}}) {
      std::vector<double> values(static_cast<size_t>(shape.numel()));
      for (size_t i = 0; i < values.size(); ++i) values[i] = dtype == DType::u8 ? 250.0 - i : 3.0 * i - 4;
      if (dtype == DType::f32 || dtype == DType::f64) {
        for (double& v : values) v += 0.25;
      }
      Tensor t = Tensor::from_vector(shape, values, dtype);
      std::string path = dir / "a.npy";
      write_npy(path, t);
      Tensor back = read_npy(path);
      EXPECT_EQ(back.dtype(), dtype) << dtype_name(dtype) << " " << shape.to_string();
      EXPECT_EQ(back.shape(), shape) << dtype_name(dtype);
      EXPECT_EQ(back.to_vector(), values) << dtype_name(dtype) << " " << shape.to_string();
    }
  }
}

TEST(NpyTest, WritesExactlyWhatNumpySaveWrites) {
  // np.save(f, np.array([[1.5, -2], [3, 4.25]], dtype='<f4')) with numpy 1.24: a 128-byte header then the data.
  std::string expected =
      npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", float_bytes({1.5f, -2.0f, 3.0f, 4.25f}));
  ASSERT_EQ(expected.size(), 128u + 16u);
  ASSERT_EQ(expected.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  fs::path dir = temp_dir("npy_numpy");
  write_npy(dir / "m.npy", Tensor::from_vector(Shape{2, 2}, std::vector<float>{1.5f, -2.0f, 3.0f, 4.25f}));
  EXPECT_EQ(read_bytes(dir / "m.npy"), expected);
  // One-element tuples keep Python's trailing comma; scalars have an empty tuple.
  write_npy(dir / "v.npy", Tensor::from_vector(Shape{3}, std::vector<double>{1, 2, 3}, DType::i64));
  EXPECT_NE(read_bytes(dir / "v.npy").find("'descr': '<i8', 'fortran_order': False, 'shape': (3,), }"),
            std::string::npos);
  write_npy(dir / "s.npy", Tensor::scalar(7, DType::u8));
  EXPECT_NE(read_bytes(dir / "s.npy").find("'descr': '|u1', 'fortran_order': False, 'shape': (), }"),
            std::string::npos);
}

TEST(NpyTest, ReadsVersion2HeadersAndOtherKeyOrders) {
  fs::path dir = temp_dir("npy_v2");
  write_bytes(dir / "v2.npy",
              npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", float_bytes({1, 2, 3}), 2));
  Tensor t = read_npy(dir / "v2.npy");
  EXPECT_EQ(t.shape(), (Shape{3}));
  EXPECT_EQ(t.to_vector(), (std::vector<double>{1, 2, 3}));
  write_bytes(dir / "order.npy",
              npy_file("{'shape': (1, 2), 'fortran_order': False, 'descr': '<f4'}", float_bytes({5, 6})));
  EXPECT_EQ(read_npy(dir / "order.npy").shape(), (Shape{1, 2}));
}

TEST(NpyTest, RejectsWhatItCannotRepresent) {
  fs::path dir = temp_dir("npy_reject");
  std::string data = float_bytes({1, 2, 3, 4});
  write_bytes(dir / "fortran.npy", npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data));
  expect_io_error([&] { read_npy(dir / "fortran.npy"); }, {"fortran.npy", "Fortran", "expected C order"});
  write_bytes(dir / "big.npy", npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", data));
  expect_io_error([&] { read_npy(dir / "big.npy"); }, {"big.npy", "big-endian", "'>f4'"});
  write_bytes(dir / "half.npy", npy_file("{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }", data));
  expect_io_error([&] { read_npy(dir / "half.npy"); }, {"half.npy", "unsupported dtype '<f2'"});
  write_bytes(dir / "rank7.npy",
              npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 4), }", data));
  expect_io_error([&] { read_npy(dir / "rank7.npy"); }, {"rank7.npy", "more than 6 dimensions"});
}

TEST(NpyTest, ReportsTruncatedAndMalformedFiles) {
  fs::path dir = temp_dir("npy_bad");
  std::string good = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", float_bytes({1, 2, 3, 4}));
  write_bytes(dir / "short.npy", good.substr(0, good.size() - 3));
  expect_io_error([&] { read_npy(dir / "short.npy"); },
                  {"short.npy: data is truncated: 13 bytes from byte 128; expected 16"});
  write_bytes(dir / "long.npy", good + "zz");
  expect_io_error([&] { read_npy(dir / "long.npy"); }, {"long.npy: 2 unexpected bytes", "at byte 144"});
  write_bytes(dir / "cuthead.npy", good.substr(0, 40));
  expect_io_error([&] { read_npy(dir / "cuthead.npy"); }, {"cuthead.npy", "truncated at byte 40", "118-byte header"});
  write_bytes(dir / "magic.npy", "PK\x03\x04 this is a zip file");
  expect_io_error([&] { read_npy(dir / "magic.npy"); }, {"magic.npy: not an NPY file", "at byte 0"});
  write_bytes(dir / "noshape.npy", npy_file("{'descr': '<f4', 'fortran_order': False, }", ""));
  expect_io_error([&] { read_npy(dir / "noshape.npy"); }, {"noshape.npy: bad NPY header at byte 10", "'shape'"});
  write_bytes(dir / "badshape.npy", npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", ""));
  expect_io_error([&] { read_npy(dir / "badshape.npy"); }, {"badshape.npy: bad NPY header", "'shape'"});
  std::string v9 = good;
  v9[6] = 9;
  write_bytes(dir / "v9.npy", v9);
  expect_io_error([&] { read_npy(dir / "v9.npy"); }, {"v9.npy: NPY format version 9.0 at byte 6"});
  expect_io_error([&] { read_npy(dir / "absent.npy"); }, {"absent.npy: cannot open"});
}

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(NpyTest, FailedWriteLeavesExistingFileIntactAndNoTemporaryBehind) {
  fs::path dir = temp_dir("npy_atomic");
  std::string path = dir / "weights.npy";
  Tensor small = Tensor::from_vector(Shape{4}, std::vector<float>{1, 2, 3, 4});
  write_npy(path, small);
  std::string before = read_bytes(path);
  Tensor big = Tensor::zeros(Shape{4096});  // 16 KiB of data: more than the limit below
  {
    FileSizeLimit limit(4096);
    expect_io_error([&] { write_npy(path, big); }, {"write failed"});
  }
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(files_in(dir), 1u);
  // The target being a folder makes the final rename fail: again nothing is left behind.
  fs::create_directory(dir / "folder.npy");
  expect_io_error([&] { write_npy((dir / "folder.npy").string(), small); }, {"folder.npy: cannot replace it"});
  EXPECT_EQ(files_in(dir), 2u);
  // A successful write replaces the file.
  write_npy(path, big);
  EXPECT_EQ(read_npy(path).shape(), (Shape{4096}));
  EXPECT_THROW(write_npy(path, Tensor()), ValueError);
}

}  // namespace
}  // namespace fovea
