// take, slice_samples and select_classes: which samples they keep, in what order, and their relabelling.
#include <gtest/gtest.h>

#include "fovea/core/error.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

// Six 1x2 "images" whose pixels are 10 * index and 10 * index + 1; labels 0, 1, 2, 0, 1, 2.
Dataset six_samples() {
  std::vector<double> pixels;
  for (int i = 0; i < 6; ++i) {
    pixels.push_back(10 * i);
    pixels.push_back(10 * i + 1);
  }
  return {Tensor::from_vector(Shape{6, 1, 2}, pixels), Tensor::from_vector(Shape{6}, {0, 1, 2, 0, 1, 2}, DType::i64)};
}

TEST(SubsetTest, TakeKeepsTheFirstSamples) {
  const Dataset first = take(six_samples(), 2);
  EXPECT_EQ(first.images.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(first.images.to_vector(), (std::vector<double>{0, 1, 10, 11}));
  EXPECT_EQ(first.labels.to_vector(), (std::vector<double>{0, 1}));
  EXPECT_EQ(take(six_samples(), 0).size(), 6);  // 0: all
  EXPECT_EQ(take(six_samples(), 99).size(), 6);
}

TEST(SubsetTest, SliceSamplesCopiesARangeOfImagesAndLabels) {
  const Dataset middle = slice_samples(six_samples(), 3, 2);
  EXPECT_EQ(middle.images.to_vector(), (std::vector<double>{30, 31, 40, 41}));
  EXPECT_EQ(middle.labels.to_vector(), (std::vector<double>{0, 1}));
  EXPECT_EQ(middle.labels.dtype(), DType::i64);
  EXPECT_EQ(slice_samples(six_samples(), 6, 0).size(), 0);
}

TEST(SubsetTest, SliceSamplesRefusesARangeOutside) {
  try {
    slice_samples(six_samples(), 4, 3);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "slice_samples: samples [4, 7) are outside the 6 samples of the data set");
  }
}

TEST(SubsetTest, SelectClassesRelabelsInTheListedOrderAndHonoursTheLimit) {
  const Dataset picked = select_classes(six_samples(), {2, 0});
  EXPECT_EQ(picked.images.to_vector(), (std::vector<double>{0, 1, 20, 21, 30, 31, 50, 51}));
  EXPECT_EQ(picked.labels.to_vector(), (std::vector<double>{1, 0, 1, 0}));  // class 2 -> 0, class 0 -> 1
  EXPECT_EQ(select_classes(six_samples(), {2, 0}, 3).size(), 3);
  EXPECT_THROW(select_classes(six_samples(), {1, 1}), ValueError);
}

}  // namespace
}  // namespace fovea
