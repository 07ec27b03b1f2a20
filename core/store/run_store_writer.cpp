// The run store's background writer: a queue filled by the training thread, drained in batched
// transactions by a thread of its own (see run_store_writer.h).
#include "store/run_store_writer.h"

#include "util/error.h"

#include <chrono>
#include <cmath>
#include <type_traits>

namespace rf {

namespace {

void bind_real(SqliteStmt& st, int index, double v) {
  if (std::isnan(v)) st.bind_null(index);
  else st.bind(index, v);
}

// Model text may hold invalid UTF-8 (a byte-level token cut in half): replaced, never an exception.
std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// A trajectory's per-token arrays as raw little-endian bytes (x86 and ARM hosts); NULL when empty.
template <class T>
void bind_array(SqliteStmt& st, int index, const std::vector<T>& v) {
  if (v.empty()) st.bind_null(index);
  else st.bind_blob(index, v.data(), static_cast<int>(v.size() * sizeof(T)));
}

int64_t stamp(int64_t t) { return t != 0 ? t : run_store_now_ms(); }

}  // namespace

RunStoreWriter::RunStoreWriter(const std::string& path, RunStoreWriterOptions options)
    : path_(path), options_(options) {
  if (options_.flush_interval_ms < 1) options_.flush_interval_ms = 1;
  if (options_.batch_rows < 1) options_.batch_rows = 1;
  db_ = std::make_unique<SqliteDb>(run_store_open(path, true));
  thread_ = std::thread([this] { loop(); });
}

RunStoreWriter::~RunStoreWriter() {
  try {
    close();
  } catch (const std::exception&) {
    // The error stays readable through error(); a destructor must not throw.
  }
}

void RunStoreWriter::check_open_locked() const {
  if (closed_ || stopping_) throw Error(path_ + ": run store writer is closed");
  if (!error_.empty()) throw Error(path_ + ": run store writer stopped after a write error: " + error_);
}

void RunStoreWriter::push(Row row) {
  std::lock_guard<std::mutex> lk(mu_);
  check_open_locked();
  queue_.push_back(std::move(row));
  ++queued_;
  if (static_cast<int>(queue_.size()) >= options_.batch_rows) wake_.notify_one();
}

void RunStoreWriter::push_many(std::vector<Row>& rows) {
  std::lock_guard<std::mutex> lk(mu_);
  check_open_locked();
  for (Row& r : rows) queue_.push_back(std::move(r));
  queued_ += static_cast<int64_t>(rows.size());
  if (static_cast<int>(queue_.size()) >= options_.batch_rows) wake_.notify_one();
}

void RunStoreWriter::metric(int64_t run, int64_t step, std::string name, double value) {
  push(MetricRow{run, step, std::move(name), value});
}

void RunStoreWriter::metrics(int64_t run, int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  std::vector<Row> rows;
  rows.reserve(values.size());
  for (const auto& [name, value] : values) rows.emplace_back(MetricRow{run, step, name, value});
  push_many(rows);
}

void RunStoreWriter::trajectory(TrajectoryRow row) { push(std::move(row)); }

void RunStoreWriter::trajectories(std::vector<TrajectoryRow> rows) {
  std::vector<Row> out;
  out.reserve(rows.size());
  for (TrajectoryRow& t : rows) out.emplace_back(std::move(t));
  push_many(out);
}

void RunStoreWriter::evaluation(EvaluationRow row) {
  row.time_ms = stamp(row.time_ms);
  push(std::move(row));
}

void RunStoreWriter::evaluation_users(std::vector<EvaluationUserRow> rows) {
  std::vector<Row> out;
  out.reserve(rows.size());
  for (EvaluationUserRow& r : rows) out.emplace_back(std::move(r));
  push_many(out);
}

void RunStoreWriter::event(EventRow row) {
  row.time_ms = stamp(row.time_ms);
  push(std::move(row));
}

void RunStoreWriter::checkpoint(CheckpointRow row) {
  row.time_ms = stamp(row.time_ms);
  push(std::move(row));
}

void RunStoreWriter::checkpoint_forget(int64_t run, int64_t step) { push(CheckpointForgetRow{run, step}); }

void RunStoreWriter::status(int64_t run, std::string status) { push(StatusRow{run, std::move(status)}); }

void RunStoreWriter::flush() {
  std::unique_lock<std::mutex> lk(mu_);
  if (!error_.empty()) throw Error(path_ + ": run store writer stopped after a write error: " + error_);
  if (closed_) return;
  const int64_t target = queued_;
  flush_requested_ = true;
  wake_.notify_one();
  done_.wait(lk, [&] { return committed_ >= target; });
  if (!error_.empty()) throw Error(path_ + ": run store writer stopped after a write error: " + error_);
}

void RunStoreWriter::close() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closed_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  std::string error;
  {
    std::lock_guard<std::mutex> lk(mu_);
    closed_ = true;
    error = error_;
  }
  db_.reset();
  if (!error.empty()) throw Error(path_ + ": run store writer stopped after a write error: " + error);
}

