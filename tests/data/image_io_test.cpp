// Tests for PNG/JPEG reading, colour conversion, bilinear resizing and PNG writing. PNGs are assembled here byte by
// byte (chunks, zlib, CRC) so that every colour type and bit depth is checked against an independent writer; JPEGs
// come from libjpeg's encoder. Corrupt, truncated and non-image files must be IoErrors with the decoder's words.
#include "fovea/data/image_io.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/data_test_util.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string out;
  append_be32(out, static_cast<uint32_t>(data.size()));
  std::string body = type + data;
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  out += body;
  append_be32(out, static_cast<uint32_t>(crc));
  return out;
}

// A PNG with the given header fields; rows are the unfiltered scanline bytes (filter type 0 is prepended).
std::string png_file(uint32_t width, uint32_t height, uint8_t bit_depth, uint8_t color_type,
                     const std::vector<std::string>& rows, const std::string& extra_chunks = "") {
  std::string ihdr;
  append_be32(ihdr, width);
  append_be32(ihdr, height);
  ihdr += static_cast<char>(bit_depth);
  ihdr += static_cast<char>(color_type);
  ihdr += std::string(3, '\0');  // compression, filter, interlace
  std::string raw;
  for (const std::string& row : rows) raw += '\0' + row;
  std::vector<Bytef> packed(compressBound(raw.size()));
  uLongf packed_size = packed.size();
  EXPECT_EQ(compress(packed.data(), &packed_size, reinterpret_cast<const Bytef*>(raw.data()), raw.size()), Z_OK);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + extra_chunks +
         png_chunk("IDAT", std::string(reinterpret_cast<const char*>(packed.data()), packed_size)) +
         png_chunk("IEND", "");
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

TEST(ImageIoTest, ReadsEveryPngColorTypeAndDepth) {
  fs::path dir = temp_dir("image_png_types");
  // 8-bit gray, 2x2.
  write_bytes(dir / "gray.png", png_file(2, 2, 8, 0, {bytes({0, 50}), bytes({200, 255})}));
  Tensor gray = read_image(dir / "gray.png");
  EXPECT_EQ(gray.shape(), (Shape{2, 2, 1}));
  EXPECT_EQ(gray.dtype(), DType::f32);
  EXPECT_EQ(gray.to_vector(), (std::vector<double>{0, 50, 200, 255}));
  // 8-bit RGB, 2x1.
  write_bytes(dir / "rgb.png", png_file(2, 1, 8, 2, {bytes({1, 2, 3, 250, 251, 252})}));
  Tensor rgb = read_image(dir / "rgb.png");
  EXPECT_EQ(rgb.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(rgb.to_vector(), (std::vector<double>{1, 2, 3, 250, 251, 252}));
  // RGBA and gray+alpha: alpha is dropped.
  write_bytes(dir / "rgba.png", png_file(1, 1, 8, 6, {bytes({10, 20, 30, 0})}));
  EXPECT_EQ(read_image(dir / "rgba.png").to_vector(), (std::vector<double>{10, 20, 30}));
  write_bytes(dir / "ga.png", png_file(2, 1, 8, 4, {bytes({77, 255, 88, 0})}));
  Tensor ga = read_image(dir / "ga.png");
  EXPECT_EQ(ga.shape(), (Shape{1, 2, 1}));
  EXPECT_EQ(ga.to_vector(), (std::vector<double>{77, 88}));
  // 16-bit gray: multiples of 257 scale to exact bytes.
  write_bytes(dir / "g16.png", png_file(3, 1, 16, 0, {bytes({0, 0, 0x80, 0x80, 0xFF, 0xFF})}));
  EXPECT_EQ(read_image(dir / "g16.png").to_vector(), (std::vector<double>{0, 128, 255}));
  // 1-bit gray: bits 1, 0, 1 (then padding) expand to 255, 0, 255.
  write_bytes(dir / "g1.png", png_file(3, 1, 1, 0, {bytes({0b10100000})}));
  EXPECT_EQ(read_image(dir / "g1.png").to_vector(), (std::vector<double>{255, 0, 255}));
  // Palette (with transparency, which is dropped): indices 1, 0 -> colours.
  std::string palette = png_chunk("PLTE", bytes({9, 8, 7, 100, 110, 120})) + png_chunk("tRNS", bytes({255, 0}));
  write_bytes(dir / "pal.png", png_file(2, 1, 8, 3, {bytes({1, 0})}, palette));
  Tensor pal = read_image(dir / "pal.png");
  EXPECT_EQ(pal.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(pal.to_vector(), (std::vector<double>{100, 110, 120, 9, 8, 7}));
}

TEST(ImageIoTest, ColorModesConvertLikePil) {
  fs::path dir = temp_dir("image_color");
  write_bytes(dir / "rgb.png", png_file(4, 1, 8, 2, {bytes({255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30})}));
  // PIL's convert("L") of pure red, green, blue is 76, 150, 29; (10, 20, 30) gives 18.
  Tensor gray = read_image(dir / "rgb.png", ColorMode::grayscale);
  EXPECT_EQ(gray.shape(), (Shape{1, 4, 1}));
  EXPECT_EQ(gray.to_vector(), (std::vector<double>{76, 150, 29, 18}));
  write_bytes(dir / "gray.png", png_file(2, 1, 8, 0, {bytes({7, 200})}));
  Tensor rgb = read_image(dir / "gray.png", ColorMode::rgb);
  EXPECT_EQ(rgb.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(rgb.to_vector(), (std::vector<double>{7, 7, 7, 200, 200, 200}));
  EXPECT_EQ(read_image(dir / "gray.png", ColorMode::grayscale).shape(), (Shape{1, 2, 1}));
  EXPECT_THROW(convert_color(Tensor::zeros(Shape{2, 2, 4}), ColorMode::rgb), ShapeError);
}

TEST(ImageIoTest, ReadsJpegFromLibjpeg) {
  fs::path dir = temp_dir("image_jpeg");
  // A flat colour survives JPEG at quality 100 within a couple of levels.
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 16 * 8; ++i) pixels.insert(pixels.end(), {200, 40, 90});
  write_bytes(dir / "flat.jpg", jpeg_bytes(16, 8, 3, pixels));
  Tensor rgb = read_image(dir / "flat.jpg");
  ASSERT_EQ(rgb.shape(), (Shape{8, 16, 3}));
  std::vector<double> v = rgb.to_vector();
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], pixels[i], 2.0) << "sample " << i;
  std::vector<uint8_t> gray(8 * 8, 123);
  write_bytes(dir / "gray.jpeg", jpeg_bytes(8, 8, 1, gray));
  Tensor g = read_image(dir / "gray.jpeg");
  ASSERT_EQ(g.shape(), (Shape{8, 8, 1}));
  EXPECT_EQ(g.to_vector(), std::vector<double>(64, 123.0));
  EXPECT_EQ(read_image(dir / "gray.jpeg", ColorMode::rgb).shape(), (Shape{8, 8, 3}));
}

TEST(ImageIoTest, FormatComesFromTheContentNotTheExtension) {
  fs::path dir = temp_dir("image_magic");
  write_bytes(dir / "really_png.jpg", png_file(1, 1, 8, 0, {bytes({42})}));
  EXPECT_EQ(read_image(dir / "really_png.jpg").to_vector(), (std::vector<double>{42}));
  write_bytes(dir / "really_jpeg.png", jpeg_bytes(8, 8, 1, std::vector<uint8_t>(64, 50)));
  EXPECT_EQ(read_image(dir / "really_jpeg.png").shape(), (Shape{8, 8, 1}));
}

TEST(ImageIoTest, NonImagesAreNamedWithTheirFirstBytes) {
  fs::path dir = temp_dir("image_nonimage");
  write_bytes(dir / "notes.png", "hello world");
  expect_io_error([&] { read_image(dir / "notes.png"); },
                  {"notes.png: not a PNG or JPEG image: expected the PNG signature 89 50 4E 47 0D 0A 1A 0A or the "
                   "JPEG marker FF D8 FF at byte 0; got 68 65 6C 6C 6F 20 77 6F"});
  write_bytes(dir / "anim.png", "GIF89a\x01\x00\x01\x00");
  expect_io_error([&] { read_image(dir / "anim.png"); }, {"anim.png: not a PNG or JPEG image", "(it is a GIF image"});
  write_bytes(dir / "empty.png", "");
  expect_io_error([&] { read_image(dir / "empty.png"); }, {"empty.png: file is empty; expected a PNG or JPEG image"});
  expect_io_error([&] { read_image(dir / "absent.png"); }, {"absent.png: cannot open"});
}

TEST(ImageIoTest, CorruptAndTruncatedPngsAreIoErrors) {
  fs::path dir = temp_dir("image_png_bad");
  std::vector<std::string> rows(16, std::string(48, '\x55'));
  std::string png = png_file(16, 16, 8, 2, rows);
  // Cut inside the image data.
  write_bytes(dir / "cut.png", png.substr(0, 60));
  expect_io_error([&] { read_image(dir / "cut.png"); },
                  {"cut.png: cannot decode the PNG image (libpng: file is truncated at byte 60; expected "});
  // Cut after the signature.
  write_bytes(dir / "sig.png", png.substr(0, 8));
  expect_io_error(
      [&] { read_image(dir / "sig.png"); },
      {"sig.png: cannot decode the PNG image (libpng: file is truncated at byte 8; expected 8 more bytes)"});
  // A flipped byte in the header breaks its CRC.
  std::string flipped = png;
  flipped[17] ^= 0x01;
  write_bytes(dir / "crc.png", flipped);
  expect_io_error([&] { read_image(dir / "crc.png"); },
                  {"crc.png: cannot decode the PNG image (libpng: IHDR: CRC error)"});
  // Without IEND the end of the file comes while libpng looks for the next chunk.
  write_bytes(dir / "noend.png", png.substr(0, png.size() - 12));
  expect_io_error([&] { read_image(dir / "noend.png"); }, {"noend.png: cannot decode the PNG image", "truncated"});
}

TEST(ImageIoTest, TruncatedAndCorruptJpegsAreIoErrorsNotExits) {
  fs::path dir = temp_dir("image_jpeg_bad");
  std::vector<uint8_t> pixels(32 * 32 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 % 256);
  std::string jpeg = jpeg_bytes(32, 32, 3, pixels, 90);
  write_bytes(dir / "cut.jpg", jpeg.substr(0, jpeg.size() / 2));
  expect_io_error([&] { read_image(dir / "cut.jpg"); },
                  {"cut.jpg: cannot decode the JPEG image (libjpeg: Premature end of JPEG file)"});
  write_bytes(dir / "head.jpg", jpeg.substr(0, 3));
  expect_io_error([&] { read_image(dir / "head.jpg"); }, {"head.jpg: cannot decode the JPEG image (libjpeg: "});
  // A broken frame header (SOF0 with 0 components) is a libjpeg error rather than a warning.
  std::string broken = jpeg;
  size_t sof = broken.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  broken[sof + 9] = 0;  // number of components
  write_bytes(dir / "sof.jpg", broken);
  expect_io_error([&] { read_image(dir / "sof.jpg"); }, {"sof.jpg: cannot decode the JPEG image (libjpeg: "});
}

TEST(ImageIoTest, BilinearResizeUsesHalfPixelCenters) {
  // 1x2 -> 1x4: sources -0.25, 0.25, 0.75, 1.25 clamp to [0, 1]: a, 0.75a + 0.25b, 0.25a + 0.75b, b.
  Tensor row = Tensor::from_vector(Shape{1, 2, 1}, std::vector<double>{0, 100});
  EXPECT_EQ(resize_bilinear(row, 1, 4).to_vector(), (std::vector<double>{0, 25, 75, 100}));
  // 2x2 -> 4x4 separates into rows and columns.
  Tensor square = Tensor::from_vector(Shape{2, 2, 1}, std::vector<double>{0, 100, 200, 300});
  Tensor up = resize_bilinear(square, 4, 4);
  EXPECT_EQ(up.shape(), (Shape{4, 4, 1}));
  EXPECT_EQ(up.to_vector(), (std::vector<double>{0, 25, 75, 100,      //
                                                 50, 75, 125, 150,    //
                                                 150, 175, 225, 250,  //
                                                 200, 225, 275, 300}));
  // Halving averages 2x2 blocks; channels stay separate.
  Tensor four = Tensor::from_vector(Shape{2, 4, 2}, std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7,  //
                                                                        8, 9, 10, 11, 12, 13, 14, 15});
  EXPECT_EQ(resize_bilinear(four, 1, 2).to_vector(), (std::vector<double>{5, 6, 9, 10}));
  EXPECT_EQ(resize_bilinear(square, 2, 2).to_vector(), square.to_vector());
  EXPECT_THROW(resize_bilinear(square, 0, 3), ValueError);
  EXPECT_THROW(resize_bilinear(Tensor::zeros(Shape{4, 4}), 2, 2), ShapeError);
}

