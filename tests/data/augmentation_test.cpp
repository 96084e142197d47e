// Augmentation transforms against hand-computed results on tiny images, their determinism and statistics, option
// validation, and the pipeline's text form.
#include "fovea/data/augmentation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "fovea/core/error.h"

namespace fovea {
namespace {

// An (h, w, c) image from row-major values.
Tensor image(int64_t h, int64_t w, int64_t c, const std::vector<double>& values) {
  return Tensor::from_vector({h, w, c}, values);
}

// The 3x4 one-channel ramp 0..11 most tests transform.
Tensor ramp() { return image(3, 4, 1, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}); }

Tensor run(const Transform& transform, const Tensor& input, uint64_t seed) {
  Generator gen(seed);
  return transform(input, gen);
}

void expect_values(const Tensor& actual, const std::vector<double>& expected, double tolerance = 0) {
  const std::vector<double> values = actual.to_vector();
  ASSERT_EQ(values.size(), expected.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(values[i], expected[i], tolerance) << "at " << i;
}

template <class Fn>
void expect_error_text(Fn&& fn, const std::string& expected) {
  try {
    fn();
    FAIL() << "expected an error: " << expected;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

// Every output over many seeds is one of `expected`, and each of them shows up.
void expect_outcomes(const Transform& transform, const Tensor& input, const std::vector<std::vector<double>>& expected,
                     int draws = 200) {
  std::set<size_t> seen;
  for (int seed = 0; seed < draws; ++seed) {
    const std::vector<double> out = run(transform, input, seed).to_vector();
    size_t match = expected.size();
    for (size_t k = 0; k < expected.size(); ++k) {
      if (out == expected[k]) match = k;
    }
    ASSERT_LT(match, expected.size()) << "seed " << seed << " gave an unexpected result";
    seen.insert(match);
  }
  EXPECT_EQ(seen.size(), expected.size());
}

// ---- RandomFlip ----

TEST(RandomFlip, GivesTheImageOrItsMirrorInEachMode) {
  const std::vector<double> same = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  const std::vector<double> left_right = {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8};
  const std::vector<double> top_bottom = {8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3};
  const std::vector<double> both = {11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  expect_outcomes(RandomFlip(), ramp(), {same, left_right});
  expect_outcomes(RandomFlip({.mode = FlipMode::vertical}), ramp(), {same, top_bottom});
  expect_outcomes(RandomFlip({.mode = FlipMode::horizontal_and_vertical}), ramp(),
                  {same, left_right, top_bottom, both});
}

TEST(RandomFlip, MovesWholePixelsWithTheirChannels) {
  const Tensor rgb = image(1, 3, 2, {1, 10, 2, 20, 3, 30});
  expect_outcomes(RandomFlip(), rgb, {{1, 10, 2, 20, 3, 30}, {3, 30, 2, 20, 1, 10}});
}

TEST(RandomFlip, FlipsAboutHalfTheSamples) {
  const RandomFlip flip;
  int flipped = 0;
  const int draws = 4000;
  for (int seed = 0; seed < draws; ++seed) flipped += run(flip, ramp(), seed).at({0, 0, 0}) == 3;
  EXPECT_NEAR(static_cast<double>(flipped) / draws, 0.5, 0.04);  // 5 standard deviations
}

TEST(RandomFlip, RefusesOneDimensionalSignals) {
  expect_error_text(
      [] {
        run(RandomFlip(), Tensor::zeros({100, 1}), 0);
      },
      "RandomFlip needs image samples (height, width, channels); got a sample of shape (100, 1) "
      "(geometric transforms do not apply to 1-D signals (length, channels))");
}

// ---- RandomTranslation ----

TEST(RandomTranslation, ShiftsByWholePixelsWithConstantFill) {
  // width_factor 0.25 of 4 columns is one pixel to the right; height_factor 1/3 of 3 rows is one row down.
  const RandomTranslation right({.width_factor = {0.25, 0.25}, .fill_mode = FillMode::constant, .fill_value = -1});
  expect_values(run(right, ramp(), 1), {-1, 0, 1, 2, -1, 4, 5, 6, -1, 8, 9, 10});
  const RandomTranslation down({.height_factor = {1.0 / 3, 1.0 / 3}, .fill_mode = FillMode::constant});
  expect_values(run(down, ramp(), 1), {0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7});
}

TEST(RandomTranslation, FillModesExtendTheImageAsKerasDescribes) {
  // Two pixels to the left: column x shows input column x + 2, i.e. 2, 3, then two columns from outside.
  auto shifted = [](FillMode mode) {
    const RandomTranslation left({.width_factor = {-0.5, -0.5}, .fill_mode = mode, .fill_value = 7});
    return run(left, image(1, 4, 1, {0, 1, 2, 3}), 0);
  };
  expect_values(shifted(FillMode::constant), {2, 3, 7, 7});
  expect_values(shifted(FillMode::reflect), {2, 3, 3, 2});  // d c b a | a b c d | d c b a
  expect_values(shifted(FillMode::nearest), {2, 3, 3, 3});
  expect_values(shifted(FillMode::wrap), {2, 3, 0, 1});
}

TEST(RandomTranslation, BlendsNeighboursForPartialPixels) {
  // Half a pixel to the right: each output is the mean of its own and its left neighbour (nearest fill at x = 0).
  const RandomTranslation half({.width_factor = {0.125, 0.125}, .fill_mode = FillMode::nearest});
  expect_values(run(half, ramp(), 0), {0, 0.5, 1.5, 2.5, 4, 4.5, 5.5, 6.5, 8, 8.5, 9.5, 10.5}, 1e-6);
  const RandomTranslation nearest(
      {.width_factor = {0.125, 0.125}, .fill_mode = FillMode::nearest, .interpolation = Interpolation::nearest});
  // x - 0.5 rounds half to even: 0 -> -0.5 -> 0 (nearest fill), 1 -> 0.5 -> 0, 2 -> 1.5 -> 2, 3 -> 2.5 -> 2.
  expect_values(run(nearest, ramp(), 0), {0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10});
}

TEST(RandomTranslation, ValidatesItsFactors) {
  expect_error_text([] { RandomTranslation({.height_factor = 1.5}); },
                    "RandomTranslation: height_factor must lie within [-1, 1] with lower <= upper; got -1.5..1.5");
  expect_error_text(
      [] {
        RandomTranslation({.width_factor = {0.2, 0.1}});
      },
      "RandomTranslation: width_factor must lie within [-1, 1] with lower <= upper; got 0.2..0.1");
}

// ---- RandomCrop ----

// Pads the 3x4 ramp by 1 with zeros and cuts the 3x4 window at (top, left): an independent reference.
std::vector<double> padded_crop(int64_t top, int64_t left) {
  const std::vector<double> input = ramp().to_vector();
  std::vector<double> padded(5 * 6, 0.0);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 4; ++x) padded[(y + 1) * 6 + x + 1] = input[y * 4 + x];
  }
  std::vector<double> out;
  for (int64_t y = 0; y < 3; ++y) {
    for (int64_t x = 0; x < 4; ++x) out.push_back(padded[(top + y) * 6 + left + x]);
  }
  return out;
}

TEST(RandomCrop, CutsTheOriginalSizeFromThePaddedImageAtEveryOffset) {
  EXPECT_EQ(padded_crop(0, 0), (std::vector<double>{0, 0, 0, 0, 0, 0, 1, 2, 0, 4, 5, 6}));  // the reference itself
  EXPECT_EQ(padded_crop(1, 1), ramp().to_vector());
  std::vector<std::vector<double>> offsets;
  for (int top = 0; top <= 2; ++top) {
    for (int left = 0; left <= 2; ++left) offsets.push_back(padded_crop(top, left));
  }
  expect_outcomes(RandomCrop({.padding = 1}), ramp(), offsets, 400);
}

TEST(RandomCrop, ZeroPaddingIsTheIdentityAndNegativeIsRefused) {
  expect_values(run(RandomCrop({.padding = 0}), ramp(), 3), ramp().to_vector());
  expect_error_text([] { RandomCrop({.padding = -1}); }, "RandomCrop: padding must be >= 0; got -1");
}

TEST(RandomCrop, RefusesPaddingThatCanShiftTheImageOutOfView) {
  // A shift by the full height leaves a blank image: crop=100000 on 28x28 images trained on blanks.
  expect_error_text([] { RandomCrop({.padding = 3}).check(Shape{3, 4, 1}); },
                    "RandomCrop: padding 3 can shift a 4x3 image (width x height) out of view with fill=constant; "
                    "expected less than 3");
  expect_error_text([] { Augmentation::parse("flip,crop=100000").check(Shape{28, 28, 1}); },
                    "RandomCrop: padding 100000 can shift a 28x28 image (width x height) out of view with "
                    "fill=constant; expected less than 28");
  RandomCrop({.padding = 2}).check(Shape{3, 4, 1});
  RandomCrop({.padding = 3, .fill_mode = FillMode::wrap}).check(Shape{3, 4, 1});  // wrapped, never blank
}

TEST(RandomCrop, PadsWithTheChosenFillMode) {
  // Padding 2 on a 1x4 row with wrap: every crop is a rotation of the row or the row itself when the offset is 2.
  const RandomCrop crop({.padding = 2, .fill_mode = FillMode::wrap});
  const Tensor row = image(1, 4, 1, {0, 1, 2, 3});
  std::vector<std::vector<double>> rotations = {{2, 3, 0, 1}, {3, 0, 1, 2}, {0, 1, 2, 3}, {1, 2, 3, 0}};
  // Vertical offsets wrap the single row onto itself, so all five horizontal offsets appear (0 and 4 coincide).
  expect_outcomes(crop, row, rotations, 400);
}

// ---- RandomRotation ----

// out[y][x] = in[x][n - 1 - y]: np.rot90, the transpose flipped upside down.
std::vector<double> rot90(const std::vector<double>& in, int n, int channels) {
  std::vector<double> out(in.size());
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      for (int c = 0; c < channels; ++c) out[(y * n + x) * channels + c] = in[(x * n + (n - 1 - y)) * channels + c];
    }
  }
  return out;
}

TEST(RandomRotation, AQuarterTurnIsTheTransposeFlipped) {
  const RandomRotation quarter({.factor = {0.25, 0.25}});
  expect_values(run(quarter, image(3, 3, 1, {0, 1, 2, 3, 4, 5, 6, 7, 8}), 0), {2, 5, 8, 1, 4, 7, 0, 3, 6}, 1e-5);
  // A 4x4 two-channel image turns about (1.5, 1.5), which also lands on whole pixels.
  std::vector<double> values(32);
  for (int i = 0; i < 32; ++i) values[i] = i * i % 17;
  expect_values(run(quarter, image(4, 4, 2, values), 0), rot90(values, 4, 2), 1e-5);
  // Negative factors turn clockwise: three counter-clockwise quarter turns.
  const RandomRotation clockwise({.factor = {-0.25, -0.25}});
  expect_values(run(clockwise, image(4, 4, 2, values), 0), rot90(rot90(rot90(values, 4, 2), 4, 2), 4, 2), 1e-5);
}

TEST(RandomRotation, FillsWhatTheTurnBringsInFromOutside) {
  // 45 degrees about the centre of a 3x3 image with constant fill: the centre stays, corners read outside.
  const RandomRotation eighth({.factor = {0.125, 0.125}, .fill_mode = FillMode::constant, .fill_value = -1});
  const Tensor out = run(eighth, image(3, 3, 1, {1, 1, 1, 1, 5, 1, 1, 1, 1}), 0);
  EXPECT_NEAR(out.at({1, 1, 0}), 5.0, 1e-6);
  // Corner (0, 0) reads the input at x = 1, y = 1 - sqrt 2: between row -1 (fill) and row 0.
  const double w = std::sqrt(2.0) - 1;  // weight of the outside row
  EXPECT_NEAR(out.at({0, 0, 0}), w * -1 + (1 - w) * 1, 1e-6);
}

// ---- RandomZoom ----

TEST(RandomZoom, FactorZeroIsTheIdentity) {
  const Tensor input = Tensor::uniform({5, 6, 3}, 0, 1, nullptr);
  EXPECT_EQ(run(RandomZoom({.height_factor = 0}), input, 4).to_vector(), input.to_vector());
}

TEST(RandomZoom, PositiveZoomsOutAndNegativeZoomsIn) {
  std::vector<double> values(25);
  for (int i = 0; i < 25; ++i) values[i] = i;
  const Tensor input = image(5, 5, 1, values);
  // Factor 1: zoom 2 about (2, 2), output (x, y) reads input (2x - 2, 2y - 2); outside is filled with -1.
  const RandomZoom out({.height_factor = {1, 1}, .fill_mode = FillMode::constant, .fill_value = -1});
  expect_values(run(out, input, 0), {-1, -1, -1, -1, -1,  //
                                     -1, 0,  2,  4,  -1,  //
                                     -1, 10, 12, 14, -1,  //
                                     -1, 20, 22, 24, -1,  //
                                     -1, -1, -1, -1, -1},
                1e-6);
  // Factor -0.5 on height only (width_factor 0): rows read y / 2 + 1, so row 1 is the mean of rows 1 and 2.
  const RandomZoom in({.height_factor = {-0.5, -0.5}, .width_factor = Factor(0)});
  const Tensor zoomed = run(in, input, 0);
  for (int x = 0; x < 5; ++x) {
    EXPECT_NEAR(zoomed.at({0, x, 0}), values[5 + x], 1e-6);
    EXPECT_NEAR(zoomed.at({1, x, 0}), (values[5 + x] + values[10 + x]) / 2, 1e-6);
    EXPECT_NEAR(zoomed.at({2, x, 0}), values[10 + x], 1e-6);
  }
}

// ---- RandomBrightness ----

TEST(RandomBrightness, AddsOneDrawnDeltaClippedToTheValueRange) {
  const RandomBrightness brightness({.factor = 0.5, .value_range = {0, 10}});
  const Tensor input = image(2, 3, 1, {0, 2, 4, 6, 8, 10});
  std::set<double> deltas;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const double delta = Generator(seed).uniform(-0.5, 0.5) * 10;  // the documented single draw
    const Tensor out = run(brightness, input, seed);
    for (int i = 0; i < 6; ++i) {
      const double expected = std::clamp(2.0 * i + delta, 0.0, 10.0);
      EXPECT_FLOAT_EQ(static_cast<float>(out.to_vector()[i]), static_cast<float>(expected));
    }
    deltas.insert(delta);
  }
  EXPECT_EQ(deltas.size(), 20u);
  expect_error_text(
      [] {
        RandomBrightness({.factor = 0.1, .value_range = {1, 0}});
      },
      "RandomBrightness: value_range must be [low, high] with low < high; got [1, 0]");
}

