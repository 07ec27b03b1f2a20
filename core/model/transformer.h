// The decoder-only transformer shared by the Llama, Qwen2 and Qwen3 families (RMSNorm, RoPE, GQA,
// SwiGLU), holding its weights under Hugging Face's names. It runs in fp32 or bf16 on CPU or CUDA,
// with or without a KV cache, with autograd for training or under InferenceMode for generation.
#pragma once

#include "model/kv_cache.h"
#include "model/lora.h"
#include "model/model_config.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rf {

struct LinearWeights {
  at::Tensor weight;  // (out, in)
  at::Tensor bias;    // (out) or undefined
  std::shared_ptr<LoraAdapter> lora;  // null when the layer has no adapter
};

struct DecoderLayer {
  at::Tensor input_norm;           // (C)  input_layernorm.weight
  at::Tensor post_attention_norm;  // (C)  post_attention_layernorm.weight
  at::Tensor q_norm, k_norm;       // (D)  Qwen3 only
  LinearWeights q, k, v, o, gate, up, down;
};

// One forward call's inputs. Left-padded batches pass attention_mask and position_ids.
struct ForwardBatch {
  at::Tensor input_ids;       // (B, T) int64
  at::Tensor position_ids;    // (B, T) int64; undefined: past + 0..T-1 for every row
  at::Tensor attention_mask;  // (B, past + T), nonzero = real token; undefined: no padding
};

struct ModelLoadOptions {
  at::ScalarType dtype = at::kFloat;  // weights are held (and computed) in this dtype: fp32 or bf16
  at::Device device = at::kCPU;
};

class Transformer {
 public:
  Transformer(ModelConfig config, at::ScalarType dtype, at::Device device);

  // From a Hugging Face folder: config.json + model.safetensors or sharded safetensors with an index.
  static std::unique_ptr<Transformer> load(const std::string& model_dir, const ModelLoadOptions& options = {});
  // Random weights from a config alone (normal(0, 0.02), unit norms, zero biases), seeded.
  static std::unique_ptr<Transformer> random(const ModelConfig& config, uint64_t seed,
                                             const ModelLoadOptions& options = {});
  // Writes config.json + model.safetensors with HF names (tied weights once), atomically per file.
  void save(const std::string& model_dir, std::optional<at::ScalarType> save_dtype = std::nullopt) const;

  const ModelConfig& config() const { return config_; }
  at::ScalarType dtype() const { return dtype_; }
  at::Device device() const { return device_; }

  // Final-norm hidden states (B, T, C). With a cache, the new keys/values are appended to it.
  at::Tensor forward_hidden(const ForwardBatch& batch, KvCache* cache = nullptr);
  // lm_head: hidden (..., C) -> logits (..., V) in float32.
  at::Tensor logits_from_hidden(const at::Tensor& hidden) const;
  // Convenience: logits (B, T, V) float32 for every position.
  at::Tensor forward(const ForwardBatch& batch, KvCache* cache = nullptr) {
    return logits_from_hidden(forward_hidden(batch, cache));
  }

  // Every parameter under its HF name, tied weights once. The tensors share storage with the model,
  // so an optimiser that updates them in place updates the model.
  std::vector<std::pair<std::string, at::Tensor>> named_parameters() const;
  // Linear layers by HF module name ("model.layers.0.self_attn.q_proj"), for attaching LoRA adapters.
  std::vector<std::pair<std::string, LinearWeights*>> named_linears();
  void set_requires_grad(bool requires_grad);
  void set_training(bool training) { training_ = training; }
  bool training() const { return training_; }
  // Turns every LoRA adapter on or off (off = the base model, e.g. the GRPO reference).
  void set_adapters_enabled(bool enabled);

  at::Tensor& embed_tokens() { return embed_tokens_; }
  at::Tensor& final_norm() { return final_norm_; }
  at::Tensor& lm_head() { return lm_head_; }
  std::vector<DecoderLayer>& layers() { return layers_; }

 private:
  friend struct TransformerAccess;
  at::Tensor attention_block(int64_t layer, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                             const at::Tensor& mask, KvCache* cache, int64_t past);
  at::Tensor mlp_block(int64_t layer, const at::Tensor& x);
  void ensure_rope(int64_t positions);
  // Inference fast path for one-token steps with a cache on CPU in float32 (fused kernels, no autograd).
  bool decode_fast_path_ok(int64_t T, const KvCache* cache) const;
  at::Tensor forward_decode_cpu(const at::Tensor& ids, const std::vector<int64_t>& positions,
                                const at::Tensor& attention_mask, KvCache& cache);
  const at::Tensor& fused_weight(int64_t layer, int which);  // 0: qkv, 1: gate_up (cached for inference)
  const at::Tensor& fused_bias(int64_t layer);

  ModelConfig config_;
  at::ScalarType dtype_;
  at::Device device_;
  bool training_ = false;
  at::Tensor embed_tokens_;  // (V, C)
  at::Tensor final_norm_;    // (C)
  at::Tensor lm_head_;       // (V, C); the same tensor as embed_tokens_ when tied
  std::vector<DecoderLayer> layers_;
  at::Tensor rope_cos_, rope_sin_;  // (P, D)

  struct Fused {
    at::Tensor qkv_w, qkv_b, gate_up_w;
    std::vector<int64_t> versions;
  };
  std::vector<Fused> fused_;
};

}  // namespace rf
