// The shape of a decoder-only transformer, read from (and written back to) a Hugging Face config.json.
// One struct covers the Llama, Qwen2 and Qwen3 families; the differences are flags.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rf {

struct RopeScaling {
  std::string type;  // "llama3" (the only type with an effect here) or "default"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  std::string model_type;  // "llama", "qwen2", "qwen3"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  // Qwen2 always; Llama when attention_bias
  bool o_bias = false;    // Llama when attention_bias
  bool mlp_bias = false;
  bool qk_norm = false;   // Qwen3: per-head RMSNorm of q and k before RoPE
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;
  std::string dtype = "float32";  // as stored ("dtype" or "torch_dtype")
  nlohmann::json raw;             // the parsed file, so saving keeps fields we do not interpret

  int64_t kv_groups() const { return num_attention_heads / num_key_value_heads; }
  int64_t parameter_count() const;
};

// Parses and validates; errors name `source` and the field.
ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source);
ModelConfig model_config_load(const std::string& model_dir);
nlohmann::json model_config_to_json(const ModelConfig& config);

}  // namespace rf
