#include "fovea/viz/colormap.h"

#include <gtest/gtest.h>

#include "fovea/core/error.h"

namespace fovea::viz {
namespace {

TEST(Colormap, ViridisEndsAndMiddleAreMatplotlibs) {
  EXPECT_EQ(colormap_color(Colormap::viridis, 0.0), (Rgb{0x44, 0x01, 0x54}));
  EXPECT_EQ(colormap_color(Colormap::viridis, 0.5), (Rgb{0x21, 0x90, 0x8c}));
  EXPECT_EQ(colormap_color(Colormap::viridis, 1.0), (Rgb{0xfd, 0xe7, 0x25}));
  EXPECT_EQ(colormap_color(Colormap::viridis, 7.0), colormap_color(Colormap::viridis, 1.0));  // clamped
  EXPECT_EQ(colormap_color(Colormap::viridis, std::nan("")), colormap_color(Colormap::viridis, 0.0));
}

TEST(Colormap, GrayIsLinear) {
  EXPECT_EQ(colormap_color(Colormap::gray, 0.0), (Rgb{0, 0, 0}));
  EXPECT_EQ(colormap_color(Colormap::gray, 0.5), (Rgb{128, 128, 128}));
  EXPECT_EQ(colormap_color(Colormap::gray, 1.0), (Rgb{255, 255, 255}));
}

TEST(Colormap, AppliesToEveryPixel) {
  const Tensor values = Tensor::from_vector(Shape{1, 2}, std::vector<double>{0.0, 1.0}, DType::f64);
  const Tensor image = apply_colormap(values, Colormap::gray);
  ASSERT_EQ(image.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(image.to_vector(), (std::vector<double>{0, 0, 0, 255, 255, 255}));
}

TEST(Colormap, RefusesAnImageWithChannels) {
  try {
    apply_colormap(Tensor::zeros(Shape{2, 2, 3}));
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "apply_colormap: expected a (H, W) or (H, W, 1) tensor of values, got (2, 2, 3)");
  }
}

}  // namespace
}  // namespace fovea::viz