// ---- RandomContrast ----

TEST(RandomContrast, ScalesAboutEachChannelsMeanAndKeepsIt) {
  // Two channels with means 115 and 65.
  const Tensor input = image(2, 2, 2, {100, 50, 110, 60, 120, 70, 130, 80});
  const RandomContrast contrast(0.5);
  std::set<double> factors;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    const std::vector<double> out = run(contrast, input, seed).to_vector();
    const double c = (out[0] - 115) / (100 - 115);
    EXPECT_GE(c, 0.5);
    EXPECT_LE(c, 1.5);
    factors.insert(c);
    double mean0 = 0, mean1 = 0;
    for (int p = 0; p < 4; ++p) {
      mean0 += out[p * 2] / 4;
      mean1 += out[p * 2 + 1] / 4;
      EXPECT_NEAR(out[p * 2], 115 + (input.to_vector()[p * 2] - 115) * c, 1e-4);
      EXPECT_NEAR(out[p * 2 + 1], 65 + (input.to_vector()[p * 2 + 1] - 65) * c, 1e-4);
    }
    EXPECT_NEAR(mean0, 115, 1e-4);
    EXPECT_NEAR(mean1, 65, 1e-4);
  }
  EXPECT_EQ(factors.size(), 10u);
}

TEST(RandomContrast, AppliesToSignalsAndValidatesItsFactor) {
  const Tensor signal = Tensor::from_vector({4, 1}, std::vector<double>{1, 2, 3, 6});
  const std::vector<double> out = run(RandomContrast(0.3), signal, 2).to_vector();
  EXPECT_NEAR((out[0] + out[1] + out[2] + out[3]) / 4, 3.0, 1e-5);
  expect_error_text([] { RandomContrast(1.5); },
                    "RandomContrast: the factor's lower must lie in [0, 1] and its upper must be >= 0 (the contrast "
                    "is drawn from [1 - lower, 1 + upper]); got lower 1.5, upper 1.5");
}

