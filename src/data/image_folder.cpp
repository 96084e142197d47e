// Image folders (Keras's image_dataset_from_directory layout): one sub-folder per class, PNG/JPEG files inside.
// Files are listed and sorted first, decoded in parallel, and then checked and reported in file order, so the
// labels, the log and any error are the same on every run.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "fovea/core/error.h"
#include "fovea/data/datasets.h"
#include "fovea/data/image_io.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<std::string> sub_folders(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) names.push_back(entry.path().filename().string());
  }
  FOVEA_CHECK(!ec, IoError, dir.string(), ": cannot list the folder (", ec.message(), ")");
  std::sort(names.begin(), names.end());
  return names;
}

// The image files under folder (also in nested folders), sorted by their path.
std::vector<fs::path> image_files(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && is_image_file(it->path())) files.push_back(it->path());
  }
  FOVEA_CHECK(!ec, IoError, folder.string(), ": cannot list the folder (", ec.message(), ")");
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> class_list(const fs::path& dir, const ImageFolderOptions& options) {
  std::vector<std::string> present = sub_folders(dir);
  if (options.classes.empty()) {
    FOVEA_CHECK(!present.empty(), IoError, dir.string(),
                ": no class sub-folders; expected one sub-folder of images per class (", dir.string(), "/cat/1.png, ",
                dir.string(), "/dog/2.jpg, ...)");
    return present;
  }
  std::set<std::string> listed(options.classes.begin(), options.classes.end());
  FOVEA_CHECK(listed.size() == options.classes.size(), ValueError,
              "load_image_folder: classes lists a class name twice");
  for (const std::string& name : present) {
    FOVEA_CHECK(listed.count(name) != 0, IoError, (dir / name).string(), ": class folder '", name,
                "' is not among the ", options.classes.size(), " classes given (options.classes)");
  }
  return options.classes;
}

struct Sample {
  fs::path path;
  int64_t label = 0;
  Tensor image;       // decoded, converted and resized; undefined when the file is bad
  std::string error;  // why it is bad
};

}  // namespace

Dataset load_image_folder(const std::string& dir, const ImageFolderOptions& options) {
  FOVEA_CHECK(options.height >= 0 && options.width >= 0 && (options.height == 0) == (options.width == 0), ValueError,
              "load_image_folder: height and width must both be positive (resize) or both 0 (keep "
              "the sizes); got ",
              options.height, " and ", options.width);
  std::error_code ec;
  FOVEA_CHECK(fs::is_directory(dir, ec), IoError, dir,
              ": no such folder; expected a folder with one sub-folder of "
              "images per class");
  std::vector<std::string> classes = class_list(dir, options);
  if (options.class_names != nullptr) *options.class_names = classes;

  std::vector<Sample> samples;
  for (size_t label = 0; label < classes.size(); ++label) {
    fs::path folder = fs::path(dir) / classes[label];
    if (!fs::is_directory(folder, ec)) continue;  // a class given in options.classes that this folder lacks
    for (fs::path& file : image_files(folder)) {
      samples.push_back({.path = std::move(file), .label = static_cast<int64_t>(label)});
    }
  }
  FOVEA_CHECK(!samples.empty(), IoError, dir, ": no images; expected .png, .jpg or .jpeg files in the ", classes.size(),
              " class folders");

  // Grayscale or color is decided once every image is known (automatic), so decode in the file's own channels.
  const ColorMode decode_color = options.color;
  const int64_t count = static_cast<int64_t>(samples.size());
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t i = 0; i < count; ++i) {
    Sample& s = samples[i];
    try {
      Tensor image = read_image(s.path.string(), decode_color);
      if (options.height > 0) image = resize_bilinear(image, options.height, options.width);
      s.image = image;
    } catch (const std::exception& e) {  // nothing may escape an OpenMP loop
      s.error = e.what();
    }
  }

  int64_t skipped = 0;
  const Sample* first = nullptr;
  bool any_color = false;
  for (const Sample& s : samples) {
    if (!s.error.empty()) {
      report_bad_sample(s.error, options.skip_bad_samples, options.on_skip);
      ++skipped;
      continue;
    }
    if (first == nullptr) first = &s;
    FOVEA_CHECK(s.image.dim(0) == first->image.dim(0) && s.image.dim(1) == first->image.dim(1), IoError,
                s.path.string(), ": image is ", s.image.dim(1), "x", s.image.dim(0), " (width x height); expected ",
                first->image.dim(1), "x", first->image.dim(0), " like ", first->path.string(),
                "; give a height and width to resize every image");
    any_color = any_color || s.image.dim(2) == 3;
  }
  FOVEA_CHECK(first != nullptr, IoError, dir, ": all ", skipped, " images are unreadable");

  const int64_t height = first->image.dim(0), width = first->image.dim(1), channels = any_color ? 3 : 1;
  const int64_t image_size = height * width * channels;
  Dataset out;
  out.skipped = skipped;
  out.images = Tensor::empty(Shape{count - skipped, height, width, channels}, DType::f32);
  out.labels = Tensor::empty(Shape{count - skipped}, DType::i64);
  float* pixels = out.images.data<float>();
  int64_t* labels = out.labels.data<int64_t>();
  for (const Sample& s : samples) {
    if (!s.error.empty()) continue;
    Tensor image = s.image.dim(2) == channels ? s.image : convert_color(s.image, ColorMode::rgb);
    std::copy(image.data<float>(), image.data<float>() + image_size, pixels);
    pixels += image_size;
    *labels++ = s.label;
  }
  return out;
}

}  // namespace fovea
