// LoRA adapters in Hugging Face PEFT's on-disk layout (see lora_train.h):
//   adapter_config.json         {"peft_type": "LORA", "r", "lora_alpha", "lora_dropout", "target_modules",
//                                "bias": "none", "task_type": "CAUSAL_LM", "base_model_name_or_path", ...}
//   adapter_model.safetensors   base_model.model.<module>.lora_A.weight (r, in), .lora_B.weight (out, r)
#include "model/safetensors.h"
#include "train/lora_train.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

namespace rf {

namespace {

const char* kPrefix = "base_model.model.";

std::string last_component(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

std::string shape_str(at::IntArrayRef s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Layer index of "model.layers.<i>.…", or -1.
int64_t layer_index(const std::string& module) {
  const std::string p = "model.layers.";
  if (module.rfind(p, 0) != 0) return -1;
  const size_t dot = module.find('.', p.size());
  try {
    return std::stoll(module.substr(p.size(), dot - p.size()));
  } catch (...) {
    return -1;
  }
}

}  // namespace

void lora_save_peft(Transformer& model, const std::string& dir, const LoraSaveOptions& options) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  std::set<std::string> adapted, suffixes;
  int64_t rank = -1;
  double scale = 0, dropout = 0;
  std::string first;
  for (auto& [name, l] : model.named_linears()) {
    if (!l->lora) continue;
    const LoraAdapter& ad = *l->lora;
    const int64_t r = ad.a.size(0);
    if (rank < 0) {
      rank = r, scale = ad.scale, dropout = ad.dropout, first = name;
    } else if (r != rank || std::abs(ad.scale - scale) > 1e-12 * std::abs(scale) || ad.dropout != dropout) {
      throw Error("lora_save_peft: adapter '" + name + "' has rank " + std::to_string(r) + ", scale " +
                  std::to_string(ad.scale) + ", but '" + first + "' has rank " + std::to_string(rank) + ", scale " +
                  std::to_string(scale) + " (one rank, alpha and dropout for all adapters is required)");
    }
    adapted.insert(name);
    suffixes.insert(last_component(name));
    tensors.emplace_back(kPrefix + name + ".lora_A.weight", ad.a.detach().to(at::kCPU).contiguous());
    tensors.emplace_back(kPrefix + name + ".lora_B.weight", ad.b.detach().to(at::kCPU).contiguous());
  }
  if (rank < 0) throw Error("lora_save_peft: the model has no LoRA adapters");

  // Short names ("q_proj") when they select exactly the adapted layers, otherwise full module names.
  std::vector<std::string> targets(suffixes.begin(), suffixes.end());
  for (auto& [name, l] : model.named_linears())
    if (!adapted.count(name) && lora_target_matches(name, targets)) {
      targets.assign(adapted.begin(), adapted.end());
      break;
    }

  nlohmann::json c;
  c["peft_type"] = "LORA";
  c["task_type"] = "CAUSAL_LM";
  c["base_model_name_or_path"] = options.base_model_name_or_path;
  c["r"] = rank;
  c["lora_alpha"] = scale * static_cast<double>(rank);  // the scale PEFT recomputes as alpha / r
  c["lora_dropout"] = dropout;
  c["target_modules"] = targets;
  c["bias"] = "none";
  c["fan_in_fan_out"] = false;
  c["inference_mode"] = true;
  c["init_lora_weights"] = true;
  c["use_rslora"] = false;
  c["use_dora"] = false;
  c["modules_to_save"] = nullptr;
  c["layers_to_transform"] = nullptr;
  c["layers_pattern"] = nullptr;
  c["rank_pattern"] = nlohmann::json::object();
  c["alpha_pattern"] = nlohmann::json::object();
  c["revision"] = nullptr;

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create the folder (" + ec.message() + ")");
  safetensors_save(dir + "/adapter_model.safetensors", tensors);
  file_write_atomic(dir + "/adapter_config.json", c.dump(2) + "\n");
}

LoraConfig lora_load_peft(Transformer& model, const std::string& dir) {
  const std::string cfg_path = dir + "/adapter_config.json";
  const std::string st_path = dir + "/adapter_model.safetensors";
  if (!file_exists(cfg_path)) throw Error(dir + ": no adapter_config.json");
  if (!file_exists(st_path)) {
    if (file_exists(dir + "/adapter_model.bin"))
      throw Error(dir + ": adapter_model.bin (pickle) is not supported; save the adapter with safe_serialization");
    throw Error(dir + ": no adapter_model.safetensors");
  }
  const nlohmann::json c = nlohmann::json::parse(file_read_all(cfg_path), nullptr, false);
  if (c.is_discarded() || !c.is_object()) throw Error(cfg_path + ": not a JSON object");
  auto field_error = [&](const std::string& field, const std::string& what) {
    return Error(cfg_path + ": field '" + field + "' " + what);
  };
  auto is_unset = [&](const char* f) {
    return !c.contains(f) || c[f].is_null() || (c[f].is_object() && c[f].empty()) || (c[f].is_array() && c[f].empty());
  };

  if (!c.contains("peft_type") || c["peft_type"] != "LORA") throw field_error("peft_type", "must be \"LORA\"");
  if (!c.contains("r") || !c["r"].is_number_integer() || c["r"].get<int64_t>() < 1)
    throw field_error("r", "must be an integer >= 1");
  LoraConfig out;
  out.rank = c["r"].get<int64_t>();
  out.alpha = static_cast<double>(out.rank);  // PEFT's default lora_alpha is 8; absent is unusual, keep scale 1
  if (c.contains("lora_alpha")) {
    if (!c["lora_alpha"].is_number() || !(c["lora_alpha"].get<double>() > 0))
      throw field_error("lora_alpha", "must be a positive number");
    out.alpha = c["lora_alpha"].get<double>();
  }
  if (c.contains("lora_dropout") && !c["lora_dropout"].is_null()) {
    if (!c["lora_dropout"].is_number() || c["lora_dropout"].get<double>() < 0 || c["lora_dropout"].get<double>() >= 1)
      throw field_error("lora_dropout", "must be a number in [0, 1)");
    out.dropout = c["lora_dropout"].get<double>();
  }
  if (c.contains("bias") && c["bias"] != "none") throw field_error("bias", "must be \"none\" (LoRA biases are not supported)");
  if (c.contains("use_dora") && c["use_dora"] == true) throw field_error("use_dora", "is true: DoRA is not supported");
  if (c.contains("fan_in_fan_out") && c["fan_in_fan_out"] == true)
    throw field_error("fan_in_fan_out", "is true: only [out, in] linear weights are supported");
  if (!is_unset("modules_to_save")) throw field_error("modules_to_save", "is set: fully trained extra modules are not supported");
  if (!is_unset("rank_pattern")) throw field_error("rank_pattern", "is set: per-module ranks are not supported");
  if (!is_unset("alpha_pattern")) throw field_error("alpha_pattern", "is set: per-module alphas are not supported");
  if (c.contains("use_rslora") && !c["use_rslora"].is_null()) {
    if (!c["use_rslora"].is_boolean()) throw field_error("use_rslora", "must be true or false");
    out.use_rslora = c["use_rslora"].get<bool>();
  }

  // Which modules the config targets: a list of names (PEFT's suffix rule) or one regex (full match).
  auto linears = model.named_linears();
  std::function<bool(const std::string&)> targeted;
  std::regex pattern;
  if (!c.contains("target_modules") || c["target_modules"].is_null())
    throw field_error("target_modules", "is missing");
  if (c["target_modules"].is_string()) {
    const std::string p = c["target_modules"].get<std::string>();
    out.target_modules = {p};
    if (p == "all-linear") {
      targeted = [](const std::string&) { return true; };
    } else {
      try {
        pattern = std::regex(p);
      } catch (const std::regex_error&) {
        throw field_error("target_modules", "is not a valid regular expression");
      }
      targeted = [&pattern](const std::string& m) { return std::regex_match(m, pattern); };
    }
  } else if (c["target_modules"].is_array()) {
    for (const auto& t : c["target_modules"]) {
      if (!t.is_string()) throw field_error("target_modules", "must hold strings");
      out.target_modules.push_back(t.get<std::string>());
    }
    targeted = [&out](const std::string& m) { return lora_target_matches(m, out.target_modules); };
  } else {
    throw field_error("target_modules", "must be a list of module names or a regular expression");
  }
  std::set<int64_t> layers;
  if (!is_unset("layers_to_transform")) {
    const auto& l = c["layers_to_transform"];
    if (l.is_number_integer()) layers.insert(l.get<int64_t>());
    else if (l.is_array()) {
      for (const auto& x : l) {
        if (!x.is_number_integer()) throw field_error("layers_to_transform", "must hold layer indices");
        layers.insert(x.get<int64_t>());
      }
    } else {
      throw field_error("layers_to_transform", "must be a layer index or a list of them");
    }
  }

  SafetensorsFile file(st_path);
  std::vector<std::pair<std::string, LinearWeights*>> modules;  // the targeted linears, in layer order
  std::set<std::string> expected;                                // their tensor names
  for (auto& [name, l] : linears) {
    if (!targeted(name)) continue;
    if (!layers.empty() && !layers.count(layer_index(name))) continue;
    modules.emplace_back(name, l);
    expected.insert(kPrefix + name + ".lora_A.weight");
    expected.insert(kPrefix + name + ".lora_B.weight");
  }
  if (modules.empty()) throw field_error("target_modules", "matches no linear layer of the model");
  for (const auto& e : file.entries())
    if (!expected.count(e.name))
      throw Error(st_path + ": tensor '" + e.name + "' does not belong to a targeted linear layer of this model");

  // Validate and build every adapter before touching the model.
  const double scale = out.use_rslora ? out.alpha / std::sqrt(static_cast<double>(out.rank)) : out.alpha / out.rank;
  std::vector<std::pair<LinearWeights*, std::shared_ptr<LoraAdapter>>> built;
  for (auto& [module, l] : modules) {
    const int64_t outf = l->weight.size(0), inf = l->weight.size(1);
    auto read = [&, l = l](const std::string& name, std::vector<int64_t> shape) {
      if (!file.contains(name))
        throw Error(st_path + ": missing tensor '" + name + "' (expected shape " + shape_str(shape) + ")");
      const SafetensorsEntry& e = file.entry(name);
      if (e.shape != shape)
        throw Error(st_path + ": tensor '" + name + "' has shape " + shape_str(e.shape) + ", expected " + shape_str(shape) +
                    " (r = " + std::to_string(out.rank) + ")");
      at::Tensor t = file.tensor(name);
      if (!t.is_floating_point()) throw Error(st_path + ": tensor '" + name + "' is not floating-point");
      if (!at::isfinite(t).all().item<bool>()) throw Error(st_path + ": tensor '" + name + "' holds NaN or infinity");
      return t.to(l->weight.device(), l->weight.scalar_type()).contiguous().set_requires_grad(true);
    };
    auto ad = std::make_shared<LoraAdapter>();
    ad->a = read(kPrefix + module + ".lora_A.weight", {out.rank, inf});
    ad->b = read(kPrefix + module + ".lora_B.weight", {outf, out.rank});
    ad->scale = scale;
    ad->dropout = out.dropout;
    ad->enabled = true;
    built.emplace_back(l, ad);
  }
  // Like lora_attach: the base is frozen and the adapters train, so training can continue from here.
  model.set_requires_grad(false);
  lora_remove(model);
  for (auto& [l, ad] : built) l->lora = ad;
  return out;
}

}  // namespace rf
