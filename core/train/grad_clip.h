// Gradient clipping by global L2 norm, like torch.nn.utils.clip_grad_norm_: the norm over all
// gradients together; when it exceeds max_norm every gradient is scaled by max_norm / (norm + 1e-6).
// A NaN or infinite norm is reported (finite = false) and the gradients are left untouched, so the
// caller can skip the step and say so (DESIGN §9: a NaN loss is skipped and reported).
#pragma once

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace rf {

struct GradNorm {
  double norm = 0.0;     // the global norm before clipping (NaN/inf when not finite)
  bool finite = true;    // false: skip this step
  bool clipped = false;  // true when the gradients were scaled down
};

// Parameters without a gradient are ignored. max_norm <= 0 only measures.
GradNorm clip_grad_norm(const std::vector<std::pair<std::string, at::Tensor>>& params, double max_norm);
GradNorm clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

}  // namespace rf
