// Helpers for the dataset reader tests: a fresh temporary folder, raw and gzipped file writers, IDX, CIFAR and
// JPEG builders, a recorder for skipped-sample lines, and a check that an IoError's message holds every piece.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

// jpeglib.h uses FILE without including <cstdio> (above).
// clang-format off
#include <jpeglib.h>
// clang-format on

#include "fovea/core/error.h"

namespace fovea::testing_data {

// A folder of its own under ::testing::TempDir(), emptied at creation.
inline std::filesystem::path temp_dir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / ("fovea_data_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A folder of the running test's own (named after its suite and name), emptied at creation: ctest runs the tests of
// one file in parallel processes, so a folder shared by name between tests would be emptied under another's feet.
inline std::filesystem::path test_temp_dir() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return temp_dir(std::string(test->test_suite_name()) + "_" + test->name());
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

// One CIFAR record: the label bytes, then 3072 pixel bytes where channel c (0 R, 1 G, 2 B) of pixel p (y * 32 + x)
// is cifar_pixel(seed, c, p).
inline uint8_t cifar_pixel(int seed, int c, int p) { return static_cast<uint8_t>((seed * 31 + c * 85 + p) & 0xFF); }
inline std::string cifar_record(const std::vector<uint8_t>& label_bytes, int seed) {
  std::string out(label_bytes.begin(), label_bytes.end());
  for (int c = 0; c < 3; ++c) {
    for (int p = 0; p < 1024; ++p) out += static_cast<char>(cifar_pixel(seed, c, p));
  }
  return out;
}

// A JPEG encoded by libjpeg itself: pixels (height, width, channels) row-major, channels 1 (gray) or 3 (RGB).
inline std::string jpeg_bytes(int width, int height, int channels, const std::vector<uint8_t>& pixels,
                              int quality = 100) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr errors;
  cinfo.err = jpeg_std_error(&errors);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(pixels.data() + cinfo.next_scanline * width * channels);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string out(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  jpeg_destroy_compress(&cinfo);
  return out;
}

// Collects the lines a reader logs for skipped samples: pass recorder.log() as a reader's on_skip.
struct SkipRecorder {
  std::vector<std::string> lines;
  std::function<void(const std::string&)> log() {
    return [this](const std::string& line) { lines.push_back(line); };
  }
};

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

// Failures on demand for the atomic-write tests (model files, safetensors, NPY).
// Makes every new file descriptor fail (EMFILE) while in scope, so that creating the temporary file fails.
class NoNewFiles {
 public:
  NoNewFiles() {
    getrlimit(RLIMIT_NOFILE, &old_);
    const int probe = ::dup(2);  // the lowest free descriptor: every lower one is in use
    ::close(probe);
    rlimit limit = old_;
    limit.rlim_cur = static_cast<rlim_t>(probe);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  ~NoNewFiles() { setrlimit(RLIMIT_NOFILE, &old_); }

 private:
  rlimit old_{};
};


// Limits the size of files this process may write, with SIGXFSZ ignored so that a write fails with EFBIG instead
// of killing the process; both are restored on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_;
};


}  // namespace fovea::testing_data
