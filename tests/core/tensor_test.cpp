// Tests for Tensor: creation, sharing, views, copies, dtype checks, seeded randomness.
#include "fovea/core/tensor.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "fovea/core/error.h"
#include "fovea/core/rng.h"

namespace fovea {
namespace {

TEST(Tensor, ZerosOnesFull) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.shape(), Shape({2, 3}));
  EXPECT_EQ(z.numel(), 6);
  for (double v : z.to_vector()) EXPECT_EQ(v, 0.0);
  for (double v : Tensor::ones({4}, DType::f64).to_vector()) EXPECT_EQ(v, 1.0);
  EXPECT_EQ(Tensor::full({2, 2}, 2.5).at({1, 1}), 2.5);
  EXPECT_EQ(Tensor::scalar(3.0).item(), 3.0);
}

TEST(Tensor, StorageIsAlignedTo64Bytes) {
  for (int n : {1, 3, 17, 1000}) {
    Tensor t = Tensor::empty({n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  }
}

TEST(Tensor, CopiesShareDataAndCloneDoesNot) {
  Tensor a = Tensor::zeros({3});
  Tensor b = a;
  b.data<float>()[1] = 5;
  EXPECT_EQ(a.at({1}), 5);
  Tensor c = a.clone();
  c.data<float>()[1] = 7;
  EXPECT_EQ(a.at({1}), 5);
  EXPECT_TRUE(a.is_same(b));
  EXPECT_FALSE(a.is_same(c));
}

TEST(Tensor, ViewInfersMinusOneAndRejectsWrongCounts) {
  Tensor t = Tensor::from_vector({2, 3}, std::vector<double>{0, 1, 2, 3, 4, 5});
  Tensor v = t.view({3, -1});
  EXPECT_EQ(v.shape(), Shape({3, 2}));
  EXPECT_EQ(v.at({2, 1}), 5);
  try {
    t.view({4, 2});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "cannot reshape (2, 3) (6 elements) to (4, 2) (8 elements)");
  }
}

TEST(Tensor, DtypeConversionAndTypedAccessCheck) {
  Tensor t = Tensor::from_vector({3}, std::vector<double>{1.5, -2.25, 3}, DType::f64);
  Tensor f = t.to(DType::f32);
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_FLOAT_EQ(f.data<float>()[1], -2.25f);
  EXPECT_THROW(t.data<float>(), ValueError);
  Tensor i = t.to(DType::i64);
  EXPECT_EQ(i.data<int64_t>()[0], 1);
}

TEST(Tensor, SeededRandomIsRepeatable) {
  Generator g1(42), g2(42);
  Tensor a = Tensor::normal({100}, 0, 1, &g1);
  Tensor b = Tensor::normal({100}, 0, 1, &g2);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  Tensor u = Tensor::uniform({1000}, -2, 3, &g1);
  for (double v : u.to_vector()) {
    EXPECT_GE(v, -2);
    EXPECT_LT(v, 3);
  }
}

TEST(Tensor, ShapeHelpers) {
  Shape s{2, 3, 4};
  EXPECT_EQ(s.strides(), Shape({12, 4, 1}));
  EXPECT_EQ(s.dim(-1), 4);
  EXPECT_EQ(s.to_string(true), "(None, 3, 4)");
  EXPECT_EQ(Shape({5}).to_string(), "(5,)");
  EXPECT_THROW(s.axis(3), ShapeError);
}

TEST(Tensor, NegativeDimensionIsAnError) { EXPECT_THROW(Tensor::zeros({2, -1}), ShapeError); }

TEST(Tensor, UndefinedTensorGivesAClearError) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_THROW(t.shape(), ValueError);
}

}  // namespace
}  // namespace fovea
