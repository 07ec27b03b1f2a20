// Run config defaults, JSON writing, and the range / cross-field rules (see run_config.h). The reading of
// JSON is in run_config_read.cpp.
#include "engine/run_config.h"

#include "eval/baseline_factory.h"
#include "reward/reward_composite.h"
#include "reward/reward_presets.h"
#include "util/error.h"

#include <cctype>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace rf {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& message) { throw Error(field + ": " + message); }

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

void need_int(const std::string& f, int v, int lo, int hi = INT_MAX) {
  if (v >= lo && v <= hi) return;
  if (hi == INT_MAX) bad(f, "expected an integer >= " + std::to_string(lo) + ", found " + std::to_string(v));
  bad(f, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], found " + std::to_string(v));
}

// v in [lo, hi] (or (lo, hi] with lo_open, [lo, hi) with hi_open); hi = inf means no upper bound.
void need_num(const std::string& f, double v, double lo, double hi = INFINITY, bool lo_open = false, bool hi_open = false) {
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  if (ok) return;
  if (std::isinf(hi)) bad(f, std::string("expected a number ") + (lo_open ? "> " : ">= ") + num(lo) + ", found " + num(v));
  bad(f, std::string("expected a number in ") + (lo_open ? "(" : "[") + num(lo) + ", " + num(hi) + (hi_open ? ")" : "]") +
             ", found " + num(v));
}

void need_one_of(const std::string& f, const std::string& v, const std::vector<std::string>& allowed) {
  for (const std::string& a : allowed)
    if (a == v) return;
  bad(f, "'" + v + "' is not one of " + join(allowed));
}

void need_max_steps(const std::string& f, int v) {
  if (v == -1 || v >= 1) return;
  bad(f, "expected -1 (train for num_train_epochs) or a positive number of steps, found " + std::to_string(v));
}

const std::vector<std::string> kSchedules = {"linear", "cosine", "constant", "constant_with_warmup"};

void validate_data(const RunDataConfig& d) {
  need_one_of("data.split", d.split, {"leave-last-out", "temporal"});
  if (d.split == "temporal" && !(d.valid_from < d.test_from))
    bad("data.test_from", "must be > data.valid_from (" + std::to_string(d.valid_from) + ") for a temporal split, found " +
                              std::to_string(d.test_from));
  need_int("data.pool_size", d.pool_size, 1);
  need_one_of("data.negative_sampling", d.negative_sampling, {"uniform", "popularity"});
  need_int("data.max_users", d.max_users, 0);
}

void validate_model(const RunModelConfig& m) {
  need_one_of("model.source", m.source, {"sample", "hf"});
  if (m.source == "hf" && m.path.empty()) bad("model.path", "is required when model.source is \"hf\" (the model's folder)");
  need_one_of("model.finetune", m.finetune, {"full", "lora"});
  need_int("model.lora.r", m.lora.r, 1);
  need_num("model.lora.lora_alpha", m.lora.lora_alpha, 0, INFINITY, true);
  need_num("model.lora.lora_dropout", m.lora.lora_dropout, 0, 1, false, true);
  if (m.lora.target_modules.empty()) bad("model.lora.target_modules", "needs at least one module name (or \"all-linear\")");
  for (size_t i = 0; i < m.lora.target_modules.size(); ++i)
    if (m.lora.target_modules[i].empty()) bad("model.lora.target_modules[" + std::to_string(i) + "]", "is empty");
}

void validate_device(const std::string& device, const std::string& dtype) {
  bool ok = device == "auto" || device == "cpu" || device == "cuda";
  if (!ok && device.rfind("cuda:", 0) == 0 && device.size() > 5) {
    ok = true;
    for (size_t i = 5; i < device.size(); ++i) ok = ok && std::isdigit(static_cast<unsigned char>(device[i]));
  }
  if (!ok) bad("device", "'" + device + "' is not one of auto, cpu, cuda, cuda:N");
  need_one_of("dtype", dtype, {"auto", "float32", "bfloat16", "float16"});
}

void validate_sft(const RunSftConfig& s) {
  need_num("sft.num_train_epochs", s.num_train_epochs, 0, INFINITY, true);
  need_max_steps("sft.max_steps", s.max_steps);
  need_num("sft.learning_rate", s.learning_rate, 0);
  need_int("sft.per_device_train_batch_size", s.per_device_train_batch_size, 1);
  need_int("sft.gradient_accumulation_steps", s.gradient_accumulation_steps, 1);
  need_int("sft.max_length", s.max_length, 2);
  need_one_of("sft.lr_scheduler_type", s.lr_scheduler_type, kSchedules);
  need_num("sft.warmup_ratio", s.warmup_ratio, 0, 1);
  need_num("sft.weight_decay", s.weight_decay, 0);
  need_num("sft.max_grad_norm", s.max_grad_norm, 0);
  need_int("sft.logging_steps", s.logging_steps, 1);
  need_int("sft.eval_steps", s.eval_steps, 0);
  need_int("sft.save_steps", s.save_steps, 0);
  need_int("sft.save_total_limit", s.save_total_limit, 0);
}

