// Tests for load_image_folder: class folders sorted into labels, files sorted and filtered by extension,
// resizing, automatic and forced colour, the classes option, and bad images failing or being skipped and counted.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/data_test_util.h"
#include "fovea/data/datasets.h"
#include "fovea/data/image_io.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

// A flat h x w image of one value (gray) or one colour.
void flat_png(const fs::path& path, int64_t h, int64_t w, std::vector<double> colour) {
  fs::create_directories(path.parent_path());
  const int64_t c = static_cast<int64_t>(colour.size());
  std::vector<double> values;
  for (int64_t i = 0; i < h * w; ++i) values.insert(values.end(), colour.begin(), colour.end());
  write_png(path.string(), Tensor::from_vector(Shape{h, w, c}, values));
}

// The first value of each image in a (N, H, W, C) dataset.
std::vector<double> first_values(const Dataset& d) {
  std::vector<double> out;
  const int64_t per_image = d.images.numel() / d.size();
  for (int64_t i = 0; i < d.size(); ++i) out.push_back(d.images.data<float>()[i * per_image]);
  return out;
}

TEST(ImageFolderTest, ClassFoldersSortedByNameGiveTheLabels) {
  fs::path dir = temp_dir("folder_basic");
  flat_png(dir / "dog" / "b.png", 2, 3, {20});
  flat_png(dir / "dog" / "a.PNG", 2, 3, {10});  // the extension in any case
  flat_png(dir / "cat" / "z.png", 2, 3, {30});
  flat_png(dir / "Zebra" / "1.png", 2, 3, {40});  // upper case sorts first, as in Python's sorted()
  write_bytes(dir / "dog" / "notes.txt", "not an image");
  write_bytes(dir / "dog" / "thumbs.db", "ignored too");
  flat_png(dir / "stray.png", 2, 3, {99});  // files outside a class folder are not samples
  fs::create_directories(dir / "empty_class");
  std::vector<std::string> names;
  Dataset d = load_image_folder(dir.string(), {.class_names = &names});
  EXPECT_EQ(names, (std::vector<std::string>{"Zebra", "cat", "dog", "empty_class"}));
  ASSERT_EQ(d.images.shape(), (Shape{4, 2, 3, 1}));
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{0, 1, 2, 2}));
  EXPECT_EQ(first_values(d), (std::vector<double>{40, 30, 10, 20}));
  EXPECT_EQ(d.skipped, 0);
}

TEST(ImageFolderTest, JpegsAndNestedFoldersAreRead) {
  fs::path dir = temp_dir("folder_jpeg");
  fs::create_directories(dir / "a" / "nested");
  write_bytes(dir / "a" / "x.jpeg", jpeg_bytes(8, 8, 1, std::vector<uint8_t>(64, 60)));
  write_bytes(dir / "a" / "nested" / "y.JPG", jpeg_bytes(8, 8, 1, std::vector<uint8_t>(64, 70)));
  flat_png(dir / "b" / "z.png", 8, 8, {80});
  Dataset d = load_image_folder(dir.string());
  ASSERT_EQ(d.images.shape(), (Shape{3, 8, 8, 1}));
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{0, 0, 1}));
  // "a/nested/y.JPG" sorts before "a/x.jpeg".
  EXPECT_EQ(first_values(d), (std::vector<double>{70, 60, 80}));
}

TEST(ImageFolderTest, ResizeAndSizeMismatch) {
  fs::path dir = temp_dir("folder_size");
  flat_png(dir / "a" / "1.png", 4, 4, {10});
  flat_png(dir / "b" / "2.png", 2, 6, {20});
  Dataset d = load_image_folder(dir.string(), {.height = 3, .width = 5});
  ASSERT_EQ(d.images.shape(), (Shape{2, 3, 5, 1}));
  EXPECT_EQ(d.images.to_vector()[14], 10);  // a flat image stays flat
  EXPECT_EQ(d.images.to_vector()[15], 20);
  expect_io_error([&] { load_image_folder(dir.string()); },
                  {(dir / "b" / "2.png").string() + ": image is 6x2 (width x height); expected 4x4 like " +
                   (dir / "a" / "1.png").string() + "; give a height and width to resize every image"});
  EXPECT_THROW(load_image_folder(dir.string(), {.height = 3}), ValueError);
}

