// dropout(): zeroes each element with probability `rate` in training and scales the rest by 1 / (1 - rate).
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/simd.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/core/rng.h"
#include "fovea/ops/math.h"
#include "fovea/ops/normalization.h"

namespace fovea {
namespace {

constexpr int64_t kParallelElements = 65536;  // below this many one thread is faster

// dst = src * (keep ? scale : 0), one byte of mask per element. Multiplying (rather than writing 0) keeps NaN and
// infinity in dropped positions, as x * mask does in Keras and PyTorch.
template <class T>
void apply_mask(const T* src, const uint8_t* keep, double scale, T* dst, int64_t n) {
  const T kept = static_cast<T>(scale);
  simd::for_each_index(n, [=](int64_t i) { dst[i] = src[i] * (keep[i] != 0 ? kept : T(0)); }, n > kParallelElements);
}

// n bytes, 1 where the element is kept: splitmix64(stream + i) at or above rate's share of 2^64.
Tensor keep_mask(int64_t n, double rate, uint64_t stream) {
  Tensor keep = Tensor::empty(Shape{n}, DType::u8);
  uint8_t* k = keep.data<uint8_t>();
  // rate < 1, so the threshold fits; ldexp(rate, 64) is rate * 2^64.
  const auto threshold = static_cast<uint64_t>(std::ldexp(rate, 64));
  simd::for_each_index(
      n, [=](int64_t i) { k[i] = splitmix64(stream + static_cast<uint64_t>(i)) >= threshold ? 1 : 0; },
      n > kParallelElements);
  return keep;
}

void apply_mask(const Tensor& src, const Tensor& keep, double scale, Tensor& dst) {
  if (src.dtype() == DType::f32) {
    apply_mask(src.data<float>(), keep.data<uint8_t>(), scale, dst.data<float>(), src.numel());
  } else {
    apply_mask(src.data<double>(), keep.data<uint8_t>(), scale, dst.data<double>(), src.numel());
  }
}

}  // namespace

Tensor dropout(const Tensor& x, const DropoutArgs& args) {
  FOVEA_CHECK(x.defined(), ValueError, "dropout: input is undefined");
  FOVEA_CHECK(args.rate >= 0 && args.rate < 1, ValueError, "dropout: rate must be in [0, 1), got ", args.rate);
  if (!args.training || args.rate == 0) return x;

  // One mask value per position of the non-broadcast axes; size 1 on the broadcast axes shares it along them.
  Shape mask_shape = x.shape();
  for (int64_t axis : args.broadcast_axes) {
    FOVEA_CHECK(axis >= -x.rank() && axis < x.rank(), ShapeError, "dropout: broadcast axis ", axis,
                " is out of range for an input of shape ", x.shape().to_string(), " (rank ", x.rank(), ")");
    mask_shape[axis < 0 ? axis + x.rank() : axis] = 1;
  }
  // One draw from the generator seeds the call; element i is kept when splitmix64(stream + i) clears the rate.
  // The elements are independent of each other, so the mask fills in parallel and is the same for any number of
  // threads.
  const uint64_t stream = GeneratorChoice(args.generator).get().next_u64();
  const double scale = 1.0 / (1.0 - args.rate);
  const Tensor keep = keep_mask(mask_shape.numel(), args.rate, stream);
  if (mask_shape != x.shape() || (x.dtype() != DType::f32 && x.dtype() != DType::f64)) {
    // A shared (broadcast) mask is small: mul broadcasts it as floats and records the backward rule.
    const uint8_t* kept = keep.data<uint8_t>();
    std::vector<double> mask(mask_shape.numel());
    for (size_t i = 0; i < mask.size(); ++i) mask[i] = kept[i] != 0 ? scale : 0.0;
    return mul(x, Tensor::from_vector(mask_shape, mask, x.dtype()));
  }

  // One byte per element is all the backward rule keeps (a float mask would be four).
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  apply_mask(x, keep, scale, y);
  autograd::record("dropout", {x}, {&y}, [keep, scale](autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad_output(0);
    Tensor dx = ctx.grad_output_is_exclusive(0) ? dy : Tensor::empty(dy.shape(), dy.dtype());
    apply_mask(dy, keep, scale, dx);
    ctx.set_grad(0, dx);
  });
  return y;
}

}  // namespace fovea
