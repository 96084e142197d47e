// The check every reader of a named input file makes before it opens it: open() on a FIFO blocks until a writer
// comes (forever, from the command line), and reading a device such as /dev/zero never ends. Both are refused
// from stat() alone, which never blocks.
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "fovea/core/error.h"

namespace fovea::core_detail {

// What a stat mode is, for messages: "a FIFO", "a folder".
inline const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

// Throws IoError "<path>: is a FIFO, not a regular file; expected <what>" when path names anything but a regular
// file (symbolic links are followed). A path that does not exist passes: the reader's own open() then reports it
// in its words.
inline void require_regular_file(const std::string& path, std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || S_ISREG(info.st_mode)) return;
  throw IoError(detail::concat(path, ": is ", file_kind(info.st_mode), ", not a regular file; expected ", what));
}

}  // namespace fovea::core_detail
