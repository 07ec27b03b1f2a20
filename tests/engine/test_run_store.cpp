// Tests for the run store (core/store/run_store.h, run_store_writer.h): the schema and its migration hook,
// N steps of metrics and trajectories written through the background writer and read back exactly, every
// flush policy, runs / events / evaluations / checkpoints, resuming (truncate and rewrite), and readers on a
// second connection while the writer writes (and while another connection holds a write transaction).
// Failures (a killed writer, write errors, bad paths) are in test_run_store_failures.cpp.
#include "run_store_rows.h"

#include "support/suite_registry.h"

#include "store/project.h"

#include <QtTest/QtTest>

#include <atomic>
#include <chrono>
#include <thread>

using nlohmann::json;
using namespace rf::test;

class TestRunStore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void schema() {
    QTemporaryDir dir;
    const std::string path = rf::run_store_path(dir.path().toStdString());
    QCOMPARE(path, dir.path().toStdString() + "/project.sqlite");  // one file for data, templates and runs
    rf::SqliteDb db = rf::run_store_open(path, true);
    QCOMPARE(pragma_int(db, "user_version"), int64_t(3));  // schema 3: per-user evaluation values
    auto mode = db.prepare("PRAGMA journal_mode");
    QVERIFY(mode.step());
    QCOMPARE(mode.column_text(0), std::string("wal"));
    for (const char* table : {"runs", "metrics", "trajectories", "evaluations", "evaluation_users", "events", "checkpoints"}) {
      auto st = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
      st.bind(1, table);
      QVERIFY(st.step());
      QVERIFY2(st.column_int64(0) == 1, table);
    }
    QCOMPARE(rf::run_store_integrity_check(db), std::string("ok"));
    rf::run_store_open(path, true);  // opening again leaves the schema as it is
    QCOMPARE(pragma_int(db, "user_version"), int64_t(3));
  }

  // Runs sit in the project's own database, next to the data tables and the project's `meta` table.
  void shares_the_project_database() {
    QTemporaryDir dir;
    const std::string project_dir = dir.path().toStdString();
    rf::project_open(project_dir, true);
    {
      rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project_dir), true);
      rf::run_store_create_run(db, "first", "sft", json{{"trainer", "sft"}});
    }
    const rf::Project project = rf::project_open(project_dir, false);  // still a valid project
    auto st = project.db->prepare("SELECT (SELECT COUNT(*) FROM meta), (SELECT COUNT(*) FROM runs)");
    QVERIFY(st.step());
    QVERIFY(st.column_int64(0) >= 2);  // format + format_version
    QCOMPARE(st.column_int64(1), int64_t(1));
    rf::SqliteDb again = rf::run_store_open(rf::run_store_path(project_dir), false);
    QCOMPARE(rf::run_store_runs(again).size(), size_t(1));
  }

  void migration_hook() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(path, true);
    int calls = 0;
    std::vector<rf::RunStoreMigration> steps = rf::run_store_migrations();
    steps.push_back([&](rf::SqliteDb& d) {
      ++calls;
      d.exec("ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''");
    });
    rf::run_store_migrate(db, steps);
    rf::run_store_migrate(db, steps);  // already at 4: nothing runs
    QCOMPARE(calls, 1);
    QCOMPARE(pragma_int(db, "user_version"), int64_t(4));
    db.exec("SELECT note FROM runs");
    // This build knows schemas 1 to 3 only.
    const std::string msg = error_of([&] { rf::run_store_open(path, false); });
    QCOMPARE(msg, path + ": run store schema version 4 is newer than this RecForge's (3); open it with a newer RecForge");
    // A failing step rolls back and leaves the version as it was.
    steps.push_back([](rf::SqliteDb& d) {
      d.exec("CREATE TABLE extra (x INTEGER)");
      throw rf::Error("boom");
    });
    QCOMPARE(error_of([&] { rf::run_store_migrate(db, steps); }), path + ": run store migration to schema 5 failed: boom");
    QCOMPARE(pragma_int(db, "user_version"), int64_t(4));
    auto st = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'");
    QVERIFY(st.step());
    QCOMPARE(st.column_int64(0), int64_t(0));
  }

  // A run store written by schema 1 (no per-token arrays) opens, is migrated to schema 3, and its
  // trajectories read back with empty arrays; new rows then keep theirs.
  void schema_1_store_migrates() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("old.sqlite").toStdString();
    {
      rf::SqliteDb db(path, true);
      rf::run_store_migrate(db, {rf::run_store_migrations().front()});
      QCOMPARE(pragma_int(db, "user_version"), int64_t(1));
      db.exec("INSERT INTO runs (id, name, kind, config, status, created_ms, updated_ms) VALUES (1, 'old', 'grpo', '{}', 'finished', 0, 0)");
      db.exec("INSERT INTO trajectories (run, step, group_id, idx, user, prompt, completion, parsed, rewards, total, advantage, tokens) "
              "VALUES (1, 1, 0, 0, 3, 'p', 'c', '{}', '[]', 0.5, 0.25, 7)");
    }
    rf::SqliteDb db = rf::run_store_open(path, false);
    QCOMPARE(pragma_int(db, "user_version"), int64_t(3));
    auto rows = rf::run_store_trajectories(db, 1, 1);
    QCOMPARE(rows.size(), size_t(1));
    QCOMPARE(rows[0].tokens, 7);
    QVERIFY(rows[0].token_ids.empty() && rows[0].token_logprobs.empty());
    {
      rf::RunStoreWriter w(path);
      w.trajectory(trajectory(1, 2, 0, 1));
      w.close();
    }
    rows = rf::run_store_trajectories(db, 1, 2);
    QCOMPARE(rows.size(), size_t(1));
    QCOMPARE(rows[0], trajectory(1, 2, 0, 1));
    QCOMPARE(rows[0].token_ids.size(), size_t(21));
    QCOMPARE(rf::run_store_integrity_check(db), std::string("ok"));
  }

  void write_and_read_back_data() {
    QTest::addColumn<int>("interval_ms");
    QTest::addColumn<int>("batch_rows");
    QTest::addColumn<int>("steps");
    QTest::addColumn<bool>("flush_each_step");
    QTest::newRow("timer every 1 ms") << 1 << 100000 << 40 << false;
    QTest::newRow("batches of 7 rows") << 60000 << 7 << 40 << false;
    QTest::newRow("flush each step") << 60000 << 100000 << 25 << true;
    QTest::newRow("only on close") << 60000 << 100000 << 30 << false;
  }
  void write_and_read_back() {
    QFETCH(int, interval_ms);
    QFETCH(int, batch_rows);
    QFETCH(int, steps);
    QFETCH(bool, flush_each_step);
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(path, true);
    const int64_t run = rf::run_store_create_run(db, "r", "grpo", json{{"seed", 42}});
    rf::RunStoreWriterStats stats;
    {
      rf::RunStoreWriter w(path, {interval_ms, batch_rows});
      for (int s = 0; s < steps; ++s) {
        write_step(w, run, s);
        if (flush_each_step) w.flush();
      }
      w.close();
      stats = w.stats();
    }
    const int64_t rows = int64_t{steps} * (kMetricsPerStep + kGroups * kGroupSize);
    QCOMPARE(stats.rows, rows);
    if (!flush_each_step && interval_ms == 60000 && batch_rows == 100000) QCOMPARE(stats.transactions, int64_t(1));
    if (flush_each_step) QCOMPARE(stats.transactions, int64_t(steps));
    check_steps(db, run, steps);
    QCOMPARE(rf::run_store_last_step(db, run), int64_t(steps - 1));
    QCOMPARE(rf::run_store_metric_names(db, run),
             (std::vector<std::string>{"kl", "loss", "num_tokens", "reward", "rewards/ndcg/mean"}));
    QCOMPARE(rf::run_store_trajectory_steps(db, run).size(), static_cast<size_t>(steps));
    const auto curve = rf::run_store_metrics(db, run, "reward", 2, 5);
    QCOMPARE(curve.size(), size_t(4));
    QCOMPARE(curve[3].value, 1.25);  // step 5: 5 / 4
    QCOMPARE(rf::run_store_integrity_check(db), std::string("ok"));
  }

  void runs_events_checkpoints() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(path, true);
    const int64_t a = rf::run_store_create_run(db, "first", "sft", json{{"trainer", "sft"}});
    const int64_t b = rf::run_store_create_run(db, "second", "grpo", json{{"trainer", "grpo"}, {"seed", 1}});
    rf::RunStoreWriter w(path);
    w.status(b, "running");
    w.event({0, b, 3, 1000, rf::RunEventKind::weight_change, {{"component", "diversity"}, {"old", 0.2}, {"new", 0.5}}});
    w.event({0, b, 4, 2000, rf::RunEventKind::pause, json::object()});
    w.evaluation({b, 4, "model", "valid", "ndcg@10", 0.3125, 5000});
    w.evaluation({b, 4, "pop", "valid", "ndcg@10", NAN, 5000});
    w.checkpoint({b, 4, "/p/checkpoints/run-2/step-4", 6000});
    w.flush();
    const auto events = rf::run_store_events(db, b);
    QCOMPARE(events.size(), size_t(2));
    QVERIFY(events[0].kind == rf::RunEventKind::weight_change);
    QCOMPARE(events[0].payload["new"], json(0.5));
    QCOMPARE(events[0].step, int64_t(3));
    QCOMPARE(events[1].time_ms, int64_t(2000));
    QCOMPARE(rf::run_store_events(db, b, events[0].id).size(), size_t(1));  // polling after the first
    w.event({0, b, 5, 0, rf::RunEventKind::nan_skip, {{"loss", "nan"}}});
    w.flush();
    const auto later = rf::run_store_events(db, b, events[1].id);
    QCOMPARE(later.size(), size_t(1));
    QVERIFY(later[0].time_ms > 0);  // stamped when queued
    QCOMPARE(rf::run_store_evaluations(db, b),
             (std::vector<rf::EvaluationRow>{{b, 4, "model", "valid", "ndcg@10", 0.3125, 5000},
                                             {b, 4, "pop", "valid", "ndcg@10", NAN, 5000}}));
    QCOMPARE(rf::run_store_checkpoints(db, b),
             (std::vector<rf::CheckpointRow>{{b, 4, "/p/checkpoints/run-2/step-4", 6000}}));
    const auto runs = rf::run_store_runs(db);
    QCOMPARE(runs.size(), size_t(2));
    QCOMPARE(runs[0].id, b);  // newest first
    QCOMPARE(runs[0].status, std::string("running"));
    QCOMPARE(runs[0].config["seed"], json(1));
    QCOMPARE(runs[1].status, std::string("created"));
    QCOMPARE(rf::run_store_run(db, a)->name, std::string("first"));
    QVERIFY(!rf::run_store_run(db, 99).has_value());
    QCOMPARE(rf::run_event_kind_name(rf::RunEventKind::nan_skip), std::string("nan_skip"));
    QCOMPARE(error_of([] { rf::run_event_kind_from_name("explode"); }),
             std::string("event kind 'explode' is not one of weight_change, pause, resume, stop, error, checkpoint, nan_skip"));
  }

  // Resuming at step 4 drops later steps; writing them again replaces, never duplicates.
  void truncate_and_rewrite() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(path, true);
    const int64_t run = rf::run_store_create_run(db, "r", "grpo", json::object());
    rf::RunStoreWriter w(path);
    for (int s = 0; s < 8; ++s) write_step(w, run, s);
    w.flush();
    rf::run_store_truncate_after(db, run, 4);
    QCOMPARE(rf::run_store_last_step(db, run), int64_t(4));
    QVERIFY(rf::run_store_trajectories(db, run, 5).empty());
    for (int s = 3; s < 8; ++s) write_step(w, run, s);  // step 3, 4 again: replaced
    w.close();
    check_steps(db, run, 8);
    rf::run_store_delete_run(db, run);
    QVERIFY(rf::run_store_metrics(db, run).empty());
    QVERIFY(rf::run_store_trajectories(db, run, 0).empty());
  }

  // Per-user evaluation values: written in one call, read back by evaluation and metric (ordered by user),
  // listed by metric, dropped by a resume's truncation and with their run.
  void evaluation_users_round_trip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(path, true);
    const int64_t run = rf::run_store_create_run(db, "r", "grpo", json::object());
    const std::vector<rf::EvaluationUserRow> at4 = {{run, 4, "model", "test", "ndcg@10", 3, 17, 991, 0.5},
                                                    {run, 4, "model", "test", "ndcg@10", 1, 9, 992, NAN},
                                                    {run, 4, "model", "test", "ilad", 1, 9, 992, 0.75}};
    rf::RunStoreWriter w(path);
    w.evaluation_users(at4);
    w.evaluation_users({{run, 8, "model", "test", "ndcg@10", 1, 9, 992, 1.0}, {run, 0, "pop", "test", "ndcg@10", 1, 9, 992, 0.25}});
    w.flush();
    QCOMPARE(rf::run_store_evaluation_users(db, run, 4, "model", "ndcg@10"), (std::vector<rf::EvaluationUserRow>{at4[1], at4[0]}));
    QCOMPARE(rf::run_store_evaluation_users(db, run, 0, "pop", "ndcg@10").size(), size_t(1));
    QVERIFY(rf::run_store_evaluation_users(db, run, 4, "pop", "ndcg@10").empty());
    QCOMPARE(rf::run_store_evaluation_user_metrics(db, run, 4, "model"), (std::vector<std::string>{"ilad", "ndcg@10"}));
    rf::run_store_truncate_after(db, run, 4);
    QVERIFY(rf::run_store_evaluation_users(db, run, 8, "model", "ndcg@10").empty());
    QCOMPARE(rf::run_store_evaluation_users(db, run, 4, "model", "ndcg@10").size(), size_t(2));
    w.close();
    rf::run_store_delete_run(db, run);
    QVERIFY(rf::run_store_evaluation_users(db, run, 4, "model", "ndcg@10").empty());
    QCOMPARE(rf::run_store_integrity_check(db), std::string("ok"));
  }

  // A reader on its own connection, while the writer thread commits batch after batch: it always sees
  // whole steps (each step is queued in one call, so it lands in one transaction) and never fewer than before.
  void reader_while_writing() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    int64_t run = 0;
    {
      rf::SqliteDb db = rf::run_store_open(path, true);
      run = rf::run_store_create_run(db, "r", "grpo", json::object());
    }
    constexpr int kSteps = 300;
    std::atomic<bool> done{false};
    std::string writer_error;
    std::thread producer([&] {
      try {
        rf::RunStoreWriter w(path, {1, 100000});
        for (int s = 0; s < kSteps; ++s) {
          write_step(w, run, s);
          if (s % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        w.close();
      } catch (const std::exception& e) {
        writer_error = e.what();
      }
      done = true;
    });
    rf::SqliteDb reader = rf::run_store_open(path, false);
    size_t last = 0;
    int reads = 0;
    int partial_reads = 0;
    bool ok = true;
    while (!done || reads == 0) {
      const auto m = rf::run_store_metrics(reader, run);
      ++reads;
      ok = ok && m.size() % kMetricsPerStep == 0 && m.size() >= last;
      if (!m.empty()) ok = ok && m.back().step == static_cast<int64_t>(m.size() / kMetricsPerStep) - 1;
      if (!m.empty() && m.size() < static_cast<size_t>(kSteps * kMetricsPerStep)) ++partial_reads;
      last = m.size();
      if (m.size() >= 2 * kMetricsPerStep) {  // a step's trajectories are queued after its metrics
        const auto t = rf::run_store_trajectories(reader, run, m.back().step - 1);
        ok = ok && t.size() == static_cast<size_t>(kGroups * kGroupSize);
      }
    }
    producer.join();
    QVERIFY2(writer_error.empty(), writer_error.c_str());
    QVERIFY(ok);
    qInfo("reader: %d reads, %d of them while the run was part-written", reads, partial_reads);
    check_steps(reader, run, kSteps);
    QCOMPARE(rf::run_store_integrity_check(reader), std::string("ok"));
  }

  // WAL: an open write transaction on another connection does not block a reader, which sees the last commit.
  void reader_not_blocked_by_open_transaction() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(path, true);
    const int64_t run = rf::run_store_create_run(db, "r", "grpo", json::object());
    rf::RunStoreWriter w(path);
    write_step(w, run, 0);
    w.flush();
    rf::SqliteDb other = rf::run_store_open(path, false);
    rf::SqliteTransaction tx(other);
    other.exec("INSERT INTO metrics (run, step, name, value) VALUES (" + std::to_string(run) + ", 1, 'reward', 1.0)");
    rf::SqliteDb reader = rf::run_store_open(path, false);
    const auto start = std::chrono::steady_clock::now();
    QCOMPARE(rf::run_store_metrics(reader, run).size(), static_cast<size_t>(kMetricsPerStep));  // step 1 not committed
    QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));  // no busy wait (timeout is 5 s)
  }
};

RF_TEST_SUITE(TestRunStore);
#include "test_run_store.moc"
