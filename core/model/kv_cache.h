// The key/value cache for incremental decoding: per layer, preallocated (B, Hkv, capacity, D) tensors
// filled left to right, so a decode step writes one slot instead of concatenating.
#pragma once

#include "model/model_config.h"

#include <torch/types.h>

#include <vector>

namespace rf {

struct KvCache {
  std::vector<at::Tensor> k, v;  // per layer: (B, Hkv, capacity, D)
  int64_t length = 0;            // positions filled so far (the same for every row)

  static KvCache allocate(const ModelConfig& config, int64_t batch, int64_t capacity, at::ScalarType dtype,
                          at::Device device);
  int64_t batch() const { return k.empty() ? 0 : k[0].size(0); }
  int64_t capacity() const { return k.empty() ? 0 : k[0].size(2); }
  // Keeps only the given batch rows (int64 indices), e.g. to drop finished sequences.
  void keep_rows(const at::Tensor& rows);
};

}  // namespace rf
