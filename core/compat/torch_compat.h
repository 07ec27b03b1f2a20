// The one place where LibTorch 1.13 (Debian, CPU) and LibTorch 2.x (PyTorch's bundled build, CUDA)
// differ for us. Everything else in core/ calls these wrappers instead of testing versions itself.
#pragma once

#include <torch/types.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

#include <string>

#define RECFORGE_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace rf::compat {

inline std::string torch_version_string() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

// bf16 autocast on CUDA. 1.13 has a CUDA-only switch and dtype setter; 2.x takes the device type.
inline void autocast_cuda_bf16_set(bool enabled) {
#if RECFORGE_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
#endif
  if (!enabled) at::autocast::clear_cache();
}

// Whether CUDA autocast is on in this thread (so a guard can restore it).
inline bool autocast_cuda_enabled() {
#if RECFORGE_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

// Scaled dot-product attention with a boolean/additive mask. 2.x has a fused kernel; 1.13 gets the
// plain formula. q: (B, H, Tq, D), k/v: (B, H, Tk, D), mask broadcastable to (B, H, Tq, Tk), additive.
inline at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const at::Tensor& additive_mask, double scale) {
#if RECFORGE_TORCH_AT_LEAST(2, 1)
  return at::scaled_dot_product_attention(q, k, v, additive_mask, 0.0, false, scale);
#else
  auto scores = at::matmul(q, k.transpose(-2, -1)).mul_(scale);
  if (additive_mask.defined()) scores.add_(additive_mask);
  return at::matmul(at::softmax(scores, -1), v);
#endif
}

}  // namespace rf::compat
