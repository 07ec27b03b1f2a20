// Running a run of a project end to end (DESIGN.md §2, §7, §9): the config is read from the run store, the
// data, prompts, reward and model are set up (run_setup.h), the trainer runs step by step, and everything
// is recorded in the project's run store through RunStoreWriter (off the training thread): per-step metrics
// under TRL's names, every GRPO trajectory with its reward breakdown, evaluations of the model (before
// training, every eval_steps, at the end) and of the classic baselines on the same held-out prompts, events
// (weight / temperature / learning-rate changes, pauses, resumes, stops, NaN skips, errors, checkpoints)
// and checkpoint records.
//
// Steering: a RunControl (run_control.h) is polled at every step boundary: pause waits with the model in
// memory, stop writes a checkpoint first, changes apply from the next step and are recorded as events.
// Checkpoints: every save_steps, at a stop and at the end, under run_checkpoints_dir(); the store is flushed
// right after each, so a run killed at any moment resumes (resume = true) from its last checkpoint record
// with the store truncated to that step: the curves continue without duplicated or missing steps.
// Failures: nan_patience non-finite steps in a row, or a CUDA out-of-memory error (a checkpoint is written
// and the message names the setting to lower), end the run with status "failed" and an error event.
#pragma once

#include "data/sample_world.h"
#include "engine/run_config.h"
#include "engine/run_control.h"
#include "engine/run_eval.h"
#include "engine/reward_rise.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rf {

struct RunProgress {
  int64_t run = 0;
  int64_t step = 0;         // 1-based step just done
  int64_t total_steps = 0;
  double reward = NAN;      // GRPO: mean total reward of the step
  double loss = NAN;
  double step_time = 0;     // seconds
  double eta_s = 0;         // seconds left at the mean step time so far
  bool skipped = false;
  std::vector<std::pair<std::string, double>> metrics;  // the step's metrics as stored
};

struct RunHooks {
  std::function<void(const RunProgress&)> on_step;
  std::function<void(const std::string&)> on_message;  // one human-readable line (setup, evaluations, checkpoints)
  std::function<void(int64_t step, const std::string& subject, const RunMetrics&)> on_eval;
};

struct RunExecuteOptions {
  bool resume = false;               // continue from the run's last checkpoint
  bool baselines = true;             // score the classic baselines on the evaluation prompts (fresh runs)
  bool evaluate = true;              // evaluate the model before training, every eval_steps and at the end
  bool evaluate_before = true;       // with evaluate: also at step 0 (off when the starting model was just measured)
  const SampleWorld* world = nullptr;  // List recipe on the sample world: true satisfaction in evaluations
  int threads = 0;                   // CPU intra-op threads (0 = automatic)
};

struct RunOutcome {
  int64_t run = 0;
  std::string status;            // "finished" | "stopped" | "failed"
  int64_t steps = 0;             // steps done in total
  std::string checkpoint;        // the last checkpoint folder ("" = none)
  std::string message;           // why it failed ("" otherwise)
  RunMetrics first_eval, last_eval;  // the model before training and at the end (empty without evaluation)
  RunMetricRows last_eval_rows;      // the end's per-prompt values (run_eval.h), for paired comparisons
  std::vector<std::pair<std::string, RunMetrics>> baselines;
  std::vector<double> rewards;   // GRPO: the reward of each step done in this process
  std::vector<StepGroupRewards> step_rewards;  // GRPO: the same steps group by group, with their users
};

// Validates the config and records a new run (status "created") in the project's run store; returns its id.
int64_t run_create(const std::string& project_dir, const RunConfig& config);

// Runs run `run` of the project to its end, a stop, or a failure; never throws for a training failure
// (status "failed", error event, message) but throws rf::Error for a setup problem (bad data, no model,
// no checkpoint to resume from), after marking the run failed.
RunOutcome run_execute(const std::string& project_dir, int64_t run, RunControl* control, const RunHooks& hooks,
                       const RunExecuteOptions& options);

// --- internals shared by run_execute_grpo.cpp and run_execute_sft.cpp -----------------------------------
class RunStoreWriter;
struct RunData;
struct RunContext {
  std::string project_dir;
  int64_t run = 0;
  RunConfig config;
  RunData* data = nullptr;
  RunStoreWriter* writer = nullptr;
  RunControl* control = nullptr;
  const RunHooks* hooks = nullptr;
  const RunExecuteOptions* options = nullptr;
  void message(const std::string& line) const;
};
RunOutcome run_execute_grpo(RunContext& rc);
RunOutcome run_execute_sft(RunContext& rc);
// The SFT data file of a config: data.sft_file, or <project>/traces/<recipe>.jsonl.
std::string run_sft_data_file(const std::string& project_dir, const RunConfig& c);
// Where a resumed run starts: the last checkpoint whose folder is whole (trainer_state.json present). The
// run store is cut back to that step (or to before step 0 when there is none, so that nothing is doubled).
struct RunResumePoint {
  int64_t step = 0;
  std::string dir;  // "" = no checkpoint: start from step 0
};
RunResumePoint run_resume_point(RunContext& rc);
// save_total_limit, after a checkpoint has been recorded (and flushed): removes the run's checkpoint folders
// beyond the `limit` newest, then forgets every checkpoint record whose folder is gone (so a crash between
// the two heals at the next checkpoint). limit <= 0 keeps everything.
void run_checkpoints_prune(RunContext& rc, int limit);
// The model a trainer updates: the checkpoint's weights when resuming a full fine-tune, else the run's source
// model; with LoRA, the checkpoint's adapters or fresh ones from the config.
struct RunModel;
struct ModelLoadOptions;
RunModel run_model_load_trainable(const RunContext& rc, const std::string& resume_dir, const ModelLoadOptions& options);
// Queues evaluation rows of `subject` at `step` and calls the hook; with `rows` (per-prompt values of the
// evaluation's `prompts`), each user's values too (EvaluationUserRow).
void run_record_eval(RunContext& rc, int64_t step, const std::string& subject, const RunMetrics& m,
                     const RunMetricRows* rows = nullptr, const std::vector<RecipePrompt>* prompts = nullptr);

}  // namespace rf
