// The SFT training loop (see sft_trainer.h): batches -> token-weighted accumulation -> clip -> AdamW,
// with evaluation, checkpoints and per-step metrics.
#include "train/sft_trainer.h"

#include "train/adamw.h"
#include "train/checkpoint_dir.h"
#include "train/grad_accumulation.h"
#include "train/grad_clip.h"
#include "train/lr_schedule.h"
#include "train/out_of_memory.h"
#include "train/token_logprobs.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

namespace rf {

namespace {

void sft_options_validate(const SftOptions& o) {
  const RunSftConfig& c = o.config;
  auto bad = [](const std::string& field, const std::string& what) { throw Error("sft." + field + ": " + what); };
  if (c.per_device_train_batch_size < 1) bad("per_device_train_batch_size", "must be >= 1");
  if (c.gradient_accumulation_steps < 1) bad("gradient_accumulation_steps", "must be >= 1");
  if (c.max_length < 2) bad("max_length", "must be >= 2");
  if (!(c.learning_rate >= 0)) bad("learning_rate", "must be >= 0");
  if (c.max_steps <= 0 && !(c.num_train_epochs > 0)) bad("num_train_epochs", "must be > 0 when max_steps is not set");
  if (!(c.warmup_ratio >= 0 && c.warmup_ratio <= 1)) bad("warmup_ratio", "must be in [0, 1]");
  if (c.eval_steps < 0) bad("eval_steps", "must be >= 0");
  if (c.save_steps < 0) bad("save_steps", "must be >= 0");
  if (c.save_total_limit < 0) bad("save_total_limit", "must be >= 0");
  if (!(o.eval_fraction >= 0 && o.eval_fraction < 1)) throw Error("eval_fraction: must be in [0, 1)");
}

std::vector<SftBatchPlan> epoch_batches(const std::vector<SftExample>& ex, const SftOptions& o, uint64_t epoch) {
  std::vector<int64_t> lengths;
  lengths.reserve(ex.size());
  for (const SftExample& e : ex) lengths.push_back(e.length());
  const uint64_t seed = o.seed * 1000003ULL + epoch;
  return o.config.packing ? sft_batches_packed(lengths, o.config.max_length, o.config.per_device_train_batch_size, seed)
                          : sft_batches_bucketed(lengths, o.config.per_device_train_batch_size, seed, o.bucket_window);
}

SftBatch to_device(SftBatch b, const at::Device& d) {
  b.input_ids = b.input_ids.to(d);
  b.loss_mask = b.loss_mask.to(d);
  b.attention_mask = b.attention_mask.to(d);
  b.position_ids = b.position_ids.to(d);
  return b;
}

// Where the loop stands after a step: enough to rebuild it exactly (the batch plans are a function of
// (seed, epoch), the learning rate of the step).
struct SftLoopState {
  int64_t step = 0;
  int64_t total_steps = 0;
  uint64_t epoch = 0;
  int64_t next_plan = 0;     // index into the epoch's batch plans
  int64_t batches_done = 0;
  int64_t num_tokens = 0;
  int64_t skipped_steps = 0;
  int64_t train_examples = 0;
};

// The model (or its adapters) and the files to copy, into a checkpoint's temporary folder.
void checkpoint_fill_model(Transformer& model, const std::string& tmp, const SftOptions& o) {
  lora_or_model_save(model, tmp, o.lora, o.base_model_name_or_path);
  checkpoint_copy_files(o.copy_files, tmp);
}

void checkpoint_write_resumable(Transformer& model, const std::string& dir, const SftOptions& o, const AdamW& optimizer,
                                const SftLoopState& st) {
  checkpoint_dir_write(dir, [&](const std::string& tmp) {
    checkpoint_fill_model(model, tmp, o);
    optimizer.save(tmp + "/optimizer.safetensors");
    const nlohmann::json state = {{"step", st.step},
                                  {"total_steps", st.total_steps},
                                  {"epoch", st.epoch},
                                  {"next_batch", st.next_plan},
                                  {"batches_done", st.batches_done},
                                  {"num_tokens", st.num_tokens},
                                  {"skipped_steps", st.skipped_steps},
                                  {"train_examples", st.train_examples},
                                  {"seed", o.seed},
                                  {"rng", "derived from (seed, epoch): batch plans; (seed, step): global generator"}};
    file_write_atomic(tmp + "/trainer_state.json", state.dump(2) + "\n");
  });
}

nlohmann::json trainer_state_read(const std::string& dir) {
  const std::string path = dir + "/trainer_state.json";
  try {
    return nlohmann::json::parse(file_read_all(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

SftLoopState checkpoint_restore(const std::string& dir, const SftOptions& o, AdamW& optimizer, int64_t total_steps,
                                int64_t train_examples) {
  const std::string path = dir + "/trainer_state.json";
  const nlohmann::json s = trainer_state_read(dir);
  SftLoopState st;
  try {
    st.step = s.at("step").get<int64_t>();
    st.total_steps = s.at("total_steps").get<int64_t>();
    st.epoch = s.at("epoch").get<uint64_t>();
    st.next_plan = s.at("next_batch").get<int64_t>();
    st.batches_done = s.at("batches_done").get<int64_t>();
    st.num_tokens = s.at("num_tokens").get<int64_t>();
    st.skipped_steps = s.value("skipped_steps", int64_t{0});
    st.train_examples = s.at("train_examples").get<int64_t>();
    if (s.at("seed").get<uint64_t>() != o.seed)
      throw Error("seed " + std::to_string(s.at("seed").get<uint64_t>()) + " differs from the run's " + std::to_string(o.seed));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  if (st.train_examples != train_examples)
    throw Error(path + ": written for " + std::to_string(st.train_examples) + " training examples, the data now has " +
                std::to_string(train_examples) + " (the SFT file changed since the run started)");
  if (st.total_steps != total_steps)
    throw Error(path + ": written for " + std::to_string(st.total_steps) + " steps, the config now makes " +
                std::to_string(total_steps));
  if (st.step < 0 || st.step > total_steps)
    throw Error(path + ": step " + std::to_string(st.step) + " is outside the run's 0.." + std::to_string(total_steps));
  optimizer.load(dir + "/optimizer.safetensors");
  return st;
}

}  // namespace

int64_t sft_checkpoint_step(const std::string& dir) {
  try {
    return trainer_state_read(dir).at("step").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(dir + "/trainer_state.json: " + e.what());
  }
}

int64_t sft_total_steps(const RunSftConfig& config, int64_t batches_per_epoch) {
  if (config.max_steps > 0) return config.max_steps;
  const int64_t per_epoch = std::max<int64_t>(1, (batches_per_epoch + config.gradient_accumulation_steps - 1) /
                                                      config.gradient_accumulation_steps);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(config.num_train_epochs * static_cast<double>(per_epoch))));
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> sft_split_eval(int64_t n, double fraction, uint64_t seed) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  int64_t n_eval = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  n_eval = std::clamp<int64_t>(n_eval, 0, std::max<int64_t>(0, n - 1));
  if (n_eval == 0) return {idx, {}};
  std::mt19937_64 rng(seed ^ 0x5f7e11ULL);
  std::shuffle(idx.begin(), idx.end(), rng);
  std::vector<int64_t> eval(idx.end() - n_eval, idx.end());
  idx.resize(static_cast<size_t>(n - n_eval));
  std::sort(idx.begin(), idx.end());
  std::sort(eval.begin(), eval.end());
  return {idx, eval};
}

double sft_eval_loss(Transformer& model, const std::vector<SftExample>& examples, int64_t batch_size, int64_t pad_id,
                     int64_t chunk_tokens) {
  if (examples.empty()) return NAN;
  at::NoGradGuard no_grad;
  const bool was_training = model.training();
  model.set_training(false);
  double sum = 0;
  int64_t tokens = 0;
  for (size_t i = 0; i < examples.size(); i += static_cast<size_t>(batch_size)) {
    SftBatchPlan plan;
    for (size_t j = i; j < std::min(examples.size(), i + static_cast<size_t>(batch_size)); ++j)
      plan.push_back({static_cast<int64_t>(j)});
    SftBatch b = to_device(sft_collate(examples, plan, pad_id), model.device());
    if (b.loss_tokens == 0) continue;
    CrossEntropy ce = masked_cross_entropy(model, b.input_ids, b.loss_mask, b.attention_mask, b.position_ids, chunk_tokens);
    sum += ce.sum.item<double>();
    tokens += ce.tokens;
  }
  model.set_training(was_training);
  return tokens > 0 ? sum / static_cast<double>(tokens) : NAN;
}

void sft_checkpoint_write(Transformer& model, const std::string& dir, const SftOptions& options) {
  checkpoint_dir_write(dir, [&](const std::string& tmp) { checkpoint_fill_model(model, tmp, options); });
}

SftResult sft_train(Transformer& model, const std::vector<SftExample>& examples, const SftOptions& options,
                    const SftCallbacks& callbacks) {
  using Clock = std::chrono::steady_clock;
  sft_options_validate(options);
  const RunSftConfig& c = options.config;
  if (examples.empty()) throw Error("sft: no training examples");

  auto [train_idx, eval_idx] = sft_split_eval(static_cast<int64_t>(examples.size()), options.eval_fraction, options.seed);
  std::vector<SftExample> train, eval;
  for (int64_t i : train_idx) train.push_back(examples[static_cast<size_t>(i)]);
  for (int64_t i : eval_idx) eval.push_back(examples[static_cast<size_t>(i)]);

  NamedTensors params;
  if (options.lora) {
    params = lora_parameters(model);
    if (params.empty()) throw Error("sft: lora is set but the model has no adapters (call lora_attach first)");
  } else {
    model.set_requires_grad(true);
    params = model.named_parameters();
  }
  model.set_training(true);
  AdamWOptions ao;
  ao.lr = c.learning_rate;
  ao.weight_decay = c.weight_decay;
  ao.no_decay_for_1d = true;
  AdamW optimizer(params, ao);

  SftLoopState st;
  st.train_examples = static_cast<int64_t>(train.size());
  const int64_t batches_per_epoch = static_cast<int64_t>(epoch_batches(train, options, 0).size());
  st.total_steps = sft_total_steps(c, batches_per_epoch);
  const int64_t total = st.total_steps;
  if (!options.resume_from.empty()) st = checkpoint_restore(options.resume_from, options, optimizer, total, st.train_examples);
  std::vector<SftBatchPlan> plans = epoch_batches(train, options, st.epoch);
  if (st.next_plan < 0 || st.next_plan > static_cast<int64_t>(plans.size()))
    throw Error(options.resume_from + "/trainer_state.json: next_batch " + std::to_string(st.next_plan) + " is outside the epoch's " +
                std::to_string(plans.size()) + " batches");

  LrSchedule schedule;
  schedule.kind = lr_schedule_kind_from_string(c.lr_scheduler_type, "sft.lr_scheduler_type");
  schedule.base_lr = c.learning_rate;
  schedule.warmup_steps = static_cast<int64_t>(std::ceil(c.warmup_ratio * static_cast<double>(total)));
  schedule.total_steps = total;
  lr_schedule_validate(schedule);

  SftResult result;
  result.steps = st.step;
  result.skipped_steps = st.skipped_steps;
  if (!options.resume_from.empty()) result.last_checkpoint = options.resume_from;
  const bool save = !options.output_dir.empty();
  for (int64_t step = st.step + 1; step <= total; ++step) {
    if (callbacks.should_stop && callbacks.should_stop()) {
      if (save && result.steps > 0) {
        result.last_checkpoint = options.output_dir + "/checkpoint-" + std::to_string(result.steps);
        checkpoint_write_resumable(model, result.last_checkpoint, options, optimizer, st);
      }
      return result;
    }
    // LoRA dropout draws from the global generator: a function of (seed, step) makes a resumed run exact.
    at::manual_seed(options.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step));
    const auto t0 = Clock::now();
    const SftLoopState before = st;  // what a checkpoint holds if this step runs out of memory
    SftStepMetrics m;
    int64_t loss_tokens = 0, step_tokens = 0;
    try {
      std::vector<SftBatch> micro;
      for (int64_t k = 0; k < c.gradient_accumulation_steps; ++k) {
        if (st.next_plan == static_cast<int64_t>(plans.size())) {
          plans = epoch_batches(train, options, ++st.epoch);
          st.next_plan = 0;
        }
        micro.push_back(to_device(sft_collate(train, plans[static_cast<size_t>(st.next_plan++)], options.pad_id), model.device()));
        ++st.batches_done;
        loss_tokens += micro.back().loss_tokens;
        step_tokens += micro.back().tokens;
      }
      m.step = step;
      m.max_steps = total;
      m.learning_rate = lr_at(schedule, step - 1);
      if (loss_tokens > 0) {
        m.loss = accumulate_gradients_token_sum(static_cast<int64_t>(micro.size()), loss_tokens, [&](int64_t i) {
          const SftBatch& b = micro[static_cast<size_t>(i)];
          return masked_cross_entropy(model, b.input_ids, b.loss_mask, b.attention_mask, b.position_ids,
                                      options.chunk_tokens).sum;
        });
        const GradNorm gn = clip_grad_norm(params, c.max_grad_norm);
        m.grad_norm = gn.norm;
        if (gn.finite && std::isfinite(m.loss)) {
          optimizer.step(m.learning_rate);
        } else {
          m.skipped = true;
          ++st.skipped_steps;
        }
        optimizer.zero_grad();
      } else {
        m.loss = NAN;
        m.skipped = true;
        ++st.skipped_steps;
      }
    } catch (const c10::Error& e) {
      if (!out_of_memory_is(e.what())) throw;
      // A failure in the forward or backward pass leaves the weights as they were (the optimiser steps
      // last): drop the step's gradients and batches, keep the steps done.
      optimizer.zero_grad();
      st = before;
      result.out_of_memory = out_of_memory_message(
          "sft", step, "sft.per_device_train_batch_size (raise sft.gradient_accumulation_steps to keep the batch) or sft.max_length");
      if (save && result.steps > 0 && result.last_checkpoint != options.output_dir + "/checkpoint-" + std::to_string(result.steps)) {
        result.last_checkpoint = options.output_dir + "/checkpoint-" + std::to_string(result.steps);
        checkpoint_write_resumable(model, result.last_checkpoint, options, optimizer, st);
      }
      return result;
    }
    st.step = step;
    result.skipped_steps = st.skipped_steps;
    if (model.device().is_cuda()) torch::cuda::synchronize();
    m.step_time = std::chrono::duration<double>(Clock::now() - t0).count();
    st.num_tokens += step_tokens;
    m.num_tokens = st.num_tokens;
    m.step_tokens = step_tokens;
    m.tokens_per_s = m.step_time > 0 ? static_cast<double>(step_tokens) / m.step_time : 0.0;
    m.epoch = static_cast<double>(st.batches_done) / static_cast<double>(std::max<int64_t>(1, batches_per_epoch));
    const bool last = step == total;
    if (!eval.empty() && ((c.eval_steps > 0 && step % c.eval_steps == 0) || last)) {
      m.eval_loss = sft_eval_loss(model, eval, c.per_device_train_batch_size, options.pad_id, options.chunk_tokens);
      model.set_training(true);
      result.eval_loss = m.eval_loss;
    }
    if (save && ((c.save_steps > 0 && step % c.save_steps == 0) || last)) {
      m.checkpoint = options.output_dir + "/checkpoint-" + std::to_string(step);
      checkpoint_write_resumable(model, m.checkpoint, options, optimizer, st);
      result.last_checkpoint = m.checkpoint;
    }
    result.steps = step;
    result.last_loss = m.loss;
    if (callbacks.on_step) callbacks.on_step(m);
  }
  return result;
}

}  // namespace rf
