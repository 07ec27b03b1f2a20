// `recforge-cli eval --project P --run ID`: a run's checkpoint (the last, --step S, or --step 0 for the model
// the run started from) answers the held-out prompts of the run's config, changed by KEY=VALUE overrides
// (eval.users=300, eval.split=valid, ...), and the recipe's metrics are printed as a table or one JSON
// object. The engine side is core/engine/run_evaluate.h; the run store is only read.
#include "commands.h"

#include "cli_args.h"
#include "cli_run.h"
#include "engine/run_evaluate.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace rf::cli {

int cmd_eval_run(int argc, char** argv) {
  CliArgs args("eval --project",
               "Evaluate a run's model again: a checkpoint of run ID (the last, or --step S; --step 0 is the model\n"
               "the run started from) answers the held-out prompts of the run's config as the run's own evaluations\n"
               "do, so an unchanged config reproduces them. KEY=VALUE overrides change the config first, e.g.\n"
               "eval.users=300 (more users), eval.split=valid, eval.k=5, eval.greedy=false. Nothing is written\n"
               "to the run store.",
               {{"project", "DIR", "the project folder", ""},
                {"run", "ID", "the run whose model is evaluated", ""},
                {"step", "S", "the checkpoint's step (-1: the run's last; 0: the model it started from)", "-1"},
                {"baselines", "", "also score the config's classic baselines on the same prompts", ""},
                {"threads", "N", "CPU intra-op threads (0 = automatic)", "0"},
                {"json", "", "print one JSON object", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.has("project") || !args.has("run")) throw Error("eval: --project needs --run ID (the run whose model to evaluate)");
  const std::string project = args.get("project");
  const long long run = cli_parse_id_list(args.get("run"), "run").front();
  SqliteDb db = cli_open_run_store(project);
  const RunRecord record = cli_find_run(db, run);
  nlohmann::json j = record.config;
  cli_config_override(j, args.positional());
  const RunConfig config = run_config_from_json(j, "run " + std::to_string(run) + "'s config");
  const auto world = cli_project_world(project, config.data.dataset);

  RunEvaluateOptions o;
  o.step = args.get_int("step");
  if (o.step < -1) throw Error("eval: --step must be -1 (the last checkpoint), 0 (the starting model) or a checkpoint's step");
  o.baselines = args.flag("baselines");
  o.threads = static_cast<int>(args.get_int("threads"));
  o.world = world.get();
  const bool json_out = args.flag("json");
  if (!json_out) o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  const RunEvaluation e = run_evaluate(project, run, config, o);

  if (json_out) {
    nlohmann::json out = {{"run", e.run},         {"step", e.step},       {"model", e.model_dir},
                          {"split", config.eval.split}, {"prompts", e.prompts}, {"k", config.eval.k},
                          {"seconds", e.seconds}, {"metrics", cli_metrics_json(e.model)}};
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [name, m] : e.baselines) b[name] = cli_metrics_json(m);
    out["baselines"] = b;
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("run %lld (%s), step %lld: %lld %s prompts\n", run, record.name.c_str(), static_cast<long long>(e.step),
              static_cast<long long>(e.prompts), config.eval.split.c_str());
  std::vector<std::pair<std::string, RunMetrics>> rows = e.baselines;
  rows.emplace_back("model (step " + std::to_string(e.step) + ")", e.model);
  std::vector<std::string> cols;
  for (const auto& [k, v] : e.model) cols.push_back(k);
  cli_print_metrics_table(rows, cols);
  return 0;
}

}  // namespace rf::cli
