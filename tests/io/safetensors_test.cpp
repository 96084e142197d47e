// Tests for the safetensors reader and writer (src/io/safetensors.cpp): the exact bytes of a written file,
// bit-exact round trips of every dtype, a hand-made file as another writer would produce it, the exact error
// for every kind of damage, and the atomic write.
#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>

#include "data/data_test_util.h"
#include "fovea/core/error.h"

namespace fovea::io_detail {
namespace {

using testing_data::read_bytes;
using testing_data::NoNewFiles;
using testing_data::temp_dir;
using testing_data::write_bytes;
namespace fs = std::filesystem;

// A safetensors file from its header text (used as is: no padding) and data bytes.
std::string safetensors_file(const std::string& header, const std::string& data) {
  std::string out;
  for (int b = 0; b < 8; ++b) out += static_cast<char>((uint64_t{header.size()} >> (8 * b)) & 0xFF);
  return out + header + data;
}

template <class T>
std::string raw_bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string tensor_bytes(const Tensor& t) {
  return std::string(static_cast<const char*>(t.raw_data()), t.nbytes());
}

void expect_error(const std::function<void()>& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "expected an IoError: " << message;
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(SafetensorsTest, WritesTheSafetensorsLayoutByteForByte) {
  const fs::path dir = temp_dir("safetensors_layout");
  const std::string path = dir / "a.safetensors";
  const Tensor a = Tensor::from_vector(Shape{2}, std::vector<float>{1.5f, -2.0f});
  const Tensor b = Tensor::scalar(7, DType::u8);
  write_safetensors(path, {{"a", a}, {"b", b}}, {{"format", "x"}});

  // 135 characters of JSON, padded with 1 space to 136 so that the data starts 8-byte aligned, at byte 144.
  const std::string json =
      R"({"__metadata__":{"format":"x"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"U8","shape":[],"data_offsets":[8,9]}})";
  ASSERT_EQ(json.size(), 135u);
  const std::string expected = safetensors_file(json + " ", raw_bytes(std::vector<float>{1.5f, -2.0f}) + "\x07");
  EXPECT_EQ(read_bytes(path), expected);
}

TEST(SafetensorsTest, RoundTripsEveryDtypeBitExactly) {
  const fs::path dir = temp_dir("safetensors_roundtrip");
  const std::string path = dir / "all.safetensors";
  const float nan = std::numeric_limits<float>::quiet_NaN();
  NamedTensors tensors = {
      {"f32", Tensor::from_vector(Shape{2, 3}, std::vector<float>{0.1f, -0.0f, nan, INFINITY, 1e-45f, -3.4e38f})},
      {"f64", Tensor::from_vector(Shape{3}, std::vector<double>{0.1, 1e-310, -2.5e300}, DType::f64)},
      {"i32", Tensor::from_vector(Shape{2}, std::vector<double>{-2147483648.0, 2147483647.0}, DType::i32)},
      {"i64", Tensor::zeros(Shape{2}, DType::i64)},
      {"u8", Tensor::from_vector(Shape{1, 1, 1, 1, 1, 3}, std::vector<double>{0, 128, 255}, DType::u8)},
      {"scalar", Tensor::scalar(3, DType::i64)},
      {"empty", Tensor::zeros(Shape{0, 4})},
  };
  // Integers beyond double precision.
  tensors[3].second.data<int64_t>()[0] = -9007199254740993;
  tensors[3].second.data<int64_t>()[1] = std::numeric_limits<int64_t>::max();
  write_safetensors(path, tensors, {{"k", "v"}, {"text", "{\"json\": [1, 2]}"}});
  const std::string bytes = read_bytes(path);
  uint64_t header_size = 0;
  for (int b = 7; b >= 0; --b) header_size = header_size * 256 + static_cast<uint8_t>(bytes[b]);
  EXPECT_EQ((8 + header_size) % 8, 0u);
  // 24 + 24 + 8 + 16 + 3 + 8 + 0 data bytes after the header.
  EXPECT_EQ(bytes.size(), 8 + header_size + 83);

  const SafetensorsContent back = read_safetensors(path);
  EXPECT_EQ(back.metadata, (Metadata{{"k", "v"}, {"text", "{\"json\": [1, 2]}"}}));
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    SCOPED_TRACE(tensors[i].first);
    EXPECT_EQ(back.tensors[i].first, tensors[i].first);
    EXPECT_EQ(back.tensors[i].second.dtype(), tensors[i].second.dtype());
    EXPECT_EQ(back.tensors[i].second.shape(), tensors[i].second.shape());
    EXPECT_EQ(tensor_bytes(back.tensors[i].second), tensor_bytes(tensors[i].second));
  }
  ASSERT_NE(back.find("i64"), nullptr);
  EXPECT_EQ(back.find("i64")->data<int64_t>()[0], -9007199254740993);
  EXPECT_EQ(back.find("absent"), nullptr);
}

TEST(SafetensorsTest, ReadsAFileFromAnotherWriter) {
  // As Python's safetensors may write it: no metadata, keys not in data order, no padding beyond JSON's own.
  const fs::path dir = temp_dir("safetensors_foreign");
  const std::string path = dir / "torch.safetensors";
  const std::string header =
      R"({"weight":{"dtype":"F64","shape":[2,1],"data_offsets":[4,20]},)"
      R"( "bias" : {"shape":[1],"data_offsets":[0,4],"dtype":"I32"}})";
  write_bytes(path, safetensors_file(header, raw_bytes(std::vector<int32_t>{-5}) +
                                                 raw_bytes(std::vector<double>{0.25, -1e100})));
  const SafetensorsContent back = read_safetensors(path);
  EXPECT_TRUE(back.metadata.empty());
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_EQ(back.tensors[0].first, "bias");  // data order
  EXPECT_EQ(back.tensors[0].second.to_vector(), std::vector<double>{-5});
  EXPECT_EQ(back.tensors[1].first, "weight");
  EXPECT_EQ(back.tensors[1].second.shape(), (Shape{2, 1}));
  EXPECT_EQ(back.tensors[1].second.to_vector(), (std::vector<double>{0.25, -1e100}));
}

TEST(SafetensorsTest, ReportsEveryKindOfDamageExactly) {
  const fs::path dir = temp_dir("safetensors_damage");
  const std::string p = dir / "bad.safetensors";
  const std::string eight = raw_bytes(std::vector<float>{1, 2});
  auto check = [&](const std::string& bytes, const std::string& message) {
    write_bytes(p, bytes);
    expect_error([&] { read_safetensors(p); }, p + ": " + message);
  };
  const std::string good = safetensors_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", eight);
  ASSERT_EQ(read_safetensors((write_bytes(p, good), p)).tensors.size(), 1u);

  check(good.substr(0, 5), "file is truncated at byte 5: expected an 8-byte little-endian header length at byte 0");
  check(good.substr(0, good.size() - 3),
        "file is truncated: tensor 'a' ends at byte 70 but the file has 67 bytes");
  std::string long_header = good;
  long_header[0] = static_cast<char>(200);
  check(long_header,
        "the header length at byte 0 is 200 bytes but only 62 bytes follow it; the file is truncated or not a "
        "safetensors file");
  check(safetensors_file(R"({"a": nope})", ""),
        "the header (bytes 8 to 19) is not valid JSON: syntax error at byte 15");
  check(safetensors_file("[1, 2]  ", ""), "the header (bytes 8 to 16) is an array; expected an object describing the "
                                          "tensors");
  check(safetensors_file(R"({"__metadata__":{"epoch":3}})", ""),
        "'__metadata__' entry 'epoch' is a number; safetensors metadata values must be strings");
  check(safetensors_file(R"({"__metadata__":[]})", ""), "'__metadata__' is an array; expected an object of strings");
  check(safetensors_file(R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", eight),
        "tensor 'a' has dtype 'F16'; fovea reads F32, F64, I32, I64 and U8");
  check(safetensors_file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", eight), "tensor 'a' has no 'dtype' string");
  check(safetensors_file(R"({"a":[0,8]})", eight),
        "tensor 'a' is described by an array; expected an object with 'dtype', 'shape' and 'data_offsets'");
  check(safetensors_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight),
        "tensor 'a': 'shape' must be a list of non-negative integers, got [-2]");
  check(safetensors_file(R"({"a":{"dtype":"U8","shape":[1,1,1,1,1,1,8],"data_offsets":[0,8]}})", eight),
        "tensor 'a' has rank 7; fovea tensors have at most 6 dimensions");
  check(safetensors_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight),
        "tensor 'a': 'data_offsets' must be [begin, end] with 0 <= begin <= end, got [8,0]");
  check(safetensors_file(R"({"a":{"dtype":"F32","shape":[2]}})", eight),
        "tensor 'a': 'data_offsets' must be [begin, end] with 0 <= begin <= end, got nothing");
  check(safetensors_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight),
        "tensor 'a' (F32 (3,)) needs 12 bytes but its data_offsets [0, 8] span 8");
  // Offsets out of range, overlapping, leaving a gap, not starting at 0, or leaving bytes over.
  check(safetensors_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", eight + eight),
        "tensor 'a' starts at data offset 8 (byte 71); expected the first tensor at data offset 0");
  const std::string two = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],)";
  check(safetensors_file(two + R"("data_offsets":[8,16]}})", eight + eight.substr(0, 4)),
        "file is truncated: tensor 'b' ends at byte 132 but the file has 128 bytes");
  check(safetensors_file(two + R"("data_offsets":[4,12]}})", eight + eight),
        "tensor 'b' starts at data offset 4 but tensor 'a' ends at 8: they overlap");
  check(safetensors_file(two + R"("data_offsets":[12,20]}})", eight + eight + eight),
        "tensor 'b' starts at data offset 12 but tensor 'a' ends at 8: the bytes between them belong to no tensor");
  check(good + "xyz", "3 unexpected bytes after the last tensor, from byte 70; expected the file to end there");

  expect_error([&] { read_safetensors(dir / "absent.safetensors"); },
               (dir / "absent.safetensors").string() + ": cannot open for reading (No such file or directory)");
}