void validate_grpo(const RunGrpoConfig& g) {
  need_int("grpo.num_generations", g.num_generations, 2);
  need_num("grpo.beta", g.beta, 0);
  need_num("grpo.epsilon", g.epsilon, 0, 1, true, true);  // as core/train/grpo_options.h
  if (!std::isfinite(g.epsilon_high) || g.epsilon_high < g.epsilon)
    bad("grpo.epsilon_high", "must be >= epsilon (" + num(g.epsilon) + "), found " + num(g.epsilon_high));
  need_one_of("grpo.loss_type", g.loss_type, {"grpo", "bnpo", "dr_grpo", "dapo"});
  need_one_of("grpo.scale_rewards", g.scale_rewards, {"group", "batch", "none"});
  need_int("grpo.num_iterations", g.num_iterations, 1);
  need_num("grpo.temperature", g.temperature, 0, INFINITY, true);
  need_num("grpo.top_p", g.top_p, 0, 1, true);
  need_int("grpo.top_k", g.top_k, 0);
  need_num("grpo.repetition_penalty", g.repetition_penalty, 0, INFINITY, true);
  need_int("grpo.max_prompt_length", g.max_prompt_length, 1);
  need_int("grpo.max_completion_length", g.max_completion_length, 1);
  need_num("grpo.learning_rate", g.learning_rate, 0);
  need_int("grpo.per_device_train_batch_size", g.per_device_train_batch_size, 1);
  need_int("grpo.gradient_accumulation_steps", g.gradient_accumulation_steps, 1);
  const int64_t batch = int64_t{g.per_device_train_batch_size} * g.gradient_accumulation_steps;
  if (batch % g.num_generations != 0)
    bad("grpo.per_device_train_batch_size",
        "per_device_train_batch_size x gradient_accumulation_steps (" + std::to_string(g.per_device_train_batch_size) +
            " x " + std::to_string(g.gradient_accumulation_steps) + " = " + std::to_string(batch) +
            ") must be a multiple of num_generations (" + std::to_string(g.num_generations) + ")");
  need_num("grpo.num_train_epochs", g.num_train_epochs, 0, INFINITY, true);
  need_max_steps("grpo.max_steps", g.max_steps);
  need_one_of("grpo.lr_scheduler_type", g.lr_scheduler_type, kSchedules);
  need_num("grpo.warmup_ratio", g.warmup_ratio, 0, 1);
  need_num("grpo.weight_decay", g.weight_decay, 0);
  need_num("grpo.adam_beta1", g.adam_beta1, 0, 1, false, true);
  need_num("grpo.adam_beta2", g.adam_beta2, 0, 1, false, true);
  need_num("grpo.adam_epsilon", g.adam_epsilon, 0, INFINITY, true);
  need_num("grpo.max_grad_norm", g.max_grad_norm, 0);
  need_int("grpo.logging_steps", g.logging_steps, 1);
  need_int("grpo.eval_steps", g.eval_steps, 0);
  need_int("grpo.save_steps", g.save_steps, 0);
  need_int("grpo.save_total_limit", g.save_total_limit, 0);
}

void validate_eval(const RunEvalConfig& e) {
  need_one_of("eval.split", e.split, {"valid", "test"});
  need_int("eval.users", e.users, 0);
  need_int("eval.k", e.k, 1);
  for (size_t i = 0; i < e.baselines.size(); ++i)
    if (!baseline_available(e.baselines[i])) {
      std::vector<std::string> known = recommender_names();
      for (const std::string& n : rating_predictor_names()) known.push_back(n);
      bad("eval.baselines[" + std::to_string(i) + "]", "unknown baseline '" + e.baselines[i] + "' (known: " + join(known) + ")");
    }
}

json lora_to_json(const RunLoraConfig& l) {
  return {{"r", l.r}, {"lora_alpha", l.lora_alpha}, {"lora_dropout", l.lora_dropout},
          {"target_modules", l.target_modules}, {"use_rslora", l.use_rslora}};
}

}  // namespace

RunConfig run_config_default() {
  RunConfig c;
  c.rewards = RewardComposite(reward_preset("recllm-r1"), "rewards").to_json();
  return c;
}

