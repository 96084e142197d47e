// ReLU's bit mask (a fused ReLU's saved state): packing and the masked gradient against their definitions, for
// float32 (AVX2 where built for it) and float64, with lengths that leave a partial last byte.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fovea/fovea.h"
#include "ops/activation_grad.h"

namespace fovea {
namespace {

Tensor mixed_values(int64_t n, DType dtype) {
  Generator gen(3);
  Tensor t = Tensor::uniform({n}, -1, 1, &gen, dtype);
  std::vector<double> v = t.to_vector();
  const double specials[] = {0.0, -0.0, std::numeric_limits<double>::quiet_NaN(), 1e-40, -1e-40,
                             std::numeric_limits<double>::infinity()};
  for (size_t k = 0; k < std::size(specials) && k < v.size(); ++k) v[k * 7 % v.size()] = specials[k];
  return Tensor::from_vector({n}, v, dtype);
}

TEST(ReluMask, PacksSignBitsAndMasksTheGradient) {
  for (DType dtype : {DType::f32, DType::f64}) {
    for (int64_t n : {int64_t{1}, int64_t{13}, int64_t{64}, int64_t{1'000'003}}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " n=" + std::to_string(n));
      const Tensor y = mixed_values(n, dtype);
      const Tensor mask = detail::relu_mask(y);
      ASSERT_EQ(mask.numel(), (n + 7) / 8);
      const std::vector<double> yv = y.to_vector();
      const uint8_t* bits = mask.data<uint8_t>();
      int64_t wrong_bits = 0;
      for (int64_t i = 0; i < n; ++i) wrong_bits += ((bits[i / 8] >> (i % 8)) & 1) != (yv[i] > 0 ? 1 : 0);
      EXPECT_EQ(wrong_bits, 0);

      Generator gen(4);
      const Tensor dy = Tensor::uniform({n}, -1, 1, &gen, dtype);
      const std::vector<double> dyv = dy.to_vector();
      autograd::BackwardContext ctx({dy}, {true});  // shared with dy here: a new tensor comes back
      const std::vector<double> dx = detail::relu_input_grad(mask, ctx).to_vector();
      int64_t wrong_grads = 0;
      for (int64_t i = 0; i < n; ++i) wrong_grads += dx[i] != (yv[i] > 0 ? dyv[i] : 0.0);
      EXPECT_EQ(wrong_grads, 0);
      EXPECT_EQ(dy.to_vector(), dyv);
    }
  }
}

}  // namespace
}  // namespace fovea