// ---- PCA lighting ----

TEST(PcaLighting, AddsTheFormulasRgbOffsetToEveryPixel) {
  const PcaBasis basis = PcaBasis::imagenet();
  const PcaLighting lighting({.alphastd = 0.1, .basis = basis});
  const Tensor input = Tensor::uniform({2, 3, 3}, 0, 1, nullptr);
  for (uint64_t seed : {1u, 2u, 3u}) {
    Generator alphas(seed);
    double offset[3] = {0, 0, 0};
    for (int i = 0; i < 3; ++i) {
      const double alpha = alphas.normal(0, 0.1);
      for (int c = 0; c < 3; ++c) offset[c] += alpha * basis.eigenvalues[i] * basis.eigenvectors[i][c];
    }
    const std::vector<double> in = input.to_vector(), out = run(lighting, input, seed).to_vector();
    for (size_t k = 0; k < in.size(); ++k) EXPECT_NEAR(out[k] - in[k], offset[k % 3], 1e-6) << "at " << k;
  }
}

TEST(PcaLighting, RefusesOtherThanThreeChannelsAndAnUnfittedBasis) {
  const PcaLighting lighting({.basis = PcaBasis::imagenet()});
  expect_error_text(
      [&] {
        run(lighting, Tensor::zeros({28, 28, 1}), 0);
      },
      "PcaLighting needs RGB samples with 3 channels on the last axis; got a sample of shape (28, 28, 1)");
  expect_error_text(
      [] {
        run(PcaLighting(), Tensor::zeros({2, 2, 3}), 0);
      },
      "PcaLighting has no eigen basis: set PcaLightingOptions::basis (e.g. PcaBasis::imagenet()) or fit "
      "it on the training images with Augmentation::fit");
  expect_error_text([] { PcaLighting({.alphastd = -1}); },
                    "PcaLighting: alphastd must be a finite number >= 0; got -1");
}