TEST(ImageFolderTest, AutomaticColorWidensGrayWhenAnyImageIsColor) {
  fs::path dir = temp_dir("folder_color");
  flat_png(dir / "a" / "gray.png", 2, 2, {50});
  flat_png(dir / "b" / "red.png", 2, 2, {255, 0, 0});
  Dataset automatic = load_image_folder(dir.string());
  ASSERT_EQ(automatic.images.shape(), (Shape{2, 2, 2, 3}));
  std::vector<double> v = automatic.images.to_vector();
  EXPECT_EQ((std::vector<double>(v.begin(), v.begin() + 3)), (std::vector<double>{50, 50, 50}));
  EXPECT_EQ((std::vector<double>(v.begin() + 12, v.begin() + 15)), (std::vector<double>{255, 0, 0}));
  Dataset gray = load_image_folder(dir.string(), {.color = ColorMode::grayscale});
  ASSERT_EQ(gray.images.shape(), (Shape{2, 2, 2, 1}));
  EXPECT_EQ(first_values(gray), (std::vector<double>{50, 76}));
  fs::remove(dir / "b" / "red.png");
  EXPECT_EQ(load_image_folder(dir.string()).images.shape(), (Shape{1, 2, 2, 1}));  // all gray: one channel
}

TEST(ImageFolderTest, ClassesOptionFixesTheLabelOrder) {
  fs::path dir = temp_dir("folder_classes");
  flat_png(dir / "cat" / "1.png", 1, 1, {1});
  flat_png(dir / "dog" / "1.png", 1, 1, {2});
  Dataset d = load_image_folder(dir.string(), {.classes = {"dog", "bird", "cat"}});
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{0, 2}));  // "bird" has no folder: no samples, label kept
  EXPECT_EQ(first_values(d), (std::vector<double>{2, 1}));
  expect_io_error([&] { load_image_folder(dir.string(), {.classes = {"dog"}}); },
                  {(dir / "cat").string() + ": class folder 'cat' is not among the 1 classes given (options.classes)"});
  EXPECT_THROW(load_image_folder(dir.string(), {.classes = {"dog", "dog", "cat"}}), ValueError);
}

TEST(ImageFolderTest, BadImageFailsOrIsSkippedAndCounted) {
  fs::path dir = temp_dir("folder_bad");
  flat_png(dir / "a" / "1.png", 2, 2, {10});
  write_bytes(dir / "a" / "2.png", "this is no picture");
  flat_png(dir / "b" / "3.png", 2, 2, {30});
  std::string png = read_bytes(dir / "b" / "3.png");
  write_bytes(dir / "b" / "4.png", png.substr(0, png.size() / 2));
  const std::string bad = (dir / "a" / "2.png").string(), cut = (dir / "b" / "4.png").string();
  expect_io_error([&] { load_image_folder(dir.string()); },
                  {bad + ": not a PNG or JPEG image: expected the PNG signature"});

  SkipRecorder skipped;
  Dataset d = load_image_folder(dir.string(), {.skip_bad_samples = true, .on_skip = skipped.log()});
  EXPECT_EQ(d.size(), 2);
  EXPECT_EQ(d.skipped, 2);
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{0, 1}));
  EXPECT_EQ(first_values(d), (std::vector<double>{10, 30}));
  ASSERT_EQ(skipped.lines.size(), 2u);
  EXPECT_EQ(skipped.lines[0], "skipped: " + bad +
                                  ": not a PNG or JPEG image: expected the PNG signature 89 50 4E 47 0D 0A 1A 0A or "
                                  "the JPEG marker FF D8 FF at byte 0; got 74 68 69 73 20 69 73 20");
  EXPECT_EQ(skipped.lines[1].rfind("skipped: " + cut + ": cannot decode the PNG image (libpng: ", 0), 0u)
      << skipped.lines[1];
}

TEST(ImageFolderTest, FoldersWithoutClassesOrImagesAreReported) {
  fs::path dir = temp_dir("folder_empty");
  expect_io_error([&] { load_image_folder(dir.string()); },
                  {dir.string() + ": no class sub-folders; expected one sub-folder of images per class"});
  fs::create_directories(dir / "a");
  write_bytes(dir / "a" / "readme.md", "#");
  expect_io_error([&] { load_image_folder(dir.string()); },
                  {dir.string() + ": no images; expected .png, .jpg or .jpeg files in the 1 class folders"});
  write_bytes(dir / "a" / "x.png", "junk");
  expect_io_error([&] { load_image_folder(dir.string(), {.skip_bad_samples = true, .on_skip = [](auto&) {}}); },
                  {dir.string() + ": all 1 images are unreadable"});
  expect_io_error([&] { load_image_folder((dir / "absent").string()); }, {"absent: no such folder"});
}

}  // namespace
}  // namespace fovea
