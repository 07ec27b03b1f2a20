// Reading a run config from JSON: every section through the reward library's checked ParamReader (types
// and unknown keys, named by full path), then run_config_validate() for ranges and cross-field rules.
#include "engine/run_config.h"

#include "reward/reward_composite.h"
#include "reward/reward_params.h"
#include "reward/reward_presets.h"
#include "util/error.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace rf {

using nlohmann::json;

namespace {

// An integer that may exceed int (timestamps).
int64_t read_int64(ParamReader& p, const std::string& key, int64_t fallback) {
  const json* v = p.raw(key);
  if (!v) return fallback;
  if (v->is_number_integer() || v->is_number_unsigned()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      param_fail(p.field(key), "expected an integer that fits in 64 bits, found " + v->dump());
    return v->get<int64_t>();
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e18) return static_cast<int64_t>(d);
    param_fail(p.field(key), "expected an integer, found " + v->dump());
  }
  param_fail(p.field(key), "expected an integer, found " + param_type_name(*v));
}

// A section object (absent / null = every field at its default).
const json& section(ParamReader& p, const std::string& key) {
  static const json kNull;
  const json* v = p.raw(key);
  return v ? *v : kNull;
}

void read_data(const json& j, RunDataConfig& d) {
  ParamReader p(j, "data");
  d.dataset = p.text("dataset", d.dataset);
  d.split = p.text("split", d.split);
  d.valid_from = read_int64(p, "valid_from", d.valid_from);
  d.test_from = read_int64(p, "test_from", d.test_from);
  d.pool_size = p.integer("pool_size", d.pool_size);
  d.negative_sampling = p.text("negative_sampling", d.negative_sampling);
  d.max_users = p.integer("max_users", d.max_users);
  d.sft_file = p.text("sft_file", d.sft_file);
  p.finish();
}

void read_template(const json& j, RunTemplateConfig& t) {
  ParamReader p(j, "template");
  t.preset = p.text("preset", t.preset);
  t.file = p.text("file", t.file);
  p.finish();
}

void read_model(const json& j, RunModelConfig& m) {
  ParamReader p(j, "model");
  m.source = p.text("source", m.source);
  m.path = p.text("path", m.path);
  m.finetune = p.text("finetune", m.finetune);
  ParamReader l(section(p, "lora"), "model.lora");
  m.lora.r = l.integer("r", m.lora.r);
  m.lora.lora_alpha = l.number("lora_alpha", m.lora.lora_alpha);
  m.lora.lora_dropout = l.number("lora_dropout", m.lora.lora_dropout);
  m.lora.target_modules = l.texts("target_modules", m.lora.target_modules);
  m.lora.use_rslora = l.boolean("use_rslora", m.lora.use_rslora);
  l.finish();
  p.finish();
}

void read_sft(const json& j, RunSftConfig& s) {
  ParamReader p(j, "sft");
  s.num_train_epochs = p.number("num_train_epochs", s.num_train_epochs);
  s.max_steps = p.integer("max_steps", s.max_steps);
  s.learning_rate = p.number("learning_rate", s.learning_rate);
  s.per_device_train_batch_size = p.integer("per_device_train_batch_size", s.per_device_train_batch_size);
  s.gradient_accumulation_steps = p.integer("gradient_accumulation_steps", s.gradient_accumulation_steps);
  s.max_length = p.integer("max_length", s.max_length);
  s.packing = p.boolean("packing", s.packing);
  s.completion_only_loss = p.boolean("completion_only_loss", s.completion_only_loss);
  s.lr_scheduler_type = p.text("lr_scheduler_type", s.lr_scheduler_type);
  s.warmup_ratio = p.number("warmup_ratio", s.warmup_ratio);
  s.weight_decay = p.number("weight_decay", s.weight_decay);
  s.max_grad_norm = p.number("max_grad_norm", s.max_grad_norm);
  s.logging_steps = p.integer("logging_steps", s.logging_steps);
  s.eval_steps = p.integer("eval_steps", s.eval_steps);
  s.save_steps = p.integer("save_steps", s.save_steps);
  s.save_total_limit = p.integer("save_total_limit", s.save_total_limit);
  p.finish();
}

