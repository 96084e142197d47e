// Sizes from input (a file's dimensions, a config's units) that do not fit: every product of sizes is checked, so a
// shape that would wrap around int64_t is a ShapeError naming it instead of a small buffer written far past, and
// memory the system refuses is a MemoryError naming the tensor instead of std::bad_alloc.
#include <gtest/gtest.h>

#include "error_text.h"
#include "fovea/core/error.h"
#include "fovea/core/tensor.h"

namespace fovea {
namespace {

using testing::error_text;

constexpr int64_t k2to30 = int64_t{1} << 30;
constexpr int64_t k2to62 = int64_t{1} << 62;

TEST(SizeLimits, CheckedMulSaysWhenAProductDoesNotFit) {
  EXPECT_EQ(checked_mul(3, 4), 12);
  EXPECT_EQ(checked_mul(k2to62, 2), std::nullopt);
  EXPECT_EQ(checked_mul(-k2to62, 2), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(checked_mul(k2to30, k2to30), int64_t{1} << 60);
}

TEST(SizeLimits, NumelOfAShapeTooLargeToIndexIsAShapeError) {
  EXPECT_EQ((Shape{k2to30, k2to30, 4, 1}).numel(), int64_t{1} << 62);
  EXPECT_EQ((Shape{k2to30, k2to30, 4, 2}).checked_numel(), std::nullopt);
  EXPECT_EQ(error_text([] {
              (void)Shape({k2to30, k2to30, 16}).numel();
            }),
            "shape (1073741824, 1073741824, 16) has more elements than fovea can index (at most 9223372036854775807)");
  EXPECT_THROW((void)Shape({k2to30, k2to30, 16}).numel(), ShapeError);
}

TEST(SizeLimits, TensorBytesThatWrapAroundAreRefusedBeforeAllocating) {
  // 2^62 float32 elements: the element count fits, the byte count does not (it wrapped to 0 before).
  EXPECT_EQ(error_text([] {
              Tensor::empty(Shape{k2to30, k2to30, 4, 1});
            }),
            "a float32 tensor of shape (1073741824, 1073741824, 4, 1) (4611686018427387904 elements) needs more "
            "bytes than fovea can address (at most 9223372036854775807)");
  EXPECT_EQ(error_text([] {
              Tensor::zeros(Shape{k2to30, k2to30, 16});
            }),
            "a tensor of shape (1073741824, 1073741824, 16) has more elements than fovea can index (at most "
            "9223372036854775807)");
}

TEST(SizeLimits, AViewWhoseShapeCannotBeIndexedIsRefused) {
  const Tensor t = Tensor::zeros(Shape{2, 3});
  EXPECT_EQ(error_text([&] {
              t.view(Shape{k2to30, k2to30, 16, -1});
            }),
            "cannot reshape (2, 3) (6 elements) to (1073741824, 1073741824, 16, -1): more elements than fovea can "
            "index");
  EXPECT_EQ(error_text([&] {
              t.view(Shape{k2to30, k2to30, 16});
            }),
            "cannot reshape (2, 3) (6 elements) to (1073741824, 1073741824, 16): more elements than fovea can index");
}

TEST(SizeLimits, MemoryTheSystemRefusesIsAMemoryErrorNamingTheTensor) {
  // 2^60 bytes (1 EiB) is beyond any machine's address space: the allocation fails whatever the overcommit policy.
  EXPECT_EQ(error_text([] {
              Tensor::empty(Shape{k2to30, int64_t{1} << 28});
            }),
            "out of memory: a float32 tensor of shape (1073741824, 268435456) needs 1.0 EiB (1152921504606846976 "
            "bytes)");
  EXPECT_THROW(Tensor::zeros(Shape{k2to30, int64_t{1} << 28}), MemoryError);
}

}  // namespace
}  // namespace fovea
