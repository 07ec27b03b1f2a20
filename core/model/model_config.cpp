// config.json parsing with validation (every error names the file and the field).
#include "model/model_config.h"

#include "util/error.h"
#include "util/file_io.h"

namespace rf {

namespace {

int64_t need_int(const nlohmann::json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) throw Error(source + ": missing field '" + key + "'");
  if (!it->is_number_integer() || it->get<int64_t>() <= 0)
    throw Error(source + ": field '" + key + "' must be a positive integer");
  return it->get<int64_t>();
}

double get_number(const nlohmann::json& j, const char* key, double fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw Error(source + ": field '" + key + "' must be a number");
  return it->get<double>();
}

bool get_bool(const nlohmann::json& j, const char* key, bool fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw Error(source + ": field '" + key + "' must be true or false");
  return it->get<bool>();
}

}  // namespace

int64_t ModelConfig::parameter_count() const {
  const int64_t q = num_attention_heads * head_dim, kv = num_key_value_heads * head_dim;
  int64_t per_layer = hidden_size * (q + 2 * kv) + q * hidden_size + 3 * hidden_size * intermediate_size + 2 * hidden_size;
  if (qkv_bias) per_layer += q + 2 * kv;
  if (qk_norm) per_layer += 2 * head_dim;
  int64_t total = num_hidden_layers * per_layer + vocab_size * hidden_size + hidden_size;
  if (!tie_word_embeddings) total += vocab_size * hidden_size;
  return total;
}

ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": expected a JSON object");
  ModelConfig c;
  c.raw = j;
  auto mt = j.find("model_type");
  if (mt == j.end() || !mt->is_string()) throw Error(source + ": missing field 'model_type'");
  c.model_type = mt->get<std::string>();
  if (c.model_type != "llama" && c.model_type != "qwen2" && c.model_type != "qwen3" && c.model_type != "mistral")
    throw Error(source + ": unsupported model_type '" + c.model_type + "' (supported: llama, qwen2, qwen3, mistral)");

  c.vocab_size = need_int(j, "vocab_size", source);
  c.hidden_size = need_int(j, "hidden_size", source);
  c.intermediate_size = need_int(j, "intermediate_size", source);
  c.num_hidden_layers = need_int(j, "num_hidden_layers", source);
  c.num_attention_heads = need_int(j, "num_attention_heads", source);
  c.num_key_value_heads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                              ? need_int(j, "num_key_value_heads", source)
                              : c.num_attention_heads;
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw Error(source + ": num_attention_heads (" + std::to_string(c.num_attention_heads) +
                ") is not a multiple of num_key_value_heads (" + std::to_string(c.num_key_value_heads) + ")");
  if (j.contains("head_dim") && !j["head_dim"].is_null()) {
    c.head_dim = need_int(j, "head_dim", source);
  } else {
    if (c.hidden_size % c.num_attention_heads != 0)
      throw Error(source + ": hidden_size is not a multiple of num_attention_heads and no head_dim is given");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0) throw Error(source + ": head_dim must be even for rotary embeddings");
  if (j.contains("max_position_embeddings")) c.max_position_embeddings = need_int(j, "max_position_embeddings", source);
  c.rms_norm_eps = get_number(j, "rms_norm_eps", 1e-6, source);
  c.rope_theta = get_number(j, "rope_theta", 10000.0, source);
  c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", false, source);
  c.mlp_bias = get_bool(j, "mlp_bias", false, source);
  if (auto act = j.find("hidden_act"); act != j.end() && act->is_string() && *act != "silu")
    throw Error(source + ": unsupported hidden_act '" + act->get<std::string>() + "' (only silu)");

  if (c.model_type == "qwen2") {
    c.qkv_bias = true;
  } else if (c.model_type == "qwen3") {
    c.qk_norm = true;
    c.qkv_bias = c.o_bias = get_bool(j, "attention_bias", false, source);
  } else {
    c.qkv_bias = c.o_bias = get_bool(j, "attention_bias", false, source);
  }
  if (get_bool(j, "use_sliding_window", false, source))
    throw Error(source + ": sliding-window attention (use_sliding_window: true) is not supported");

  if (auto rs = j.find("rope_scaling"); rs != j.end() && !rs->is_null()) {
    if (!rs->is_object()) throw Error(source + ": field 'rope_scaling' must be an object or null");
    RopeScaling s;
    std::string type = rs->value("rope_type", rs->value("type", std::string("default")));
    s.type = type;
    if (type == "llama3") {
      s.factor = get_number(*rs, "factor", 8.0, source);
      s.low_freq_factor = get_number(*rs, "low_freq_factor", 1.0, source);
      s.high_freq_factor = get_number(*rs, "high_freq_factor", 4.0, source);
      s.original_max_position_embeddings =
          static_cast<int64_t>(get_number(*rs, "original_max_position_embeddings", 8192, source));
      c.rope_scaling = s;
    } else if (type != "default") {
      throw Error(source + ": unsupported rope_scaling type '" + type + "' (supported: llama3, default)");
    }
  }

  if (auto b = j.find("bos_token_id"); b != j.end() && b->is_number_integer()) c.bos_token_id = b->get<int64_t>();
  if (auto e = j.find("eos_token_id"); e != j.end()) {
    if (e->is_number_integer()) c.eos_token_ids.push_back(e->get<int64_t>());
    else if (e->is_array())
      for (const auto& x : *e)
        if (x.is_number_integer()) c.eos_token_ids.push_back(x.get<int64_t>());
  }
  if (auto d = j.find("dtype"); d != j.end() && d->is_string()) c.dtype = d->get<std::string>();
  else if (auto t = j.find("torch_dtype"); t != j.end() && t->is_string()) c.dtype = t->get<std::string>();
  return c;
}