TEST(SafetensorsTest, RejectsTensorsItCannotName) {
  const fs::path dir = temp_dir("safetensors_names");
  const std::string p = dir / "x.safetensors";
  const Tensor t = Tensor::zeros(Shape{1});
  EXPECT_THROW(write_safetensors(p, {{"a", t}, {"a", t}}), ValueError);
  EXPECT_THROW(write_safetensors(p, {{"__metadata__", t}}), ValueError);
  EXPECT_THROW(write_safetensors(p, {{"", t}}), ValueError);
  EXPECT_THROW(write_safetensors(p, {{"u", Tensor()}}), ValueError);
  EXPECT_FALSE(fs::exists(p));
}

TEST(SafetensorsTest, AFailedWriteLeavesThePreviousFileAndNoTemporary) {
  const fs::path dir = temp_dir("safetensors_atomic");
  const std::string p = dir / "w.safetensors";
  write_safetensors(p, {{"a", Tensor::ones(Shape{3})}});
  const std::string before = read_bytes(p);
  {
    NoNewFiles limit;
    expect_error([&] { write_safetensors(p, {{"b", Tensor::zeros(Shape{5})}}); },
                 p + ": cannot create a temporary file in its folder (Too many open files)");
  }
  EXPECT_EQ(read_bytes(p), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  const std::string nowhere = dir / "missing" / "w.safetensors";
  expect_error([&] { write_safetensors(nowhere, {{"a", Tensor::ones(Shape{3})}}); },
               nowhere + ": cannot create a temporary file in its folder (No such file or directory)");
}

}  // namespace
}  // namespace fovea::io_detail
