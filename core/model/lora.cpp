// LoRA forward contribution.
#include "model/lora.h"

#include <torch/types.h>

namespace rf {

at::Tensor lora_delta(const LoraAdapter& adapter, const at::Tensor& x, bool training) {
  at::Tensor in = (training && adapter.dropout > 0) ? at::dropout(x, adapter.dropout, true) : x;
  return at::linear(at::linear(in, adapter.a), adapter.b) * adapter.scale;
}

}  // namespace rf
