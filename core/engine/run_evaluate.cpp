// Evaluating a run's checkpoint outside training (see run_evaluate.h).
#include "engine/run_evaluate.h"

#include "engine/run_execute.h"
#include "engine/run_model.h"
#include "engine/run_setup.h"
#include "store/run_store.h"
#include "util/cpu_threads.h"
#include "util/error.h"

#include <chrono>
#include <filesystem>

namespace rf {

namespace fs = std::filesystem;

namespace {

// The checkpoint folder of `step` (-1: the last recorded whose folder is still there).
CheckpointRow checkpoint_pick(SqliteDb& db, int64_t run, int64_t step) {
  const std::vector<CheckpointRow> rows = run_store_checkpoints(db, run);
  std::string steps;
  const CheckpointRow* pick = nullptr;
  for (const CheckpointRow& r : rows) {
    if (!fs::is_directory(r.path)) continue;  // removed by save_total_limit or by hand
    steps += (steps.empty() ? "" : ", ") + std::to_string(r.step);
    if (step < 0 || r.step == step) pick = &r;
  }
  if (pick) return *pick;
  const std::string have = steps.empty() ? "it has no checkpoint on disk" : "checkpoints on disk: " + steps;
  if (step < 0) throw Error("run " + std::to_string(run) + ": nothing to evaluate; " + have + " (step 0 evaluates the model it started from)");
  throw Error("run " + std::to_string(run) + " has no checkpoint of step " + std::to_string(step) + "; " + have +
              " (step 0 evaluates the model it started from)");
}

}  // namespace

RunEvaluation run_evaluate(const std::string& project_dir, int64_t run, const RunConfig& config, const RunEvaluateOptions& options) {
  run_config_validate(config);
  RunEvaluation out;
  out.run = run;
  std::string checkpoint;  // "" = the starting model
  {
    SqliteDb db = run_store_open(run_store_path(project_dir), false);
    if (!run_store_run(db, run)) throw Error(run_store_path(project_dir) + ": no run " + std::to_string(run));
    if (options.step != 0) {
      const CheckpointRow row = checkpoint_pick(db, run, options.step);
      checkpoint = row.path;
      out.step = row.step;
    }
  }
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };

  RunContext rc;
  rc.project_dir = project_dir;
  rc.run = run;
  rc.config = config;
  const ModelLoadOptions mo = run_model_load_options(config.device, config.dtype);
  out.model_dir = checkpoint.empty() ? run_model_source_dir(project_dir, config) : checkpoint;
  // At step 0 a LoRA run's fresh adapters add nothing (B = 0): the model is the base, as the run's own step-0 evaluation saw it.
  RunModel m = run_model_load_trainable(rc, checkpoint, mo);
  CpuThreadsGuard threads(mo.device, options.threads);
  log("model " + out.model_dir + " (run " + std::to_string(run) + ", step " + std::to_string(out.step) + ")");

  const std::unique_ptr<RunData> d = run_data_open(project_dir, config);
  const std::vector<RecipePrompt> prompts = recipe_prompts_build(d->ds, d->split, run_prompt_options(config, config.eval.split, config.eval.users));
  if (prompts.empty()) throw Error("eval." + config.eval.split + ": no held-out user to evaluate on");
  out.prompts = static_cast<int64_t>(prompts.size());
  RewardComposite reward(config.rewards, "rewards");
  const ModelAnswers a = run_eval_model_answers(m, prompts, reward, *d->context, run_eval_options(config));
  out.seconds = a.seconds;
  const double mid = 0.5 * (reward.parse_options().rating_min + reward.parse_options().rating_max);
  out.model = run_eval_answers_metrics(config.recipe, *d->context, prompts, a, config.eval.k, options.world, mid, &out.rows);
  log(std::to_string(prompts.size()) + " " + config.eval.split + " prompts answered in " + std::to_string(a.seconds).substr(0, 5) + " s");
  if (options.baselines)
    out.baselines = run_eval_baselines(config.recipe, d->ds, d->split, *d->context, prompts, config.eval.baselines, config.eval.k,
                                       static_cast<uint64_t>(config.seed), options.world, log);
  return out;
}

RunConfig run_config_with_model_of(const RunConfig& config, const RunConfig& other) {
  RunConfig c = config;
  c.model = other.model;
  c.device = other.device;
  c.dtype = other.dtype;
  return c;
}

}  // namespace rf
