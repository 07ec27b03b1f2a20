// A GRPO run of a project (see run_execute.h): prompts from the recipe, rewards from the run's composite,
// core/train/grpo_trainer.h for the steps, the run store for everything it does.
#include "engine/run_execute.h"

#include "engine/answer_json.h"
#include "engine/run_constraint.h"
#include "engine/run_model.h"
#include "engine/run_setup.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "util/cpu_threads.h"
#include "train/grpo_trainer.h"
#include "train/lora_train.h"
#include "util/error.h"

#include <chrono>
#include <cmath>
#include <filesystem>

namespace rf {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The step's groups in order, each with its prompt's user and the mean of its completions' totals.
StepGroupRewards step_group_rewards(const GrpoStepResult& r, const std::vector<RecipePrompt>& prompts) {
  StepGroupRewards s;
  std::vector<int64_t> count;
  for (const GrpoRollout& ro : r.rollouts) {
    const size_t g = static_cast<size_t>(ro.group);
    if (g >= s.users.size()) {
      s.users.resize(g + 1, -1);
      s.rewards.resize(g + 1, 0.0);
      count.resize(g + 1, 0);
    }
    s.users[g] = prompts[static_cast<size_t>(ro.prompt)].user;
    s.rewards[g] += ro.total;
    ++count[g];
  }
  for (size_t g = 0; g < s.rewards.size(); ++g)
    if (count[g] > 0) s.rewards[g] /= static_cast<double>(count[g]);
  return s;
}

}  // namespace

