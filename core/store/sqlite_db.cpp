// SQLite wrapper: see sqlite_db.h.
#include "store/sqlite_db.h"

#include "util/error.h"

#include <sqlite3.h>

#include <utility>

namespace rf {

namespace {

std::string sql_excerpt(const std::string& sql) {
  std::string s = sql.substr(0, 120);
  if (sql.size() > 120) s += "…";
  return s;
}

}  // namespace

SqliteDb::SqliteDb(const std::string& path, bool create) : path_(path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(path + ": cannot open database: " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA foreign_keys = ON");
  if (path != ":memory:" && !path.empty()) {
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = NORMAL");
  }
}

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

void SqliteDb::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(path_ + ": " + msg + " (in: " + sql_excerpt(sql) + ")");
  }
}

SqliteStmt SqliteDb::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    throw Error(path_ + ": " + sqlite3_errmsg(db_) + " (in: " + sql_excerpt(sql) + ")");
  }
  return SqliteStmt(db_, stmt, sql, path_);
}

int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDb::changes() const { return sqlite3_changes(db_); }

SqliteStmt::SqliteStmt(sqlite3* db, sqlite3_stmt* stmt, std::string sql, std::string db_path)
    : db_(db), stmt_(stmt), sql_(std::move(sql)), db_path_(std::move(db_path)) {}

SqliteStmt::~SqliteStmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

SqliteStmt::SqliteStmt(SqliteStmt&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), sql_(std::move(other.sql_)),
      db_path_(std::move(other.db_path_)) {}

SqliteStmt& SqliteStmt::operator=(SqliteStmt&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
    db_path_ = std::move(other.db_path_);
  }
  return *this;
}

void SqliteStmt::fail(int rc, const char* what) const {
  std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  throw Error(db_path_ + ": " + what + ": " + msg + " (in: " + sql_excerpt(sql_) + ")");
}

SqliteStmt& SqliteStmt::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc, "bind");
  return *this;
}

SqliteStmt& SqliteStmt::bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc, "bind");
  return *this;
}

SqliteStmt& SqliteStmt::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(rc, "bind");
  return *this;
}

SqliteStmt& SqliteStmt::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(rc, "bind");
  return *this;
}

SqliteStmt& SqliteStmt::bind_blob(int index, const void* data, int bytes) {
  int rc = sqlite3_bind_blob(stmt_, index, data, bytes, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(rc, "bind");
  return *this;
}

bool SqliteStmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc, "step");
}

void SqliteStmt::run() {
  while (step()) {
  }
  reset();
}

void SqliteStmt::reset() { sqlite3_reset(stmt_); }

int SqliteStmt::column_count() const { return sqlite3_column_count(stmt_); }
bool SqliteStmt::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t SqliteStmt::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double SqliteStmt::column_double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string SqliteStmt::column_text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string SqliteStmt::column_blob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  if (!data) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<double> SqliteStmt::column_optional_double(int col) const {
  if (column_is_null(col)) return std::nullopt;
  return column_double(col);
}

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

SqliteTransaction::~SqliteTransaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // The connection is already broken; nothing more can be undone from here.
    }
  }
}

void SqliteTransaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace rf
