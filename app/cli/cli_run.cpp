// Starting, following and summarising runs from the command line (see cli_run.h).
#include "cli_run.h"

#include "cli_args.h"
#include "data/dataset_store.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>

namespace rf::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Ctrl-C (SIGINT) and a polite kill (SIGTERM, e.g. the workbench's Stop of a demo it started) both stop
// the run at the next step boundary with a checkpoint.
RunControl* g_control = nullptr;
void on_stop_signal(int) {
  if (g_control) g_control->request_stop_from_signal();
}

std::string duration_text(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  char buf[32];
  const long t = std::lround(s);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  return buf;
}

}  // namespace

void cli_config_override(json& config, const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("'" + a + "': overrides are key.path=value (e.g. grpo.beta=0.04)");
    const std::string path = a.substr(0, eq), text = a.substr(eq + 1);
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded()) value = text;
    json* node = &config;
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (node->is_array()) {  // a list element by index: rewards.components.3.weight=0.5
        size_t idx = 0;
        try {
          idx = std::stoul(key);
        } catch (const std::exception&) {
          throw Error("'" + a + "': '" + key + "' is not an index into a list");
        }
        if (idx >= node->size()) throw Error("'" + a + "': index " + key + " is past the list's end");
        node = &(*node)[idx];
      } else {
        if (!node->is_object()) *node = json::object();
        node = &(*node)[key];
      }
      if (dot == std::string::npos) {
        *node = value;
        break;
      }
      start = dot + 1;
    }
  }
}

std::unique_ptr<SampleWorld> cli_project_world(const std::string& project_dir, const std::string& dataset) {
  Project p = project_open(project_dir, false);
  std::string source;
  for (const DatasetInfo& info : dataset_list(p))
    if (dataset.empty() || info.name == dataset) source = info.source;
  const auto colon = source.find(':');
  if (colon == std::string::npos) return nullptr;
  const fs::path dir = source.substr(colon + 1);
  if (!fs::is_regular_file(dir / "world.json")) return nullptr;
  return std::make_unique<SampleWorld>(sample_world_load(dir.string()));
}

CliRunOutput cli_run_output(bool json_flag, bool quiet_flag) {
  CliRunOutput o;
  o.json = json_flag || !isatty(fileno(stdout));
  o.quiet = quiet_flag;
  return o;
}

RunOutcome cli_run_execute(const std::string& project_dir, int64_t run, const RunExecuteOptions& options, const CliRunOutput& out) {
  RunControl control;
  g_control = &control;
  auto previous = std::signal(SIGINT, on_stop_signal);
  auto previous_term = std::signal(SIGTERM, on_stop_signal);
  RunHooks hooks;
  hooks.on_message = [&](const std::string& line) {
    if (out.json) std::printf("%s\n", json({{"event", "message"}, {"run", run}, {"message", line}}).dump().c_str());
    else std::printf("\r\033[K%s\n", line.c_str());
    std::fflush(stdout);
  };
  hooks.on_eval = [&](int64_t step, const std::string& subject, const RunMetrics& m) {
    if (out.json) {
      std::printf("%s\n", json({{"event", "eval"}, {"run", run}, {"step", step}, {"subject", subject}, {"metrics", cli_metrics_json(m)}}).dump().c_str());
    } else {
      std::string line = "eval step " + std::to_string(step) + " " + subject + ":";
      for (const auto& [k, v] : m) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %s %.4g", k.c_str(), v);
        line += buf;
      }
      std::printf("\r\033[K%s\n", line.c_str());
    }
    std::fflush(stdout);
  };
  hooks.on_step = [&](const RunProgress& p) {
    if (out.json) {
      json j = {{"event", "step"}, {"run", run}, {"step", p.step}, {"total_steps", p.total_steps}, {"eta_s", p.eta_s},
                {"skipped", p.skipped}};
      for (const auto& [k, v] : p.metrics) j[k] = cli_json_number(v);
      std::printf("%s\n", j.dump().c_str());
    } else if (!out.quiet) {
      const int width = 24;
      const int filled = p.total_steps > 0 ? static_cast<int>(width * p.step / p.total_steps) : 0;
      const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.');
      char buf[256];
      if (std::isfinite(p.reward))
        std::snprintf(buf, sizeof buf, "[%s] step %lld/%lld  reward %.3f  loss %.4f  %.1f s/step  ETA %s%s", bar.c_str(),
                      static_cast<long long>(p.step), static_cast<long long>(p.total_steps), p.reward, p.loss, p.step_time,
                      duration_text(p.eta_s).c_str(), p.skipped ? "  (skipped)" : "");
      else
        std::snprintf(buf, sizeof buf, "[%s] step %lld/%lld  loss %.4f  %.1f s/step  ETA %s%s", bar.c_str(),
                      static_cast<long long>(p.step), static_cast<long long>(p.total_steps), p.loss, p.step_time,
                      duration_text(p.eta_s).c_str(), p.skipped ? "  (skipped)" : "");
      std::printf("\r\033[K%s", buf);
    }
    std::fflush(stdout);
  };
  RunOutcome r;
  try {
    r = run_execute(project_dir, run, &control, hooks, options);
  } catch (...) {
    std::signal(SIGINT, previous);
    std::signal(SIGTERM, previous_term);
    g_control = nullptr;
    throw;
  }
  std::signal(SIGINT, previous);
  std::signal(SIGTERM, previous_term);
  g_control = nullptr;
  if (out.json) {
    std::printf("%s\n", json({{"event", "end"}, {"run", run}, {"status", r.status}, {"steps", r.steps}, {"checkpoint", r.checkpoint},
                              {"message", r.message}}).dump().c_str());
  } else {
    std::printf("\r\033[Krun %lld %s after %lld steps%s%s\n", static_cast<long long>(run), r.status.c_str(),
                static_cast<long long>(r.steps), r.checkpoint.empty() ? "" : ("; checkpoint " + r.checkpoint).c_str(),
                r.message.empty() ? "" : ("\n  " + r.message).c_str());
  }
  std::fflush(stdout);
  return r;
}

