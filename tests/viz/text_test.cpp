// Tests of text through FreeType with Debian's DejaVu Sans: drawing stays inside the measured box, glyphs are
// anti-aliased, measuring centres labels, the font is found at run time (FOVEA_FONT overrides), a missing font is
// an IoError naming the package, and one Font serves several threads.
#include "fovea/viz/text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "error_text.h"

namespace fovea::viz {
namespace {

using fovea::testing::error_text;

// Sets (or unsets, with nullptr) FOVEA_FONT for a scope.
class FontEnvironment {
 public:
  explicit FontEnvironment(const char* value) {
    if (const char* old = std::getenv("FOVEA_FONT")) previous_ = old;
    if (value) {
      setenv("FOVEA_FONT", value, 1);
    } else {
      unsetenv("FOVEA_FONT");
    }
  }
  ~FontEnvironment() {
    if (previous_.empty()) {
      unsetenv("FOVEA_FONT");
    } else {
      setenv("FOVEA_FONT", previous_.c_str(), 1);
    }
  }

 private:
  std::string previous_;
};

// The pixels that differ from the background, as a bounding box (width 0 when none do).
Rect changed_box(const Canvas& canvas, Rgb background) {
  int64_t x0 = canvas.width(), y0 = canvas.height(), x1 = -1, y1 = -1;
  for (int64_t y = 0; y < canvas.height(); ++y) {
    for (int64_t x = 0; x < canvas.width(); ++x) {
      if (canvas.pixel(x, y) == background) continue;
      x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
    }
  }
  return x1 < 0 ? Rect{} : Rect{.x = x0, .y = y0, .width = x1 - x0 + 1, .height = y1 - y0 + 1};
}

TEST(Text, DefaultFontIsDejaVuUnlessFoveaFontSaysOtherwise) {
  {
    const FontEnvironment unset(nullptr);
    EXPECT_EQ(default_font_path(), "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    EXPECT_EQ(Font().path(), "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
  }
  {
    const FontEnvironment set("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf");
    EXPECT_EQ(default_font_path(), "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf");
    EXPECT_EQ(Font().path(), "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf");
  }
  {
    const FontEnvironment empty("");
    EXPECT_EQ(default_font_path(), "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
  }
}

TEST(Text, DrawingAChangesPixelsInsideTheMeasuredBoxOnly) {
  const Font font;
  const TextSize size = font.measure("A", 20);
  EXPECT_GT(size.width, 8);
  EXPECT_GT(size.height, 15);  // ascender to descender of a 20-pixel font
  Canvas canvas(60, 50, kWhite);
  const Rect box = font.draw(canvas, "A", {.x = 17, .y = 9, .pixel_size = 20});
  EXPECT_EQ(box.x, 17);
  EXPECT_EQ(box.y, 9);
  EXPECT_EQ(box.width, size.width);
  EXPECT_EQ(box.height, size.height);
  const Rect changed = changed_box(canvas, kWhite);
  ASSERT_GT(changed.width, 0) << "nothing was drawn";
  EXPECT_GE(changed.x, box.x);
  EXPECT_GE(changed.y, box.y);
  EXPECT_LE(changed.x + changed.width, box.x + box.width);
  EXPECT_LE(changed.y + changed.height, box.y + box.height);
  // The letter is most of its box wide, and anti-aliased: its diagonal edges have pixels between black and white.
  EXPECT_GE(changed.width, size.width - 3);
  bool black = false, grey = false;
  for (int64_t y = 0; y < canvas.height(); ++y) {
    for (int64_t x = 0; x < canvas.width(); ++x) {
      const Rgb p = canvas.pixel(x, y);
      EXPECT_TRUE(p[0] == p[1] && p[1] == p[2]);  // black on white stays grey
      black = black || p[0] < 40;
      grey = grey || (p[0] > 60 && p[0] < 200);
    }
  }
  EXPECT_TRUE(black);
  EXPECT_TRUE(grey);
}

TEST(Text, GlyphsReachingPastTheirAdvanceStayInTheBox) {
  // 'j' reaches left of its pen position and 'g' below the baseline in DejaVu Sans; the box widens for them.
  const Font font;
  for (const std::string text : {"j", "gj", "Wq|", "\xc3\xa9t\xc3\xa9"}) {
    const TextSize size = font.measure(text, 24);
    Canvas canvas(size.width + 20, size.height + 20, kWhite);
    font.draw(canvas, text, {.x = 10, .y = 10, .pixel_size = 24, .color = {200, 0, 0}});
    const Rect changed = changed_box(canvas, kWhite);
    ASSERT_GT(changed.width, 0) << text;
    EXPECT_GE(changed.x, 10) << text;
    EXPECT_GE(changed.y, 10) << text;
    EXPECT_LE(changed.x + changed.width, 10 + size.width) << text;
    EXPECT_LE(changed.y + changed.height, 10 + size.height) << text;
  }
}

TEST(Text, MeasuresForCentring) {
  const Font font;
  const TextSize one = font.measure("A", 12);
  const TextSize two = font.measure("AA", 12);
  const TextSize empty = font.measure("", 12);
  EXPECT_GT(two.width, one.width + one.width / 2);
  EXPECT_EQ(two.height, one.height);  // one line height whatever the letters
  EXPECT_EQ(font.measure("x", 12).height, one.height);
  EXPECT_EQ(empty.width, 0);
  EXPECT_EQ(empty.height, one.height);
  EXPECT_GT(font.measure("A", 24).height, one.height);
  // Centred: the box's top left is the centre minus half the size.
  Canvas canvas(40, 40);
  const Rect box = font.draw(canvas, "AA", {.x = 20, .y = 20, .anchor = TextAnchor::center});
  EXPECT_EQ(box.x, 20 - two.width / 2);
  EXPECT_EQ(box.y, 20 - two.height / 2);
  // render() gives the coverage draw() blends.
  const CoverageMask mask = font.render("AA", 12);
  EXPECT_EQ(mask.width, two.width);
  EXPECT_EQ(mask.height, two.height);
  EXPECT_EQ(static_cast<int64_t>(mask.coverage.size()), two.width * two.height);
}

TEST(Text, InvalidUtf8DrawsAReplacementAndControlCharactersNothing) {
  const Font font;
  EXPECT_EQ(font.measure("\xff", 12).width, font.measure("\xef\xbf\xbd", 12).width);  // U+FFFD
  EXPECT_EQ(font.measure("A\nB\t", 12).width, font.measure("AB", 12).width);
}

TEST(Text, MissingFontNamesThePathAndThePackage) {
  EXPECT_EQ(error_text([] { Font("/no/such/font.ttf"); }),
            "font file '/no/such/font.ttf' not found: pictures with text need it; install the Debian package "
            "fonts-dejavu-core or set FOVEA_FONT to a TrueType font file");
  const FontEnvironment set("/no/such/other.ttf");
  EXPECT_EQ(error_text([] { Font(); }),
            "font file '/no/such/other.ttf' (from FOVEA_FONT) not found: pictures with text need it; install the "
            "Debian package fonts-dejavu-core or set FOVEA_FONT to a TrueType font file");
  EXPECT_THROW(Font(), IoError);
}

TEST(Text, AFileThatIsNoFontIsAnIoError) {
  const auto path = std::filesystem::temp_directory_path() / "fovea_text_test_not_a_font.ttf";
  std::ofstream(path) << "this is not a font";
  const std::string message = error_text([&] { Font{path.string()}; });
  EXPECT_EQ(message.rfind("font file '" + path.string() + "' could not be read as a font: ", 0), 0u) << message;
  std::filesystem::remove(path);
  EXPECT_EQ(error_text([] { Font().measure("A", 0); }), "Font: pixel_size must be >= 1, got 0");
}

TEST(Text, OneFontServesSeveralThreads) {
  const Font font;
  Canvas reference(200, 30);
  font.draw(reference, "threads share a face", {.x = 2, .y = 2, .pixel_size = 14});
  std::vector<Canvas> canvases(4, Canvas(200, 30));
  std::vector<std::thread> threads;
  for (Canvas& canvas : canvases) {
    threads.emplace_back([&font, &canvas] {
      for (int i = 0; i < 20; ++i) font.draw(canvas, "threads share a face", {.x = 2, .y = 2, .pixel_size = 14});
    });
  }
  for (std::thread& t : threads) t.join();
  // Drawn 20 times over itself the text darkens its anti-aliased edges; compare with a canvas drawn as often.
  for (int i = 1; i < 20; ++i) font.draw(reference, "threads share a face", {.x = 2, .y = 2, .pixel_size = 14});
  for (const Canvas& canvas : canvases) EXPECT_EQ(canvas.pixels(), reference.pixels());
}

}  // namespace
}  // namespace fovea::viz
