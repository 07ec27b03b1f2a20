// Rotary position embeddings in Hugging Face's "rotate_half" layout: the head dimension is split into
// two halves, and pair i rotates element i with element i + D/2 by angle position * inv_freq[i].
#pragma once

#include "model/model_config.h"

#include <torch/types.h>

#include <vector>

namespace rf {

// inv_freq[i] = theta^(-2i/D), then the Llama 3 band rule when rope_scaling says so.
std::vector<double> rope_inv_freq(const ModelConfig& config);

// cos and sin tables, each (max_positions, D) with the frequencies repeated for both halves.
struct RopeTables {
  at::Tensor cos, sin;
};
RopeTables rope_tables_build(const ModelConfig& config, int64_t max_positions, at::ScalarType dtype, at::Device device);

// x: (B, T, H, D), cos/sin gathered for the positions: (B, T, 1, D). Returns x rotated.
at::Tensor rope_apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace rf
