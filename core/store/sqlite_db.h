// A thin RAII layer over the SQLite C API, shared by everything that keeps state in a project's
// database (data, templates, runs) and by the FTS5 retriever. Every failure becomes an rf::Error that
// names the database file and the statement, so callers never check return codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace rf {

class SqliteStmt;

class SqliteDb {
 public:
  // Opens (creating when `create` is true) a database file; ":memory:" gives a private in-memory one.
  // File databases use WAL journaling, foreign keys on, and a 5 s busy timeout.
  explicit SqliteDb(const std::string& path, bool create = true);
  ~SqliteDb();
  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const std::string& sql);  // one or more statements without results
  SqliteStmt prepare(const std::string& sql);
  int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last statement
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class SqliteStmt {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt, std::string sql, std::string db_path);
  ~SqliteStmt();
  SqliteStmt(SqliteStmt&& other) noexcept;
  SqliteStmt& operator=(SqliteStmt&& other) noexcept;
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  SqliteStmt& bind(int index, int64_t value);
  SqliteStmt& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  SqliteStmt& bind(int index, double value);
  SqliteStmt& bind(int index, std::string_view text);
  SqliteStmt& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  SqliteStmt& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  SqliteStmt& bind_null(int index);
  SqliteStmt& bind_blob(int index, const void* data, int bytes);

  bool step();  // true while a row is available; false when done
  void run();   // step() to completion for statements without rows, then reset()
  void reset();  // ready to step again, bindings kept

  int column_count() const;
  bool column_is_null(int col) const;  // columns are 0-based, as in SQLite
  int64_t column_int64(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  std::optional<double> column_optional_double(int col) const;
  std::string column_blob(int col) const;  // the bytes; "" for NULL

 private:
  [[noreturn]] void fail(int rc, const char* what) const;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  std::string db_path_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK in the destructor unless commit() ran. Makes multi-step
// writes all-or-nothing, even when an exception leaves the scope.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  void commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace rf
