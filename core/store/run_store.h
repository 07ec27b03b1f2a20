// The run store (DESIGN.md §2, §9): one SQLite database in WAL mode that records every run — its config,
// per-step metrics, every GRPO trajectory (prompt, completion, parsed answer, reward breakdown, total,
// advantage), evaluation results, events (weight changes, pauses, errors, checkpoints, NaN skips) and
// checkpoint records. A training thread writes through RunStoreWriter (run_store_writer.h: batched
// transactions on its own thread); readers here work on their own connection, from another thread or
// process, while a run writes (WAL: readers see the last committed batch, never a half-written one).
//
// The schema is versioned with PRAGMA user_version; run_store_migrate() brings an older file up to
// kRunStoreSchemaVersion one step at a time (each step in its own transaction) and refuses a newer one.
// It lives in the project's database beside the data (project.h: one SQLite file for data, templates and
// runs): run_store_path(project_dir) = <project>/project.sqlite. The run store owns that file's
// user_version (the project's own bookkeeping is its `meta` table), and its table names are its own.
#pragma once

#include "store/sqlite_db.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rf {

inline constexpr int kRunStoreSchemaVersion = 3;  // = run_store_migrations().size()

std::string run_store_path(const std::string& project_dir);

// --- rows -----------------------------------------------------------------------------------------------

struct RunRecord {
  int64_t id = 0;
  std::string name;
  std::string kind;             // "sft" | "grpo" (the run config's trainer)
  nlohmann::json config;        // the run config (core/engine/run_config.h JSON)
  std::string status;           // "created" | "running" | "paused" | "stopped" | "finished" | "failed"
  int64_t created_ms = 0;       // Unix time, milliseconds
  int64_t updated_ms = 0;
};

struct MetricRow {
  int64_t run = 0;
  int64_t step = 0;
  std::string name;  // TRL's names: "reward", "rewards/ndcg/mean", "kl", "loss", ...
  double value = 0;  // NaN is stored as NULL and read back as NaN
  bool operator==(const MetricRow& o) const;  // NaN equals NaN here
};

struct TrajectoryRow {
  int64_t run = 0;
  int64_t step = 0;
  int64_t group_id = 0;   // the prompt's group within the step
  int32_t index = 0;      // the completion's index within its group
  int64_t user = -1;      // the user index the prompt was built for (-1: none)
  std::string prompt;
  std::string completion;
  nlohmann::json parsed;   // the parsed answer (items / query / rating, problems)
  nlohmann::json rewards;  // the reward breakdown: [{name, weight, value, weighted, explanation}, ...]
  double total = 0;
  double advantage = 0;
  int32_t tokens = 0;     // completion tokens
  std::vector<int32_t> token_ids;     // the generated ids (empty: not recorded, e.g. rows from before schema 2)
  std::vector<float> token_logprobs;  // per id: its log-probability when sampled (at the sampling temperature)
  bool operator==(const TrajectoryRow& o) const = default;
};

struct EvaluationRow {
  int64_t run = 0;
  int64_t step = 0;
  std::string subject;  // what was evaluated: "model" or a baseline's name
  std::string split;    // "valid" | "test"
  std::string metric;   // "recall@10", "ndcg@10", "ilad", "novelty", "mae", ...
  double value = 0;
  int64_t time_ms = 0;  // 0 when queued = the time it was queued
  bool operator==(const EvaluationRow& o) const;  // NaN equals NaN here
};

// One held-out user's value of one metric in one evaluation (schema 3): what lets two runs evaluated on the
// same users be compared user by user (core/engine/eval_compare.h) instead of mean against mean.
struct EvaluationUserRow {
  int64_t run = 0;
  int64_t step = 0;
  std::string subject;   // as EvaluationRow
  std::string split;
  std::string metric;    // a metric with a value per user: "recall@10", "ndcg@10", "ilad", "abs_error", ...
  int64_t user = -1;     // the user index
  int64_t position = 0;  // the held-out interaction's position in the user's history
  int64_t pool = 0;      // a hash of the candidate pool (0: no pool), so only the same question pairs
  double value = 0;
  bool operator==(const EvaluationUserRow& o) const;  // NaN equals NaN here
};

enum class RunEventKind { weight_change, pause, resume, stop, error, checkpoint, nan_skip };
std::string run_event_kind_name(RunEventKind kind);
RunEventKind run_event_kind_from_name(const std::string& name);  // rf::Error lists the kinds

