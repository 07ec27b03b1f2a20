// The transformer forward pass: embeddings, decoder layers (attention + SwiGLU MLP), final norm, lm_head.
#include "model/transformer.h"

#include "model/rope.h"
#include "util/error.h"

#include <torch/types.h>

#include <limits>

namespace rf {

namespace {

// HF's RMSNorm: normalise in float32, cast back, then scale by the weight.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  if (x.scalar_type() == at::kFloat) {
    at::Tensor inv = x.pow(2).mean(-1, true).add_(eps).rsqrt_();
    return weight * (x * inv);
  }
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor inv = xf.pow(2).mean(-1, true).add_(eps).rsqrt_();
  return weight * (xf * inv).to(x.scalar_type());
}

at::Tensor linear_apply(const LinearWeights& l, const at::Tensor& x, bool training) {
  at::Tensor y = at::linear(x, l.weight, l.bias);
  if (l.lora && l.lora->enabled) y = y + lora_delta(*l.lora, x, training);
  return y;
}

bool has_adapter(const LinearWeights& l) { return l.lora && l.lora->enabled; }

// Additive mask (B, 1, T, S): 0 where query t (absolute position past + t) may see key s, the dtype's
// lowest value where it may not (future keys, padding). Finite, so an all-padding row gives no NaN.
at::Tensor build_mask(const at::Tensor& attention_mask, int64_t batch, int64_t T, int64_t past, at::ScalarType dtype,
                      at::Device device) {
  const int64_t S = past + T;
  auto idx = at::TensorOptions().dtype(at::kLong).device(device);
  at::Tensor q_pos = at::arange(past, S, idx).view({T, 1});
  at::Tensor k_pos = at::arange(0, S, idx).view({1, S});
  at::Tensor allowed = k_pos.le(q_pos).view({1, 1, T, S});  // causal
  if (attention_mask.defined()) {
    if (attention_mask.dim() != 2 || attention_mask.size(0) != batch || attention_mask.size(1) != S)
      throw Error("forward: attention_mask must be (batch, past + T) = (" + std::to_string(batch) + ", " +
                  std::to_string(S) + ")");
    allowed = allowed.logical_and(attention_mask.to(device).ne(0).view({batch, 1, 1, S}));
  }
  at::Tensor mask = at::zeros(allowed.sizes(), at::TensorOptions().dtype(dtype).device(device));
  return mask.masked_fill_(allowed.logical_not(), std::numeric_limits<float>::lowest() / 2);
}

}  // namespace

Transformer::Transformer(ModelConfig config, at::ScalarType dtype, at::Device device)
    : config_(std::move(config)), dtype_(dtype), device_(device) {
  if (dtype_ != at::kFloat && dtype_ != at::kBFloat16 && dtype_ != at::kHalf)
    throw Error("model dtype must be float32, bfloat16 or float16");
  layers_.resize(config_.num_hidden_layers);
  fused_.resize(config_.num_hidden_layers);
}

void Transformer::ensure_rope(int64_t positions) {
  if (rope_cos_.defined() && rope_cos_.size(0) >= positions) return;
  int64_t n = std::max<int64_t>(positions, std::min<int64_t>(config_.max_position_embeddings, 4096));
  RopeTables t = rope_tables_build(config_, n, dtype_, device_);
  rope_cos_ = t.cos;
  rope_sin_ = t.sin;
}

const at::Tensor& Transformer::fused_weight(int64_t layer, int which) {
  DecoderLayer& L = layers_[layer];
  Fused& f = fused_[layer];
  // Rebuilt when any source weight changed in place (an optimiser step bumps the version counter).
  std::vector<int64_t> versions;
  for (const at::Tensor* t : {&L.q.weight, &L.k.weight, &L.v.weight, &L.gate.weight, &L.up.weight})
    versions.push_back(t->is_inference() ? 0 : static_cast<int64_t>(t->_version()));
  for (const at::Tensor* t : {&L.q.bias, &L.k.bias, &L.v.bias})
    versions.push_back(t->defined() && !t->is_inference() ? static_cast<int64_t>(t->_version()) : -1);
  if (!f.qkv_w.defined() || f.versions != versions) {
    f.qkv_w = at::cat({L.q.weight, L.k.weight, L.v.weight}, 0);
    f.gate_up_w = at::cat({L.gate.weight, L.up.weight}, 0);
    f.qkv_b = L.q.bias.defined() ? at::cat({L.q.bias, L.k.bias, L.v.bias}, 0) : at::Tensor();
    f.versions = versions;
  }
  return which == 0 ? f.qkv_w : f.gate_up_w;
}

const at::Tensor& Transformer::fused_bias(int64_t layer) { return fused_[layer].qkv_b; }

