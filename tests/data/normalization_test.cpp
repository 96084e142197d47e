// Min-max and z-score normalization: fitted on training data, applied unchanged to other data, saved as JSON.
#include "fovea/data/normalization.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fovea/core/error.h"
#include "gradcheck.h"

namespace fovea {
namespace {

using testing::expect_close;

Tensor samples(const Shape& shape, const std::vector<double>& values) { return Tensor::from_vector(shape, values); }

TEST(Normalizer, MinMaxMapsTheTrainingRangeToZeroOne) {
  Tensor train = samples({4, 1}, {0, 255, 51, 102});
  Normalizer n = Normalizer::fit(train, NormalizationKind::min_max);
  expect_close(n.transform(train), samples({4, 1}, {0, 1, 0.2, 0.4}), 1e-6);
  // Other data uses the training statistics, so it may fall outside [0, 1].
  expect_close(n.transform(samples({2, 1}, {510, -51})), samples({2, 1}, {2, -0.2}), 1e-6);
}

TEST(Normalizer, ZScoreGivesMeanZeroAndUnitVariance) {
  Tensor train = samples({4}, {2, 4, 4, 6});  // mean 4, population std sqrt(2)
  Normalizer n = Normalizer::fit(train, NormalizationKind::z_score);
  EXPECT_DOUBLE_EQ(n.offset()[0], 4.0);
  EXPECT_DOUBLE_EQ(n.scale()[0], std::sqrt(2.0));
  const std::vector<double> y = n.transform(train).to_vector();
  double mean = 0, var = 0;
  for (double v : y) mean += v / 4;
  for (double v : y) var += (v - mean) * (v - mean) / 4;
  EXPECT_NEAR(mean, 0.0, 1e-6);
  EXPECT_NEAR(var, 1.0, 1e-6);
}

TEST(Normalizer, PerChannelStatisticsUseTheLastAxis) {
  // Two samples of 1x2 pixels with 2 channels: channel 0 holds 0..30, channel 1 holds 100..130.
  Tensor train = samples({2, 1, 2, 2}, {0, 100, 10, 110, 20, 120, 30, 130});
  Normalizer n = Normalizer::fit(train, NormalizationKind::min_max, /*per_channel=*/true);
  EXPECT_EQ(n.offset(), (std::vector<double>{0, 100}));
  EXPECT_EQ(n.scale(), (std::vector<double>{30, 30}));
  try {
    n.transform(Tensor::zeros({1, 3}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "Normalizer (min_max) was fitted on 2 channels but got shape (1, 3)");
  }
}

// fit reads float32, float64 and byte data directly; transform_ normalizes in place exactly as transform does.
TEST(Normalizer, FitsEveryDtypeAndTransformsInPlace) {
  const std::vector<double> values = {0, 100, 10, 110, 20, 120, 30, 130};
  for (DType dtype : {DType::f32, DType::f64, DType::u8}) {
    Normalizer n = Normalizer::fit(Tensor::from_vector({2, 1, 2, 2}, values, dtype), NormalizationKind::z_score, true);
    EXPECT_DOUBLE_EQ(n.offset()[0], 15.0) << dtype_name(dtype);
    EXPECT_DOUBLE_EQ(n.offset()[1], 115.0) << dtype_name(dtype);
  }
  Tensor train = samples({2, 1, 2, 2}, values);
  Normalizer n = Normalizer::fit(train, NormalizationKind::min_max, true);
  const Tensor copy = n.transform(train);
  Tensor in_place = train.clone();
  n.transform_(in_place);
  expect_close(in_place, copy, 0);
  expect_close(train, samples({2, 1, 2, 2}, values), 0);  // transform left its input alone
  Tensor bytes = Tensor::from_vector({2, 1, 2, 2}, values, DType::u8);
  EXPECT_THROW(n.transform_(bytes), ValueError);
}

TEST(Normalizer, ConstantInputsDoNotDivideByZero) {
  Normalizer n = Normalizer::fit(Tensor::full({5}, 7.0), NormalizationKind::z_score);
  expect_close(n.transform(Tensor::full({2}, 7.0)), Tensor::zeros({2}), 0);
}

TEST(Normalizer, RoundTripsThroughJsonAndRejectsBadDocuments) {
  Normalizer n = Normalizer::fit(samples({3, 2}, {1, 2, 3, 4, 5, 9}), NormalizationKind::z_score, true);
  Normalizer back = Normalizer::from_json(n.to_json());
  EXPECT_EQ(back.kind(), NormalizationKind::z_score);
  EXPECT_EQ(back.offset(), n.offset());
  EXPECT_EQ(back.scale(), n.scale());
  try {
    Normalizer::from_json({{"kind", "z_score"}, {"offset", {0.0}}, {"scale", {0.0}}});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "normalizer: every scale must be positive, got 0");
  }
  try {
    parse_normalization("standard");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "unknown normalization 'standard'; valid names: none, min_max, z_score");
  }
}

}  // namespace
}  // namespace fovea
