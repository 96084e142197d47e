// Helpers for the dataset reader tests: a fresh temporary folder, raw and gzipped file writers, IDX builders,
// and a check that an IoError's message holds every expected piece.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "fovea/core/error.h"

namespace fovea::testing_data {

// A folder of its own under ::testing::TempDir(), emptied at creation.
inline std::filesystem::path temp_dir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / ("fovea_data_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline void write_gzip(const std::filesystem::path& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << "cannot write " << path;
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void append_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

// An IDX file: magic 0x0000TTNN, the dimensions, then data (already big-endian).
inline std::string idx_file(uint8_t type, const std::vector<uint32_t>& dims, const std::string& data) {
  std::string out;
  append_be32(out, (uint32_t{type} << 8) | static_cast<uint32_t>(dims.size()));
  for (uint32_t d : dims) append_be32(out, d);
  return out + data;
}

inline std::string idx_bytes(uint32_t n, uint32_t h, uint32_t w, const std::vector<uint8_t>& pixels) {
  return idx_file(0x08, {n, h, w}, std::string(pixels.begin(), pixels.end()));
}
inline std::string idx_labels(const std::vector<uint8_t>& labels) {
  return idx_file(0x08, {static_cast<uint32_t>(labels.size())}, std::string(labels.begin(), labels.end()));
}

// Runs fn, expects an IoError whose message contains every piece.
inline void expect_io_error(const std::function<void()>& fn, const std::vector<std::string>& pieces) {
  try {
    fn();
    ADD_FAILURE() << "expected an IoError";
  } catch (const IoError& e) {
    std::string message = e.what();
    for (const std::string& piece : pieces) {
      EXPECT_NE(message.find(piece), std::string::npos) << "message: " << message << "\nmissing: " << piece;
    }
  }
}

}  // namespace fovea::testing_data
