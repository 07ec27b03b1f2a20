// The workbench window over a real project (widgets/main_window.h, run_session.h, run_event_queue.h,
// runs_panel.h): a flood of 20,000 step events from a worker thread reaches the GUI in batches while its
// event loop never stalls more than 100 ms; a tiny GRPO run started in the window trains on its own thread
// while its steps arrive as points on the live curves and its row in the runs table ends "finished"; the
// Pause button pauses at a step boundary (the store says "paused"), a live weight change lands in the store
// as an event and on the curves as a marker, Resume and Stop finish it with a checkpoint; screenshots of
// every screen.
#include "curve_panel.h"
#include "demo_process.h"
#include "engine/run_config.h"
#include "engine/run_execute.h"
#include "main_window.h"
#include "run_event_queue.h"
#include "run_session.h"
#include "runs_panel.h"
#include "store/run_store.h"
#include "reward_tuner.h"
#include "run_form.h"
#include "trajectory_panel.h"

#include "support/sample_project.h"
#include "support/suite_registry.h"

#include <QElapsedTimer>
#include <QApplication>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest/QtTest>

#include <atomic>
#include <thread>

namespace {

rf::RunExecuteOptions quiet() {
  rf::RunExecuteOptions o;
  o.baselines = false;
  o.evaluate = false;
  o.threads = 2;
  return o;
}

std::string status_of(const std::string& project, int64_t run) {
  rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project), false);
  return rf::run_store_run(db, run)->status;
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string project_;

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings away from the user's
    QVERIFY(dir_.isValid());
    project_ = dir_.filePath("project").toStdString();
    rf::test::sample_project_make(project_);
  }

  void flood_keeps_the_loop_responsive() {
    rf::gui::MainWindow w;
    w.show();
    rf::gui::RunEventQueue* q = w.session()->queue();
    int64_t delivered = 0, batches = 0, last_step = 0;
    bool in_order = true;
    connect(q, &rf::gui::RunEventQueue::batchReady, this, [&](const rf::gui::RunEventBatch& b) {
      ++batches;
      for (const rf::RunProgress& p : b.steps) {
        in_order = in_order && p.step == last_step + 1;
        last_step = p.step;
      }
      delivered += static_cast<int64_t>(b.steps.size());
    });
    // The GUI's own heartbeat: the longest gap between 5 ms ticks is the longest stall.
    QElapsedTimer clock;
    clock.start();
    qint64 last_tick = 0, worst = 0;
    QTimer beat;
    beat.setInterval(5);
    connect(&beat, &QTimer::timeout, this, [&] {
      const qint64 now = clock.elapsed();
      worst = std::max(worst, now - last_tick);
      last_tick = now;
    });
    beat.start();
    constexpr int64_t kEvents = 20000;
    std::thread worker([q] {
      for (int64_t s = 1; s <= kEvents; ++s) {
        rf::RunProgress p;
        p.run = 1;
        p.step = s;
        p.total_steps = kEvents;
        p.reward = 0.001 * static_cast<double>(s);
        for (int m = 0; m < 30; ++m) p.metrics.emplace_back("rewards/component_" + std::to_string(m) + "/mean", 0.5);
        q->push_step(p);
        if (s % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // bursts, as a run's steps come
      }
    });
    QTRY_COMPARE_WITH_TIMEOUT(delivered, kEvents, 30000);
    worker.join();
    beat.stop();
    QVERIFY(in_order);
    QVERIFY2(batches < kEvents / 50, qPrintable(QString("%1 batches for %2 events").arg(batches).arg(kEvents)));
    QVERIFY2(worst < 100, qPrintable(QString("the event loop stalled %1 ms").arg(worst)));
    QTRY_VERIFY(w.statusText().contains(QString("step %1/%1").arg(kEvents)));
  }

  void run_in_window_reaches_the_curves() {
    rf::gui::MainWindow w;
    w.show();
    QVERIFY(w.openProject(QString::fromStdString(project_)));
    const int64_t run = rf::run_create(project_, rf::test::sample_grpo_config(3, 0));
    QVERIFY(w.session()->start(QString::fromStdString(project_), run, quiet()));
    w.runsPanel()->refresh();
    w.runsPanel()->selectRuns({run});
    QCOMPARE(w.curvePanel()->runs(), std::vector<int64_t>{run});
    QTRY_COMPARE_WITH_TIMEOUT(w.session()->state(), rf::RunState::finished, 120000);
    QTRY_VERIFY(w.statusText().contains("finished"));
    QTRY_VERIFY_WITH_TIMEOUT(w.curvePanel()->source()->series(run, "reward") &&
                                 w.curvePanel()->source()->series(run, "reward")->steps.size() == 3, 5000);
    QCOMPARE(w.curvePanel()->drawnSeries().front(), std::make_pair(run, std::string("reward")));
    // The runs table shows the run finished with 3 steps.
    QTRY_VERIFY([&] {
      QTableWidget* t = w.runsPanel()->table();
      for (int r = 0; r < t->rowCount(); ++r)
        if (t->item(r, 0)->text().toLongLong() == run) return t->item(r, 4)->text() == "finished" && t->item(r, 5)->text() == "3";
      return false;
    }());
  }

  void pause_steer_resume_stop_from_the_window() {
    rf::gui::MainWindow w;
    w.show();
    QVERIFY(w.openProject(QString::fromStdString(project_)));
    // Far more steps than the test takes: a fast machine must not finish the run before Stop is clicked.
    const int64_t run = rf::run_create(project_, rf::test::sample_grpo_config(4000, 0));
    rf::gui::RunSession* s = w.session();
    QSignalSpy progress(s, &rf::gui::RunSession::progress);
    QVERIFY(s->start(QString::fromStdString(project_), run, quiet()));
    w.runsPanel()->refresh();
    w.runsPanel()->selectRuns({run});
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 0, 60000);
    auto* pause = w.runsPanel()->findChild<QPushButton*>("runPause");
    auto* resume = w.runsPanel()->findChild<QPushButton*>("runResume");
    auto* stop = w.runsPanel()->findChild<QPushButton*>("runStop");
    QTRY_VERIFY(pause->isEnabled());
    QTest::mouseClick(pause, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(s->state(), rf::RunState::paused, 30000);
    QTRY_COMPARE(status_of(project_, run), std::string("paused"));
    s->setWeight("diversity", 2.5);
    QTRY_VERIFY(resume->isEnabled());
    QTest::mouseClick(resume, Qt::LeftButton);
    // The change is applied at the next step: an event in the store, a marker on the curves.
    QTRY_VERIFY_WITH_TIMEOUT([&] {
      rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project_), false);
      for (const rf::EventRow& e : rf::run_store_events(db, run))
        if (e.kind == rf::RunEventKind::weight_change && e.payload.value("component", "") == "diversity" &&
            e.payload.value("new", 0.0) == 2.5)
          return true;
      return false;
    }(), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(w.curvePanel()->markerCount() >= 3, 10000);  // pause, resume, the weight
    QTRY_VERIFY(stop->isEnabled());
    QTest::mouseClick(stop, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(s->state(), rf::RunState::stopped, 60000);
    QTRY_COMPARE(status_of(project_, run), std::string("stopped"));
    rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project_), false);
    QVERIFY(!rf::run_store_checkpoints(db, run).empty());  // stop writes a checkpoint first
    QVERIFY(rf::run_store_last_step(db, run) < 4000);
    // New run from its weights: the form gets the run's config, starting from the stop's checkpoint.
    auto* fork = w.runsPanel()->findChild<QPushButton*>("runFork");
    QTRY_VERIFY(fork->isEnabled());
    QTest::mouseClick(fork, Qt::LeftButton);
    const nlohmann::json& c = w.runForm()->config();
    QCOMPARE(c["model"]["source"].get<std::string>(), std::string("hf"));
    QCOMPARE(c["model"]["path"].get<std::string>(), rf::run_store_checkpoints(db, run).back().path);
    QVERIFY(w.runForm()->validate().isEmpty());
  }

  // Start demo: recforge-cli demo as a child process on the project (shortened here); its three runs
  // appear in the table, the status bar follows its steps and ends with the checks, and the GRPO runs are
  // selected on the curves.
  void start_demo_runs_the_pipeline() {
    rf::gui::MainWindow w;
    w.show();
    QVERIFY(w.openProject(QString::fromStdString(project_)));
    const size_t before = w.runsPanel()->allRuns().size();
    QSignalSpy done(w.demo(), &rf::gui::DemoProcess::finished);
    QSignalSpy steps(w.demo(), &rf::gui::DemoProcess::progress);
    QVERIFY(w.startDemo({"--pretrain-steps", "10", "--sft-steps", "2", "--grpo-steps", "2", "--generations", "2", "--prompts", "2",
                         "--eval-users", "3", "--completion-tokens", "16", "--threads", "2"}));
    QCOMPARE(w.project(), QString::fromStdString(project_));  // it holds the sample data set: no switch
    QVERIFY(w.demo()->running());
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 480000);
    const QList<QVariant> args = done.takeFirst();
    QVERIFY2(args[0].toBool(), qPrintable(args[1].toString()));
    QCOMPARE(w.demo()->summary()["runs"].size(), size_t(3));
    QVERIFY(steps.count() >= 2 + 2 + 2);  // SFT 2 steps, GRPO 2 x 2 steps
    QTRY_VERIFY(w.statusText().contains("demo finished"));
    QVERIFY2(w.statusText().contains("GRPO ≥ SFT on NDCG@10: "), qPrintable(w.statusText()));
    QTRY_COMPARE(w.runsPanel()->allRuns().size(), before + 3);
    const std::vector<int64_t> shown = w.curvePanel()->runs();
    QCOMPARE(shown.size(), size_t(2));
    for (int64_t run : shown) QCOMPARE(status_of(project_, run), std::string("finished"));
    // The inspector follows the selection: the first GRPO run's steps, each completion with its targets.
    QCOMPARE(w.trajectoryPanel()->run(), shown.front());
    QCOMPARE(w.trajectoryPanel()->steps(), (std::vector<int64_t>{1, 2}));
    QVERIFY(!w.trajectoryPanel()->rows().empty());
    QVERIFY(w.trajectoryPanel()->rows().front().parsed.contains("targets"));
  }

  // The reward tuner on a run training in the window: the what-if has its stored steps; releasing a slider
  // sends the weight (an event in the store at the next step), and undo sends the previous one back.
  // The status line after a demo: each check with its difference ± standard error, "beyond noise" only past
  // twice the standard error; a check without numbers keeps its yes/no alone.
  void demo_checks_line() {
    const nlohmann::json summary = {{"checks", {{"reward_rises", true}, {"grpo_at_least_sft_ndcg", false}, {"diversity_raises_ilad", true}}},
                                    {"reward_rise", 0.039}, {"reward_rise_se", 0.116}, {"ndcg_difference", -0.047},
                                    {"ndcg_difference_se", 0.051}, {"ilad_difference", 0.018}, {"ilad_difference_se", 0.007}};
    QCOMPARE(rf::gui::demo_checks_text(summary),
             QString("reward rises: yes (+0.039 ± 0.116, within noise) · GRPO ≥ SFT on NDCG@10: no (-0.047 ± 0.051, within noise)"
                     " · diversity raises ILAD: yes (+0.018 ± 0.007, beyond noise)"));
    const nlohmann::json bare = {{"checks", {{"reward_rises", false}}}, {"reward_rise_se", nullptr}};
    QCOMPARE(rf::gui::demo_checks_text(bare), QString("reward rises: no"));
    QCOMPARE(rf::gui::demo_checks_text(nlohmann::json()), QString());
  }

  void tuner_applies_and_undoes_a_weight() {
    rf::gui::MainWindow w;
    w.show();
    QVERIFY(w.openProject(QString::fromStdString(project_)));
    const int64_t run = rf::run_create(project_, rf::test::sample_grpo_config(4000, 0));  // stopped below
    rf::gui::RunSession* s = w.session();
    QSignalSpy progress(s, &rf::gui::RunSession::progress);
    QVERIFY(s->start(QString::fromStdString(project_), run, quiet()));
    w.runsPanel()->refresh();
    w.runsPanel()->selectRuns({run});
    rf::gui::RewardTuner* t = w.rewardTuner();
    QCOMPARE(t->run(), run);
    QVERIFY(t->components().contains("diversity"));
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 2, 60000);
    // The writer flushes off the training thread: the steps' trajectories land a moment after the steps.
    QTRY_VERIFY_WITH_TIMEOUT((t->reloadTrajectories(), t->whatIf().groups > 0), 30000);
    const double before = t->weight("diversity");
    QVERIFY(t->live());
    QVERIFY(t->applyWeight("diversity", before + 1.5));
    auto diversity_changes = [&] {
      std::vector<double> out;
      rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project_), false);
      for (const rf::EventRow& e : rf::run_store_events(db, run))
        if (e.kind == rf::RunEventKind::weight_change && e.payload.value("component", "") == "diversity")
          out.push_back(e.payload.value("new", -1.0));
      return out;
    };
    QTRY_COMPARE_WITH_TIMEOUT(diversity_changes().size(), size_t(1), 60000);
    QCOMPARE(diversity_changes().front(), before + 1.5);
    t->undoStack()->undo();
    QCOMPARE(t->weight("diversity"), before);
    QTRY_COMPARE_WITH_TIMEOUT(diversity_changes().size(), size_t(2), 60000);
    QCOMPARE(diversity_changes().back(), before);
    s->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!s->busy(), 60000);
  }

  // The Runs form: a tiny GRPO config started with the Start button trains in the window, its points reach
  // the curves; a second one started while it trains is queued and runs after it.
  void run_form_starts_and_queues() {
    rf::gui::MainWindow w;
    w.show();
    QVERIFY(w.openProject(QString::fromStdString(project_)));
    rf::gui::RunForm* form = w.runForm();
    nlohmann::json c = rf::run_config_to_json(rf::test::sample_grpo_config(3, 0));
    c["name"] = "from the form";
    QVERIFY2(form->setConfigJson(c), qPrintable(form->lastError()));
    form->setExecution(false, false);  // no baselines, no evaluation: seconds, not minutes
    auto* start = form->findChild<QPushButton*>("runFormStart");
    QTest::mouseClick(start, Qt::LeftButton);
    const int64_t first = w.session()->run();
    QVERIFY(first > 0);
    QVERIFY(w.session()->busy());
    QTest::mouseClick(start, Qt::LeftButton);  // queued
    QCOMPARE(form->queue().size(), size_t(1));
    const int64_t second = form->queue().front();
    QTRY_COMPARE_WITH_TIMEOUT(status_of(project_, first), std::string("finished"), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(w.session()->run(), second, 60000);  // the queued one started after it
    QTRY_COMPARE_WITH_TIMEOUT(status_of(project_, second), std::string("finished"), 60000);
    {
      rf::SqliteDb db = rf::run_store_open(rf::run_store_path(project_), false);
      QCOMPARE(rf::run_store_metrics(db, first, "reward").size(), size_t(3));
    }
    // The window follows the run it started last: its points are on the curves.
    QCOMPARE(w.curvePanel()->runs(), std::vector<int64_t>{second});
    QTRY_VERIFY_WITH_TIMEOUT(w.curvePanel()->source()->series(second, "reward") &&
                                 w.curvePanel()->source()->series(second, "reward")->steps.size() == 3, 10000);
    QVERIFY(form->queue().empty());
  }

  void screenshots_of_every_screen() {
    rf::gui::MainWindow w;
    w.resize(1100, 700);
    w.show();
    QVERIFY(w.openProject(QString::fromStdString(project_)));
    const QStringList files = w.screenshots(dir_.filePath("shots"));
    QCOMPARE(files.size(), w.tabs()->count());
    for (const QString& f : files) {
      const QImage img(f);
      QVERIFY2(img.width() >= 1000 && img.height() >= 600, qPrintable(f));
    }
  }

  void not_a_project_is_refused() {
    rf::gui::MainWindow w;
    QTimer::singleShot(0, [] {
      for (QWidget* top : QApplication::topLevelWidgets())
        if (auto* box = qobject_cast<QMessageBox*>(top)) box->accept();
    });
    QVERIFY(!w.openProject(dir_.filePath("nothing-here")));
    QVERIFY(w.project().isEmpty());
  }
};

RF_TEST_SUITE(TestMainWindow);
#include "test_main_window.moc"
