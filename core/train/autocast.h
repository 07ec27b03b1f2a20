// bf16 mixed precision for training on CUDA: an RAII guard that turns CUDA autocast on (matmuls and
// linears in bfloat16, reductions and softmax statistics in float32; weights, gradients and optimiser
// state stay in the model's dtype) and restores the previous state when it goes out of scope.
// On the CPU it does nothing: training runs in the model's dtype (float32 or bfloat16 weights).
// Autocast state is per thread: create the guard on the thread that runs the forward pass; backward
// needs no guard (autograd replays the dtypes recorded in forward).
#pragma once

#include <torch/types.h>

namespace rf {

class AutocastGuard {
 public:
  // Active only when `enabled` and device is CUDA.
  AutocastGuard(at::Device device, bool enabled = true);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

  bool active() const { return active_; }

 private:
  bool active_ = false;
  bool previous_ = false;
};

}  // namespace rf