RunOutcome run_execute_grpo(RunContext& rc) {
  const RunConfig& c = rc.config;
  RunData& d = *rc.data;
  const RunExecuteOptions& opt = *rc.options;
  RunStoreWriter& writer = *rc.writer;
  const int64_t run = rc.run;
  RunOutcome out;
  out.run = run;
  const std::string ck_root = run_checkpoints_dir(rc.project_dir, run);
  const bool lora = c.model.finetune == "lora";

  // Where to start: the last checkpoint whose folder is whole, the store cut back to its step.
  int64_t resume_step = 0;
  std::string resume_dir;
  std::vector<EventRow> weight_history;
  if (opt.resume) {
    const RunResumePoint p = run_resume_point(rc);
    resume_step = p.step;
    resume_dir = p.dir;
    SqliteDb db = run_store_open(writer.path(), false);
    for (const EventRow& ev : run_store_events(db, run))
      if (ev.kind == RunEventKind::weight_change && ev.step <= resume_step && ev.payload.contains("component"))
        weight_history.push_back(ev);
  }

  // Model (the checkpoint's weights or adapters when resuming), and the frozen reference only when β != 0.
  const ModelLoadOptions mo = run_model_load_options(c.device, c.dtype);
  const std::string source = run_model_source_dir(rc.project_dir, c);
  RunModel m = run_model_load_trainable(rc, resume_dir, mo);
  CpuThreadsGuard threads(mo.device, opt.threads);
  std::unique_ptr<Transformer> reference;
  if (c.grpo.beta != 0.0 && !lora) reference = Transformer::load(source, mo);

  // Prompts, reward and the scorer the trainer calls.
  const std::vector<RecipePrompt> prompts = recipe_prompts_build(d.ds, d.split, run_prompt_options(c, "train", c.data.max_users));
  std::vector<RecipePrompt> eval_prompts;
  if (opt.evaluate || opt.baselines) eval_prompts = recipe_prompts_build(d.ds, d.split, run_prompt_options(c, c.eval.split, c.eval.users));
  RewardComposite reward(c.rewards, "rewards");
  RewardComposite eval_reward(c.rewards, "rewards");
  for (const EventRow& ev : weight_history) reward.set_weight(ev.payload.at("component").get<std::string>(), ev.payload.at("new").get<double>(), ev.step);
  std::vector<GrpoPrompt> gp;
  gp.reserve(prompts.size());
  for (const RecipePrompt& p : prompts) gp.push_back({run_model_prompt_ids(m, p.system, p.prompt, p.prefill, c.grpo.max_prompt_length), p.prefill});
  rc.message(std::to_string(prompts.size()) + " training prompts, " + std::to_string(eval_prompts.size()) + " evaluation prompts (" +
             c.eval.split + ")");

  std::vector<RewardBreakdown> last_rewards;
  std::vector<ParsedCompletion> last_parsed;
  GrpoScoreFn score = [&](const std::vector<int64_t>& prompt_index, const std::vector<std::string>& completions, int64_t) {
    std::vector<RewardInput> inputs;
    inputs.reserve(completions.size());
    for (size_t i = 0; i < completions.size(); ++i) {
      inputs.push_back(recipe_prompt_reward_input(prompts[static_cast<size_t>(prompt_index[i])], d.context.get()));
      inputs.back().completion = completions[i];
    }
    last_rewards = reward.score_batch(inputs);
    last_parsed.clear();
    for (auto& in : inputs) last_parsed.push_back(std::move(in.parsed));
    GrpoScores s;
    s.names = reward.names();
    if (!last_rewards.empty())
      for (const RewardTerm& t : last_rewards.front().terms) s.weights.push_back(t.weight);
    else
      s.weights = reward.weights();
    for (const RewardBreakdown& b : last_rewards) {
      std::vector<double> row;
      for (const RewardTerm& t : b.terms) row.push_back(t.value);
      s.components.push_back(std::move(row));
      s.totals.push_back(b.total);
    }
    return s;
  };

  GrpoTrainerOptions to;
  to.config = c.grpo;
  to.seed = static_cast<uint64_t>(c.seed);
  to.pad_id = m.pad_id;
  to.eos_ids = m.eos_ids;
  to.stop_strings = prompts.front().stop;
  to.decode = [&m](const std::vector<int64_t>& ids) { return run_model_decode(m, ids); };
  to.lora = lora;
  to.base_model_name_or_path = source;
  to.copy_files = run_model_tokenizer_files(m);
  if (c.constrain_answer)
    to.constraint = [&](int64_t i) { return run_answer_constraint(m, d.ds, prompts[static_cast<size_t>(i)], c.constrain_mentions,
                                                 static_cast<int32_t>(c.grpo.max_completion_length)); };
  GrpoTrainer trainer(*m.model, std::move(gp), score, to, reference.get());
  if (!resume_dir.empty()) trainer.checkpoint_restore(resume_dir);

  RunEvalOptions eo = run_eval_options(c);
  auto evaluate = [&](int64_t step) {
    eo.temperature = trainer.temperature();  // the live setting, when sampling
    const ModelAnswers a = run_eval_model_answers(m, eval_prompts, eval_reward, *d.context, eo);
    const double mid = 0.5 * (eval_reward.parse_options().rating_min + eval_reward.parse_options().rating_max);
    RunMetrics metrics = run_eval_answers_metrics(c.recipe, *d.context, eval_prompts, a, c.eval.k, opt.world, mid, &out.last_eval_rows);
    run_record_eval(rc, step, "model", metrics, &out.last_eval_rows, &eval_prompts);
    rc.message("evaluation at step " + std::to_string(step) + ": " + std::to_string(eval_prompts.size()) + " prompts in " +
               std::to_string(a.seconds).substr(0, 5) + " s");
    return metrics;
  };
  int64_t last_saved = resume_dir.empty() ? -1 : resume_step;
  auto save = [&](int64_t step) {
    if (step == last_saved) return;
    const std::string dir = (fs::path(ck_root) / ("checkpoint-" + std::to_string(step))).string();
    trainer.checkpoint_save(dir);
    writer.flush();  // the step's rows are durable before the checkpoint that covers them is recorded
    CheckpointRow row;
    row.run = run;
    row.step = step;
    row.path = dir;
    row.time_ms = run_store_now_ms();
    writer.checkpoint(row);
    writer.event(run_event_make(run, step, RunEventKind::checkpoint, {{"path", dir}}));
    writer.flush();
    last_saved = step;
    out.checkpoint = dir;
    rc.message("checkpoint " + dir);
    run_checkpoints_prune(rc, c.grpo.save_total_limit);
  };

  if (!opt.resume || resume_step == 0) {
    if (opt.baselines) {
      std::map<std::string, RunMetricRows> baseline_rows;
      out.baselines = run_eval_baselines(c.recipe, d.ds, d.split, *d.context, eval_prompts, c.eval.baselines, c.eval.k,
                                         static_cast<uint64_t>(c.seed), opt.world, [&](const std::string& s) { rc.message(s); }, &baseline_rows);
      for (const auto& [name, metrics] : out.baselines) run_record_eval(rc, 0, name, metrics, &baseline_rows[name], &eval_prompts);
    }
    if (opt.evaluate && opt.evaluate_before) out.first_eval = evaluate(0);
  }
  if (opt.resume) writer.event(run_event_make(run, resume_step, RunEventKind::resume, {{"from_checkpoint", resume_dir}}));
  writer.status(run, "running");
  writer.flush();

  RunControl& ctl = *rc.control;
  int64_t nan_in_a_row = 0;
  double time_sum = 0;
  int64_t timed = 0;
  out.status = "finished";
  while (!trainer.finished()) {
    const int64_t next = trainer.steps_done() + 1;
    if (ctl.pause_requested() && !ctl.stop_requested()) {
      writer.event(run_event_make(run, next - 1, RunEventKind::pause, json::object()));
      writer.status(run, "paused");
      writer.flush();
      rc.message("paused at step " + std::to_string(next - 1));
      if (!ctl.wait_while_paused()) {
        writer.event(run_event_make(run, next - 1, RunEventKind::resume, json::object()));
        writer.status(run, "running");
        rc.message("resumed");
      }
    }
    if (ctl.stop_requested()) {
      save(trainer.steps_done());
      writer.event(run_event_make(run, trainer.steps_done(), RunEventKind::stop, json::object()));
      out.status = "stopped";
      break;
    }
    const RunControlChanges ch = ctl.take();
    if (!ch.weights.empty())
      for (const WeightEvent& w : reward.set_weights(ch.weights, next))
        writer.event(run_event_make(run, next, RunEventKind::weight_change, {{"component", w.component}, {"old", w.old_weight}, {"new", w.new_weight}}));
    if (ch.temperature) {
      writer.event(run_event_make(run, next, RunEventKind::weight_change, {{"setting", "temperature"}, {"old", trainer.temperature()}, {"new", *ch.temperature}}));
      trainer.set_temperature(*ch.temperature);
    }
    if (ch.learning_rate) {
      writer.event(run_event_make(run, next, RunEventKind::weight_change,
                              {{"setting", "learning_rate"}, {"old", trainer.learning_rate_base()}, {"new", *ch.learning_rate}}));
      trainer.set_learning_rate(*ch.learning_rate);
    }

    GrpoStepResult r;
    try {
      r = trainer.train_step();
    } catch (const GrpoOutOfMemory& e) {
      save(trainer.steps_done());
      out.status = "failed";
      out.message = e.what();
      writer.event(run_event_make(run, next, RunEventKind::error, {{"message", out.message}}));
      break;
    }
    writer.metrics(run, r.step, r.metrics);
    if (c.grpo.log_completions) {
      std::vector<TrajectoryRow> rows;
      rows.reserve(r.rollouts.size());
      for (size_t i = 0; i < r.rollouts.size(); ++i) {
        const GrpoRollout& ro = r.rollouts[i];
        const RecipePrompt& p = prompts[static_cast<size_t>(ro.prompt)];
        TrajectoryRow t;
        t.run = run;
        t.step = r.step;
        t.group_id = ro.group;
        t.index = ro.index;
        t.user = p.user;
        t.prompt = p.prompt;
        t.completion = ro.completion;
        if (i < last_parsed.size()) t.parsed = answer_parsed_json(last_parsed[i], d.ds);
        // What the answer is scored against, so an inspector can mark hits without rebuilding the prompts.
        if (!p.targets.empty()) {
          json targets = json::array();
          for (int32_t it : p.targets) targets.push_back(d.ds.items[static_cast<size_t>(it)].id);
          t.parsed["targets"] = targets;
        }
        if (i < last_rewards.size()) t.rewards = answer_rewards_json(last_rewards[i]);
        t.total = ro.total;
        t.advantage = ro.advantage;
        t.tokens = ro.tokens;
        t.token_ids.assign(ro.token_ids.begin(), ro.token_ids.end());
        t.token_logprobs = ro.logprobs;
        rows.push_back(std::move(t));
      }
      writer.trajectories(std::move(rows));
    }
    const double reward_mean = grpo_metric_get(r.metrics, "reward");
    out.rewards.push_back(reward_mean);
    out.step_rewards.push_back(step_group_rewards(r, prompts));
    out.steps = r.step;
    if (r.skipped) {
      writer.event(run_event_make(run, r.step, RunEventKind::nan_skip, {{"reason", r.skip_reason}}));
      if (++nan_in_a_row >= c.nan_patience) {
        out.status = "failed";
        out.message = "stopped after " + std::to_string(nan_in_a_row) + " steps in a row with a non-finite loss or gradient (" +
                      r.skip_reason + "); lower grpo.learning_rate or raise nan_patience";
        writer.event(run_event_make(run, r.step, RunEventKind::error, {{"message", out.message}}));
        break;
      }
    } else {
      nan_in_a_row = 0;
    }
    const double step_time = grpo_metric_get(r.metrics, "step_time");
    time_sum += step_time;
    ++timed;
    if (rc.hooks->on_step) {
      RunProgress p;
      p.run = run;
      p.step = r.step;
      p.total_steps = trainer.total_steps();
      p.reward = reward_mean;
      p.loss = grpo_metric_get(r.metrics, "loss");
      p.step_time = step_time;
      p.eta_s = time_sum / static_cast<double>(timed) * static_cast<double>(trainer.total_steps() - r.step);
      p.skipped = r.skipped;
      p.metrics = r.metrics;
      rc.hooks->on_step(p);
    }
    const bool last = trainer.finished();
    if (!last && opt.evaluate && c.grpo.eval_steps > 0 && r.step % c.grpo.eval_steps == 0) evaluate(r.step);
    if (!last && c.grpo.save_steps > 0 && r.step % c.grpo.save_steps == 0) save(r.step);
  }
  out.steps = trainer.steps_done();
  if (out.status == "finished") {
    save(trainer.steps_done());
    if (opt.evaluate) out.last_eval = evaluate(trainer.steps_done());
  }
  return out;
}

}  // namespace rf
