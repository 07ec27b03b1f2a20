// Creating and running a project's runs (see run_execute.h): the part shared by the trainers.
#include "engine/run_execute.h"

#include "engine/run_setup.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"
#include "util/error.h"

#include <ctime>

namespace rf {

void RunContext::message(const std::string& line) const {
  if (hooks && hooks->on_message) hooks->on_message(line);
}

void run_record_eval(RunContext& rc, int64_t step, const std::string& subject, const RunMetrics& m) {
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
  if (rc.hooks && rc.hooks->on_eval) rc.hooks->on_eval(step, subject, m);
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
