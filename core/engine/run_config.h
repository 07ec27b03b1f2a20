// One run, fully described by one JSON document (DESIGN.md §2): recipe, data set and split, prompt
// template, model (sample model or a Hugging Face folder; full fine-tuning or LoRA), device and dtype, the
// trainer ("sft" | "grpo") and its settings, reward components and weights, evaluation settings, seed.
// The CLI, the GUI and the run store all use this one schema; docs/config.md lists every field with its
// default and meaning (keep it in sync with the defaults below).
//
// GRPO and SFT field names follow TRL (GRPOConfig / SFTConfig / transformers.TrainingArguments) and so do
// the defaults, except where a comment says otherwise. run_config_from_json() rejects unknown fields and
// names the full path of a bad one ("grpo.epsilon_high: must be >= epsilon (0.2), found 0.1");
// run_config_to_json() writes every field, defaults filled in, and reads back to an equal config.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rf {

struct RunDataConfig {
  std::string dataset;                   // the project's data set name ("" = the project's only / default one)
  std::string split = "leave-last-out";  // "leave-last-out" | "temporal"
  int64_t valid_from = 0;                // temporal split: first validation timestamp
  int64_t test_from = 0;                 // temporal split: first test timestamp
  int pool_size = 20;                    // List recipe: candidate pool size, targets included
  std::string negative_sampling = "uniform";  // "uniform" | "popularity"
  int max_users = 0;                     // training users used (0 = all)
  std::string sft_file;                  // SFT: a prompt/completion JSONL ("" = the project's teacher traces)
  bool operator==(const RunDataConfig&) const = default;
};

struct RunTemplateConfig {
  std::string preset;  // a preset of resources/templates/presets.json ("" = the recipe's default)
  std::string file;    // a template file that replaces the preset's ("" = the preset's own)
  bool operator==(const RunTemplateConfig&) const = default;
};

struct RunLoraConfig {  // PEFT's names; the same defaults as core/train/lora_train.h LoraConfig
  int r = 8;
  double lora_alpha = 16.0;
  double lora_dropout = 0.0;
  std::vector<std::string> target_modules = {"q_proj", "v_proj"};
  bool use_rslora = false;
  bool operator==(const RunLoraConfig&) const = default;
};

struct RunModelConfig {
  std::string source = "sample";  // "sample" (the project's pretrained base model) | "hf" (a Hugging Face folder)
  std::string path;               // source "hf": the folder with config.json, tokenizer.json, *.safetensors
  std::string finetune = "full";  // "full" | "lora"
  RunLoraConfig lora;             // used when finetune is "lora"
  bool operator==(const RunModelConfig&) const = default;
};

// SFTConfig / TrainingArguments names. Defaults: TRL's SFTConfig.
struct RunSftConfig {
  double num_train_epochs = 3.0;
  int max_steps = -1;                 // > 0 overrides num_train_epochs
  double learning_rate = 2e-5;
  int per_device_train_batch_size = 8;
  int gradient_accumulation_steps = 1;
  int max_length = 1024;              // tokens per sequence (prompt + completion); longer ones are truncated
  bool packing = false;               // pack several examples per row (else length-bucketed batches)
  bool completion_only_loss = true;   // loss on completion tokens only
  std::string lr_scheduler_type = "linear";
  double warmup_ratio = 0.0;
  double weight_decay = 0.0;
  double max_grad_norm = 1.0;
  int logging_steps = 10;
  int eval_steps = 0;                 // evaluate every N steps (0 = only at the end)
  int save_steps = 500;               // checkpoint every N steps (0 = only at the end)
  int save_total_limit = 0;           // keep the N newest checkpoints, remove older ones (0 = keep all); applied by
                                      // whoever records the checkpoint (run_checkpoints_prune, cmd_sft)
  bool operator==(const RunSftConfig&) const = default;
};

