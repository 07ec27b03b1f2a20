// The GRPO trainer loop (DESIGN.md §7, TRL GRPOTrainer semantics): one step =
//   1. rollouts   B prompts (the epoch's seeded order), G = num_generations completions each, sampled by the
//                 batched generator (core/generate) at `temperature` / top_p / top_k, max_completion_length;
//   2. rewards    a caller-given scorer returns each completion's component values and the weight snapshot
//                 (core/reward RewardComposite in the engine); advantages per scale_rewards (grpo_advantages.h);
//   3. log-probs  old log-probs when μ = num_iterations > 1, reference log-probs when β != 0 (a frozen copy
//                 given by the caller, or the base under disabled adapters with LoRA; never built when β = 0);
//   4. update     μ passes over the rollouts, each pass = gradient_accumulation_steps micro-batches of
//                 per_device_train_batch_size completions, grpo_loss_compute + backward, clipping, one AdamW
//                 update at the scheduled learning rate.
// B = per_device_train_batch_size × gradient_accumulation_steps / num_generations prompts (TRL's generation
// batch). RecForge's "step" is one such rollout batch (its μ optimiser updates included); metrics, trajectories
// and checkpoints are per step. Every metric of DESIGN.md §7 is returned each step under TRL's names, plus
// the step-time split (step_time/generation|reward|logprob|update) and throughput.
//
// Reproducibility and resume: the prompt order is a pure function of (seed, epoch) and the sampling seed of
// step s is a pure function of (seed, s), so the RNG state of a run is (seed, step). A checkpoint holds the
// model (or its adapters), the optimiser state and trainer_state.json (step, tokens seen, live learning rate
// and temperature); a trainer restored from it continues exactly where the run was.
//
// Non-finite loss or gradient: the update is skipped (result.skipped) and the caller decides (the controller
// stops after nan_patience in a row). A CUDA out-of-memory error becomes GrpoOutOfMemory naming the settings
// to lower.
#pragma once

#include "engine/run_config.h"
#include "generate/generate.h"
#include "model/transformer.h"
#include "train/grpo_options.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace rf {

class AdamW;

// One training prompt, already tokenised as the model sees it (chat template, generation prompt, prefill).
struct GrpoPrompt {
  std::vector<int64_t> ids;
  std::string prefill;  // text the prompt forced ahead of the completion; prepended before scoring
};

// What the scorer returns for a batch of completions.
struct GrpoScores {
  std::vector<std::string> names;               // (K) component names
  std::vector<double> weights;                  // (K) the weight snapshot this batch was scored with
  std::vector<std::vector<double>> components;  // (B·G, K) component values (NaN: not applicable)
  std::vector<double> totals;                   // (B·G) Σ_k w_k r_k
};

// Scores completions: prompt_index[i] is the prompt (index into the trainer's prompts) of completion i,
// completions[i] its text with the prefill in front. `step` is the 1-based step being trained.
using GrpoScoreFn = std::function<GrpoScores(const std::vector<int64_t>& prompt_index,
                                             const std::vector<std::string>& completions, int64_t step)>;

struct GrpoTrainerOptions {
  RunGrpoConfig config;                   // the run config's "grpo" section (TRL names)
  uint64_t seed = 42;
  int64_t pad_id = 0;
  std::vector<int64_t> eos_ids;           // end a completion (kept in its tokens)
  std::vector<std::string> stop_strings;  // end a completion too (e.g. "</answer>")
  DecodeFn decode;                        // token ids -> text (required)
  bool lora = false;                      // the model carries adapters: only they train; the reference is the base
  std::string base_model_name_or_path;    // written into adapter_config.json (LoRA checkpoints)
  std::vector<std::string> copy_files;    // copied into every checkpoint (tokenizer.json, ...)
  int64_t chunk_tokens = 0;               // lm_head chunk (0 = automatic)
  bool share_prompts = true;              // score each prompt's G completions with the prompt run once (shared_prefix.h)
  // Constrained decoding of the rollouts: the constraint of one completion of prompt `prompt` (index into
  // the trainer's prompts; null: free). Empty: no constraints.
  std::function<std::unique_ptr<TokenConstraint>(int64_t prompt)> constraint;
};

