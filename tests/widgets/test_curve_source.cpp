// The curves' data and drawing (widgets/curve_smoothing.h, curve_source.h, curve_panel.h): the debiased EMA
// against hand-computed values; a run store written here with known values, read incrementally as rows
// arrive (and read again after a resume cut it back); the panel drawing one smoothed line per chosen
// metric with its raw line faint beneath, markers at the weight change and the pause, and CSV export whose
// rows are the store's own values.
#include "curve_panel.h"
#include "curve_smoothing.h"
#include "curve_source.h"
#include "qcustomplot_include.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <cmath>
#include <map>

namespace {

double reward_at(int64_t step) { return 0.1 * static_cast<double>(step); }
double loss_at(int64_t step) { return 1.0 / static_cast<double>(step); }

void write_steps(const std::string& path, int64_t run, int64_t from, int64_t to) {
  rf::RunStoreWriter w(path);
  for (int64_t s = from; s <= to; ++s) w.metrics(run, s, {{"reward", reward_at(s)}, {"loss", loss_at(s)}});
  w.close();
}

}  // namespace

class TestCurveSource : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string store_;
  int64_t run_ = 0;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    store_ = dir_.filePath("project.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(store_, true);
    run_ = rf::run_store_create_run(db, "curves, test", "grpo", nlohmann::json::object(), "running");
    write_steps(store_, run_, 1, 50);
    rf::RunStoreWriter w(store_);
    w.event(rf::run_event_make(run_, 20, rf::RunEventKind::weight_change, {{"component", "diversity"}, {"old", 0.0}, {"new", 3.0}}));
    w.event(rf::run_event_make(run_, 30, rf::RunEventKind::pause));
    w.event(rf::run_event_make(run_, 30, rf::RunEventKind::checkpoint, {{"path", "x"}}));  // not a marker
    rf::EvaluationRow e;
    e.run = run_;
    e.step = 50;
    e.subject = "model";
    e.split = "test";
    e.metric = "ndcg@10";
    e.value = 0.25;
    w.evaluation(e);
    e.subject = "pop";  // a baseline: not a curve of the run
    w.evaluation(e);
    w.close();
  }

  // m_i = w m_{i-1} + (1 - w) x_i, shown m_i / (1 - w^(i+1)); NaN points pass over.
  void ema_data() {
    QTest::addColumn<QVector<double>>("values");
    QTest::addColumn<double>("weight");
    QTest::addColumn<QVector<double>>("expected");
    QTest::newRow("raw") << QVector<double>{1, 2, 3} << 0.0 << QVector<double>{1, 2, 3};
    QTest::newRow("half") << QVector<double>{1, 2, 3} << 0.5 << QVector<double>{1.0, 1.25 / 0.75, 2.125 / 0.875};
    QTest::newRow("nan skipped") << QVector<double>{1, NAN, 3} << 0.5 << QVector<double>{1.0, NAN, 1.75 / 0.75};
    QTest::newRow("constant stays") << QVector<double>{4, 4, 4, 4} << 0.9 << QVector<double>{4, 4, 4, 4};
  }
  void ema() {
    QFETCH(QVector<double>, values);
    QFETCH(double, weight);
    QFETCH(QVector<double>, expected);
    const std::vector<double> got = rf::gui::curve_ema({values.begin(), values.end()}, weight);
    QCOMPARE(got.size(), size_t(expected.size()));
    for (int i = 0; i < expected.size(); ++i) {
      if (std::isnan(expected[i])) QVERIFY(std::isnan(got[i]));
      else QVERIFY2(std::abs(got[i] - expected[i]) < 1e-12, qPrintable(QString("%1: %2 vs %3").arg(i).arg(got[i]).arg(expected[i])));
    }
  }

  void source_reads_incrementally() {
    rf::gui::CurveSource src(store_);
    QVERIFY(src.poll({run_}));
    const rf::gui::CurveSeries* r = src.series(run_, "reward");
    QVERIFY(r);
    QCOMPARE(r->steps.size(), size_t(50));
    QCOMPARE(r->values[9], reward_at(10));
    QCOMPARE(src.series(run_, "eval/ndcg@10")->values, std::vector<double>{0.25});
    QCOMPARE(src.metric_names({run_}), (std::vector<std::string>{"eval/ndcg@10", "loss", "reward"}));
    const auto markers = src.markers(run_);
    QCOMPARE(markers.size(), size_t(2));
    QCOMPARE(markers[0].step, int64_t(20));
    QCOMPARE(markers[0].label, std::string("diversity 0 -> 3"));
    QCOMPARE(markers[1].kind, std::string("pause"));
    QVERIFY(!src.poll({run_}));  // nothing new

    write_steps(store_, run_, 51, 55);
    QVERIFY(src.poll({run_}));
    QCOMPARE(src.series(run_, "loss")->steps.size(), size_t(55));
    QCOMPARE(src.last_step(run_), int64_t(55));

    // A resume cut the run back to step 40 and wrote 41..42 again: read afresh, no stale points.
    {
      rf::SqliteDb db = rf::run_store_open(store_, false);
      rf::run_store_truncate_after(db, run_, 40);
    }
    write_steps(store_, run_, 41, 42);
    QVERIFY(src.poll({run_}));
    QCOMPARE(src.series(run_, "reward")->steps.size(), size_t(42));
    QCOMPARE(src.series(run_, "reward")->steps.back(), 42.0);
    QCOMPARE(src.markers(run_).size(), size_t(2));
  }

  void panel_draws_and_exports() {
    rf::gui::CurvePanel panel;
    panel.resize(900, 500);
    panel.setStorePath(QString::fromStdString(store_));
    panel.setMetrics({"reward", "loss"});
    panel.setSmoothing(0.5);
    panel.setRuns({run_});
    const auto drawn = panel.drawnSeries();
    QCOMPARE(drawn.size(), size_t(2));
    QCOMPARE(panel.markerCount(), 2);
    // Per metric: the faint raw line, then the smoothed one (named, in the legend).
    QCOMPARE(panel.plot()->graphCount(), 4);
    QCPGraph* raw = panel.plot()->graph(0);
    QCPGraph* smooth = panel.plot()->graph(1);
    QVERIFY(raw->name().isEmpty());
    QVERIFY(smooth->name().contains("reward"));
    QCOMPARE(raw->data()->size(), 42);
    // Smoothed at w = 0.5 from the known values: step 2 = (0.25 r1 + 0.5 r2) / 0.75.
    auto it = smooth->data()->findBegin(2.0, false);
    QVERIFY(std::abs(it->value - (0.25 * reward_at(1) + 0.5 * reward_at(2)) / 0.75) < 1e-12);

    const QString csv = dir_.filePath("curves.csv");
    QVERIFY(panel.exportCsv(csv));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.first(), QString("run,run_name,step,metric,value"));
    QCOMPARE(lines.size(), 1 + 2 * 42);
    rf::SqliteDb db = rf::run_store_open(store_, false);
    std::map<std::pair<int64_t, std::string>, double> stored;
    for (const rf::MetricRow& m : rf::run_store_metrics(db, run_)) stored[{m.step, m.name}] = m.value;
    for (int i = 1; i < lines.size(); ++i) {
      // The run's name holds a comma, so it is quoted: split from the right.
      const QStringList cells = lines[i].split(',');
      const int n = cells.size();
      QCOMPARE(cells[0].toLongLong(), run_);
      QCOMPARE(cells[1], QString("\"curves"));
      const double value = cells[n - 1].toDouble();
      const auto key = std::make_pair(cells[n - 3].toLongLong(), cells[n - 2].toStdString());
      QVERIFY2(stored.count(key), qPrintable(lines[i]));
      QVERIFY(std::abs(stored[key] - value) < 1e-9 * (1 + std::abs(value)));
    }
    const QString png = dir_.filePath("curves.png"), pdf = dir_.filePath("curves.pdf");
    QVERIFY(panel.exportImage(png));
    QVERIFY(panel.exportImage(pdf));
    QVERIFY(QImage(png).width() > 0);
    QVERIFY(QFileInfo(pdf).size() > 0);

    // Log scale leaves out nothing positive; raw-only at smoothing 0 (no faint line).
    panel.setSmoothing(0.0);
    QCOMPARE(panel.plot()->graphCount(), 2);
    panel.setLogScale(true);
    QCOMPARE(panel.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
  }
};

RF_TEST_SUITE(TestCurveSource);
#include "test_curve_source.moc"
