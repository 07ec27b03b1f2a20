// An SFT run of a project (see run_execute.h): prompt/completion JSON lines (data.sft_file, or the
// project's teacher traces traces/<recipe>.jsonl) through core/train/sft_trainer.h, with per-step metrics,
// checkpoint records and the recipe's metrics on held-out users (before training, every eval_steps, at
// the end) in the run store. A resumed SFT run continues from its last whole checkpoint (weights or
// adapters, optimiser state, position in the data) exactly as the uninterrupted run would have.
#include "engine/run_execute.h"

#include "engine/run_model.h"
#include "engine/run_setup.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "util/cpu_threads.h"
#include "train/lora_train.h"
#include "train/sft_trainer.h"
#include "util/error.h"

#include <cmath>
#include <filesystem>

namespace rf {

namespace fs = std::filesystem;

std::string run_sft_data_file(const std::string& project_dir, const RunConfig& c) {
  if (!c.data.sft_file.empty()) return c.data.sft_file;
  return (fs::path(project_dir) / "traces" / (c.recipe + ".jsonl")).string();
}

RunOutcome run_execute_sft(RunContext& rc) {
  const RunConfig& c = rc.config;
  RunData& d = *rc.data;
  const RunExecuteOptions& opt = *rc.options;
  RunStoreWriter& writer = *rc.writer;
  RunOutcome out;
  out.run = rc.run;
  const std::string data_file = run_sft_data_file(rc.project_dir, c);
  if (!fs::is_regular_file(data_file))
    throw Error("data.sft_file: no file " + data_file + " (make teacher traces with: recforge-cli traces --data " + rc.project_dir +
                " --recipe " + c.recipe + " --out " + data_file + ")");

  RunResumePoint resume;
  if (opt.resume) resume = run_resume_point(rc);
  const ModelLoadOptions mo = run_model_load_options(c.device, c.dtype);
  const std::string source = run_model_source_dir(rc.project_dir, c);
  RunModel m = run_model_load_trainable(rc, resume.dir, mo);
  CpuThreadsGuard threads(mo.device, opt.threads);

  SftTokenizeOptions to;
  to.chat = m.chat;
  to.max_length = c.sft.max_length;
  to.completion_only_loss = c.sft.completion_only_loss;
  std::vector<SftExample> examples;
  for (const SftRecord& r : sft_records_read(data_file)) {
    try {
      examples.push_back(sft_example_tokenize(*m.tokenizer, r, to));
    } catch (const Error& e) {
      throw Error(data_file + ":" + std::to_string(r.line) + ": " + e.what());
    }
  }
  rc.message(std::to_string(examples.size()) + " SFT examples from " + data_file);

  SftOptions so;
  so.config = c.sft;
  so.eval_fraction = 0.05;
  so.pad_id = m.pad_id;
  so.seed = static_cast<uint64_t>(c.seed);
  so.output_dir = run_checkpoints_dir(rc.project_dir, rc.run);
  so.copy_files = run_model_tokenizer_files(m);
  so.resume_from = resume.dir;
  if (c.model.finetune == "lora") {
    so.lora = true;
    so.base_model_name_or_path = source;
  }
  fs::create_directories(so.output_dir);

  std::vector<RecipePrompt> eval_prompts;
  if (opt.evaluate || opt.baselines) eval_prompts = recipe_prompts_build(d.ds, d.split, run_prompt_options(c, c.eval.split, c.eval.users));
  RewardComposite eval_reward(c.rewards, "rewards");
  const RunEvalOptions eo = run_eval_options(c);
  auto evaluate = [&](int64_t step) {
    const ModelAnswers a = run_eval_model_answers(m, eval_prompts, eval_reward, *d.context, eo);
    const double mid = 0.5 * (eval_reward.parse_options().rating_min + eval_reward.parse_options().rating_max);
    RunMetrics metrics = run_eval_answers_metrics(c.recipe, *d.context, eval_prompts, a, c.eval.k, opt.world, mid, &out.last_eval_rows);
    run_record_eval(rc, step, "model", metrics, &out.last_eval_rows, &eval_prompts);
    return metrics;
  };
  const bool from_start = resume.dir.empty();
  if (opt.baselines && from_start) {
    std::map<std::string, RunMetricRows> baseline_rows;
    out.baselines = run_eval_baselines(c.recipe, d.ds, d.split, *d.context, eval_prompts, c.eval.baselines, c.eval.k,
                                       so.seed, opt.world, [&](const std::string& s) { rc.message(s); }, &baseline_rows);
    for (const auto& [name, metrics] : out.baselines) run_record_eval(rc, 0, name, metrics, &baseline_rows[name], &eval_prompts);
  }
  if (opt.evaluate && opt.evaluate_before && from_start) out.first_eval = evaluate(0);
  if (opt.resume) {
    writer.event(run_event_make(rc.run, resume.step, RunEventKind::resume, {{"from_checkpoint", resume.dir}}));
  }
  writer.status(rc.run, "running");

  out.steps = resume.step;
  RunControl& ctl = *rc.control;
  double time_sum = 0;
  int64_t timed = 0;
  int64_t nan_in_a_row = 0;
  auto record_checkpoint = [&](int64_t step, const std::string& dir) {
    writer.flush();
    writer.checkpoint({rc.run, step, dir, run_store_now_ms()});
    writer.event(run_event_make(rc.run, step, RunEventKind::checkpoint, {{"path", dir}}));
    writer.flush();
    out.checkpoint = dir;
    rc.message("checkpoint " + dir);
    run_checkpoints_prune(rc, c.sft.save_total_limit);
  };
  SftCallbacks cb;
  cb.should_stop = [&] {
    if (ctl.pause_requested() && !ctl.stop_requested()) {
      writer.event(run_event_make(rc.run, out.steps, RunEventKind::pause));
      writer.status(rc.run, "paused");
      writer.flush();
      rc.message("paused at step " + std::to_string(out.steps));
      if (!ctl.wait_while_paused()) {
        writer.event(run_event_make(rc.run, out.steps, RunEventKind::resume));
        writer.status(rc.run, "running");
        rc.message("resumed");
      }
    }
    return ctl.stop_requested() || nan_in_a_row >= c.nan_patience;
  };
  cb.on_step = [&](const SftStepMetrics& s) {
    std::vector<std::pair<std::string, double>> mt = {{"loss", s.loss},
                                                      {"learning_rate", s.learning_rate},
                                                      {"grad_norm", s.grad_norm},
                                                      {"epoch", s.epoch},
                                                      {"num_tokens", static_cast<double>(s.num_tokens)},
                                                      {"tokens_per_s", s.tokens_per_s},
                                                      {"step_time", s.step_time}};
    if (std::isfinite(s.eval_loss)) mt.emplace_back("eval_loss", s.eval_loss);
    writer.metrics(rc.run, s.step, mt);
    if (s.skipped) {
      writer.event(run_event_make(rc.run, s.step, RunEventKind::nan_skip, {{"reason", "non-finite gradient"}}));
      ++nan_in_a_row;
    } else {
      nan_in_a_row = 0;
    }
    // The step's evaluation goes in before its checkpoint record: a resume keeps everything up to that record.
    if (opt.evaluate && c.sft.eval_steps > 0 && s.step % c.sft.eval_steps == 0 && s.step < s.max_steps) {
      m.model->set_training(false);
      evaluate(s.step);
      m.model->set_training(true);
    }
    if (!s.checkpoint.empty()) record_checkpoint(s.step, s.checkpoint);
    time_sum += s.step_time;
    ++timed;
    out.steps = s.step;
    if (rc.hooks->on_step) {
      RunProgress p;
      p.run = rc.run;
      p.step = s.step;
      p.total_steps = s.max_steps;
      p.loss = s.loss;
      p.step_time = s.step_time;
      p.eta_s = time_sum / static_cast<double>(timed) * static_cast<double>(s.max_steps - s.step);
      p.skipped = s.skipped;
      p.metrics = mt;
      rc.hooks->on_step(p);
    }
  };
  const SftResult r = sft_train(*m.model, examples, so, cb);
  out.steps = r.steps;
  const bool failed = nan_in_a_row >= c.nan_patience || !r.out_of_memory.empty();
  out.status = failed ? "failed" : ctl.stop_requested() ? "stopped" : "finished";
  // A stop (or a failure) writes its checkpoint without a step callback: record it here.
  if (out.status != "finished" && !r.last_checkpoint.empty() && r.last_checkpoint != out.checkpoint &&
      r.last_checkpoint != resume.dir)
    record_checkpoint(r.steps, r.last_checkpoint);
  if (out.status == "stopped") writer.event(run_event_make(rc.run, r.steps, RunEventKind::stop));
  out.checkpoint = r.last_checkpoint;
  if (!r.out_of_memory.empty()) {
    out.message = r.out_of_memory;
    writer.event(run_event_make(rc.run, r.steps, RunEventKind::error, {{"message", out.message}}));
  } else if (out.status == "failed") {
    out.message = "stopped after non-finite steps in a row; lower sft.learning_rate";
  }
  m.model->set_training(false);
  if (opt.evaluate && out.status == "finished") out.last_eval = evaluate(r.steps);
  return out;
}

}  // namespace rf
