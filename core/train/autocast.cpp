// The CUDA bf16 autocast guard (see autocast.h); version differences live in compat/torch_compat.h.
#include "train/autocast.h"

#include "compat/torch_compat.h"

namespace rf {

AutocastGuard::AutocastGuard(at::Device device, bool enabled) {
  if (!enabled || !device.is_cuda()) return;
  previous_ = compat::autocast_cuda_enabled();
  compat::autocast_cuda_bf16_set(true);
  active_ = true;
}

AutocastGuard::~AutocastGuard() {
  if (active_) compat::autocast_cuda_bf16_set(previous_);
}

}  // namespace rf