TEST(PcaBasis, FitFindsTheAxesOfTheColourCovariance) {
  // The 8 pixels (+-1, +-3, +-2): covariance diag(1, 9, 4), so the components are G, B, R with variances 9, 4, 1.
  std::vector<double> pixels;
  for (int r : {-1, 1}) {
    for (int g : {-3, 3}) {
      for (int b : {-2, 2}) pixels.insert(pixels.end(), {r + 10.0, g + 20.0, b + 30.0});
    }
  }
  const PcaBasis diagonal = PcaBasis::fit(Tensor::from_vector({2, 2, 2, 3}, pixels));
  EXPECT_NEAR(diagonal.eigenvalues[0], 9, 1e-9);
  EXPECT_NEAR(diagonal.eigenvalues[1], 4, 1e-9);
  EXPECT_NEAR(diagonal.eigenvalues[2], 1, 1e-9);
  const std::array<std::array<double, 3>, 3> axes = {{{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}};
  for (int i = 0; i < 3; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(diagonal.eigenvectors[i][c], axes[i][c], 1e-9);
  }
  // Grey pixels (t, t, t): one component along (1, 1, 1) / sqrt 3 with variance 3 var(t) = 3 * 1.25.
  const PcaBasis grey =
      PcaBasis::fit(Tensor::from_vector({1, 4, 3}, std::vector<double>{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}));
  EXPECT_NEAR(grey.eigenvalues[0], 3.75, 1e-9);
  EXPECT_NEAR(grey.eigenvalues[1], 0, 1e-9);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(grey.eigenvectors[0][c], 1 / std::sqrt(3.0), 1e-9);
  expect_error_text(
      [] {
        PcaBasis::fit(Tensor::zeros({2, 4, 4, 1}));
      },
      "PcaBasis::fit needs non-empty float32 or integer RGB images (N, H, W, 3); got float32 (2, 4, 4, 1)");
}

// ---- RandomErasing ----

TEST(RandomErasing, ErasesASquareOfTheDrawnArea) {
  // Scale 1/16..1/4 of a 16x16 image with ratio 1: sides round(sqrt(256 s)) in 4..8, areas within the scale range.
  const RandomErasing cutout({.probability = 1, .scale = {1.0 / 16, 0.25}, .ratio = {1, 1}, .value = {-1}});
  const Tensor ones = Tensor::ones({16, 16, 1});
  std::set<int> sides;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const Tensor out = run(cutout, ones, seed);
    int count = 0, top = 16, bottom = -1, left = 16, right = -1;
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 16; ++x) {
        if (out.at({y, x, 0}) != -1) continue;
        ++count;
        top = std::min(top, y), bottom = std::max(bottom, y), left = std::min(left, x), right = std::max(right, x);
      }
    }
    const int side = bottom - top + 1;
    ASSERT_EQ(right - left + 1, side) << "seed " << seed;
    ASSERT_EQ(count, side * side) << "seed " << seed << ": the erased pixels form a filled square";
    EXPECT_GE(count, 16);
    EXPECT_LE(count, 64);
    sides.insert(side);
  }
  EXPECT_EQ(sides, (std::set<int>{4, 5, 6, 7, 8}));
}

