// Text through FreeType: UTF-8 decoded to code points, glyphs rendered to 8-bit anti-aliased coverage at whole-pixel
// pen positions (hinted, kerned where the font's kern table says), composed into one mask per text.
#include "fovea/viz/text.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "fovea/core/error.h"

namespace fovea::viz {
namespace {

constexpr char kDefaultFont[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

std::string freetype_error(FT_Error error) {
  const char* text = FT_Error_String(error);  // null unless FreeType was built with its error strings
  return text ? std::string(text) : detail::concat("FreeType error ", error);
}

std::string code_point_name(char32_t code) {
  char name[16];
  std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(code));
  return name;
}

// Code points of UTF-8 text; a byte that does not start or continue a valid sequence is U+FFFD.
std::vector<char32_t> decode_utf8(const std::string& text) {
  std::vector<char32_t> out;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    char32_t code = length == 1 ? lead : length == 2 ? (lead & 0x1f) : length == 3 ? (lead & 0x0f) : (lead & 0x07);
    bool valid = length > 0 && i + static_cast<size_t>(length) <= text.size();
    for (int k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
      valid = (next >> 6) == 0x2;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms and surrogates are invalid too: they would let one character hide behind another encoding.
    constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && code >= kMinimum[length] && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    out.push_back(valid ? code : U'\uFFFD');
    i += valid ? static_cast<size_t>(length) : 1;
  }
  return out;
}

struct PlacedGlyph {
  int64_t left = 0;  // column of the bitmap's first pixel, from the pen's start
  int64_t top = 0;   // row of the bitmap's first pixel above the baseline
  int64_t width = 0;
  int64_t rows = 0;
  std::vector<uint8_t> coverage;
};

struct Layout {
  std::vector<PlacedGlyph> glyphs;
  int64_t left = 0;  // box edges relative to the pen's start and the baseline (up is positive)
  int64_t right = 0;
  int64_t top = 0;
  int64_t bottom = 0;
};

}  // namespace

struct Font::Impl {
  std::string path;
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  std::mutex mutex;  // FreeType objects are not thread-safe; a face belongs to one call at a time

  ~Impl() {
    if (face) FT_Done_Face(face);
    if (library) FT_Done_FreeType(library);
  }

  Layout layout(const std::string& text, int pixel_size) {
    FOVEA_CHECK(pixel_size >= 1, ValueError, "Font: pixel_size must be >= 1, got ", pixel_size);
    std::lock_guard lock(mutex);
    FT_Error error = FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(pixel_size));
    FOVEA_CHECK(!error, IoError, "Font '", path, "': cannot be set to ", pixel_size,
                " pixels: ", freetype_error(error));
    Layout out;
    // Box from the line's metrics first, so every text of one size has one height and baseline.
    out.top = (face->size->metrics.ascender + 63) >> 6;
    out.bottom = face->size->metrics.descender >> 6;  // negative: below the baseline (arithmetic shift rounds down)
    int64_t pen = 0;                                  // 26.6 fixed point
    FT_UInt previous = 0;
    for (const char32_t code : decode_utf8(text)) {
      if (code < 0x20 || code == 0x7f) continue;  // control characters draw nothing
      const FT_UInt index = FT_Get_Char_Index(face, code);
      if (previous && index && FT_HAS_KERNING(face)) {
        FT_Vector kerning{};
        if (!FT_Get_Kerning(face, previous, index, FT_KERNING_DEFAULT, &kerning)) pen += kerning.x;
      }
      error = FT_Load_Glyph(face, index, FT_LOAD_RENDER);
      FOVEA_CHECK(!error, IoError, "Font '", path, "': cannot render character ", code_point_name(code), ": ",
                  freetype_error(error));
      const FT_GlyphSlot slot = face->glyph;
      const FT_Bitmap& bitmap = slot->bitmap;
      PlacedGlyph glyph{.left = ((pen + 32) >> 6) + slot->bitmap_left,
                        .top = slot->bitmap_top,
                        .width = bitmap.width,
                        .rows = bitmap.rows,
                        .coverage = std::vector<uint8_t>(static_cast<size_t>(bitmap.width) * bitmap.rows)};
      // FT_LOAD_RENDER gives 8-bit grey coverage (FT_RENDER_MODE_NORMAL); a pitch may be negative (bottom-up).
      for (unsigned r = 0; r < bitmap.rows; ++r) {
        const unsigned char* row = bitmap.buffer + static_cast<std::ptrdiff_t>(r) * bitmap.pitch;
        std::copy(row, row + bitmap.width, glyph.coverage.begin() + static_cast<std::ptrdiff_t>(r * bitmap.width));
      }
      if (glyph.width > 0 && glyph.rows > 0) {
        out.left = std::min(out.left, glyph.left);
        out.right = std::max(out.right, glyph.left + glyph.width);
        out.top = std::max(out.top, glyph.top);
        out.bottom = std::min(out.bottom, glyph.top - glyph.rows);
      }
      out.glyphs.push_back(std::move(glyph));
      pen += slot->advance.x;
      previous = index;
    }
    out.right = std::max(out.right, (pen + 63) >> 6);
    return out;
  }
};

