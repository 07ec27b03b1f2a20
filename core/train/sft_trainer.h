// The SFT trainer: supervised fine-tuning of a Transformer (full or LoRA) on tokenised prompt/completion
// examples (train/sft_data.h) with TRL's SFTConfig semantics: token-mean cross-entropy on the completion
// tokens (train/token_logprobs.h masked_cross_entropy), length-bucketed or packed batches, gradient
// accumulation weighted by tokens, global-norm clipping, AdamW with HF's no-decay-for-1-D rule, a
// warm-up + schedule, evaluation loss on a held-out fraction every eval_steps, checkpoints every
// save_steps and at the end (an HF folder or PEFT adapters, written under a temporary name and renamed).
// A callback receives every step's metrics under TRL's names.
//
// Resume: a checkpoint also holds optimizer.safetensors and trainer_state.json (step, epoch, position in
// the epoch's batch plan, tokens seen). The batch plan of an epoch is a pure function of (seed, epoch) and
// the global RNG (LoRA dropout) is reseeded from (seed, step) before every step, so a run restored from a
// checkpoint (SftOptions::resume_from) continues exactly as the uninterrupted run would have.
#pragma once

#include "engine/run_config.h"
#include "model/transformer.h"
#include "train/lora_train.h"
#include "train/sft_batches.h"
#include "train/sft_data.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rf {

struct SftOptions {
  RunSftConfig config;          // the run config's "sft" section (TRL SFTConfig names and defaults)
  double eval_fraction = 0.0;   // examples held out for eval_loss (0 = none)
  int64_t bucket_window = 0;    // examples sorted together when bucketing (0: 50 x batch size)
  int64_t pad_id = 0;           // padding token id (masked out; any valid id)
  uint64_t seed = 42;
  std::string output_dir;       // checkpoints go to output_dir/checkpoint-<step> ("" = no checkpoints)
  bool lora = false;            // the model carries adapters (lora_attach): save them in PEFT's layout
  std::string base_model_name_or_path;  // written into adapter_config.json
  std::vector<std::string> copy_files;  // copied into every checkpoint (tokenizer.json, tokenizer_config.json, ...)
  int64_t chunk_tokens = 0;     // positions per lm_head chunk (0 = automatic)
  std::string resume_from;      // a checkpoint folder of this run to continue from ("" = start at step 0); the
                                // caller has loaded its weights (or adapters) into the model already
};

struct SftStepMetrics {
  int64_t step = 0;              // 1-based optimiser step
  int64_t max_steps = 0;
  double epoch = 0.0;            // fractional epochs done
  double loss = 0.0;             // token-mean completion NLL of this step's batch
  double eval_loss = NAN;        // NaN unless evaluated at this step
  double learning_rate = 0.0;    // the rate used by this step's update
  double grad_norm = 0.0;        // before clipping
  int64_t num_tokens = 0;        // tokens seen so far (non-padding, prompt included), as TRL counts
  int64_t step_tokens = 0;       // tokens of this step
  double tokens_per_s = 0.0;
  double step_time = 0.0;        // seconds
  bool skipped = false;          // non-finite gradients: no update
  std::string checkpoint;        // the folder written after this step ("" when none)
};

struct SftCallbacks {
  std::function<void(const SftStepMetrics&)> on_step;
  std::function<bool()> should_stop;  // polled before each step; true = checkpoint and stop
};

struct SftResult {
  int64_t steps = 0;
  double last_loss = NAN;
  double eval_loss = NAN;  // at the end (NaN without eval examples)
  int64_t skipped_steps = 0;
  std::string last_checkpoint;
  // Set when a step ran out of memory (out_of_memory.h): the run stopped before that step, with a
  // checkpoint of the steps done when there were any, and this says which settings to lower.
  std::string out_of_memory;
};

// The number of optimiser steps a run makes: max_steps when > 0, else
// ceil(num_train_epochs x ceil(batches_per_epoch / gradient_accumulation_steps)).
int64_t sft_total_steps(const RunSftConfig& config, int64_t batches_per_epoch);

// Splits example indices into (train, eval) with the seed: round(fraction x n) eval examples (at least one
// train example is kept).
std::pair<std::vector<int64_t>, std::vector<int64_t>> sft_split_eval(int64_t n, double fraction, uint64_t seed);

// Token-mean completion loss of the model on the examples (no gradient), batch_size rows at a time.
double sft_eval_loss(Transformer& model, const std::vector<SftExample>& examples, int64_t batch_size, int64_t pad_id,
                     int64_t chunk_tokens = 0);

// Writes the model (or its adapters) to `dir` atomically: into "<dir>.tmp", then renamed over `dir`.
void sft_checkpoint_write(Transformer& model, const std::string& dir, const SftOptions& options);

// The step a resumable SFT checkpoint was written after (its trainer_state.json); rf::Error naming the file
// when it is missing or unreadable.
int64_t sft_checkpoint_step(const std::string& dir);

// Trains in place. rf::Error names a bad option by its SFTConfig name.
SftResult sft_train(Transformer& model, const std::vector<SftExample>& examples, const SftOptions& options,
                    const SftCallbacks& callbacks = {});

}  // namespace rf
