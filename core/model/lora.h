// A LoRA adapter on one linear layer: y = W x + b + scale * B(A(dropout(x))), with A (r, in) and
// B (out, r). B starts at zero, so a fresh adapter leaves the model unchanged. Training, merging
// and PEFT-format saving live in core/train; the model only applies adapters in its forward.
#pragma once

#include <torch/types.h>

namespace rf {

struct LoraAdapter {
  at::Tensor a;  // (r, in)  PEFT name: lora_A.weight
  at::Tensor b;  // (out, r) PEFT name: lora_B.weight
  double scale = 1.0;    // alpha / r
  double dropout = 0.0;  // applied to the input in training only
  bool enabled = true;   // disabled adapters give the base model (the GRPO reference)
};

// The adapter's contribution for input x (..., in) -> (..., out).
at::Tensor lora_delta(const LoraAdapter& adapter, const at::Tensor& x, bool training);

}  // namespace rf
