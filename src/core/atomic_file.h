// Atomic file replacement, shared by every writer of fovea files (NPY arrays, model files): the bytes go to a
// temporary file in the target's folder, are flushed to disk, and only then renamed over the target.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fovea::io_detail {

// A reader of path sees the old file or the complete new one, never a partial one.
//
//   AtomicFile file(path);         // creates "<folder>/.<name>.tmp-<process id>-XXXXXX"
//   file.write(header);
//   file.write(data, size);
//   file.commit();                 // fsync, close, rename over path
//
// When commit() is not reached (an exception, an early return) the destructor removes the temporary file, so a
// failed write leaves any existing file at path untouched and nothing behind. Every failure is an IoError naming
// the file and the system's reason. The temporary file lives in the same folder because rename() is atomic only
// within one file system. A process killed while writing (kill -9) cannot remove its temporary file; the next
// AtomicFile for the same path removes those of writers that no longer run.
class AtomicFile {
 public:
  // Throws IoError "<path>: cannot create a temporary file in its folder (<reason>)" when the folder does not
  // exist or cannot take a new file.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends bytes; throws IoError "<temporary file>: write failed (<reason>)" (a full disk, a file-size limit).
  void write(const void* data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Makes the file readable like any data file (0644), flushes it to disk and renames it over the target.
  // Throws IoError "<path>: cannot replace it with <temporary file> (<reason>)" when the rename fails (the
  // target is a folder, for example).
  void commit();

  const std::string& temp_path() const { return temp_path_; }

  // Removes the temporary files of `path` whose writer process no longer runs (on the same machine); what the
  // constructor does first. Best effort: what cannot be listed or removed stays.
  static void remove_abandoned_temp_files(const std::string& path);

 private:
  static std::string temp_prefix(const std::string& path);

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace fovea::io_detail
