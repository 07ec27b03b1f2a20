// The run store's schema, its migrations, opening, and the run lifecycle writes (see run_store.h).
#include "store/run_store.h"

#include "store/project.h"

#include "util/error.h"

#include <chrono>
#include <cmath>
#include <filesystem>

namespace rf {

namespace {

bool same_number(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

const char* const kKinds[] = {"weight_change", "pause", "resume", "stop", "error", "checkpoint", "nan_skip"};

// Schema 1. Steps of a run may be written again after a resume (INSERT OR REPLACE on the keys below).
void schema_v1(SqliteDb& db) {
  db.exec(R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  config TEXT NOT NULL,
  status TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE TABLE metrics (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run, name, step)) WITHOUT ROWID;
CREATE TABLE trajectories (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  group_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  user INTEGER NOT NULL,
  prompt TEXT NOT NULL,
  completion TEXT NOT NULL,
  parsed TEXT NOT NULL,
  rewards TEXT NOT NULL,
  total REAL,
  advantage REAL,
  tokens INTEGER NOT NULL,
  PRIMARY KEY (run, step, group_id, idx));
CREATE TABLE evaluations (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  subject TEXT NOT NULL,
  split TEXT NOT NULL,
  metric TEXT NOT NULL,
  value REAL,
  time_ms INTEGER NOT NULL,
  PRIMARY KEY (run, step, subject, split, metric));
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('weight_change', 'pause', 'resume', 'stop', 'error', 'checkpoint', 'nan_skip')),
  payload TEXT NOT NULL);
CREATE INDEX events_by_run ON events (run, id);
CREATE TABLE checkpoints (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  PRIMARY KEY (run, step));
)sql");
}

int user_version(SqliteDb& db) {
  auto st = db.prepare("PRAGMA user_version");
  return st.step() ? static_cast<int>(st.column_int64(0)) : 0;
}

}  // namespace

bool MetricRow::operator==(const MetricRow& o) const {
  return run == o.run && step == o.step && name == o.name && same_number(value, o.value);
}

bool EvaluationRow::operator==(const EvaluationRow& o) const {
  return run == o.run && step == o.step && subject == o.subject && split == o.split && metric == o.metric &&
         same_number(value, o.value) && time_ms == o.time_ms;
}

bool EvaluationUserRow::operator==(const EvaluationUserRow& o) const {
  return run == o.run && step == o.step && subject == o.subject && split == o.split && metric == o.metric && user == o.user &&
         position == o.position && pool == o.pool && same_number(value, o.value);
}

std::string run_store_path(const std::string& project_dir) { return Project{project_dir, nullptr}.db_path(); }

std::string run_event_kind_name(RunEventKind kind) { return kKinds[static_cast<int>(kind)]; }

RunEventKind run_event_kind_from_name(const std::string& name) {
  std::string list;
  for (int i = 0; i < 7; ++i) {
    if (name == kKinds[i]) return static_cast<RunEventKind>(i);
    list += (i ? ", " : "") + std::string(kKinds[i]);
  }
  throw Error("event kind '" + name + "' is not one of " + list);
}

int64_t run_store_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Schema 2: each trajectory's generated token ids and their sampled log-probabilities (the inspector's
// per-token view), as little-endian int32 and float32 arrays; NULL for rows written before.
void schema_v2(SqliteDb& db) {
  db.exec("ALTER TABLE trajectories ADD COLUMN token_ids BLOB");
  db.exec("ALTER TABLE trajectories ADD COLUMN token_logprobs BLOB");
}

// Schema 3: each evaluation's per-user values (EvaluationUserRow), for paired comparisons of runs.
void schema_v3(SqliteDb& db) {
  db.exec(R"(
CREATE TABLE evaluation_users (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  subject TEXT NOT NULL,
  split TEXT NOT NULL,
  metric TEXT NOT NULL,
  user INTEGER NOT NULL,
  position INTEGER NOT NULL,
  pool INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (run, step, subject, split, metric, user, position));
)");
}

