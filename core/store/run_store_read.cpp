// Reading the run store (see run_store.h): runs, metrics, trajectories, evaluations, events, checkpoints.
// Each reader is one SELECT, so under WAL it sees one consistent snapshot of the committed batches.
#include "store/run_store.h"

#include "util/error.h"

#include <cmath>
#include <cstring>

namespace rf {

using nlohmann::json;

namespace {

double real_or_nan(const SqliteStmt& st, int col) { return st.column_is_null(col) ? NAN : st.column_double(col); }

json json_column(const SqliteStmt& st, int col, const std::string& where) {
  const std::string text = st.column_text(col);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(where + ": stored JSON does not parse (" + e.what() + ")");
  }
}

template <class T>
std::vector<T> array_column(const SqliteStmt& st, int col, const std::string& where) {
  const std::string bytes = st.column_blob(col);
  if (bytes.size() % sizeof(T) != 0)
    throw Error(where + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " + std::to_string(sizeof(T)) +
                "-byte values");
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

RunRecord run_from_row(const SqliteStmt& st, const std::string& db_path) {
  RunRecord r;
  r.id = st.column_int64(0);
  r.name = st.column_text(1);
  r.kind = st.column_text(2);
  r.config = json_column(st, 3, db_path + ": runs.config of run " + std::to_string(r.id));
  r.status = st.column_text(4);
  r.created_ms = st.column_int64(5);
  r.updated_ms = st.column_int64(6);
  return r;
}

const char* const kRunColumns = "SELECT id, name, kind, config, status, created_ms, updated_ms FROM runs";

}  // namespace

std::vector<RunRecord> run_store_runs(SqliteDb& db) {
  auto st = db.prepare(std::string(kRunColumns) + " ORDER BY id DESC");
  std::vector<RunRecord> out;
  while (st.step()) out.push_back(run_from_row(st, db.path()));
  return out;
}

std::optional<RunRecord> run_store_run(SqliteDb& db, int64_t run) {
  auto st = db.prepare(std::string(kRunColumns) + " WHERE id = ?");
  st.bind(1, run);
  if (!st.step()) return std::nullopt;
  return run_from_row(st, db.path());
}

std::vector<MetricRow> run_store_metrics(SqliteDb& db, int64_t run, const std::string& name, int64_t from_step,
                                         int64_t to_step) {
  auto st = db.prepare(name.empty() ? "SELECT step, name, value FROM metrics WHERE run = ? AND step BETWEEN ? AND ? "
                                      "ORDER BY step, name"
                                    : "SELECT step, name, value FROM metrics WHERE run = ? AND step BETWEEN ? AND ? "
                                      "AND name = ? ORDER BY step");
  st.bind(1, run).bind(2, from_step).bind(3, to_step);
  if (!name.empty()) st.bind(4, name);
  std::vector<MetricRow> out;
  while (st.step()) out.push_back({run, st.column_int64(0), st.column_text(1), real_or_nan(st, 2)});
  return out;
}

std::vector<std::string> run_store_metric_names(SqliteDb& db, int64_t run) {
  auto st = db.prepare("SELECT DISTINCT name FROM metrics WHERE run = ? ORDER BY name");
  st.bind(1, run);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.column_text(0));
  return out;
}