TEST(RandomErasing, ErasesWithTheGivenProbabilityAndPerChannelValues) {
  const RandomErasing cutout({.probability = 0.5, .value = {7, 8}});
  const Tensor ones = Tensor::ones({8, 8, 2});
  int erased = 0;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    const std::vector<double> out = run(cutout, ones, seed).to_vector();
    bool any = false;
    for (size_t k = 0; k < out.size(); ++k) {
      if (out[k] != 1) {
        EXPECT_EQ(out[k], k % 2 == 0 ? 7 : 8);
        any = true;
      }
    }
    erased += any;
  }
  // About half; a few samples keep their pixels when none of the 10 drawn boxes fits inside 8x8.
  EXPECT_GT(erased, 420);
  EXPECT_LT(erased, 580);
  expect_error_text(
      [&] {
        run(cutout, Tensor::ones({8, 8, 3}), 0);
      },
      "RandomErasing: value has 2 entries but the images have 3 channels; give one value or one per "
      "channel");
  expect_error_text(
      [] {
        RandomErasing({.scale = {0.5, 1.5}});
      },
      "RandomErasing: scale must lie within [0, 1] with lower <= upper; got 0.5..1.5");
}

// ---- the pipeline ----

TEST(Augmentation, SameSeedGivesTheSameResultAndOtherSeedsDiffer) {
  const Augmentation augmentation = Augmentation::parse(
      "flip,crop=4,rotation=0.05,zoom=0.1,translation=0.1,brightness=0.2,contrast=0.2,pca=0.1:imagenet,cutout=0.5");
  const Tensor input = Tensor::uniform({8, 8, 3}, 0, 255, nullptr);
  Generator a(11), b(11), c(12);
  const std::vector<double> first = augmentation(input, a).to_vector();
  EXPECT_EQ(first, augmentation(input, b).to_vector());
  EXPECT_NE(first, augmentation(input, c).to_vector());
  EXPECT_NE(first, input.to_vector());
}