ModelConfig model_config_load(const std::string& model_dir) {
  const std::string path = model_dir + "/config.json";
  const std::string text = file_read_all(path);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Error(path + ": not valid JSON");
  ModelConfig c = model_config_from_json(j, path);
  // generation_config.json may list more end-of-sequence ids (Llama 3 instruct: eos + eot).
  const std::string gen_path = model_dir + "/generation_config.json";
  if (file_exists(gen_path)) {
    nlohmann::json g = nlohmann::json::parse(file_read_all(gen_path), nullptr, false);
    if (!g.is_discarded() && g.is_object())
      if (auto e = g.find("eos_token_id"); e != g.end()) {
        std::vector<int64_t> ids;
        if (e->is_number_integer()) ids.push_back(e->get<int64_t>());
        else if (e->is_array())
          for (const auto& x : *e)
            if (x.is_number_integer()) ids.push_back(x.get<int64_t>());
        for (int64_t id : ids)
          if (std::find(c.eos_token_ids.begin(), c.eos_token_ids.end(), id) == c.eos_token_ids.end())
            c.eos_token_ids.push_back(id);
      }
  }
  return c;
}

nlohmann::json model_config_to_json(const ModelConfig& c) {
  nlohmann::json j = c.raw.is_object() ? c.raw : nlohmann::json::object();
  j["model_type"] = c.model_type;
  if (!j.contains("architectures"))
    j["architectures"] = {c.model_type == "qwen2" ? "Qwen2ForCausalLM" : c.model_type == "qwen3" ? "Qwen3ForCausalLM" : "LlamaForCausalLM"};
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["head_dim"] = c.head_dim;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_theta"] = c.rope_theta;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["hidden_act"] = "silu";
  if (c.model_type != "qwen2") j["attention_bias"] = c.qkv_bias;
  if (c.rope_scaling) {
    j["rope_scaling"] = {{"rope_type", c.rope_scaling->type},
                         {"factor", c.rope_scaling->factor},
                         {"low_freq_factor", c.rope_scaling->low_freq_factor},
                         {"high_freq_factor", c.rope_scaling->high_freq_factor},
                         {"original_max_position_embeddings", c.rope_scaling->original_max_position_embeddings}};
  } else if (!j.contains("rope_scaling")) {
    j["rope_scaling"] = nullptr;
  }
  if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids;
  j["torch_dtype"] = c.dtype;
  j.erase("dtype");
  return j;
}

}  // namespace rf