void read_grpo(const json& j, RunGrpoConfig& g) {
  ParamReader p(j, "grpo");
  g.num_generations = p.integer("num_generations", g.num_generations);
  g.beta = p.number("beta", g.beta);
  g.epsilon = p.number("epsilon", g.epsilon);
  const double high = p.optional_number("epsilon_high");
  g.epsilon_high = std::isnan(high) ? g.epsilon : high;
  g.loss_type = p.text("loss_type", g.loss_type);
  if (const json* v = p.raw("scale_rewards")) {  // TRL also takes a boolean
    if (v->is_boolean()) g.scale_rewards = v->get<bool>() ? "group" : "none";
    else if (v->is_string()) g.scale_rewards = v->get<std::string>();
    else param_fail(p.field("scale_rewards"), "expected \"group\", \"batch\", \"none\" or a boolean, found " + param_type_name(*v));
  }
  g.num_iterations = p.integer("num_iterations", g.num_iterations);
  g.mask_truncated_completions = p.boolean("mask_truncated_completions", g.mask_truncated_completions);
  g.temperature = p.number("temperature", g.temperature);
  g.top_p = p.number("top_p", g.top_p);
  g.top_k = p.integer("top_k", g.top_k);
  g.repetition_penalty = p.number("repetition_penalty", g.repetition_penalty);
  g.max_prompt_length = p.integer("max_prompt_length", g.max_prompt_length);
  g.max_completion_length = p.integer("max_completion_length", g.max_completion_length);
  g.learning_rate = p.number("learning_rate", g.learning_rate);
  g.per_device_train_batch_size = p.integer("per_device_train_batch_size", g.per_device_train_batch_size);
  g.gradient_accumulation_steps = p.integer("gradient_accumulation_steps", g.gradient_accumulation_steps);
  g.num_train_epochs = p.number("num_train_epochs", g.num_train_epochs);
  g.max_steps = p.integer("max_steps", g.max_steps);
  g.lr_scheduler_type = p.text("lr_scheduler_type", g.lr_scheduler_type);
  g.warmup_ratio = p.number("warmup_ratio", g.warmup_ratio);
  g.weight_decay = p.number("weight_decay", g.weight_decay);
  g.adam_beta1 = p.number("adam_beta1", g.adam_beta1);
  g.adam_beta2 = p.number("adam_beta2", g.adam_beta2);
  g.adam_epsilon = p.number("adam_epsilon", g.adam_epsilon);
  g.max_grad_norm = p.number("max_grad_norm", g.max_grad_norm);
  g.logging_steps = p.integer("logging_steps", g.logging_steps);
  g.eval_steps = p.integer("eval_steps", g.eval_steps);
  g.save_steps = p.integer("save_steps", g.save_steps);
  g.save_total_limit = p.integer("save_total_limit", g.save_total_limit);
  g.log_completions = p.boolean("log_completions", g.log_completions);
  p.finish();
}

void read_eval(const json& j, RunEvalConfig& e) {
  ParamReader p(j, "eval");
  e.split = p.text("split", e.split);
  e.users = p.integer("users", e.users);
  e.k = p.integer("k", e.k);
  e.greedy = p.boolean("greedy", e.greedy);
  e.baselines = p.texts("baselines", e.baselines);
  p.finish();
}

// The rewards field: an object, a preset name, or absent / null (the recipe's preset).
json read_rewards(const json* v, const std::string& recipe) {
  if (!v || v->is_null()) {
    if (recipe == "list") return reward_preset("recllm-r1");
    if (recipe == "query") return reward_preset("rec-r1");
    return reward_preset("reczero");  // rating; an unknown recipe fails in run_config_validate
  }
  if (v->is_string()) {
    try {
      return reward_preset(v->get<std::string>());
    } catch (const Error& e) {
      throw Error(std::string("rewards: ") + e.what());
    }
  }
  if (!v->is_object()) param_fail("rewards", "expected a reward preset name or an object, found " + param_type_name(*v));
  return *v;
}

RunConfig read_all(const json& j) {
  if (!j.is_object()) param_fail("run config", "expected a JSON object, found " + param_type_name(j));
  RunConfig c = run_config_default();
  // The top-level reader's paths come out as ".key"; run_config_from_json strips the dot.
  ParamReader p(j, "");
  c.name = p.text("name", c.name);
  c.recipe = p.text("recipe", c.recipe);
  c.trainer = p.text("trainer", c.trainer);
  read_data(section(p, "data"), c.data);
  read_template(section(p, "template"), c.prompt_template);
  read_model(section(p, "model"), c.model);
  c.device = p.text("device", c.device);
  c.dtype = p.text("dtype", c.dtype);
  read_sft(section(p, "sft"), c.sft);
  read_grpo(section(p, "grpo"), c.grpo);
  c.rewards = read_rewards(p.raw("rewards"), c.recipe);
  read_eval(section(p, "eval"), c.eval);
  c.seed = p.integer("seed", c.seed);
  c.nan_patience = p.integer("nan_patience", c.nan_patience);
  c.constrain_answer = p.boolean("constrain_answer", c.constrain_answer);
  c.constrain_mentions = p.boolean("constrain_mentions", c.constrain_mentions);
  p.finish();
  c.rewards = RewardComposite(c.rewards, "rewards").to_json();  // every reward default filled in
  run_config_validate(c);  // ranges and cross-field rules
  return c;
}

}  // namespace

RunConfig run_config_from_json(const json& j, const std::string& where) {
  try {
    return read_all(j);
  } catch (const Error& e) {
    std::string msg = e.what();
    if (!msg.empty() && msg[0] == '.') msg.erase(0, 1);
    throw Error(where.empty() ? msg : where + ": " + msg);
  }
}

RunConfig run_config_load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the run config");
  std::stringstream ss;
  ss << in.rdbuf();
  json j;
  try {
    j = json::parse(ss.str());
  } catch (const json::parse_error& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
  return run_config_from_json(j, path);
}

}  // namespace rf