// One completion of a step, for the run store and the trajectory inspector.
struct GrpoRollout {
  int64_t prompt = 0;     // index into the trainer's prompts
  int64_t group = 0;      // prompt's group within the step (0..B-1)
  int32_t index = 0;      // completion within its group (0..G-1)
  std::string completion; // prefill + generated text
  std::vector<double> components;  // (K) as scored
  double total = 0;
  double advantage = 0;
  int32_t tokens = 0;     // generated tokens
  bool truncated = false; // hit max_completion_length
  std::vector<int64_t> token_ids;  // the generated ids
  std::vector<float> logprobs;     // their log-probabilities when sampled (log_softmax(logits / T))
};

struct GrpoStepResult {
  int64_t step = 0;                  // 1-based
  GrpoMetrics metrics;               // TRL names (see the file comment)
  std::vector<std::string> component_names;
  std::vector<double> weights;       // the snapshot used
  std::vector<GrpoRollout> rollouts; // B·G, group by group
  bool skipped = false;              // non-finite loss or gradient: no update was made
  std::string skip_reason;
};

struct GrpoOutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class GrpoTrainer {
 public:
  // `reference`: a frozen copy of the starting model, required when beta != 0 without LoRA (ignored
  // otherwise). rf::Error names a bad option (by its GRPOConfig name) or an empty prompt list.
  GrpoTrainer(Transformer& model, std::vector<GrpoPrompt> prompts, GrpoScoreFn score, GrpoTrainerOptions options,
              Transformer* reference = nullptr);
  ~GrpoTrainer();
  GrpoTrainer(const GrpoTrainer&) = delete;
  GrpoTrainer& operator=(const GrpoTrainer&) = delete;

  int64_t prompts_per_step() const { return prompts_per_step_; }
  int64_t total_steps() const { return total_steps_; }
  int64_t steps_done() const { return step_; }
  bool finished() const { return step_ >= total_steps_; }

  // Trains one step (throws GrpoOutOfMemory, rf::Error).
  GrpoStepResult train_step();

  // Live changes, applied from the next step on.
  void set_temperature(double t);
  double temperature() const { return temperature_; }
  void set_learning_rate(double lr);  // the schedule's base rate (the schedule's shape is kept)
  double learning_rate_base() const { return base_lr_; }
  double learning_rate_at(int64_t step) const;  // the rate of step `step`'s (1-based) first update
  double learning_rate_of_update(int64_t update) const;  // the rate of optimiser update `update` (0-based)

  // Checkpoints: dir/ holds the model (config.json + model.safetensors, or PEFT adapters), optimizer.safetensors,
  // trainer_state.json and copy_files; written under dir + ".tmp" and renamed.
  void checkpoint_save(const std::string& dir) const;
  // Restores optimiser and trainer state from a checkpoint folder (the model's weights or adapters must
  // already have been loaded from it). rf::Error names the file.
  void checkpoint_restore(const std::string& dir);

  // The prompt indices of step `step` (1-based): the epoch's seeded permutation, B at a time.
  std::vector<int64_t> step_prompts(int64_t step) const;

 private:
  Transformer& model_;
  Transformer* reference_;
  std::vector<GrpoPrompt> prompts_;
  GrpoScoreFn score_;
  GrpoTrainerOptions options_;
  std::vector<std::pair<std::string, at::Tensor>> params_;
  std::unique_ptr<AdamW> optimizer_;
  int64_t prompts_per_step_ = 0;
  int64_t total_steps_ = 0;
  int64_t step_ = 0;
  int64_t num_tokens_ = 0;
  double temperature_ = 1.0;
  double base_lr_ = 0;
};

// The number of steps: max_steps when > 0, else ceil(num_train_epochs × prompts / prompts_per_step).
int64_t grpo_total_steps(const RunGrpoConfig& config, int64_t prompts);

// Validates the trainer-level GRPOConfig fields (errors name them: "grpo.per_device_train_batch_size: ...").
void grpo_trainer_config_validate(const RunGrpoConfig& config);

// The loss options of a run config's grpo section.
GrpoLossOptions grpo_loss_options_from(const RunGrpoConfig& config);

}  // namespace rf
