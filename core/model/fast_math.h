// Small vectorisable float kernels shared by the CPU inference paths (model, generation): an exp
// accurate to ~1e-7 relative that compiles to SIMD code (std::exp is a scalar library call), dot
// products with independent accumulators, and RF_SIMD_CLONES, which builds a function twice (AVX2+FMA
// and baseline x86-64) and picks one at load time, since the project compiles for baseline x86-64.
#pragma once

#include <bit>
#include <cstdint>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RF_SIMD_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define RF_SIMD_CLONES
#endif

namespace rf::fastmath {

// exp(x) for x <= 88 (larger x gives exp(88)); 0 below -87, so -inf gives exactly 0. Cephes' expf:
// a Cody-Waite reduction and a degree-7 polynomial, within ~2 ulp.
inline float exp(float x) {
  // Range masks from sign bits (integer operations: a float compare would keep GCC from vectorising
  // under the default -ftrapping-math).
  const int32_t lo = std::bit_cast<int32_t>(x + 87.0f) >> 31;  // all ones where x < -87 (underflow)
  const int32_t hi = std::bit_cast<int32_t>(88.0f - x) >> 31;  // all ones where x > 88
  x = std::bit_cast<float>((std::bit_cast<int32_t>(x) & ~(lo | hi)) | (std::bit_cast<int32_t>(-87.0f) & lo) |
                           (std::bit_cast<int32_t>(88.0f) & hi));
  const float r = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(x / ln 2), |.| < 2^22
  const float f = (x - r * 0.693359375f) - r * -2.12194440e-4f;  // x - r ln 2 (Cody-Waite), in [-ln2/2, ln2/2]
  float p = 1.9875691500e-4f;                                     // Cephes expf polynomial
  p = p * f + 1.3981999507e-3f;
  p = p * f + 8.3334519073e-3f;
  p = p * f + 4.1665795894e-2f;
  p = p * f + 1.6666665459e-1f;
  p = p * f + 5.0000001201e-1f;
  p = p * (f * f) + f + 1.0f;                                     // e^f
  const float scale = std::bit_cast<float>((static_cast<int32_t>(r) + 127) << 23);  // 2^r
  return std::bit_cast<float>(std::bit_cast<int32_t>(p * scale) & ~lo);
}

// sum of x[0..n) with eight independent accumulators (vectorisable without reassociation flags).
inline float sum(const float* x, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[i + j];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += x[i];
  return s;
}

inline float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace rf::fastmath