at::Tensor Transformer::attention_block(int64_t layer, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                        const at::Tensor& mask, KvCache* cache, int64_t past) {
  const DecoderLayer& L = layers_[layer];
  const int64_t B = x.size(0), T = x.size(1);
  const int64_t H = config_.num_attention_heads, Hkv = config_.num_key_value_heads, D = config_.head_dim;
  const int64_t rep = H / Hkv;
  const bool grad = at::GradMode::is_enabled();

  at::Tensor h = rms_norm(x, L.input_norm, config_.rms_norm_eps);  // (B, T, C)
  at::Tensor qk, v;                                                // (B, T, H+Hkv, D), (B, T, Hkv, D)
  if (has_adapter(L.q) || has_adapter(L.k) || has_adapter(L.v) || grad) {
    at::Tensor q = linear_apply(L.q, h, training_).view({B, T, H, D});
    at::Tensor k = linear_apply(L.k, h, training_).view({B, T, Hkv, D});
    v = linear_apply(L.v, h, training_).view({B, T, Hkv, D});
    qk = at::cat({q, k}, 2);
  } else {
    // Inference: one matmul for q, k and v together.
    const at::Tensor& w = fused_weight(layer, 0);
    at::Tensor qkv = at::linear(h, w, fused_bias(layer)).view({B, T, H + 2 * Hkv, D});
    qk = qkv.narrow(2, 0, H + Hkv);
    v = qkv.narrow(2, H + Hkv, Hkv);
  }
  if (config_.qk_norm) {
    at::Tensor q = rms_norm(qk.narrow(2, 0, H), L.q_norm, config_.rms_norm_eps);
    at::Tensor k = rms_norm(qk.narrow(2, H, Hkv), L.k_norm, config_.rms_norm_eps);
    qk = at::cat({q, k}, 2);
  }
  qk = rope_apply(qk, cos, sin);  // (B, T, H+Hkv, D)

  // (B, Hkv, rep*T, D): query heads grouped by the kv head they share (HF's repeat_kv order), so
  // grouped-query attention needs no copy of the keys and values.
  at::Tensor q = qk.narrow(2, 0, H).permute({0, 2, 1, 3}).contiguous().view({B, Hkv, rep * T, D});
  at::Tensor k_new = qk.narrow(2, H, Hkv).permute({0, 2, 1, 3});  // (B, Hkv, T, D)
  at::Tensor v_new = v.permute({0, 2, 1, 3});
  at::Tensor keys, values;  // (B, Hkv, S, D)
  if (cache) {
    cache->k[layer].narrow(2, past, T).copy_(k_new);
    cache->v[layer].narrow(2, past, T).copy_(v_new);
    keys = cache->k[layer].narrow(2, 0, past + T);
    values = cache->v[layer].narrow(2, 0, past + T);
  } else {
    keys = k_new;
    values = v_new;
  }
  const int64_t S = keys.size(2);
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  at::Tensor scores = at::matmul(q, keys.transpose(-2, -1)).mul_(scale);  // (B, Hkv, rep*T, S)
  if (mask.defined()) scores = (scores.view({B, Hkv, rep, T, S}) + mask.view({B, 1, 1, T, S})).view({B, Hkv, rep * T, S});
  at::Tensor probs = scores.scalar_type() == at::kFloat ? at::softmax(scores, -1)
                                                        : at::softmax(scores, -1, at::kFloat).to(scores.scalar_type());
  at::Tensor out = at::matmul(probs, values);  // (B, Hkv, rep*T, D)
  out = out.view({B, H, T, D}).permute({0, 2, 1, 3}).reshape({B, T, H * D});
  return linear_apply(L.o, out, training_);
}

at::Tensor Transformer::mlp_block(int64_t layer, const at::Tensor& x) {
  const DecoderLayer& L = layers_[layer];
  at::Tensor h = rms_norm(x, L.post_attention_norm, config_.rms_norm_eps);
  at::Tensor act;
  if (has_adapter(L.gate) || has_adapter(L.up) || at::GradMode::is_enabled() || L.gate.bias.defined()) {
    act = at::silu(linear_apply(L.gate, h, training_)) * linear_apply(L.up, h, training_);
  } else {
    at::Tensor gu = at::linear(h, fused_weight(layer, 1));
    const int64_t I = config_.intermediate_size;
    act = at::silu(gu.narrow(-1, 0, I)).mul_(gu.narrow(-1, I, I));
  }
  return linear_apply(L.down, act, training_);
}

