// What every fuzz target shares: the input bytes as a file of this process (fovea's readers take paths), and the
// rule that a reader refuses bad input only with a fovea::Error. Any other exception, a crash, a hang, a memory
// bomb or a sanitizer report is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fovea/core/error.h"

namespace fovea::fuzz {

// Writes the bytes to this process's input file (in /dev/shm where it exists: no disk writes per input) and returns
// its path; the next call rewrites it.
inline std::string input_file(const uint8_t* data, size_t size, const std::string& extension) {
  const std::filesystem::path folder = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
  const std::string path = (folder / ("fovea_fuzz_" + std::to_string(::getpid()) + extension)).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs read(); a fovea::Error is the reader doing its job on bad input.
template <class Read>
void expect_only_fovea_errors(Read&& read) {
  try {
    read();
  } catch (const fovea::Error&) {
  }
}

}  // namespace fovea::fuzz
