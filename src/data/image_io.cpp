// PNG and JPEG decoding (libpng, libjpeg) into float tensors, colour conversion, bilinear resizing, PNG writing.
// Both libraries report errors by longjmp from a callback; each decoder keeps every C++ object that must survive
// the jump outside its setjmp frame, so a corrupt file becomes an IoError and never an exit() or a leak.
#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

// jpeglib.h uses FILE without including <cstdio> (above), and jerror.h needs jpeglib.h first.
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "data/file_util.h"
#include "data/png_bytes.h"
#include "fovea/core/error.h"
#include "fovea/data/image_io.h"
#include "core/atomic_file.h"

namespace fovea {
namespace {

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
constexpr uint8_t kJpegMarker[3] = {0xFF, 0xD8, 0xFF};
constexpr size_t kMaxPixelBytes = size_t{1} << 31;  // 2 GiB of 8-bit samples: far beyond any training image

// Decoded 8-bit samples, row-major, interleaved; channels 1 to 4 (alpha last, when present).
struct RawImage {
  std::vector<uint8_t> pixels;
  int64_t height = 0;
  int64_t width = 0;
  int channels = 0;
};

// ---- PNG ----

constexpr size_t kPngMessageSize = 256;

struct PngReadState {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  char message[kPngMessageSize] = {};
  std::vector<png_bytep> rows;
  RawImage* out = nullptr;
};

// The error pointer is the state's message buffer (kPngMessageSize bytes), for reading and writing alike.
void png_error_to_message(png_structp png, png_const_charp message) {
  std::snprintf(static_cast<char*>(png_get_error_ptr(png)), kPngMessageSize, "%s", message);
  png_longjmp(png, 1);
}

// Warnings (an sRGB profile libpng dislikes, an unknown ancillary chunk) leave the pixels intact.
void png_ignore_warning(png_structp, png_const_charp) {}

void png_read_from_memory(png_structp png, png_bytep out, size_t length) {
  auto* state = static_cast<PngReadState*>(png_get_io_ptr(png));
  if (state->size - state->pos < length) {
    char message[160];
    std::snprintf(message, sizeof message, "file is truncated at byte %zu; expected %zu more bytes", state->size,
                  state->pos + length - state->size);
    png_error(png, message);
  }
  std::memcpy(out, state->data + state->pos, length);
  state->pos += length;
}

// False with state.message set when libpng rejects the data. Only png and info live in this frame, and neither
// changes after setjmp, so both are valid after the jump.
bool decode_png(PngReadState& state) {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, state.message, png_error_to_message, png_ignore_warning);
  if (png == nullptr) {
    std::snprintf(state.message, sizeof state.message, "cannot create the PNG decoder");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(state.message, sizeof state.message, "cannot create the PNG decoder");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, &state, png_read_from_memory);
  png_read_info(png, info);
  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  // Everything becomes 8-bit gray or RGB, with or without alpha; alpha is dropped afterwards.
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (bit_depth == 16) png_set_scale_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  RawImage& out = *state.out;
  out.height = png_get_image_height(png, info);
  out.width = png_get_image_width(png, info);
  out.channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  if (row_bytes != static_cast<size_t>(out.width) * out.channels ||
      row_bytes * static_cast<size_t>(out.height) > kMaxPixelBytes) {
    png_error(png, "image too large or of an unsupported layout");
  }
  out.pixels.resize(row_bytes * static_cast<size_t>(out.height));
  state.rows.resize(static_cast<size_t>(out.height));
  for (int64_t y = 0; y < out.height; ++y) state.rows[y] = out.pixels.data() + y * row_bytes;
  png_read_image(png, state.rows.data());
  png_read_end(png, nullptr);  // checks the chunks after the image data, so a file cut short is noticed
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

// ---- JPEG ----

struct JpegReadState {
  jpeg_error_mgr manager;  // libjpeg hands back a pointer to it: the first member, so it is the state's address
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {};
  jpeg_decompress_struct cinfo{};  // here rather than in decode_jpeg's frame, so it is intact after the jump
  RawImage* out = nullptr;
};

[[noreturn]] void jpeg_fail(j_common_ptr cinfo) {
  auto* state = reinterpret_cast<JpegReadState*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, state->message);
  std::longjmp(state->jump, 1);
}

// libjpeg only "warns" about corrupt data (a premature end of file among them) and goes on decoding with
// made-up pixels; a training image must be what the file says, so those warnings fail the decode too. Warnings
// about metadata (an unknown JFIF revision, an odd ICC profile, stray bytes between markers) and trace messages
// (level >= 0) leave the pixels intact and are ignored.
void jpeg_corrupt_data_is_error(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_TOO_MUCH_DATA:
      jpeg_fail(cinfo);
    default:
      return;
  }
}

