// Text in pictures: a TrueType font (DejaVu Sans from Debian's fonts-dejavu-core by default) rasterized by FreeType
// into anti-aliased coverage, measured so that labels can be centred, and blended onto a Canvas.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fovea/viz/canvas.h"

namespace fovea::viz {

// The font pictures use: the file named by the environment variable FOVEA_FONT when it is set and not empty,
// otherwise /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf (Debian's fonts-dejavu-core). Not checked here.
std::string default_font_path();

// The box a text occupies when drawn: from the font's ascender to its descender (so that labels of one size share
// one height and baseline whatever their letters), and from the start of the first glyph's advance to the end of
// the last (widened where a glyph's ink reaches beyond either). draw() marks no pixel outside it.
struct TextSize {
  int64_t width = 0;
  int64_t height = 0;
};

// Where the text's box goes: its top left corner, or its centre (rounded down where the box has an odd leftover).
enum class TextAnchor { top_left, center };

// How and where Font::draw puts a text: `font.draw(canvas, "cat", {.x = 10, .y = 4, .pixel_size = 14})`.
struct TextOptions {
  int64_t x = 0;
  int64_t y = 0;
  TextAnchor anchor = TextAnchor::top_left;
  int pixel_size = 12;  // the em size in pixels (FreeType's pixel size; a capital letter is about 0.73 of it)
  Rgb color = kBlack;
};

// A loaded font face. Each Font has its own FreeType library instance, and every call holds the Font's mutex, so
// one Font may be shared by threads and separate Fonts run in parallel. Text is UTF-8; an invalid byte draws as
// U+FFFD, a character the font lacks as its missing-glyph box.
class Font {
 public:
  // Opens the TrueType/OpenType file at path (default_font_path() when empty). A missing file is an IoError that
  // names the path and the Debian package fonts-dejavu-core (and FOVEA_FONT when the path came from it); a file
  // FreeType cannot read is an IoError naming the path and FreeType's error.
  explicit Font(const std::string& path = "");
  ~Font();
  Font(Font&&) noexcept;
  Font& operator=(Font&&) noexcept;

  const std::string& path() const;
  // The box of text at pixel_size (>= 1, ValueError otherwise; an empty text is 0 wide, one line high).
  TextSize measure(const std::string& text, int pixel_size = 12) const;
  // The text's coverage, sized as measure() says.
  CoverageMask render(const std::string& text, int pixel_size = 12) const;
  // Blends text in options.color onto canvas with its measured box placed at (options.x, options.y) as
  // options.anchor says. Returns the box it was given.
  Rect draw(Canvas& canvas, const std::string& text, const TextOptions& options = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fovea::viz
