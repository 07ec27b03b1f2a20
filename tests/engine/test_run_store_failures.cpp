// Failure tests for the run store: a writer process killed with SIGKILL right after a flush (nothing
// flushed is lost, integrity_check ok), a write error that stops the writer and is reported by every later
// call, and bad paths (missing folder or file, not a database, not a run store, a newer schema) named in
// the messages of both the reader and the writer.
#include "run_store_rows.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using nlohmann::json;
using namespace rf::test;

class TestRunStoreFailures : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // The writer's process is killed (SIGKILL) right after a flush, with more rows queued: every flushed row is
  // there, whatever else got in is whole steps, and the database passes integrity_check.
  void killed_writer_keeps_flushed_rows() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    int64_t run = 0;
    {
      rf::SqliteDb db = rf::run_store_open(path, true);
      run = rf::run_store_create_run(db, "r", "grpo", json::object());
    }
    const pid_t pid = fork();
    QVERIFY(pid >= 0);
    if (pid == 0) {
      rf::RunStoreWriter w(path, {1, 100000});
      for (int s = 0; s < 20; ++s) write_step(w, run, s);
      w.flush();
      for (int s = 20; s < 400; ++s) write_step(w, run, s);
      raise(SIGKILL);
      _exit(3);
    }
    int status = 0;
    for (int i = 0; i < 300 && waitpid(pid, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!WIFSIGNALED(status) && !WIFEXITED(status)) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      QFAIL("the writer process did not finish in 30 s");
    }
    QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    rf::SqliteDb db = rf::run_store_open(path, false);
    QCOMPARE(rf::run_store_integrity_check(db), std::string("ok"));
    const auto traj_steps = rf::run_store_trajectory_steps(db, run);
    QVERIFY(!traj_steps.empty());
    const int64_t last = traj_steps.back();  // a step's trajectories are queued after its metrics
    QVERIFY(last >= 19);
    QVERIFY(rf::run_store_last_step(db, run) <= last + 1);
    check_steps(db, run, last + 1);
    qInfo("killed writer: steps 0..%lld of 400 survived (0..19 flushed)", static_cast<long long>(last));
  }

  void write_error_is_reported() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::RunStoreWriter w(path);
    w.metric(42, 0, "reward", 1.0);  // run 42 does not exist: a foreign key violation
    const std::string msg = error_of([&] { w.flush(); });
    QVERIFY2(msg.rfind(path + ": run store writer stopped after a write error: ", 0) == 0, msg.c_str());
    QVERIFY2(msg.find("FOREIGN KEY") != std::string::npos, msg.c_str());
    QCOMPARE(error_of([&] { w.metric(1, 0, "reward", 1.0); }), msg);  // the writer stays stopped
    QVERIFY(!w.error().empty());
    QVERIFY(!error_of([&] { w.close(); }).empty());
  }

  void bad_paths_data() {
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("expected");  // {dir} = the temporary folder
    QTest::newRow("missing folder") << "missing folder" << "{dir}/no/such/runs.sqlite: cannot open the run store: folder {dir}/no/such does not exist";
    QTest::newRow("missing file") << "missing file" << "{dir}/runs.sqlite: no run store here (the file does not exist)";
    QTest::newRow("not a database") << "text file" << "{dir}/runs.sqlite: file is not a database";
    QTest::newRow("another database") << "plain sqlite" << "{dir}/runs.sqlite: not a RecForge run store (schema version 0, no run tables)";
    QTest::newRow("newer schema") << "newer" << "{dir}/runs.sqlite: run store schema version 99 is newer than this RecForge's (3)";
    QTest::newRow("empty path") << "empty" << "run store: no database path given";
  }
  void bad_paths() {
    QFETCH(QString, what);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    std::string path = d + "/runs.sqlite";
    if (what == "missing folder") path = d + "/no/such/runs.sqlite";
    if (what == "text file") std::ofstream(path) << "hello, this is not SQLite at all, just some text in a file\n";
    if (what == "plain sqlite") rf::SqliteDb(path, true).exec("CREATE TABLE t (x INTEGER)");
    if (what == "newer") rf::SqliteDb(path, true).exec("PRAGMA user_version = 99");
    if (what == "empty") path.clear();
    std::string want = expected.toStdString();
    for (size_t at; (at = want.find("{dir}")) != std::string::npos;) want.replace(at, 5, d);
    const std::string msg = error_of([&] { rf::run_store_open(path, false); });
    QVERIFY2(msg.rfind(want, 0) == 0, msg.c_str());
    if (what == "missing folder" || what == "text file" || what == "newer") {  // the writer says the same
      const std::string wmsg = error_of([&] { rf::RunStoreWriter w(path); });
      QVERIFY2(wmsg.rfind(want, 0) == 0, wmsg.c_str());
    }
  }
};

RF_TEST_SUITE(TestRunStoreFailures);
#include "test_run_store_failures.moc"
