// The transformer forward pass: embeddings, decoder layers (attention + SwiGLU MLP), final norm, lm_head.
#include "model/transformer.h"

#include "model/cpu_kernels.h"
#include "model/rope.h"
#include "util/error.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
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

// Inference products. When BLAS runs single-threaded (generation sets that, see cpu_kernels.h), they go
// through cpu::linear_into, split over the OpenMP threads; otherwise one row uses a matrix-vector
// product (a gemm would repack the whole weight matrix on every call, which costs more than the
// product itself at one row) and more rows use at::linear.
bool split_ok(const at::Tensor& x, const at::Tensor& w) {
  return x.is_cpu() && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat && w.is_contiguous() &&
         cpu::split_linear_available();
}

// x (..., in) -> (..., out).
at::Tensor infer_linear(const at::Tensor& x_in, const at::Tensor& w, const at::Tensor& b) {
  const int64_t K = x_in.size(-1), N = w.size(0), R = K > 0 ? x_in.numel() / K : 0;
  if (split_ok(x_in, w) && R > 0 && (!b.defined() || b.is_contiguous())) {
    at::Tensor x = x_in.contiguous();
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = N;
    at::Tensor y = at::empty(shape, x.options());
    cpu::linear_into(x.data_ptr<float>(), R, K, w.data_ptr<float>(), N, b.defined() ? b.data_ptr<float>() : nullptr,
                     y.data_ptr<float>(), N, 0.0f);
    return y;
  }
  if (R == 1) {
    std::vector<int64_t> shape = x_in.sizes().vec();
    shape.back() = N;
    at::Tensor v = x_in.reshape({K});
    return (b.defined() ? at::addmv(b, w, v) : at::mv(w, v)).view(shape);
  }
  return at::linear(x_in, w, b);
}

// x (R, C) += a (R, in) . w^T, in place (the residual add fused into the product). x contiguous.
void add_linear_rows_(at::Tensor& x, const at::Tensor& a_in, const at::Tensor& w) {
  if (split_ok(a_in, w)) {
    at::Tensor a = a_in.contiguous();
    cpu::linear_into(a.data_ptr<float>(), a.size(0), a.size(1), w.data_ptr<float>(), w.size(0), nullptr,
                     x.data_ptr<float>(), x.size(1), 1.0f);
  } else if (x.size(0) == 1) {
    at::Tensor xv = x.view({x.size(1)});
    xv.addmv_(w, a_in.reshape({a_in.size(1)}));
  } else {
    x.addmm_(a_in, w.t());
  }
}

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
    at::Tensor qkv = infer_linear(h, w, fused_bias(layer)).view({B, T, H + 2 * Hkv, D});
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
  if (mask.defined())  // mask: (B, 1, T, S), or (1, 1, T, S) when only causal: broadcast over the batch
    scores = (scores.view({B, Hkv, rep, T, S}) + mask.view({mask.size(0), 1, 1, T, S})).view({B, Hkv, rep * T, S});
  at::Tensor probs = scores.scalar_type() == at::kFloat ? at::softmax(scores, -1)
                                                        : at::softmax(scores, -1, at::kFloat).to(scores.scalar_type());
  at::Tensor out = at::matmul(probs, values);  // (B, Hkv, rep*T, D)
  out = out.view({B, H, T, D}).permute({0, 2, 1, 3}).reshape({B, T, H * D});
  if (!grad && !has_adapter(L.o)) return infer_linear(out, L.o.weight, L.o.bias);
  return linear_apply(L.o, out, training_);
}

