// `recforge-cli eval --project P --run ID`: a run's checkpoint (the last, --step S, or --step 0 for the model
// the run started from) answers the held-out prompts of the run's config, changed by KEY=VALUE overrides
// (eval.users=300, eval.split=valid, ...), and the recipe's metrics are printed as a table or one JSON
// object. The engine side is core/engine/run_evaluate.h; the run store is only read.
#include "commands.h"

#include "cli_args.h"
#include "cli_run.h"
#include "engine/run_evaluate.h"
#include "eval/mean_difference.h"
#include "store/run_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <optional>

namespace rf::cli {

int cmd_eval_run(int argc, char** argv) {
  CliArgs args("eval --project P --run ID",
               "Evaluate a run's model again: a checkpoint of run ID (the last, or --step S; --step 0 is the model\n"
               "the run started from) answers the held-out prompts of the run's config as the run's own evaluations\n"
               "do, so an unchanged config reproduces them. KEY=VALUE overrides change the config first, e.g.\n"
               "eval.users=300 (more users), eval.split=valid, eval.k=5, eval.greedy=false. --against B asks\n"
               "run B's model the same questions and prints B - A per metric, paired prompt by prompt, with its\n"
               "standard error. Nothing is written to the run store.",
               {{"project", "DIR", "the project folder", ""},
                {"run", "ID", "the run whose model is evaluated", ""},
                {"step", "S", "the checkpoint's step (-1: the run's last; 0: the model it started from)", "-1"},
                {"against", "B", "also run B's model on the same prompts, and B - A paired prompt by prompt", ""},
                {"against-step", "S", "run B's checkpoint (-1: its last; 0: the model it started from)", "-1"},
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

  // --against: run B's model on run A's prompts; per-prompt differences for every metric that has them.
  std::optional<RunEvaluation> eb;
  std::vector<std::pair<std::string, MeanDifference>> diffs;
  if (args.has("against")) {
    const long long other = cli_parse_id_list(args.get("against"), "against").front();
    const RunConfig other_config = run_config_from_json(cli_find_run(db, other).config, "run " + std::to_string(other) + "'s config");
    RunEvaluateOptions ob = o;
    ob.step = args.get_int("against-step");
    ob.baselines = false;
    eb = run_evaluate(project, other, run_config_with_model_of(config, other_config), ob);
    for (const auto& [name, a_rows] : e.rows) {
      auto it = eb->rows.find(name);
      if (it != eb->rows.end() && it->second.size() == a_rows.size()) diffs.emplace_back(name, mean_difference_paired(a_rows, it->second));
    }
  }

  if (json_out) {
    nlohmann::json out = {{"run", e.run},         {"step", e.step},       {"model", e.model_dir},
                          {"split", config.eval.split}, {"prompts", e.prompts}, {"k", config.eval.k},
                          {"seconds", e.seconds}, {"metrics", cli_metrics_json(e.model)}};
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [name, m] : e.baselines) b[name] = cli_metrics_json(m);
    out["baselines"] = b;
    if (eb) {
      nlohmann::json d = nlohmann::json::array();
      for (const auto& [name, md] : diffs)
        d.push_back({{"metric", name}, {"pairs", md.n}, {"difference", cli_json_number(md.difference)}, {"se", cli_json_number(md.se)},
                     {"beyond_noise", md.beyond()}});
      out["against"] = {{"run", eb->run}, {"step", eb->step}, {"model", eb->model_dir}, {"metrics", cli_metrics_json(eb->model)},
                        {"differences", d}};
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("run %lld (%s), step %lld: %lld %s prompts\n", run, record.name.c_str(), static_cast<long long>(e.step),
              static_cast<long long>(e.prompts), config.eval.split.c_str());
  std::vector<std::pair<std::string, RunMetrics>> rows = e.baselines;
  const std::string a_name = eb ? "run " + std::to_string(run) + " step " + std::to_string(e.step) : "model (step " + std::to_string(e.step) + ")";
  rows.emplace_back(a_name, e.model);
  if (eb) rows.emplace_back("run " + std::to_string(eb->run) + " step " + std::to_string(eb->step), eb->model);
  std::vector<std::string> cols;
  for (const auto& [k, v] : e.model) cols.push_back(k);
  cli_print_metrics_table(rows, cols);
  if (eb) {
    std::printf("\nrun %lld - run %lld, paired over the same %lld prompts:\n", static_cast<long long>(eb->run), run,
                static_cast<long long>(e.prompts));
    for (const auto& [name, md] : diffs) {
      const char* verdict = !std::isfinite(md.se) ? "too few pairs" : md.beyond() ? "beyond twice its standard error" : "within the noise";
      std::printf("  %-10s %+.4f  (standard error %.4f: %s)\n", name.c_str(), md.difference, md.se, verdict);
    }
  }
  return 0;
}

}  // namespace rf::cli