json cli_json_number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json cli_metrics_json(const RunMetrics& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = cli_json_number(v);
  return j;
}

void cli_print_metrics_table(const std::vector<std::pair<std::string, RunMetrics>>& rows, const std::vector<std::string>& metrics) {
  size_t w = 8;
  for (const auto& r : rows) w = std::max(w, r.first.size());
  std::printf("%-*s", static_cast<int>(w), "");
  for (const auto& m : metrics) std::printf("  %12s", m.c_str());
  std::printf("\n");
  for (const auto& [name, values] : rows) {
    std::printf("%-*s", static_cast<int>(w), name.c_str());
    for (const auto& m : metrics) {
      const double v = run_metric(values, m);
      if (std::isnan(v)) std::printf("  %12s", "-");
      else std::printf("  %12.4f", v);
    }
    std::printf("\n");
  }
}

int cli_run_command(const std::string& trainer, int argc, char** argv) {
  CliArgs args(trainer,
               "Start a " + trainer + " run in a project and record it in the project's run store. The run config\n"
               "(docs/config.md) comes from --config (default: every field's default), then KEY=VALUE overrides,\n"
               "e.g. grpo.num_generations=4 grpo.max_steps=20 rewards.components.1.weight=0.5 model.finetune=lora.\n"
               "Progress bar on a terminal, JSON lines otherwise (or with --json). Ctrl-C stops with a checkpoint;\n"
               "recforge-cli resume RUN continues it.",
               {{"project", "DIR", "the project folder (data imported with recforge-cli data import)", ""},
                {"config", "FILE", "the run config (JSON)", ""},
                {"name", "TEXT", "the run's name (config field name)", ""},
                {"no-baselines", "", "do not score the classic baselines on the evaluation prompts", ""},
                {"no-eval", "", "no evaluation of the model (before, during, after)", ""},
                {"threads", "N", "CPU intra-op threads (0 = automatic)", "0"},
                {"save-config", "FILE", "also write the resolved config (every default filled in)", ""},
                {"quiet", "", "no per-step progress on a terminal", ""},
                {"json", "", "JSON lines (steps, messages, evaluations, end)", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.has("project")) throw Error(trainer + ": --project is required");
  const std::string project = args.get("project");
  json j = args.has("config") ? json::parse(file_read_all(args.get("config")), nullptr, false) : json::object();
  if (j.is_discarded()) throw Error(args.get("config") + ": not valid JSON");
  j["trainer"] = trainer;
  if (args.has("name")) j["name"] = args.get("name");
  // Reward overrides index into the resolved reward (the recipe's preset filled in), the others come first.
  std::vector<std::string> plain, reward_overrides;
  for (const std::string& a : args.positional()) (a.rfind("rewards.", 0) == 0 ? reward_overrides : plain).push_back(a);
  const std::string where = args.has("config") ? args.get("config") : "config";
  cli_config_override(j, plain);
  if (!reward_overrides.empty()) {
    j = run_config_to_json(run_config_from_json(j, where));
    cli_config_override(j, reward_overrides);
  }
  const RunConfig config = run_config_from_json(j, where);
  if (args.has("save-config")) run_config_save(config, args.get("save-config"));
  const int64_t run = run_create(project, config);
  const CliRunOutput out = cli_run_output(args.flag("json"), args.flag("quiet"));
  if (!out.json) std::printf("run %lld: %s %s on %s\n", static_cast<long long>(run), config.recipe.c_str(), trainer.c_str(), project.c_str());
  const auto world = cli_project_world(project, config.data.dataset);
  RunExecuteOptions o;
  o.baselines = !args.flag("no-baselines");
  o.evaluate = !args.flag("no-eval");
  o.threads = static_cast<int>(args.get_int("threads"));
  o.world = world.get();
  const RunOutcome r = cli_run_execute(project, run, o, out);
  if (!out.json && !r.last_eval.empty()) {
    std::vector<std::pair<std::string, RunMetrics>> rows = r.baselines;
    rows.emplace_back("model (step 0)", r.first_eval);
    rows.emplace_back("model (step " + std::to_string(r.steps) + ")", r.last_eval);
    std::vector<std::string> cols;
    for (const auto& [k, v] : r.last_eval) cols.push_back(k);
    cli_print_metrics_table(rows, cols);
  }
  return r.status == "failed" ? 1 : 0;
}

}  // namespace rf::cli