const std::vector<RunStoreMigration>& run_store_migrations() {
  static const std::vector<RunStoreMigration> steps = {schema_v1, schema_v2, schema_v3};
  return steps;
}

void run_store_migrate(SqliteDb& db, const std::vector<RunStoreMigration>& steps) {
  const int target = static_cast<int>(steps.size());
  int version = user_version(db);
  if (version > target)
    throw Error(db.path() + ": run store schema version " + std::to_string(version) + " is newer than this RecForge's (" +
                std::to_string(target) + "); open it with a newer RecForge");
  while (version < target) {
    SqliteTransaction tx(db);
    if (user_version(db) != version) break;  // another process migrated meanwhile
    try {
      steps[version](db);
    } catch (const Error& e) {
      throw Error(db.path() + ": run store migration to schema " + std::to_string(version + 1) + " failed: " + e.what());
    }
    db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
    version = user_version(db);
  }
}

SqliteDb run_store_open(const std::string& path, bool create) {
  namespace fs = std::filesystem;
  if (path.empty()) throw Error("run store: no database path given");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent))
    throw Error(path + ": cannot open the run store: folder " + parent.string() + " does not exist");
  if (!create && !fs::exists(path)) throw Error(path + ": no run store here (the file does not exist)");
  SqliteDb db(path, create);
  if (create) {
    run_store_migrate(db);
    return db;
  }
  const int version = user_version(db);
  if (version == 0) throw Error(path + ": not a RecForge run store (schema version 0, no run tables)");
  if (version > kRunStoreSchemaVersion)
    throw Error(path + ": run store schema version " + std::to_string(version) + " is newer than this RecForge's (" +
                std::to_string(kRunStoreSchemaVersion) + "); open it with a newer RecForge");
  if (version < kRunStoreSchemaVersion) run_store_migrate(db);
  return db;
}

std::string run_store_integrity_check(SqliteDb& db) {
  auto st = db.prepare("PRAGMA integrity_check");
  std::string out;
  while (st.step()) out += (out.empty() ? "" : "\n") + st.column_text(0);
  return out;
}

int64_t run_store_create_run(SqliteDb& db, const std::string& name, const std::string& kind, const nlohmann::json& config,
                             const std::string& status) {
  if (kind.empty()) throw Error(db.path() + ": a run needs a kind (\"sft\" or \"grpo\")");
  const int64_t now = run_store_now_ms();
  auto st = db.prepare("INSERT INTO runs (name, kind, config, status, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)");
  st.bind(1, name).bind(2, kind).bind(3, config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  st.bind(4, status).bind(5, now).bind(6, now);
  st.run();
  return db.last_insert_rowid();
}

void run_store_set_status(SqliteDb& db, int64_t run, const std::string& status) {
  auto st = db.prepare("UPDATE runs SET status = ?, updated_ms = ? WHERE id = ?");
  st.bind(1, status).bind(2, run_store_now_ms()).bind(3, run);
  st.run();
  if (db.changes() == 0) throw Error(db.path() + ": no run " + std::to_string(run));
}

EventRow run_event_make(int64_t run, int64_t step, RunEventKind kind, nlohmann::json payload) {
  EventRow ev;
  ev.run = run;
  ev.step = step;
  ev.kind = kind;
  ev.payload = std::move(payload);
  return ev;
}

void run_store_truncate_after(SqliteDb& db, int64_t run, int64_t step) {
  SqliteTransaction tx(db);
  for (const char* table : {"metrics", "trajectories", "evaluations", "evaluation_users"}) {
    auto st = db.prepare(std::string("DELETE FROM ") + table + " WHERE run = ? AND step > ?");
    st.bind(1, run).bind(2, step);
    st.run();
  }
  tx.commit();
}

void run_store_delete_run(SqliteDb& db, int64_t run) {
  auto st = db.prepare("DELETE FROM runs WHERE id = ?");  // ON DELETE CASCADE removes the rows
  st.bind(1, run);
  st.run();
}

}  // namespace rf