at::Tensor Transformer::forward_hidden(const ForwardBatch& batch, KvCache* cache) {
  const at::Tensor& ids = batch.input_ids;
  if (!ids.defined() || ids.dim() != 2) throw Error("forward: input_ids must be (batch, T)");
  const int64_t B = ids.size(0), T = ids.size(1);
  const int64_t past = cache ? cache->length : 0;
  if (cache && (cache->batch() != B || past + T > cache->capacity()))
    throw Error("forward: the KV cache holds " + std::to_string(cache->batch()) + " rows and " +
                std::to_string(cache->capacity()) + " positions; this call needs " + std::to_string(B) + " and " +
                std::to_string(past + T));
  at::Tensor ids_dev = ids.to(device_, at::kLong);
  if (ids_dev.numel() > 0) {
    const int64_t lo = ids_dev.min().item<int64_t>(), hi = ids_dev.max().item<int64_t>();
    if (lo < 0 || hi >= config_.vocab_size)
      throw Error("forward: token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary (0.." +
                  std::to_string(config_.vocab_size - 1) + ")");
  }

  at::Tensor pos = batch.position_ids.defined()
                       ? batch.position_ids.to(device_, at::kLong)
                       : at::arange(past, past + T, at::TensorOptions().dtype(at::kLong).device(device_)).expand({B, T});
  ensure_rope(pos.numel() > 0 ? pos.max().item<int64_t>() + 1 : 1);
  at::Tensor flat = pos.reshape({-1});
  at::Tensor cos = rope_cos_.index_select(0, flat).view({B, T, 1, config_.head_dim});
  at::Tensor sin = rope_sin_.index_select(0, flat).view({B, T, 1, config_.head_dim});

  at::Tensor mask;  // a single new token with no padding may see every cached key: no mask needed
  if (T > 1 || batch.attention_mask.defined()) mask = build_mask(batch.attention_mask, B, T, past, dtype_, device_);

  at::Tensor x = at::embedding(embed_tokens_, ids_dev);  // (B, T, C)
  for (int64_t l = 0; l < config_.num_hidden_layers; ++l) {
    x = x + attention_block(l, x, cos, sin, mask, cache, past);
    x = x + mlp_block(l, x);
  }
  if (cache) cache->length = past + T;
  return rms_norm(x, final_norm_, config_.rms_norm_eps);
}

at::Tensor Transformer::logits_from_hidden(const at::Tensor& hidden) const {
  at::Tensor logits = at::linear(hidden, lm_head_);
  return logits.scalar_type() == at::kFloat ? logits : logits.to(at::kFloat);
}

std::vector<std::pair<std::string, at::Tensor>> Transformer::named_parameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  out.emplace_back("model.embed_tokens.weight", embed_tokens_);
  for (int64_t i = 0; i < config_.num_hidden_layers; ++i) {
    const DecoderLayer& L = layers_[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    auto lin = [&](const std::string& name, const LinearWeights& l) {
      out.emplace_back(p + name + ".weight", l.weight);
      if (l.bias.defined()) out.emplace_back(p + name + ".bias", l.bias);
    };
    out.emplace_back(p + "input_layernorm.weight", L.input_norm);
    lin("self_attn.q_proj", L.q);
    lin("self_attn.k_proj", L.k);
    lin("self_attn.v_proj", L.v);
    lin("self_attn.o_proj", L.o);
    if (config_.qk_norm) {
      out.emplace_back(p + "self_attn.q_norm.weight", L.q_norm);
      out.emplace_back(p + "self_attn.k_norm.weight", L.k_norm);
    }
    out.emplace_back(p + "post_attention_layernorm.weight", L.post_attention_norm);
    lin("mlp.gate_proj", L.gate);
    lin("mlp.up_proj", L.up);
    lin("mlp.down_proj", L.down);
  }
  out.emplace_back("model.norm.weight", final_norm_);
  if (!config_.tie_word_embeddings) out.emplace_back("lm_head.weight", lm_head_);
  return out;
}

std::vector<std::pair<std::string, LinearWeights*>> Transformer::named_linears() {
  std::vector<std::pair<std::string, LinearWeights*>> out;
  for (int64_t i = 0; i < config_.num_hidden_layers; ++i) {
    DecoderLayer& L = layers_[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    out.emplace_back(p + "self_attn.q_proj", &L.q);
    out.emplace_back(p + "self_attn.k_proj", &L.k);
    out.emplace_back(p + "self_attn.v_proj", &L.v);
    out.emplace_back(p + "self_attn.o_proj", &L.o);
    out.emplace_back(p + "mlp.gate_proj", &L.gate);
    out.emplace_back(p + "mlp.up_proj", &L.up);
    out.emplace_back(p + "mlp.down_proj", &L.down);
  }
  return out;
}

void Transformer::set_requires_grad(bool requires_grad) {
  for (auto& [name, t] : named_parameters()) {
    at::Tensor p = t;
    p.set_requires_grad(requires_grad);
  }
}

void Transformer::set_adapters_enabled(bool enabled) {
  for (auto& [name, l] : named_linears())
    if (l->lora) l->lora->enabled = enabled;
}

}  // namespace rf
