// Tests of the Canvas: background, clipped rectangles and borders, nearest-neighbour blits with rounding and
// clamping, coverage blending, mask rotation, the tensor it becomes, and its errors.
#include "fovea/viz/canvas.h"

#include <gtest/gtest.h>

#include "error_text.h"

namespace fovea::viz {
namespace {

using fovea::testing::error_text;

TEST(Canvas, StartsAsBackgroundAndBecomesAnImageTensor) {
  const Canvas canvas(3, 2, {10, 20, 30});
  EXPECT_EQ(canvas.width(), 3);
  EXPECT_EQ(canvas.height(), 2);
  const Tensor image = canvas.to_tensor();
  EXPECT_EQ(image.shape(), (Shape{2, 3, 3}));
  EXPECT_EQ(image.dtype(), DType::f32);
  for (int64_t y = 0; y < 2; ++y) {
    for (int64_t x = 0; x < 3; ++x) {
      EXPECT_EQ(canvas.pixel(x, y), (Rgb{10, 20, 30}));
      EXPECT_EQ(image.at({y, x, 2}), 30);
    }
  }
}

TEST(Canvas, RectanglesAndBordersClipToTheCanvas) {
  Canvas canvas(5, 4, kWhite);
  canvas.fill_rect({.x = 3, .y = -1, .width = 10, .height = 3}, {1, 2, 3});  // partly outside: clipped
  for (int64_t y = 0; y < 4; ++y) {
    for (int64_t x = 0; x < 5; ++x) {
      const bool inside = x >= 3 && y < 2;
      EXPECT_EQ(canvas.pixel(x, y), inside ? (Rgb{1, 2, 3}) : kWhite) << x << ", " << y;
    }
  }
  canvas.fill(kWhite);
  canvas.draw_border({.x = 0, .y = 0, .width = 5, .height = 4}, kBlack);
  for (int64_t y = 0; y < 4; ++y) {
    for (int64_t x = 0; x < 5; ++x) {
      const bool edge = x == 0 || x == 4 || y == 0 || y == 3;
      EXPECT_EQ(canvas.pixel(x, y), edge ? kBlack : kWhite) << x << ", " << y;
    }
  }
  canvas.set_pixel(-1, 99, kBlack);  // outside: nothing happens
}

TEST(Canvas, BlitRepeatsPixelsRoundsAndClamps) {
  // A 2x2 grey image at scale 3: each value becomes a 3x3 block; 2.5 rounds to 3, 300 clamps to 255, -4 to 0.
  const Tensor grey = Tensor::from_vector(Shape{2, 2, 1}, std::vector<double>{2.5, 300, -4, 100});
  Canvas canvas(8, 7, kWhite);
  canvas.blit(grey, {.x = 1, .y = 1}, 3);
  const uint8_t expected[2][2] = {{3, 255}, {0, 100}};
  for (int64_t y = 0; y < 7; ++y) {
    for (int64_t x = 0; x < 8; ++x) {
      const bool inside = x >= 1 && x < 7 && y >= 1 && y < 7;
      const uint8_t v = inside ? expected[(y - 1) / 3][(x - 1) / 3] : 255;
      EXPECT_EQ(canvas.pixel(x, y), (Rgb{v, v, v})) << x << ", " << y;
    }
  }
  // Colour images keep their channels; uint8 tensors blit too.
  const Tensor rgb = Tensor::from_vector(Shape{1, 1, 3}, std::vector<double>{10, 20, 30}, DType::u8);
  canvas.blit(rgb, {.x = 7, .y = 6});
  EXPECT_EQ(canvas.pixel(7, 6), (Rgb{10, 20, 30}));
}

TEST(Canvas, BlendsCoverage) {
  Canvas canvas(3, 1, {200, 100, 0});
  const CoverageMask mask{.width = 3, .height = 1, .coverage = {0, 255, 51}};
  canvas.blend(mask, {.x = 0, .y = 0}, {0, 0, 255});
  EXPECT_EQ(canvas.pixel(0, 0), (Rgb{200, 100, 0}));
  EXPECT_EQ(canvas.pixel(1, 0), (Rgb{0, 0, 255}));
  EXPECT_EQ(canvas.pixel(2, 0), (Rgb{160, 80, 51}));  // 20% of the way
}

TEST(Canvas, MasksRotateAQuarterLeft) {
  // 3 wide, 2 high:  a b c     becomes 2 wide, 3 high:  c f
  //                  d e f                              b e
  //                                                     a d
  const CoverageMask mask{.width = 3, .height = 2, .coverage = {1, 2, 3, 4, 5, 6}};
  const CoverageMask left = mask.rotated_left();
  EXPECT_EQ(left.width, 2);
  EXPECT_EQ(left.height, 3);
  EXPECT_EQ(left.coverage, (std::vector<uint8_t>{3, 6, 2, 5, 1, 4}));
}

TEST(Canvas, Errors) {
  EXPECT_EQ(error_text([] { Canvas(-1, 2); }), "Canvas: width and height must be >= 0, got -1x2");
  EXPECT_EQ(error_text([] { Canvas(100000, 100000); }),
            "Canvas: 100000x100000 pixels is more than a picture may have (2^31)");
  const Canvas canvas(2, 2);
  EXPECT_EQ(error_text([&] { canvas.pixel(2, 0); }), "Canvas: pixel (2, 0) is outside the 2x2 canvas");
  Canvas target(2, 2);
  EXPECT_EQ(error_text([&] {
              target.blit(Tensor::zeros(Shape{2, 2}), {});
            }),
            "Canvas::blit: expected an (H, W, 1) or (H, W, 3) image, got (2, 2)");
  EXPECT_EQ(error_text([&] {
              target.blit(Tensor::zeros(Shape{1, 1, 1}), {}, 0);
            }),
            "Canvas::blit: scale must be >= 1, got 0");
}

}  // namespace
}  // namespace fovea::viz