std::string default_font_path() {
  const char* from_env = std::getenv("FOVEA_FONT");
  return from_env && *from_env ? std::string(from_env) : std::string(kDefaultFont);
}

Font::Font(const std::string& path) : impl_(std::make_unique<Impl>()) {
  const bool from_env = path.empty() && std::getenv("FOVEA_FONT") && *std::getenv("FOVEA_FONT");
  impl_->path = path.empty() ? default_font_path() : path;
  std::error_code ignored;
  FOVEA_CHECK(std::filesystem::is_regular_file(impl_->path, ignored), IoError, "font file '", impl_->path, "'",
              (from_env ? " (from FOVEA_FONT)" : ""),
              " not found: pictures with text need it; install the Debian package fonts-dejavu-core or set "
              "FOVEA_FONT to a TrueType font file");
  FT_Error error = FT_Init_FreeType(&impl_->library);
  FOVEA_CHECK(!error, IoError, "font file '", impl_->path, "': FreeType did not start: ", freetype_error(error));
  error = FT_New_Face(impl_->library, impl_->path.c_str(), 0, &impl_->face);
  FOVEA_CHECK(!error, IoError, "font file '", impl_->path, "' could not be read as a font: ", freetype_error(error));
  FOVEA_CHECK(FT_IS_SCALABLE(impl_->face), IoError, "font file '", impl_->path,
              "' is a bitmap font; pictures need a scalable (TrueType or OpenType) one");
}

Font::~Font() = default;
Font::Font(Font&&) noexcept = default;
Font& Font::operator=(Font&&) noexcept = default;

const std::string& Font::path() const { return impl_->path; }

TextSize Font::measure(const std::string& text, int pixel_size) const {
  const Layout layout = impl_->layout(text, pixel_size);
  return {.width = layout.right - layout.left, .height = layout.top - layout.bottom};
}

CoverageMask Font::render(const std::string& text, int pixel_size) const {
  const Layout layout = impl_->layout(text, pixel_size);
  CoverageMask mask{.width = layout.right - layout.left, .height = layout.top - layout.bottom, .coverage = {}};
  mask.coverage.assign(static_cast<size_t>(mask.width * mask.height), 0);
  for (const PlacedGlyph& glyph : layout.glyphs) {
    const int64_t x0 = glyph.left - layout.left;
    const int64_t y0 = layout.top - glyph.top;
    for (int64_t r = 0; r < glyph.rows; ++r) {
      for (int64_t c = 0; c < glyph.width; ++c) {
        uint8_t& cell = mask.coverage[static_cast<size_t>((y0 + r) * mask.width + x0 + c)];
        cell = std::max(cell, glyph.coverage[static_cast<size_t>(r * glyph.width + c)]);
      }
    }
  }
  return mask;
}

Rect Font::draw(Canvas& canvas, const std::string& text, const TextOptions& options) const {
  const CoverageMask mask = render(text, options.pixel_size);
  Rect box{.x = options.x, .y = options.y, .width = mask.width, .height = mask.height};
  if (options.anchor == TextAnchor::center) {
    box.x -= mask.width / 2;
    box.y -= mask.height / 2;
  }
  canvas.blend(mask, {.x = box.x, .y = box.y}, options.color);
  return box;
}

}  // namespace fovea::viz