// False with state.message set when libjpeg rejects the data. Nothing in this frame changes after setjmp.
bool decode_jpeg(const uint8_t* data, size_t size, JpegReadState& state) {
  jpeg_decompress_struct& cinfo = state.cinfo;
  cinfo.err = jpeg_std_error(&state.manager);
  state.manager.error_exit = jpeg_fail;
  state.manager.emit_message = jpeg_corrupt_data_is_error;
  if (setjmp(state.jump)) {
    jpeg_destroy_decompress(&cinfo);  // safe in any state, also before jpeg_create_decompress finished
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  // CMYK (Adobe, stored inverted) is read as is and converted below; everything else libjpeg converts.
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);

  RawImage& out = *state.out;
  out.height = cinfo.output_height;
  out.width = cinfo.output_width;
  out.channels = cinfo.output_components;
  const size_t row_bytes = static_cast<size_t>(out.width) * out.channels;
  if (row_bytes * static_cast<size_t>(out.height) > kMaxPixelBytes) {
    std::snprintf(state.message, sizeof state.message, "image too large");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  out.pixels.resize(row_bytes * static_cast<size_t>(out.height));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.pixels.data() + cinfo.output_scanline * row_bytes;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (cmyk) {
    // Inverted CMYK: R = C * K / 255 and so on; a fourth channel here would read as alpha.
    std::vector<uint8_t> rgb(static_cast<size_t>(out.width * out.height) * 3);
    for (size_t p = 0; p < rgb.size() / 3; ++p) {
      const uint8_t* s = out.pixels.data() + 4 * p;
      for (int c = 0; c < 3; ++c) rgb[3 * p + c] = static_cast<uint8_t>((s[c] * s[3] + 127) / 255);
    }
    out.pixels = std::move(rgb);
    out.channels = 3;
  }
  return true;
}

// ---- format detection ----

bool starts_with(const std::vector<uint8_t>& bytes, const uint8_t* prefix, size_t size) {
  return bytes.size() >= size && std::memcmp(bytes.data(), prefix, size) == 0;
}

// A hint for formats that are recognizable but not read here.
std::string other_format(const std::vector<uint8_t>& bytes) {
  auto is = [&](size_t at, const char* text) {
    size_t n = std::strlen(text);
    return bytes.size() >= at + n && std::memcmp(bytes.data() + at, text, n) == 0;
  };
  if (is(0, "GIF8")) return " (it is a GIF image; convert it to PNG)";
  if (is(0, "BM")) return " (it looks like a BMP image; convert it to PNG)";
  if (is(0, "RIFF") && is(8, "WEBP")) return " (it is a WebP image; convert it to PNG)";
  if (is(0, "II*") || is(0, "MM")) return " (it looks like a TIFF image; convert it to PNG)";
  return "";
}

std::string first_bytes(const std::vector<uint8_t>& bytes) {
  std::string text;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%s%02X", i ? " " : "", bytes[i]);
    text += hex;
  }
  return text;
}

Tensor drop_alpha(const RawImage& raw) {
  const int keep = raw.channels == 2 || raw.channels == 4 ? raw.channels - 1 : raw.channels;
  Tensor out = Tensor::empty(Shape{raw.height, raw.width, keep}, DType::f32);
  float* dst = out.data<float>();
  const int64_t pixels = raw.height * raw.width;
  for (int64_t p = 0; p < pixels; ++p) {
    for (int c = 0; c < keep; ++c) dst[p * keep + c] = raw.pixels[p * raw.channels + c];
  }
  return out;
}