std::vector<TrajectoryRow> run_store_trajectories(SqliteDb& db, int64_t run, int64_t step) {
  auto st = db.prepare(
      "SELECT group_id, idx, user, prompt, completion, parsed, rewards, total, advantage, tokens, token_ids, token_logprobs "
      "FROM trajectories "
      "WHERE run = ? AND step = ? ORDER BY group_id, idx");
  st.bind(1, run).bind(2, step);
  std::vector<TrajectoryRow> out;
  while (st.step()) {
    TrajectoryRow t;
    t.run = run;
    t.step = step;
    t.group_id = st.column_int64(0);
    t.index = static_cast<int32_t>(st.column_int64(1));
    t.user = st.column_int64(2);
    t.prompt = st.column_text(3);
    t.completion = st.column_text(4);
    const std::string where = db.path() + ": trajectory (run " + std::to_string(run) + ", step " + std::to_string(step) +
                              ", group " + std::to_string(t.group_id) + ", index " + std::to_string(t.index) + ")";
    t.parsed = json_column(st, 5, where + " parsed");
    t.rewards = json_column(st, 6, where + " rewards");
    t.total = real_or_nan(st, 7);
    t.advantage = real_or_nan(st, 8);
    t.tokens = static_cast<int32_t>(st.column_int64(9));
    t.token_ids = array_column<int32_t>(st, 10, where + " token_ids");
    t.token_logprobs = array_column<float>(st, 11, where + " token_logprobs");
    if (t.token_logprobs.size() != t.token_ids.size())
      throw Error(where + ": " + std::to_string(t.token_ids.size()) + " token ids but " + std::to_string(t.token_logprobs.size()) +
                  " log-probs");
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<int64_t> run_store_trajectory_steps(SqliteDb& db, int64_t run) {
  auto st = db.prepare("SELECT DISTINCT step FROM trajectories WHERE run = ? ORDER BY step");
  st.bind(1, run);
  std::vector<int64_t> out;
  while (st.step()) out.push_back(st.column_int64(0));
  return out;
}

std::vector<EvaluationRow> run_store_evaluations(SqliteDb& db, int64_t run) {
  auto st = db.prepare(
      "SELECT step, subject, split, metric, value, time_ms FROM evaluations WHERE run = ? "
      "ORDER BY step, subject, split, metric");
  st.bind(1, run);
  std::vector<EvaluationRow> out;
  while (st.step())
    out.push_back({run, st.column_int64(0), st.column_text(1), st.column_text(2), st.column_text(3), real_or_nan(st, 4),
                   st.column_int64(5)});
  return out;
}

std::vector<EvaluationUserRow> run_store_evaluation_users(SqliteDb& db, int64_t run, int64_t step, const std::string& subject,
                                                          const std::string& metric) {
  auto st = db.prepare(
      "SELECT split, user, position, pool, value FROM evaluation_users WHERE run = ? AND step = ? AND subject = ? AND metric = ? "
      "ORDER BY user, position");
  st.bind(1, run).bind(2, step).bind(3, subject).bind(4, metric);
  std::vector<EvaluationUserRow> out;
  while (st.step())
    out.push_back({run, step, subject, st.column_text(0), metric, st.column_int64(1), st.column_int64(2), st.column_int64(3),
                   real_or_nan(st, 4)});
  return out;
}

std::vector<std::string> run_store_evaluation_user_metrics(SqliteDb& db, int64_t run, int64_t step, const std::string& subject) {
  auto st = db.prepare("SELECT DISTINCT metric FROM evaluation_users WHERE run = ? AND step = ? AND subject = ? ORDER BY metric");
  st.bind(1, run).bind(2, step).bind(3, subject);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.column_text(0));
  return out;
}

std::vector<EventRow> run_store_events(SqliteDb& db, int64_t run, int64_t after_id) {
  auto st = db.prepare("SELECT id, step, time_ms, kind, payload FROM events WHERE run = ? AND id > ? ORDER BY id");
  st.bind(1, run).bind(2, after_id);
  std::vector<EventRow> out;
  while (st.step()) {
    EventRow e;
    e.id = st.column_int64(0);
    e.run = run;
    e.step = st.column_int64(1);
    e.time_ms = st.column_int64(2);
    e.kind = run_event_kind_from_name(st.column_text(3));
    e.payload = json_column(st, 4, db.path() + ": event " + std::to_string(e.id) + " payload");
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<CheckpointRow> run_store_checkpoints(SqliteDb& db, int64_t run) {
  auto st = db.prepare("SELECT step, path, time_ms FROM checkpoints WHERE run = ? ORDER BY step");
  st.bind(1, run);
  std::vector<CheckpointRow> out;
  while (st.step()) out.push_back({run, st.column_int64(0), st.column_text(1), st.column_int64(2)});
  return out;
}

int64_t run_store_last_step(SqliteDb& db, int64_t run) {
  auto st = db.prepare("SELECT MAX(step) FROM metrics WHERE run = ?");
  st.bind(1, run);
  if (!st.step() || st.column_is_null(0)) return -1;
  return st.column_int64(0);
}

}  // namespace rf
