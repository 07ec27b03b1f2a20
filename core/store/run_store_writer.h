// Writes a run's rows to the run store off the training thread (DESIGN.md §9: storing trajectories must not
// slow a GRPO step). The training thread only moves rows into a queue (JSON is serialised later, on the
// writer's thread); the writer's own std::thread, on its own SQLite connection, writes whatever is queued
// in one transaction every `flush_interval_ms`, as soon as `batch_rows` rows wait, on flush() and on close().
// A reader (run_store.h) on another connection or process sees each batch whole or not at all.
//
// Durability: rows are safe once flush() has returned (or close() / the destructor, which drain the queue).
// Rows queued but not yet written are lost if the process is killed; the controller flushes at each
// checkpoint, so a resumed run loses nothing before its checkpoint.
//
// A write error (disk full, a read-only file) stops the writer: the failed batch is rolled back, and that
// error is thrown as rf::Error by the next queue call, flush() or close(). The destructor never throws.
#pragma once

#include "store/run_store.h"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace rf {

struct RunStoreWriterOptions {
  int flush_interval_ms = 250;  // the longest a queued row waits before it is written
  int batch_rows = 4096;        // write early once this many rows wait
};

struct RunStoreWriterStats {
  int64_t rows = 0;          // rows written (committed)
  int64_t transactions = 0;  // batches committed
  double write_seconds = 0;  // time the writer thread spent inside transactions
};

class RunStoreWriter {
 public:
  // Opens `path` (creating it and its schema when missing) on a connection of its own; rf::Error names the
  // path when it cannot be opened. Starts the writer thread.
  explicit RunStoreWriter(const std::string& path, RunStoreWriterOptions options = {});
  ~RunStoreWriter();  // close(), errors swallowed (see error())
  RunStoreWriter(const RunStoreWriter&) = delete;
  RunStoreWriter& operator=(const RunStoreWriter&) = delete;

  // --- queueing (any thread; cheap: no SQL and no JSON serialisation here) ---
  void metric(int64_t run, int64_t step, std::string name, double value);
  void metrics(int64_t run, int64_t step, const std::vector<std::pair<std::string, double>>& values);
  void trajectory(TrajectoryRow row);
  void trajectories(std::vector<TrajectoryRow> rows);
  void evaluation(EvaluationRow row);
  void evaluation_users(std::vector<EvaluationUserRow> rows);
  void event(EventRow row);  // row.id is ignored (the store assigns it)
  void checkpoint(CheckpointRow row);
  void checkpoint_forget(int64_t run, int64_t step);  // deletes a checkpoint record (its folder was removed)
  void status(int64_t run, std::string status);  // runs.status, in order with the rows around it

  // Blocks until every row queued before the call is committed.
  void flush();
  // Flushes, stops the thread and closes the connection. Idempotent; queue calls afterwards are errors.
  void close();

  const std::string& path() const { return path_; }
  RunStoreWriterStats stats() const;
  std::string error() const;  // the write error that stopped the writer; "" while healthy

 private:
  struct StatusRow {
    int64_t run;
    std::string status;
  };
  struct CheckpointForgetRow {
    int64_t run;
    int64_t step;
  };
  using Row = std::variant<MetricRow, TrajectoryRow, EvaluationRow, EvaluationUserRow, EventRow, CheckpointRow, StatusRow,
                           CheckpointForgetRow>;

  void push(Row row);
  void push_many(std::vector<Row>& rows);
  void check_open_locked() const;
  void loop();
  void write_batch(std::vector<Row>& batch);

  std::string path_;
  RunStoreWriterOptions options_;
  std::unique_ptr<SqliteDb> db_;  // reset by close()

  mutable std::mutex mu_;
  std::condition_variable wake_;   // the writer thread waits on it
  std::condition_variable done_;   // flush() waits on it
  std::vector<Row> queue_;
  int64_t queued_ = 0;             // rows ever queued
  int64_t committed_ = 0;          // rows ever committed (or dropped after an error)
  bool flush_requested_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  std::string error_;
  RunStoreWriterStats stats_;
  std::thread thread_;
};

}  // namespace rf