struct PngWriteState {
  std::vector<uint8_t> bytes;
  const uint8_t* pixels = nullptr;
  int64_t height = 0;
  int64_t width = 0;
  int channels = 0;
  std::vector<png_bytep> rows;
  char message[kPngMessageSize] = {};
};

void png_write_to_memory(png_structp png, png_bytep data, size_t length) {
  auto* state = static_cast<PngWriteState*>(png_get_io_ptr(png));
  state->bytes.insert(state->bytes.end(), data, data + length);
}

void png_flush_nothing(png_structp) {}

bool encode_png(PngWriteState& state) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, state.message, png_error_to_message, png_ignore_warning);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &state, png_write_to_memory, png_flush_nothing);
  png_set_IHDR(png, info, static_cast<png_uint_32>(state.width), static_cast<png_uint_32>(state.height), 8,
               state.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  state.rows.resize(static_cast<size_t>(state.height));
  for (int64_t y = 0; y < state.height; ++y) {
    state.rows[y] = const_cast<png_bytep>(state.pixels + y * state.width * state.channels);
  }
  png_write_image(png, state.rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Tensor read_image(const std::string& path, ColorMode color) {
  std::vector<uint8_t> bytes = data_detail::read_file_bytes(path);
  FOVEA_CHECK(!bytes.empty(), IoError, path, ": file is empty; expected a PNG or JPEG image");
  RawImage raw;
  if (starts_with(bytes, kPngSignature, sizeof kPngSignature)) {
    PngReadState state;
    state.data = bytes.data();
    state.size = bytes.size();
    state.out = &raw;
    FOVEA_CHECK(decode_png(state), IoError, path, ": cannot decode the PNG image (libpng: ", state.message, ")");
  } else if (starts_with(bytes, kJpegMarker, sizeof kJpegMarker)) {
    JpegReadState state;
    state.out = &raw;
    FOVEA_CHECK(decode_jpeg(bytes.data(), bytes.size(), state), IoError, path,
                ": cannot decode the JPEG image (libjpeg: ", state.message, ")");
  } else {
    throw IoError(detail::concat(path,
                                 ": not a PNG or JPEG image: expected the PNG signature 89 50 4E 47 0D 0A 1A 0A "
                                 "or the JPEG marker FF D8 FF at byte 0; got ",
                                 first_bytes(bytes), other_format(bytes)));
  }
  return convert_color(drop_alpha(raw), color);
}

Tensor convert_color(const Tensor& image, ColorMode color) {
  FOVEA_CHECK(image.defined() && image.rank() == 3 && (image.dim(2) == 1 || image.dim(2) == 3), ShapeError,
              "convert_color: expected an (H, W, 1) or (H, W, 3) image; got ",
              image.defined() ? image.shape().to_string() : std::string("an undefined tensor"));
  const int64_t channels = image.dim(2);
  const int64_t wanted = color == ColorMode::automatic ? channels : color == ColorMode::grayscale ? 1 : 3;
  Tensor src = image.dtype() == DType::f32 ? image : image.to(DType::f32);
  if (wanted == channels) return src;
  const int64_t pixels = image.dim(0) * image.dim(1);
  Tensor out = Tensor::empty(Shape{image.dim(0), image.dim(1), wanted}, DType::f32);
  const float* s = src.data<float>();
  float* d = out.data<float>();
  if (wanted == 1) {
    // PIL's convert("L"): (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16, i.e. luma 0.299/0.587/0.114
    // in 16-bit fixed point, rounded to nearest.
    for (int64_t p = 0; p < pixels; ++p) {
      double luma = (s[3 * p] * 19595.0 + s[3 * p + 1] * 38470.0 + s[3 * p + 2] * 7471.0) / 65536.0;
      d[p] = static_cast<float>(std::floor(luma + 0.5));
    }
  } else {
    for (int64_t p = 0; p < pixels; ++p) d[3 * p] = d[3 * p + 1] = d[3 * p + 2] = s[p];
  }
  return out;
}

Tensor resize_bilinear(const Tensor& image, int64_t height, int64_t width) {
  FOVEA_CHECK(image.defined() && image.rank() == 3 && image.dtype() == DType::f32, ShapeError,
              "resize_bilinear: expected a float32 (H, W, C) image; got ",
              image.defined() ? image.shape().to_string() + " " + std::string(dtype_name(image.dtype()))
                              : std::string("an undefined tensor"));
  FOVEA_CHECK(height > 0 && width > 0, ValueError, "resize_bilinear: the size must be positive; got ", height, "x",
              width);
  const int64_t in_h = image.dim(0), in_w = image.dim(1), channels = image.dim(2);
  FOVEA_CHECK(in_h > 0 && in_w > 0, ShapeError, "resize_bilinear: the image is empty (shape ",
              image.shape().to_string(), ")");
  if (in_h == height && in_w == width) return image.clone();

  // Per output coordinate: the two source indices and the weight of the upper one (half-pixel centers:
  // source = (out + 0.5) * in / out - 0.5, clamped to the edges).
  struct Tap {
    int64_t lo, hi;
    float frac;
  };
  auto taps = [](int64_t in, int64_t out) {
    std::vector<Tap> result(static_cast<size_t>(out));
    const double scale = static_cast<double>(in) / static_cast<double>(out);
    for (int64_t i = 0; i < out; ++i) {
      double source = (static_cast<double>(i) + 0.5) * scale - 0.5;
      double floor = std::floor(source);
      Tap& t = result[i];
      t.lo = std::clamp<int64_t>(static_cast<int64_t>(floor), 0, in - 1);
      t.hi = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(source)), 0, in - 1);
      t.frac = static_cast<float>(source - floor);
    }
    return result;
  };
  std::vector<Tap> ys = taps(in_h, height), xs = taps(in_w, width);
  Tensor out = Tensor::empty(Shape{height, width, channels}, DType::f32);
  const float* src = image.data<float>();
  float* dst = out.data<float>();
  for (int64_t y = 0; y < height; ++y) {
    const float* top = src + ys[y].lo * in_w * channels;
    const float* bottom = src + ys[y].hi * in_w * channels;
    const float fy = ys[y].frac;
    for (int64_t x = 0; x < width; ++x) {
      const Tap& tx = xs[x];
      for (int64_t c = 0; c < channels; ++c) {
        float t = top[tx.lo * channels + c] + (top[tx.hi * channels + c] - top[tx.lo * channels + c]) * tx.frac;
        float b =
            bottom[tx.lo * channels + c] + (bottom[tx.hi * channels + c] - bottom[tx.lo * channels + c]) * tx.frac;
        *dst++ = t + (b - t) * fy;
      }
    }
  }
  return out;
}

