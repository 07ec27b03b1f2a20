// Creating and running a project's runs (see run_execute.h): the part shared by the trainers.
#include "engine/run_execute.h"

#include "engine/eval_compare.h"
#include "engine/run_model.h"
#include "engine/run_setup.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "train/checkpoint_dir.h"
#include "train/lora_train.h"
#include "util/error.h"

#include <ctime>
#include <filesystem>
#include <set>

namespace rf {

void RunContext::message(const std::string& line) const {
  if (hooks && hooks->on_message) hooks->on_message(line);
}

void run_record_eval(RunContext& rc, int64_t step, const std::string& subject, const RunMetrics& m, const RunMetricRows* rows,
                     const std::vector<RecipePrompt>* prompts) {
  for (const auto& [name, value] : m) {
    EvaluationRow row;
    row.run = rc.run;
    row.step = step;
    row.subject = subject;
    row.split = rc.config.eval.split;
    row.metric = name;
    row.value = value;
    rc.writer->evaluation(std::move(row));
  }
  if (rows && prompts) {
    std::vector<EvaluationUserRow> users;
    for (const auto& [name, values] : *rows) {
      if (values.size() != prompts->size()) continue;  // not one value per prompt: nothing to pair on
      for (size_t i = 0; i < values.size(); ++i) {
        const RecipePrompt& p = (*prompts)[i];
        users.push_back({rc.run, step, subject, rc.config.eval.split, name, p.user, p.position, eval_pool_key(p.pool), values[i]});
      }
    }
    rc.writer->evaluation_users(std::move(users));
  }
  if (rc.hooks && rc.hooks->on_eval) rc.hooks->on_eval(step, subject, m);
}

RunResumePoint run_resume_point(RunContext& rc) {
  RunResumePoint p;
  SqliteDb db = run_store_open(rc.writer->path(), false);
  const auto cks = run_store_checkpoints(db, rc.run);
  for (auto it = cks.rbegin(); it != cks.rend(); ++it)
    if (std::filesystem::is_regular_file(std::filesystem::path(it->path) / "trainer_state.json")) {
      p.step = it->step;
      p.dir = it->path;
      break;
    }
  // Without a checkpoint the run starts over: step 0's baselines and evaluation are redone, so they go too.
  run_store_truncate_after(db, rc.run, p.dir.empty() ? -1 : p.step);
  rc.message(p.dir.empty() ? "resume: no checkpoint yet, starting from step 0"
                           : "resume: from step " + std::to_string(p.step) + " (" + p.dir + ")");
  return p;
}

void run_checkpoints_prune(RunContext& rc, int limit) {
  if (limit <= 0) return;
  SqliteDb db = run_store_open(rc.writer->path(), false);
  // A checkpoint another run starts from (its model.path) stays: that run's resume and, with LoRA, its
  // reference model need it.
  std::set<std::string> spare;
  for (const RunRecord& r : run_store_runs(db)) {
    if (r.id == rc.run) continue;
    const nlohmann::json model = r.config.is_object() ? r.config.value("model", nlohmann::json()) : nlohmann::json();
    if (model.is_object() && model.contains("path") && model["path"].is_string()) {
      const std::string p = model["path"].get<std::string>();
      if (!p.empty()) spare.insert(p);  // as run_model_source_dir reads it
    }
  }
  const std::vector<std::string> removed = checkpoint_dirs_prune(run_checkpoints_dir(rc.project_dir, rc.run), limit, spare);
  bool forgot = false;
  for (const CheckpointRow& c : run_store_checkpoints(db, rc.run))
    if (!std::filesystem::exists(c.path)) {
      rc.writer->checkpoint_forget(rc.run, c.step);
      forgot = true;
    }
  if (forgot) rc.writer->flush();
  for (const std::string& dir : removed)
    rc.message("checkpoint removed (save_total_limit " + std::to_string(limit) + "): " + dir);
}

RunModel run_model_load_trainable(const RunContext& rc, const std::string& resume_dir, const ModelLoadOptions& options) {
  const RunConfig& c = rc.config;
  const bool lora = c.model.finetune == "lora";
  const std::string source = run_model_source_dir(rc.project_dir, c);
  RunModel m = run_model_load(!resume_dir.empty() && !lora ? resume_dir : source, options);
  if (!lora) return m;
  if (!resume_dir.empty()) {
    lora_load_peft(*m.model, resume_dir);
    return m;
  }
  LoraConfig lc;
  lc.rank = c.model.lora.r;
  lc.alpha = c.model.lora.lora_alpha;
  lc.dropout = c.model.lora.lora_dropout;
  lc.target_modules = c.model.lora.target_modules;
  lc.use_rslora = c.model.lora.use_rslora;
  lora_attach(*m.model, lc, static_cast<uint64_t>(c.seed));
  return m;
}

int64_t run_create(const std::string& project_dir, const RunConfig& config) {
  run_config_validate(config);
  std::string name = config.name;
  if (name.empty()) {
    const std::time_t now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", std::localtime(&now));
    name = config.recipe + " " + config.trainer + " " + buf;
  }
  SqliteDb db = run_store_open(run_store_path(project_dir), true);
  return run_store_create_run(db, name, config.trainer, run_config_to_json(config), "created");
}

RunOutcome run_execute(const std::string& project_dir, int64_t run, RunControl* control, const RunHooks& hooks,
                       const RunExecuteOptions& options) {
  const std::string store_path = run_store_path(project_dir);
  RunContext rc;
  rc.project_dir = project_dir;
  rc.run = run;
  rc.hooks = &hooks;
  rc.options = &options;
  RunControl local_control;
  rc.control = control ? control : &local_control;
  std::unique_ptr<RunData> data;
  {
    SqliteDb db = run_store_open(store_path, false);
    const auto rec = run_store_run(db, run);
    if (!rec) throw Error(store_path + ": no run " + std::to_string(run));
    try {
      rc.config = run_config_from_json(rec->config, "run " + std::to_string(run) + " config");
      data = run_data_open(project_dir, rc.config);
    } catch (const Error& e) {
      run_store_set_status(db, run, "failed");
      throw;
    }
  }
  rc.data = data.get();
  RunStoreWriter writer(store_path);
  rc.writer = &writer;
  RunOutcome out;
  try {
    out = rc.config.trainer == "sft" ? run_execute_sft(rc) : run_execute_grpo(rc);
  } catch (const std::exception& e) {
    EventRow ev;
    ev.run = run;
    ev.kind = RunEventKind::error;
    ev.payload = {{"message", e.what()}};
    writer.event(std::move(ev));
    writer.status(run, "failed");
    writer.close();
    throw;
  }
  writer.status(run, out.status);
  writer.close();
  out.run = run;
  return out;
}

}  // namespace rf