TEST(Augmentation, ParsesTheCommandLineFormAndPrintsItBack) {
  const Augmentation a = Augmentation::parse(
      "flip, crop=4, rotation=0.05, zoom=0.1, translation=0.1, brightness=0.2, contrast=0.2, pca=0.1, cutout=0.5");
  ASSERT_EQ(a.size(), 9u);
  EXPECT_EQ(a.transforms()[0]->name(), "RandomFlip");
  EXPECT_EQ(a.transforms()[8]->name(), "RandomErasing");
  EXPECT_EQ(a.to_string(),
            "flip,crop=4,rotation=0.05,zoom=0.1,translation=0.1,brightness=0.2,contrast=0.2,pca=0.1,"
            "cutout=0.5");
  const std::string detailed =
      "flip=both,translation=-0.1..0.2:0.3:fill=constant:fill_value=0.5:interpolation=nearest,crop=2:fill=reflect,"
      "zoom=0.1:-0.2..0,brightness=0.1:value_range=0..1,contrast=0.1..0.3:value_range=-1..1,pca=0.2:imagenet,"
      "cutout=1:scale=0.1..0.2:ratio=0.5..2:value=random,cutout=0.5:value=1/2/3";
  EXPECT_EQ(Augmentation::parse(detailed).to_string(), detailed);
  // Held in a variable: a reference into a temporary Augmentation's transforms would dangle after this line.
  const Augmentation parsed = Augmentation::parse(detailed);
  const auto& translation = dynamic_cast<const RandomTranslation&>(*parsed.transforms()[1]);
  EXPECT_EQ(translation.options().height_factor.lower, -0.1);
  EXPECT_EQ(translation.options().width_factor.lower, -0.3);
  EXPECT_EQ(translation.options().fill_mode, FillMode::constant);
  EXPECT_TRUE(Augmentation::parse("  ").empty());
  // Items without value_range take the parse options' range; to_string writes it out.
  EXPECT_EQ(Augmentation::parse("brightness=0.1,contrast=0.2:value_range=0..255", {.value_range = {-1, 2}}).to_string(),
            "brightness=0.1:value_range=-1..2,contrast=0.2");
  const Augmentation built = Augmentation().add(RandomFlip()).add(RandomCrop({.padding = 4, .fill_value = 1}));
  EXPECT_EQ(built.to_string(), "flip,crop=4:fill_value=1");
}

