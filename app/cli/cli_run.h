// What the commands that start runs share (grpo, sft --project, resume, demo): reading a run config with
// command-line overrides, finding the sample world behind a project's data, running with a progress bar on
// a terminal or JSON lines elsewhere (Ctrl-C stops with a checkpoint), and printing evaluation tables.
#pragma once

#include "data/sample_world.h"
#include "engine/run_execute.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rf::cli {

// Applies "a.b.c=VALUE" overrides to a config JSON (VALUE read as JSON when it parses, else as a string).
void cli_config_override(nlohmann::json& config, const std::vector<std::string>& assignments);

// The sample world the project's data set was imported from (a folder with world.json), if any.
std::unique_ptr<SampleWorld> cli_project_world(const std::string& project_dir, const std::string& dataset);

struct CliRunOutput {
  bool json = false;   // JSON lines (also when stdout is not a terminal)
  bool quiet = false;  // no per-step lines on a terminal (messages and the summary only)
};
CliRunOutput cli_run_output(bool json_flag, bool quiet_flag);

// Runs (or resumes) the run, printing progress; Ctrl-C asks the run to stop (checkpoint first).
RunOutcome cli_run_execute(const std::string& project_dir, int64_t run, const RunExecuteOptions& options, const CliRunOutput& out);

// A number for JSON output: NaN and infinities become null (JSON has no spelling for them).
nlohmann::json cli_json_number(double v);
// {"name": value, ...} of evaluation metrics, through cli_json_number.
nlohmann::json cli_metrics_json(const RunMetrics& m);

// A table: one row per subject, one column per metric in `metrics` (NaN or missing: "-").
void cli_print_metrics_table(const std::vector<std::pair<std::string, RunMetrics>>& rows, const std::vector<std::string>& metrics);

// The shared options of the commands that start a run.
int cli_run_command(const std::string& trainer, int argc, char** argv);

}  // namespace rf::cli
