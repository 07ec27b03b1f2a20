// RoPE frequencies (with Llama 3 scaling), tables and application.
#include "model/rope.h"

#include <cmath>

namespace rf {

std::vector<double> rope_inv_freq(const ModelConfig& c) {
  const int64_t half = c.head_dim / 2;
  std::vector<double> inv(half);
  for (int64_t i = 0; i < half; ++i) {
    // Computed as HF does: float32 arange(0, D, 2) / D, then theta ** that, in float32.
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(c.head_dim);
    inv[i] = 1.0f / std::pow(static_cast<float>(c.rope_theta), exponent);
  }
  if (c.rope_scaling && c.rope_scaling->type == "llama3") {
    const RopeScaling& s = *c.rope_scaling;
    const double low_wavelen = s.original_max_position_embeddings / s.low_freq_factor;
    const double high_wavelen = s.original_max_position_embeddings / s.high_freq_factor;
    for (auto& f : inv) {
      const double wavelen = 2.0 * M_PI / f;
      if (wavelen > low_wavelen) {
        f = f / s.factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) /
                              (s.high_freq_factor - s.low_freq_factor);
        f = (1.0 - smooth) * f / s.factor + smooth * f;
      }
      f = static_cast<float>(f);
    }
  }
  return inv;
}

RopeTables rope_tables_build(const ModelConfig& config, int64_t max_positions, at::ScalarType dtype, at::Device device) {
  const std::vector<double> inv = rope_inv_freq(config);
  std::vector<float> inv_f(inv.begin(), inv.end());
  at::Tensor inv_t = at::from_blob(inv_f.data(), {static_cast<int64_t>(inv_f.size())}, at::kFloat).clone();
  at::Tensor pos = at::arange(max_positions, at::kFloat);
  at::Tensor freqs = at::outer(pos, inv_t);      // (P, D/2), float32 like HF
  at::Tensor emb = at::cat({freqs, freqs}, -1);  // (P, D)
  return {emb.cos().to(device, dtype), emb.sin().to(device, dtype)};
}

at::Tensor rope_apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  at::Tensor x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  at::Tensor rotated = at::cat({x2.neg(), x1}, -1);
  return x * cos + rotated * sin;
}

}  // namespace rf