RunStoreWriterStats RunStoreWriter::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  return stats_;
}

std::string RunStoreWriter::error() const {
  std::lock_guard<std::mutex> lk(mu_);
  return error_;
}

void RunStoreWriter::loop() {
  const auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    wake_.wait_for(lk, interval, [&] {
      return stopping_ || flush_requested_ || static_cast<int>(queue_.size()) >= options_.batch_rows;
    });
    flush_requested_ = false;
    if (queue_.empty()) {
      done_.notify_all();
      if (stopping_) return;
      continue;
    }
    std::vector<Row> batch;
    batch.swap(queue_);
    const bool healthy = error_.empty();
    lk.unlock();
    std::string error;
    const auto t0 = std::chrono::steady_clock::now();
    if (healthy) {
      try {
        write_batch(batch);
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    lk.lock();
    committed_ += static_cast<int64_t>(batch.size());  // after an error the rows are dropped, so flush() returns
    if (!error.empty() && error_.empty()) error_ = error;
    if (healthy && error.empty()) {
      stats_.rows += static_cast<int64_t>(batch.size());
      stats_.transactions += 1;
      stats_.write_seconds += seconds;
    }
    done_.notify_all();
    if (stopping_ && queue_.empty()) return;
  }
}

void RunStoreWriter::write_batch(std::vector<Row>& batch) {
  SqliteDb& db = *db_;
  SqliteTransaction tx(db);
  SqliteStmt metric = db.prepare("INSERT OR REPLACE INTO metrics (run, step, name, value) VALUES (?, ?, ?, ?)");
  SqliteStmt traj = db.prepare(
      "INSERT OR REPLACE INTO trajectories (run, step, group_id, idx, user, prompt, completion, parsed, rewards, total, "
      "advantage, tokens, token_ids, token_logprobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SqliteStmt eval = db.prepare(
      "INSERT OR REPLACE INTO evaluations (run, step, subject, split, metric, value, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
  SqliteStmt eval_user = db.prepare(
      "INSERT OR REPLACE INTO evaluation_users (run, step, subject, split, metric, user, position, pool, value) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SqliteStmt event = db.prepare("INSERT INTO events (run, step, time_ms, kind, payload) VALUES (?, ?, ?, ?, ?)");
  SqliteStmt ckpt = db.prepare("INSERT OR REPLACE INTO checkpoints (run, step, path, time_ms) VALUES (?, ?, ?, ?)");
  SqliteStmt ckpt_forget = db.prepare("DELETE FROM checkpoints WHERE run = ? AND step = ?");
  SqliteStmt status = db.prepare("UPDATE runs SET status = ?, updated_ms = ? WHERE id = ?");
  for (Row& row : batch) {
    std::visit(
        [&](auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, MetricRow>) {
            metric.bind(1, r.run).bind(2, r.step).bind(3, r.name);
            bind_real(metric, 4, r.value);
            metric.run();
          } else if constexpr (std::is_same_v<T, TrajectoryRow>) {
            traj.bind(1, r.run).bind(2, r.step).bind(3, r.group_id).bind(4, int64_t{r.index}).bind(5, r.user);
            traj.bind(6, r.prompt).bind(7, r.completion).bind(8, dump(r.parsed)).bind(9, dump(r.rewards));
            bind_real(traj, 10, r.total);
            bind_real(traj, 11, r.advantage);
            traj.bind(12, int64_t{r.tokens});
            bind_array(traj, 13, r.token_ids);
            bind_array(traj, 14, r.token_logprobs);
            traj.run();
          } else if constexpr (std::is_same_v<T, EvaluationRow>) {
            eval.bind(1, r.run).bind(2, r.step).bind(3, r.subject).bind(4, r.split).bind(5, r.metric);
            bind_real(eval, 6, r.value);
            eval.bind(7, r.time_ms);
            eval.run();
          } else if constexpr (std::is_same_v<T, EvaluationUserRow>) {
            eval_user.bind(1, r.run).bind(2, r.step).bind(3, r.subject).bind(4, r.split).bind(5, r.metric);
            eval_user.bind(6, r.user).bind(7, r.position).bind(8, r.pool);
            bind_real(eval_user, 9, r.value);
            eval_user.run();
          } else if constexpr (std::is_same_v<T, EventRow>) {
            event.bind(1, r.run).bind(2, r.step).bind(3, r.time_ms).bind(4, run_event_kind_name(r.kind));
            event.bind(5, dump(r.payload));
            event.run();
          } else if constexpr (std::is_same_v<T, CheckpointRow>) {
            ckpt.bind(1, r.run).bind(2, r.step).bind(3, r.path).bind(4, r.time_ms);
            ckpt.run();
          } else if constexpr (std::is_same_v<T, CheckpointForgetRow>) {
            ckpt_forget.bind(1, r.run).bind(2, r.step);
            ckpt_forget.run();
          } else {
            status.bind(1, r.status).bind(2, run_store_now_ms()).bind(3, r.run);
            status.run();
          }
        },
        row);
  }
  tx.commit();
}

}  // namespace rf
