// AtomicFile: mkstemp in the target's folder, write, fsync, rename; the temporary file is removed on failure.
#include "core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "fovea/core/error.h"

namespace fovea::io_detail {
namespace {

// The folder's entry for the renamed file is only durable once the folder itself is flushed. Best effort: some
// file systems refuse to open or fsync a folder, and the data is already safe in the file by then.
void sync_folder(const std::filesystem::path& folder) {
  const std::string name = folder.empty() ? std::string(".") : folder.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Whether a temporary file named by temp_prefix(target) + rest was left by a writer that no longer runs: its
// process id (the digits before the next '-') names no live process. Names of fovea before the id was part of
// them ("XXXXXX" alone) count as abandoned after an hour, longer than any single write takes.
bool abandoned(const std::filesystem::directory_entry& entry, std::string_view rest) {
  const size_t dash = rest.find('-');
  if (dash == std::string_view::npos) {
    std::error_code error;
    const auto written = entry.last_write_time(error);
    return !error && rest.size() == 6 && std::filesystem::file_time_type::clock::now() - written > std::chrono::hours(1);
  }
  pid_t pid = 0;
  const auto [end, parse_error] = std::from_chars(rest.data(), rest.data() + dash, pid);
  if (parse_error != std::errc() || end != rest.data() + dash || pid <= 0) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

std::string AtomicFile::temp_prefix(const std::string& path) {
  std::string prefix = ".";  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) about "." + string
  prefix += std::filesystem::path(path).filename().string();
  prefix += ".tmp-";
  return prefix;
}

void AtomicFile::remove_abandoned_temp_files(const std::string& path) {
  const std::filesystem::path target(path);
  const std::string prefix = temp_prefix(path);
  std::error_code error;
  std::filesystem::directory_iterator entries(target.parent_path().empty() ? "." : target.parent_path(), error);
  if (error) return;  // best effort: mkstemp reports a folder that cannot be used
  for (const std::filesystem::directory_entry& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (abandoned(entry, std::string_view(name).substr(prefix.size()))) ::unlink(entry.path().c_str());
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  remove_abandoned_temp_files(path_);
  const std::filesystem::path target(path_);
  const std::string name = temp_prefix(path_) + std::to_string(::getpid()) + "-XXXXXX";
  temp_path_ = (target.parent_path() / name).string();
  fd_ = ::mkstemp(temp_path_.data());
  FOVEA_CHECK(fd_ >= 0, IoError, path_, ": cannot create a temporary file in its folder (", std::strerror(errno), ")");
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(const void* data, size_t size) {
  FOVEA_CHECK(fd_ >= 0, IoError, temp_path_, ": write after the file was closed");
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IoError(detail::concat(temp_path_, ": write failed (", std::strerror(errno), ")"));
    bytes += n;
    size -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  FOVEA_CHECK(fd_ >= 0, IoError, temp_path_, ": commit after the file was closed");
  // mkstemp makes the file 0600; a written model or array is an ordinary data file.
  ::fchmod(fd_, 0644);
  FOVEA_CHECK(::fsync(fd_) == 0, IoError, temp_path_, ": fsync failed (", std::strerror(errno), ")");
  const int closed = ::close(fd_);
  fd_ = -1;
  FOVEA_CHECK(closed == 0, IoError, temp_path_, ": close failed (", std::strerror(errno), ")");
  FOVEA_CHECK(std::rename(temp_path_.c_str(), path_.c_str()) == 0, IoError, path_, ": cannot replace it with ",
              temp_path_, " (", std::strerror(errno), ")");
  committed_ = true;
  sync_folder(std::filesystem::path(path_).parent_path());
}

}  // namespace fovea::io_detail
