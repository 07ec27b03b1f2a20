// Building a Transformer: from a Hugging Face folder (single or sharded safetensors), from random
// weights, and saving it back in the same layout.
#include "model/safetensors.h"
#include "model/transformer.h"
#include "util/error.h"
#include "util/file_io.h"

#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

namespace rf {

namespace {

// Every tensor the config implies, with its expected shape, in HF names (tied lm_head excluded).
std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const ModelConfig& c) {
  const int64_t C = c.hidden_size, I = c.intermediate_size, D = c.head_dim;
  const int64_t q = c.num_attention_heads * D, kv = c.num_key_value_heads * D;
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  out.push_back({"model.embed_tokens.weight", {c.vocab_size, C}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    out.push_back({p + "input_layernorm.weight", {C}});
    out.push_back({p + "self_attn.q_proj.weight", {q, C}});
    out.push_back({p + "self_attn.k_proj.weight", {kv, C}});
    out.push_back({p + "self_attn.v_proj.weight", {kv, C}});
    if (c.qkv_bias) {
      out.push_back({p + "self_attn.q_proj.bias", {q}});
      out.push_back({p + "self_attn.k_proj.bias", {kv}});
      out.push_back({p + "self_attn.v_proj.bias", {kv}});
    }
    out.push_back({p + "self_attn.o_proj.weight", {C, q}});
    if (c.o_bias) out.push_back({p + "self_attn.o_proj.bias", {C}});
    if (c.qk_norm) {
      out.push_back({p + "self_attn.q_norm.weight", {D}});
      out.push_back({p + "self_attn.k_norm.weight", {D}});
    }
    out.push_back({p + "post_attention_layernorm.weight", {C}});
    out.push_back({p + "mlp.gate_proj.weight", {I, C}});
    out.push_back({p + "mlp.up_proj.weight", {I, C}});
    out.push_back({p + "mlp.down_proj.weight", {C, I}});
    if (c.mlp_bias) {
      out.push_back({p + "mlp.gate_proj.bias", {I}});
      out.push_back({p + "mlp.up_proj.bias", {I}});
      out.push_back({p + "mlp.down_proj.bias", {C}});
    }
  }
  out.push_back({"model.norm.weight", {C}});
  if (!c.tie_word_embeddings) out.push_back({"lm_head.weight", {c.vocab_size, C}});
  return out;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Places a named tensor into the model's slot for it.
at::Tensor* slot_for(Transformer& m, const std::string& name) {
  if (name == "model.embed_tokens.weight") return &m.embed_tokens();
  if (name == "model.norm.weight") return &m.final_norm();
  if (name == "lm_head.weight") return &m.lm_head();
  const std::string prefix = "model.layers.";
  if (name.rfind(prefix, 0) != 0) return nullptr;
  const size_t dot = name.find('.', prefix.size());
  const int64_t i = std::stoll(name.substr(prefix.size(), dot - prefix.size()));
  if (i < 0 || i >= static_cast<int64_t>(m.layers().size())) return nullptr;
  DecoderLayer& L = m.layers()[i];
  const std::string rest = name.substr(dot + 1);
  if (rest == "input_layernorm.weight") return &L.input_norm;
  if (rest == "post_attention_layernorm.weight") return &L.post_attention_norm;
  if (rest == "self_attn.q_norm.weight") return &L.q_norm;
  if (rest == "self_attn.k_norm.weight") return &L.k_norm;
  struct Named {
    const char* n;
    LinearWeights* l;
  } linears[] = {{"self_attn.q_proj", &L.q}, {"self_attn.k_proj", &L.k},  {"self_attn.v_proj", &L.v},
                 {"self_attn.o_proj", &L.o}, {"mlp.gate_proj", &L.gate}, {"mlp.up_proj", &L.up},
                 {"mlp.down_proj", &L.down}};
  for (auto& [n, l] : linears) {
    if (rest == std::string(n) + ".weight") return &l->weight;
    if (rest == std::string(n) + ".bias") return &l->bias;
  }
  return nullptr;
}

at::ScalarType dtype_from_config_name(const std::string& s) {
  if (s == "bfloat16") return at::kBFloat16;
  if (s == "float16") return at::kHalf;
  return at::kFloat;
}

}  // namespace

std::unique_ptr<Transformer> Transformer::load(const std::string& dir, const ModelLoadOptions& options) {
  c10::InferenceMode off(false);  // weights must be ordinary tensors, trainable later
  ModelConfig config = model_config_load(dir);
  auto model = std::make_unique<Transformer>(config, options.dtype, options.device);

  // name -> file that holds it
  std::map<std::string, std::string> where;
  const std::string index_path = dir + "/model.safetensors.index.json";
  const std::string single_path = dir + "/model.safetensors";
  if (file_exists(index_path)) {
    nlohmann::json index = nlohmann::json::parse(file_read_all(index_path), nullptr, false);
    if (index.is_discarded() || !index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
      throw Error(index_path + ": expected an object with a 'weight_map' object");
    for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
      if (!it->is_string()) throw Error(index_path + ": weight_map['" + it.key() + "'] must be a file name");
      const std::string file = it->get<std::string>();
      if (file.find('/') != std::string::npos || file.find("..") != std::string::npos)
        throw Error(index_path + ": weight_map['" + it.key() + "'] names a file outside the model folder");
      where[it.key()] = dir + "/" + file;
    }
  } else if (!file_exists(single_path)) {
    throw Error(dir + ": no model.safetensors or model.safetensors.index.json");
  }

  std::map<std::string, std::unique_ptr<SafetensorsFile>> files;
  auto file_for = [&](const std::string& name) -> SafetensorsFile* {
    const std::string path = where.empty() ? single_path : (where.count(name) ? where[name] : std::string());
    if (path.empty()) return nullptr;
    auto& f = files[path];
    if (!f) f = std::make_unique<SafetensorsFile>(path);
    return f.get();
  };

  for (const auto& [name, shape] : expected_tensors(config)) {
    SafetensorsFile* f = file_for(name);
    if (!f || !f->contains(name))
      throw Error(dir + ": missing tensor '" + name + "' (expected shape " + shape_str(shape) + " from config.json)");
    const SafetensorsEntry& e = f->entry(name);
    if (e.shape != shape)
      throw Error(f->path() + ": tensor '" + name + "' has shape " + shape_str(e.shape) + " but config.json implies " +
                  shape_str(shape));
    at::Tensor t = f->tensor(name);
    if (!t.is_floating_point()) throw Error(f->path() + ": tensor '" + name + "' is not a floating-point tensor");
    *slot_for(*model, name) = t.to(options.device, options.dtype).contiguous();
  }
  if (config.tie_word_embeddings) model->lm_head() = model->embed_tokens();
  return model;
}

std::unique_ptr<Transformer> Transformer::random(const ModelConfig& config, uint64_t seed, const ModelLoadOptions& options) {
  c10::InferenceMode off(false);
  auto model = std::make_unique<Transformer>(config, options.dtype, options.device);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const auto& [name, shape] : expected_tensors(config)) {
    at::Tensor t;
    const bool is_norm = name.find("norm.weight") != std::string::npos;
    if (is_norm) t = at::ones(shape, at::kFloat);
    else if (shape.size() == 1) t = at::zeros(shape, at::kFloat);
    else t = at::normal(0.0, 0.02, shape, gen, at::TensorOptions().dtype(at::kFloat));
    *slot_for(*model, name) = t.to(options.device, options.dtype).contiguous();
  }
  if (config.tie_word_embeddings) model->lm_head() = model->embed_tokens();
  return model;
}

void Transformer::save(const std::string& dir, std::optional<at::ScalarType> save_dtype) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create the folder (" + ec.message() + ")");
  const at::ScalarType dtype = save_dtype.value_or(dtype_);
  ModelConfig c = config_;
  c.dtype = dtype == at::kBFloat16 ? "bfloat16" : dtype == at::kHalf ? "float16" : "float32";
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, t] : named_parameters()) tensors.emplace_back(name, t.detach().to(at::kCPU, dtype));
  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  safetensors_save(dir + "/model.safetensors", tensors);
  // A stale index would point loaders at shards that no longer match.
  std::filesystem::remove(dir + "/model.safetensors.index.json", ec);
  file_write_atomic(dir + "/config.json", model_config_to_json(c).dump(2) + "\n");
}

}  // namespace rf
