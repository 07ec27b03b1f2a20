// LoRA fine-tuning: attaching adapters to a model's linear layers (A kaiming-uniform as PEFT does,
// B zeros, scale alpha / r), listing the adapter parameters (the only ones that train: the base is
// frozen), merging them into the base weights, and saving / loading them in PEFT's layout
// (adapter_config.json + adapter_model.safetensors) so adapters open in Hugging Face PEFT.
// The forward pass that applies adapters is in core/model (model/lora.h).
#pragma once

#include "model/transformer.h"

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rf {

struct LoraConfig {
  int64_t rank = 8;     // r
  double alpha = 16.0;  // lora_alpha; scale = alpha / r (alpha / sqrt(r) with use_rslora)
  double dropout = 0.0;
  // PEFT's matching: a module matches a name when the name equals its full name or its last
  // component(s) ("q_proj", "self_attn.q_proj", "model.layers.0.mlp.up_proj"); "all-linear" = every
  // decoder linear (q, k, v, o, gate, up, down).
  std::vector<std::string> target_modules = {"q_proj", "v_proj"};
  bool use_rslora = false;
};

// Whether the module (full HF name) is selected by target_modules, with PEFT's rule above.
bool lora_target_matches(const std::string& module, const std::vector<std::string>& target_modules);

// Attaches a fresh adapter to every matching linear (replacing none: a layer that already has one is
// an error), freezes every base parameter and makes the adapters trainable. A is drawn from a
// generator seeded with `seed` (U(-1/sqrt(in), 1/sqrt(in)), i.e. kaiming_uniform_(a=sqrt(5))), B = 0,
// so the model's outputs are unchanged. Returns the number of adapted layers. rf::Error names a bad
// field (rank, alpha, dropout) or a target that matches nothing.
int64_t lora_attach(Transformer& model, const LoraConfig& config, uint64_t seed);

// The adapter tensors under PEFT's names ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
// "...lora_B.weight"), in layer order. They share storage with the adapters (give them to the optimiser).
std::vector<std::pair<std::string, at::Tensor>> lora_parameters(Transformer& model);

// W += scale * B A for every adapter (enabled or not), then removes the adapters. Returns how many.
int64_t lora_merge(Transformer& model);
// Removes every adapter without merging (back to the base model).
int64_t lora_remove(Transformer& model);

struct LoraSaveOptions {
  std::string base_model_name_or_path;  // written into adapter_config.json as is
};

// Writes dir/adapter_config.json and dir/adapter_model.safetensors (each atomically). Every adapter
// must share one rank and one scale (rf::Error naming the first that differs).
void lora_save_peft(Transformer& model, const std::string& dir, const LoraSaveOptions& options = {});

// A trainer's checkpoint weights: with `adapters_only`, the adapters in PEFT's layout (lora_save_peft);
// else the whole model as a Hugging Face folder (Transformer::save).
void lora_or_model_save(Transformer& model, const std::string& dir, bool adapters_only, const std::string& base_model_name_or_path);

// Reads a PEFT LoRA folder and attaches its adapters, replacing any the model had. The whole folder is
// validated before the model is touched: a missing, unknown or mis-shaped tensor, or an unsupported
// config field (bias other than "none", DoRA, modules_to_save, ...) gives an rf::Error naming it.
// Returns the config as read (alpha as written, target_modules as names).
LoraConfig lora_load_peft(Transformer& model, const std::string& dir);

}  // namespace rf