at::Tensor Transformer::mlp_block(int64_t layer, const at::Tensor& x) {
  const DecoderLayer& L = layers_[layer];
  at::Tensor h = rms_norm(x, L.post_attention_norm, config_.rms_norm_eps);
  at::Tensor act;
  if (has_adapter(L.gate) || has_adapter(L.up) || at::GradMode::is_enabled() || L.gate.bias.defined()) {
    act = at::silu(linear_apply(L.gate, h, training_)) * linear_apply(L.up, h, training_);
  } else {
    at::Tensor gu = infer_linear(h, fused_weight(layer, 1), at::Tensor());
    const int64_t I = config_.intermediate_size;
    act = at::silu(gu.narrow(-1, 0, I)).mul_(gu.narrow(-1, I, I));
  }
  if (!at::GradMode::is_enabled() && !has_adapter(L.down)) return infer_linear(act, L.down.weight, L.down.bias);
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
  auto check_range = [&](int64_t lo, int64_t hi) {
    if (lo < 0 || hi >= config_.vocab_size)
      throw Error("forward: token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary (0.." +
                  std::to_string(config_.vocab_size - 1) + ")");
  };
  if (ids.numel() > 0 && ids.device().is_cpu()) {  // a loop on the host: no tensor ops, no sync
    at::Tensor h = ids.to(at::kLong).contiguous();
    const int64_t* p = h.data_ptr<int64_t>();
    const auto [lo, hi] = std::minmax_element(p, p + h.numel());
    check_range(*lo, *hi);
  } else if (ids.numel() > 0) {
    check_range(ids.min().item<int64_t>(), ids.max().item<int64_t>());
  }

  if (decode_fast_path_ok(T, cache) && ids.device().is_cpu() &&
      (!batch.position_ids.defined() || batch.position_ids.device().is_cpu())) {
    std::vector<int64_t> positions(B, past);
    if (batch.position_ids.defined()) {
      if (batch.position_ids.dim() != 2 || batch.position_ids.size(0) != B || batch.position_ids.size(1) != T)
        throw Error("forward: position_ids must be (batch, T) like input_ids");
      at::Tensor h = batch.position_ids.to(at::kLong).contiguous();
      std::copy(h.data_ptr<int64_t>(), h.data_ptr<int64_t>() + B, positions.begin());
      for (int64_t p : positions)
        if (p < 0) throw Error("forward: position_ids must be >= 0, got " + std::to_string(p));
    }
    return forward_decode_cpu(ids.to(at::kLong).contiguous(), positions, batch.attention_mask, *cache);
  }

  at::Tensor ids_dev = ids.to(device_, at::kLong);
  at::Tensor pos = batch.position_ids.defined()
                       ? batch.position_ids.to(device_, at::kLong)
                       : at::arange(past, past + T, at::TensorOptions().dtype(at::kLong).device(device_)).expand({B, T});
  if (!batch.position_ids.defined()) {
    ensure_rope(past + T);
  } else if (pos.is_cpu() && pos.numel() > 0) {
    at::Tensor h = pos.contiguous();
    ensure_rope(*std::max_element(h.data_ptr<int64_t>(), h.data_ptr<int64_t>() + h.numel()) + 1);
  } else {
    ensure_rope(pos.numel() > 0 ? pos.max().item<int64_t>() + 1 : 1);
  }
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

bool Transformer::decode_fast_path_ok(int64_t T, const KvCache* cache) const {
  if (T != 1 || !cache || at::GradMode::is_enabled() || !device_.is_cpu() || dtype_ != at::kFloat) return false;
  if (config_.o_bias || config_.mlp_bias) return false;
  for (size_t l = 0; l < cache->k.size(); ++l)
    if (!cache->k[l].is_contiguous() || !cache->v[l].is_contiguous() || cache->k[l].scalar_type() != at::kFloat ||
        !cache->k[l].is_cpu())
      return false;
  for (const DecoderLayer& L : layers_)
    for (const LinearWeights* w : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down})
      if (has_adapter(*w)) return false;
  return true;
}

