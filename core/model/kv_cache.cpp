// KV cache allocation and row selection.
#include "model/kv_cache.h"

namespace rf {

KvCache KvCache::allocate(const ModelConfig& c, int64_t batch, int64_t capacity, at::ScalarType dtype,
                          at::Device device) {
  KvCache cache;
  const auto opts = at::TensorOptions().dtype(dtype).device(device);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    cache.k.push_back(at::empty({batch, c.num_key_value_heads, capacity, c.head_dim}, opts));
    cache.v.push_back(at::empty({batch, c.num_key_value_heads, capacity, c.head_dim}, opts));
  }
  return cache;
}

void KvCache::keep_rows(const at::Tensor& rows) {
  for (auto& t : k) t = t.index_select(0, rows);
  for (auto& t : v) t = t.index_select(0, rows);
}

}  // namespace rf