std::string png_bytes(const Tensor& image, const std::string& what) {
  FOVEA_CHECK(image.defined() && image.rank() == 3 && (image.dim(2) == 1 || image.dim(2) == 3) && image.dim(0) > 0 &&
                  image.dim(1) > 0,
              ShapeError, what, ": expected an (H, W, 1) or (H, W, 3) image; got ",
              image.defined() ? image.shape().to_string() : std::string("an undefined tensor"));
  FOVEA_CHECK(image.device() == kCpu, ValueError, what, ": the tensor must be on the CPU");
  FOVEA_CHECK(image.dim(0) <= 0x7FFFFFFF && image.dim(1) <= 0x7FFFFFFF, ValueError, what, ": ", image.dim(0), "x",
              image.dim(1), " is larger than PNG allows");
  Tensor values = image.dtype() == DType::f32 ? image : image.to(DType::f32);
  const float* src = values.data<float>();
  std::vector<uint8_t> pixels(static_cast<size_t>(image.numel()));
  for (size_t i = 0; i < pixels.size(); ++i) {
    float v = std::isnan(src[i]) ? 0.0f : std::clamp(src[i], 0.0f, 255.0f);
    pixels[i] = static_cast<uint8_t>(std::lround(v));
  }
  PngWriteState state;
  state.pixels = pixels.data();
  state.height = image.dim(0);
  state.width = image.dim(1);
  state.channels = static_cast<int>(image.dim(2));
  FOVEA_CHECK(encode_png(state), IoError, what, ": cannot encode the PNG image (libpng: ", state.message, ")");
  return std::string(state.bytes.begin(), state.bytes.end());
}

void write_png(const std::string& path, const Tensor& image) {
  const std::string bytes = png_bytes(image, "write_png: " + path);
  io_detail::AtomicFile file(path);
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace fovea
