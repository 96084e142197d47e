// ReLU's bit mask: what a fused ReLU keeps for its backward instead of its output. On a CPU with AVX2 (chosen at
// run time, src/core/simd.h) float32 packs and unpacks eight floats per byte with its vector instructions; the
// plain loops are the reference (and serve float64 and other CPUs).
#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "core/simd.h"
#include "fovea/core/error.h"
#include "ops/activation_grad.h"

namespace fovea::detail {
namespace {

constexpr int64_t kParallelBytes = 1 << 13;  // below this many mask bytes one thread is faster

template <class T>
uint8_t pack_byte(const T* y, int64_t count) {
  uint8_t bits = 0;
  for (int64_t k = 0; k < count; ++k) bits |= static_cast<uint8_t>(y[k] > T(0)) << k;
  return bits;
}

// The whole bytes of the mask, eight floats each.
FOVEA_SIMD_AVX2 void pack_bytes_avx2(const float* y, int64_t bytes, uint8_t* mask) {
#pragma omp parallel for schedule(static) if (bytes > kParallelBytes)
  for (int64_t j = 0; j < bytes; ++j) {
    const __m256 v = _mm256_loadu_ps(y + 8 * j);
    mask[j] = static_cast<uint8_t>(_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ)));
  }
}

FOVEA_SIMD_AVX2 void unpack_bytes_avx2(const uint8_t* mask, const float* dy, int64_t bytes, float* dx) {
#pragma omp parallel for schedule(static) if (bytes > kParallelBytes)
  for (int64_t j = 0; j < bytes; ++j) {
    // Bit k of the mask byte selects lane k.
    const __m256i lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i bits = _mm256_and_si256(_mm256_set1_epi32(mask[j]), lanes);
    const __m256 keep = _mm256_castsi256_ps(_mm256_cmpeq_epi32(bits, lanes));
    _mm256_storeu_ps(dx + 8 * j, _mm256_and_ps(_mm256_loadu_ps(dy + 8 * j), keep));
  }
}

// The whole bytes of the mask: with AVX2 for float32 where the CPU has it, else one element at a time.
template <class T>
void pack_bytes(const T* y, int64_t bytes, uint8_t* mask) {
  if constexpr (std::is_same_v<T, float>) {
    if (simd::level() != simd::Level::baseline) return pack_bytes_avx2(y, bytes, mask);
  }
#pragma omp parallel for schedule(static) if (bytes > kParallelBytes)
  for (int64_t j = 0; j < bytes; ++j) mask[j] = pack_byte(y + 8 * j, 8);
}

template <class T>
void unpack_bytes(const uint8_t* mask, const T* dy, int64_t bytes, T* dx) {
  if constexpr (std::is_same_v<T, float>) {
    if (simd::level() != simd::Level::baseline) return unpack_bytes_avx2(mask, dy, bytes, dx);
  }
#pragma omp parallel for schedule(static) if (bytes > kParallelBytes)
  for (int64_t j = 0; j < bytes; ++j) {
    for (int k = 0; k < 8; ++k) dx[8 * j + k] = (mask[j] >> k) & 1 ? dy[8 * j + k] : T(0);
  }
}

template <class T>
void pack(const T* y, int64_t n, uint8_t* mask) {
  const int64_t full = n / 8;
  pack_bytes(y, full, mask);
  if (n % 8 != 0) mask[full] = pack_byte(y + 8 * full, n % 8);
}

template <class T>
void unpack_into(const uint8_t* mask, const T* dy, int64_t n, T* dx) {
  const int64_t full = n / 8;
  unpack_bytes(mask, dy, full, dx);
  for (int64_t i = 8 * full; i < n; ++i) dx[i] = (mask[i / 8] >> (i % 8)) & 1 ? dy[i] : T(0);
}

}  // namespace

Tensor relu_mask(const Tensor& y) {
  FOVEA_CHECK(y.dtype() == DType::f32 || y.dtype() == DType::f64, ValueError, "relu_mask: expected float32 or float64, got ",
              dtype_name(y.dtype()));
  Tensor mask = Tensor::empty(Shape{(y.numel() + 7) / 8}, DType::u8);
  if (y.dtype() == DType::f32) {
    pack(y.data<float>(), y.numel(), mask.data<uint8_t>());
  } else {
    pack(y.data<double>(), y.numel(), mask.data<uint8_t>());
  }
  return mask;
}

Tensor relu_input_grad(const Tensor& mask, autograd::BackwardContext& ctx) {
  const Tensor& dy = ctx.grad_output(0);
  Tensor dx = ctx.grad_output_is_exclusive(0) ? dy : Tensor::empty(dy.shape(), dy.dtype());
  if (dy.dtype() == DType::f32) {
    unpack_into(mask.data<uint8_t>(), dy.data<float>(), dy.numel(), dx.data<float>());
  } else {
    unpack_into(mask.data<uint8_t>(), dy.data<double>(), dy.numel(), dx.data<double>());
  }
  return dx;
}

}  // namespace fovea::detail