TEST(Augmentation, ParseErrorsNameTheItemAndTheValidChoices) {
  expect_error_text([] { Augmentation::parse("flip,blur=2"); },
                    "Augmentation::parse: item 'blur=2' of \"flip,blur=2\": unknown name 'blur'; valid names: flip, "
                    "translation, crop, rotation, zoom, brightness, contrast, pca, cutout");
  expect_error_text([] { Augmentation::parse("rotation=2"); },
                    "Augmentation::parse: item 'rotation=2' of \"rotation=2\": RandomRotation: factor must lie within "
                    "[-1, 1] with lower <= upper; got -2..2");
  expect_error_text([] { Augmentation::parse("rotation=0.1:fill=mirror"); },
                    "Augmentation::parse: item 'rotation=0.1:fill=mirror' of \"rotation=0.1:fill=mirror\": unknown "
                    "fill_mode 'mirror'; valid modes: constant, reflect, nearest, wrap");
  expect_error_text([] { Augmentation::parse("crop=4:interpolation=nearest"); },
                    "Augmentation::parse: item 'crop=4:interpolation=nearest' of \"crop=4:interpolation=nearest\": "
                    "unknown key 'interpolation' for crop; valid keys: fill, fill_value");
  // Found by fuzz/augmentation_fuzzer: a huge negative padding was converted to int64 (undefined behaviour).
  expect_error_text([] { Augmentation::parse("crop=-7777777777777777777777777"); },
                    "Augmentation::parse: item 'crop=-7777777777777777777777777' of \"crop=-7777777777777777777777777\": "
                    "crop padding must be a whole number of pixels from 0 to 10^9; got -7777777777777777777777777");
  expect_error_text([] { Augmentation::parse("zoom=abc"); },
                    "Augmentation::parse: item 'zoom=abc' of \"zoom=abc\": 'abc' is not a number");
  expect_error_text([] { Augmentation::parse("flip,,crop=1"); },
                    "Augmentation::parse: item '' of \"flip,,crop=1\": empty item (two commas in a row?)");
}

TEST(Augmentation, FitGivesPcaLightingItsBasisAndCheckReportsProblemsEarly) {
  Augmentation augmentation = Augmentation::parse("flip,pca=0.1");
  EXPECT_THROW(augmentation.check(Shape{4, 4, 3}), ValueError);
  std::vector<double> pixels;
  for (int i = 0; i < 16; ++i) pixels.insert(pixels.end(), {i % 4 * 1.0, i % 3 * 2.0, i % 5 * 3.0});
  augmentation.fit(Tensor::from_vector({1, 4, 4, 3}, pixels));
  augmentation.check(Shape{4, 4, 3});
  Generator gen(1);
  EXPECT_EQ(augmentation(Tensor::zeros({4, 4, 3}), gen).shape(), (Shape{4, 4, 3}));
  EXPECT_THROW(augmentation.check(Shape{50, 3}), ShapeError);  // flip refuses signals
}

}  // namespace
}  // namespace fovea