TEST(ImageIoTest, WritePngRoundTripsRoundedAndClamped) {
  fs::path dir = temp_dir("image_write");
  Tensor rgb = Tensor::from_vector(Shape{2, 2, 3}, std::vector<double>{0, 1.4, 1.6, 254.5, 300, -5,  //
                                                                       10, 20, 30, 128, 64, 32});
  write_png(dir / "rgb.png", rgb);
  EXPECT_EQ(read_image(dir / "rgb.png").to_vector(),
            (std::vector<double>{0, 1, 2, 255, 255, 0, 10, 20, 30, 128, 64, 32}));
  // The header says 2x2, 8-bit RGB (colour type 2), as an independent reader would see it.
  std::string file = read_bytes(dir / "rgb.png");
  EXPECT_EQ(file.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(file.substr(12, 4), "IHDR");
  EXPECT_EQ(file.substr(16, 10), bytes({0, 0, 0, 2, 0, 0, 0, 2, 8, 2}));

  Tensor gray = Tensor::from_vector(Shape{1, 3, 1}, std::vector<double>{5, 6, 7}, DType::u8);
  write_png(dir / "gray.png", gray);
  EXPECT_EQ(read_image(dir / "gray.png").to_vector(), (std::vector<double>{5, 6, 7}));
  write_png(dir / "gray.png", Tensor::full(Shape{1, 1, 1}, 9));  // replaces the file
  EXPECT_EQ(read_image(dir / "gray.png").to_vector(), (std::vector<double>{9}));
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 2);

  EXPECT_THROW(write_png(dir / "bad.png", Tensor::zeros(Shape{2, 2, 2})), ShapeError);
  EXPECT_THROW(write_png(dir / "bad.png", Tensor::zeros(Shape{2, 2})), ShapeError);
  expect_io_error([&] { write_png(dir / "no_such_folder" / "x.png", gray); },
                  {"x.png: cannot create a temporary file in its folder"});
}

}  // namespace
}  // namespace fovea