// One new token per row (B, 1) with the cache: per layer RMSNorm, fused qkv matmul, RoPE + cache write,
// single-query attention, o_proj added into the residual (addmm), RMSNorm, fused gate/up matmul,
// SiLU-gate, down_proj added into the residual. About 9 kernels per layer instead of ~45 tensor ops.
at::Tensor Transformer::forward_decode_cpu(const at::Tensor& ids, const std::vector<int64_t>& positions,
                                           const at::Tensor& attention_mask, KvCache& cache) {
  const int64_t B = ids.size(0), C = config_.hidden_size;
  const int64_t H = config_.num_attention_heads, Hkv = config_.num_key_value_heads, D = config_.head_dim;
  const int64_t I = config_.intermediate_size, past = cache.length, S = past + 1;
  ensure_rope(*std::max_element(positions.begin(), positions.end()) + 1);

  at::Tensor key_mask;  // (B, S) bool, contiguous
  if (attention_mask.defined()) {
    if (attention_mask.dim() != 2 || attention_mask.size(0) != B || attention_mask.size(1) != S)
      throw Error("forward: attention_mask must be (batch, past + T) = (" + std::to_string(B) + ", " +
                  std::to_string(S) + ")");
    key_mask = attention_mask.to(at::kCPU).ne(0).contiguous();
  }

  const auto opts = at::TensorOptions().dtype(at::kFloat);
  at::Tensor x = at::embedding(embed_tokens_, ids.view({B})).contiguous();  // (B, C): the residual stream
  at::Tensor h = at::empty({B, C}, opts);                                    // normalised input of each block
  at::Tensor attn = at::empty({B, H * D}, opts);
  at::Tensor act = at::empty({B, I}, opts);
  const double eps = config_.rms_norm_eps;
  for (int64_t l = 0; l < config_.num_hidden_layers; ++l) {
    const DecoderLayer& L = layers_[l];
    cpu::rms_norm(x, L.input_norm, eps, h);
    at::Tensor qkv = infer_linear(h, fused_weight(l, 0), fused_bias(l)).contiguous();  // (B, (H + 2 Hkv) D)
    cpu::RopeCacheArgs rc;
    rc.qkv = qkv;
    rc.positions = positions.data();
    rc.cos = rope_cos_;
    rc.sin = rope_sin_;
    if (config_.qk_norm) {
      rc.q_norm = L.q_norm;
      rc.k_norm = L.k_norm;
    }
    rc.norm_eps = eps;
    rc.k_cache = cache.k[l];
    rc.v_cache = cache.v[l];
    rc.slot = past;
    rc.heads = H;
    rc.kv_heads = Hkv;
    rc.head_dim = D;
    cpu::rope_qkv_to_cache(rc);
    cpu::DecodeAttentionArgs da;
    da.qkv = qkv;
    da.k_cache = cache.k[l];
    da.v_cache = cache.v[l];
    da.length = S;
    if (key_mask.defined()) {
      da.key_mask = reinterpret_cast<const uint8_t*>(key_mask.data_ptr<bool>());
      da.mask_stride = S;
    }
    da.heads = H;
    da.kv_heads = Hkv;
    da.head_dim = D;
    da.scale = 1.0 / std::sqrt(static_cast<double>(D));
    da.out = attn;
    cpu::decode_attention(da);
    add_linear_rows_(x, attn, L.o.weight);
    cpu::rms_norm(x, L.post_attention_norm, eps, h);
    at::Tensor gu = infer_linear(h, fused_weight(l, 1), at::Tensor()).contiguous();  // (B, 2I)
    cpu::silu_mul(gu, act);
    add_linear_rows_(x, act, L.down.weight);
  }
  cache.length = S;
  at::Tensor out = at::empty({B, C}, opts);
  cpu::rms_norm(x, final_norm_, eps, out);
  return out.view({B, 1, C});
}

at::Tensor Transformer::logits_from_hidden(const at::Tensor& hidden) const {
  at::Tensor logits = !at::GradMode::is_enabled() && hidden.is_cpu() ? infer_linear(hidden, lm_head_, at::Tensor())
                                                                      : at::linear(hidden, lm_head_);
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