void run_config_validate(const RunConfig& c) {
  need_one_of("recipe", c.recipe, {"list", "query", "rating"});
  need_one_of("trainer", c.trainer, {"sft", "grpo"});
  validate_data(c.data);
  validate_model(c.model);
  validate_device(c.device, c.dtype);
  validate_sft(c.sft);
  validate_grpo(c.grpo);
  if (!c.rewards.is_object()) bad("rewards", "expected the reward configuration object (run_config_default() fills it)");
  const RewardComposite rewards(c.rewards, "rewards");
  if (recipe_name(rewards.recipe()) != c.recipe)
    bad("rewards.recipe", "'" + recipe_name(rewards.recipe()) + "' does not match the run's recipe '" + c.recipe + "'");
  validate_eval(c.eval);
  // A List answer names eval.k items of the pool (core/engine/run_setup.cpp asks for eval.k of them).
  if (c.recipe == "list" && c.eval.k > c.data.pool_size)
    bad("eval.k", "a List answer names eval.k items out of the data.pool_size candidates: " + std::to_string(c.eval.k) +
                      " is more than the pool's " + std::to_string(c.data.pool_size));
  need_int("seed", c.seed, 0);
  need_int("nan_patience", c.nan_patience, 1);
}

json run_config_to_json(const RunConfig& c) {
  const RunDataConfig& d = c.data;
  const RunSftConfig& s = c.sft;
  const RunGrpoConfig& g = c.grpo;
  const RunEvalConfig& e = c.eval;
  json j;
  j["name"] = c.name;
  j["recipe"] = c.recipe;
  j["trainer"] = c.trainer;
  j["data"] = {{"dataset", d.dataset},     {"split", d.split},         {"valid_from", d.valid_from},
               {"test_from", d.test_from}, {"pool_size", d.pool_size}, {"negative_sampling", d.negative_sampling},
               {"max_users", d.max_users}, {"sft_file", d.sft_file}};
  j["template"] = {{"preset", c.prompt_template.preset}, {"file", c.prompt_template.file}};
  j["model"] = {{"source", c.model.source}, {"path", c.model.path}, {"finetune", c.model.finetune},
                {"lora", lora_to_json(c.model.lora)}};
  j["device"] = c.device;
  j["dtype"] = c.dtype;
  j["sft"] = {{"num_train_epochs", s.num_train_epochs},
              {"max_steps", s.max_steps},
              {"learning_rate", s.learning_rate},
              {"per_device_train_batch_size", s.per_device_train_batch_size},
              {"gradient_accumulation_steps", s.gradient_accumulation_steps},
              {"max_length", s.max_length},
              {"packing", s.packing},
              {"completion_only_loss", s.completion_only_loss},
              {"lr_scheduler_type", s.lr_scheduler_type},
              {"warmup_ratio", s.warmup_ratio},
              {"weight_decay", s.weight_decay},
              {"max_grad_norm", s.max_grad_norm},
              {"logging_steps", s.logging_steps},
              {"eval_steps", s.eval_steps},
              {"save_steps", s.save_steps},
              {"save_total_limit", s.save_total_limit}};
  j["grpo"] = {{"num_generations", g.num_generations},
               {"beta", g.beta},
               {"epsilon", g.epsilon},
               {"epsilon_high", g.epsilon_high},
               {"loss_type", g.loss_type},
               {"scale_rewards", g.scale_rewards},
               {"num_iterations", g.num_iterations},
               {"mask_truncated_completions", g.mask_truncated_completions},
               {"temperature", g.temperature},
               {"top_p", g.top_p},
               {"top_k", g.top_k},
               {"repetition_penalty", g.repetition_penalty},
               {"max_prompt_length", g.max_prompt_length},
               {"max_completion_length", g.max_completion_length},
               {"learning_rate", g.learning_rate},
               {"per_device_train_batch_size", g.per_device_train_batch_size},
               {"gradient_accumulation_steps", g.gradient_accumulation_steps},
               {"num_train_epochs", g.num_train_epochs},
               {"max_steps", g.max_steps},
               {"lr_scheduler_type", g.lr_scheduler_type},
               {"warmup_ratio", g.warmup_ratio},
               {"weight_decay", g.weight_decay},
               {"adam_beta1", g.adam_beta1},
               {"adam_beta2", g.adam_beta2},
               {"adam_epsilon", g.adam_epsilon},
               {"max_grad_norm", g.max_grad_norm},
               {"logging_steps", g.logging_steps},
               {"eval_steps", g.eval_steps},
               {"save_steps", g.save_steps},
               {"save_total_limit", g.save_total_limit},
               {"log_completions", g.log_completions}};
  j["rewards"] = c.rewards;
  j["eval"] = {{"split", e.split}, {"users", e.users}, {"k", e.k}, {"greedy", e.greedy}, {"baselines", e.baselines}};
  j["seed"] = c.seed;
  j["nan_patience"] = c.nan_patience;
  j["constrain_answer"] = c.constrain_answer;
  j["constrain_mentions"] = c.constrain_mentions;
  return j;
}

void run_config_save(const RunConfig& c, const std::string& path) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write the run config (cannot create " + tmp + ")");
    out << run_config_to_json(c).dump(2) << "\n";
    if (!out) throw Error(path + ": cannot write the run config (write failed)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw Error(path + ": cannot write the run config: " + ec.message());
}

}  // namespace rf