// GRPOConfig names and defaults (TRL ≥ 0.20; TrainingArguments for the optimiser fields). DESIGN.md §7.
struct RunGrpoConfig {
  int num_generations = 8;             // G completions per prompt
  double beta = 0.0;                   // KL coefficient (0 = no reference model)
  double epsilon = 0.2;                // lower clip ε_low
  double epsilon_high = 0.2;           // upper clip ε_high; absent / null in JSON = epsilon
  std::string loss_type = "dapo";      // "grpo" | "bnpo" | "dr_grpo" | "dapo"
  std::string scale_rewards = "group"; // "group" | "batch" | "none" (JSON true / false = "group" / "none")
  int num_iterations = 1;              // μ: updates per batch of rollouts
  bool mask_truncated_completions = false;
  double temperature = 1.0;
  double top_p = 1.0;
  int top_k = 0;                       // 0 = off
  double repetition_penalty = 1.0;
  int max_prompt_length = 512;         // TRL ≤ 0.2x's default; longer prompts are truncated from the left
  int max_completion_length = 256;
  double learning_rate = 1e-6;
  int per_device_train_batch_size = 8; // completions per micro-batch; × accumulation must divide by num_generations
  int gradient_accumulation_steps = 1;
  double num_train_epochs = 3.0;
  int max_steps = -1;                  // > 0 overrides num_train_epochs
  std::string lr_scheduler_type = "linear";
  double warmup_ratio = 0.0;
  double weight_decay = 0.0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  double max_grad_norm = 1.0;
  int logging_steps = 10;
  int eval_steps = 0;                  // evaluate every N steps (0 = only at the end)
  int save_steps = 500;                // checkpoint every N steps (0 = only at the end)
  int save_total_limit = 0;            // keep the N newest checkpoints, remove older ones (0 = keep all)
  bool log_completions = true;         // RecForge: store every trajectory in the run store (TRL default: false)
  bool operator==(const RunGrpoConfig&) const = default;
};

struct RunEvalConfig {
  std::string split = "valid";  // "valid" | "test": which held-out items are scored
  int users = 200;              // held-out users evaluated (0 = all)
  int k = 10;                   // cut-off of Recall@k / NDCG@k
  bool greedy = true;           // greedy decoding for evaluation (else the training sampling settings)
  // Classic baselines scored beside the model (core/eval/baseline_factory.h names); empty = the recipe's
  // standard set (list / query: pop, itemknn, sasrec; rating: global-mean, user-mean, item-mean, biased-mf).
  std::vector<std::string> baselines;
  bool operator==(const RunEvalConfig&) const = default;
};

struct RunConfig {
  std::string name;              // shown in the run list ("" = made from recipe, trainer and time)
  std::string recipe = "list";   // "list" | "query" | "rating"
  std::string trainer = "grpo";  // "sft" | "grpo"
  RunDataConfig data;
  RunTemplateConfig prompt_template;  // JSON key "template"
  RunModelConfig model;
  std::string device = "auto";  // "auto" | "cpu" | "cuda" | "cuda:N"
  std::string dtype = "auto";   // "auto" | "float32" | "bfloat16" | "float16"
  RunSftConfig sft;
  RunGrpoConfig grpo;
  // The reward configuration in core/reward/reward_composite.h's JSON form, every default filled in. In the
  // input it may be that object, a preset name ("recllm-r1", ...) or absent (the recipe's preset).
  nlohmann::json rewards;
  RunEvalConfig eval;
  int seed = 42;
  int nan_patience = 3;  // the run stops after this many NaN / infinite-loss steps in a row
  // List recipe: constrained decoding of the answer in rollouts and evaluations, so that it can only be
  // `[id, ..., id]` with k distinct ids of the prompt's candidate pool (the reasoning stays free). Other
  // recipes ignore it.
  bool constrain_answer = false;
  // With constrain_answer: "[id]" mentions in the reasoning are held to distinct pool ids as well, so a
  // model that ranks the candidates in its reasoning (as the teacher traces do) ranks the real ones.
  bool constrain_mentions = false;
  bool operator==(const RunConfig&) const = default;
};

// The defaults of every field (rewards = the recipe's preset, filled in).
RunConfig run_config_default();

// Reads and validates a config; absent fields take their defaults. rf::Error names the field path
// ("grpo.top_p: ...", "model.lora.r: ...", "frobnicate: unknown key ..."), prefixed with `where` and ": "
// when `where` is not empty (e.g. the file name).
RunConfig run_config_from_json(const nlohmann::json& j, const std::string& where = "");

// Every field, defaults filled in; run_config_from_json(run_config_to_json(c)) == c.
nlohmann::json run_config_to_json(const RunConfig& c);

// Checks the cross-field rules on a config built in code (from_json runs it too). rf::Error names the field.
void run_config_validate(const RunConfig& c);

// A config file: rf::Error names the file (and the field). Saving writes a temporary file and renames it.
RunConfig run_config_load(const std::string& path);
void run_config_save(const RunConfig& c, const std::string& path);

}  // namespace rf