struct EventRow {
  int64_t id = 0;  // assigned by the store (increasing); readers poll with after_id
  int64_t run = 0;
  int64_t step = 0;
  int64_t time_ms = 0;  // 0 when queued = the time it was queued
  RunEventKind kind = RunEventKind::error;
  nlohmann::json payload;  // e.g. {"component": "diversity", "old": 0.2, "new": 0.5}
  bool operator==(const EventRow& o) const = default;
};

struct CheckpointRow {
  int64_t run = 0;
  int64_t step = 0;
  std::string path;
  int64_t time_ms = 0;
  bool operator==(const CheckpointRow& o) const = default;
};

int64_t run_store_now_ms();

// An event row to queue (id and time are filled in by the store).
EventRow run_event_make(int64_t run, int64_t step, RunEventKind kind, nlohmann::json payload = nlohmann::json::object());

// --- opening and schema ---------------------------------------------------------------------------------

// One migration step: brings the schema from version i to i + 1 (its index in the list).
using RunStoreMigration = std::function<void(SqliteDb&)>;
// The built-in steps; step 0 creates schema 1.
const std::vector<RunStoreMigration>& run_store_migrations();

// Runs the missing steps of `steps` (user_version -> steps.size()), each in a transaction that also sets
// user_version. rf::Error for a file whose version is newer than steps.size() (written by a newer RecForge).
void run_store_migrate(SqliteDb& db, const std::vector<RunStoreMigration>& steps = run_store_migrations());

// Opens a run store. With `create`, a missing file is made and the schema brought up to date; without it
// the file must exist and already be a run store (rf::Error names the path: missing, not a database, not a
// run store, newer schema). Readers open with create = false.
SqliteDb run_store_open(const std::string& path, bool create);

// "ok", or the problems PRAGMA integrity_check reports, one per line.
std::string run_store_integrity_check(SqliteDb& db);

// --- runs (synchronous; the controller calls these at a run's start and end) ----------------------------

int64_t run_store_create_run(SqliteDb& db, const std::string& name, const std::string& kind,
                             const nlohmann::json& config, const std::string& status = "created");
void run_store_set_status(SqliteDb& db, int64_t run, const std::string& status);
// Resuming from a checkpoint at `step`: deletes the run's metrics, trajectories and evaluations of later
// steps, so the resumed run continues the curves without duplicated steps. Events and checkpoints stay.
void run_store_truncate_after(SqliteDb& db, int64_t run, int64_t step);
void run_store_delete_run(SqliteDb& db, int64_t run);  // the run and every row of it

// --- readers --------------------------------------------------------------------------------------------

std::vector<RunRecord> run_store_runs(SqliteDb& db);  // newest first
std::optional<RunRecord> run_store_run(SqliteDb& db, int64_t run);
// Metrics of a run ordered by (step, name); only `name` when it is not empty; steps in [from_step, to_step].
std::vector<MetricRow> run_store_metrics(SqliteDb& db, int64_t run, const std::string& name = "", int64_t from_step = 0,
                                         int64_t to_step = INT64_MAX);
std::vector<std::string> run_store_metric_names(SqliteDb& db, int64_t run);  // sorted
std::vector<TrajectoryRow> run_store_trajectories(SqliteDb& db, int64_t run, int64_t step);  // by (group, index)
std::vector<int64_t> run_store_trajectory_steps(SqliteDb& db, int64_t run);  // ascending
std::vector<EvaluationRow> run_store_evaluations(SqliteDb& db, int64_t run);  // by (step, subject, split, metric)
// One evaluation's per-user values of `metric` (by user, position); empty when none were stored (an
// evaluation before schema 3, a metric without per-user values).
std::vector<EvaluationUserRow> run_store_evaluation_users(SqliteDb& db, int64_t run, int64_t step, const std::string& subject,
                                                          const std::string& metric);
// The metrics an evaluation stored per-user values of (sorted).
std::vector<std::string> run_store_evaluation_user_metrics(SqliteDb& db, int64_t run, int64_t step, const std::string& subject);
std::vector<EventRow> run_store_events(SqliteDb& db, int64_t run, int64_t after_id = 0);  // by id
std::vector<CheckpointRow> run_store_checkpoints(SqliteDb& db, int64_t run);  // by step
int64_t run_store_last_step(SqliteDb& db, int64_t run);  // the highest step with a metric; -1 when none

}  // namespace rf
