// The compare screen (widgets/run_compare.h, compare_panel.h): config differences of hand-written configs,
// best / last values with the right direction per metric, the Pareto front of hand-placed points, and the
// panel over a store with two runs' evaluations (its table lists only the differing fields, its scatter
// has every evaluated step and the front).
#include "compare_panel.h"
#include "curve_panel.h"
#include "qcustomplot_include.h"
#include "run_compare.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"

#include "support/suite_registry.h"

#include <QTableWidget>
#include <QtTest/QtTest>

namespace {

rf::EvaluationRow eval(int64_t run, int64_t step, const std::string& metric, double v) {
  rf::EvaluationRow e;
  e.run = run;
  e.step = step;
  e.subject = "model";
  e.split = "test";
  e.metric = metric;
  e.value = v;
  return e;
}

}  // namespace

class TestCompare : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private Q_SLOTS:
  void config_differences() {
    const nlohmann::json a = {{"name", "a"}, {"grpo", {{"beta", 0.0}, {"num_generations", 4}}},
                              {"rewards", {{"components", {{{"name", "ndcg"}, {"weight", 1.0}}, {{"name", "diversity"}, {"weight", 0.0}}}}}}};
    nlohmann::json b = a;
    b["name"] = "b";
    b["rewards"]["components"][1]["weight"] = 3.0;
    b["seed"] = 7;
    const auto d = rf::gui::compare_config_differences({a, b});
    std::vector<std::string> paths;
    for (const auto& [p, v] : d) paths.push_back(p);
    QCOMPARE(paths, (std::vector<std::string>{"name", "rewards.components.1.weight", "seed"}));
    QCOMPARE(d[1].second, (std::vector<std::string>{"0.0", "3.0"}));
    QCOMPARE(d[2].second, (std::vector<std::string>{"", "7"}));
  }

  void pareto_front() {
    std::vector<rf::gui::ComparePoint> p = {{1, 0, "a", 0.1, 0.9}, {1, 1, "b", 0.5, 0.5}, {2, 0, "c", 0.4, 0.4},
                                            {2, 1, "d", 0.9, 0.1}, {3, 0, "e", 0.5, 0.6}, {3, 1, "f", 0.05, 0.95}};
    // c is beaten by b, b by e; a, e, d, f stand.
    QCOMPARE(rf::gui::compare_pareto_front(p), (std::vector<size_t>{5, 0, 4, 3}));
  }

  void best_last_and_panel() {
    const std::string path = dir_.filePath("project.sqlite").toStdString();
    int64_t r1, r2;
    {
      rf::SqliteDb db = rf::run_store_open(path, true);
      r1 = rf::run_store_create_run(db, "div 0", "grpo", {{"grpo", {{"beta", 0.0}}}, {"seed", 1}}, "finished");
      r2 = rf::run_store_create_run(db, "div 3", "grpo", {{"grpo", {{"beta", 0.0}}}, {"seed", 2}}, "finished");
    }
    rf::RunStoreWriter w(path);
    for (int64_t s = 1; s <= 3; ++s) {
      w.metrics(r1, s, {{"reward", 0.1 * s}, {"loss", 1.0 / s}});
      w.metrics(r2, s, {{"reward", 0.5 - 0.1 * s}, {"loss", 0.2 * s}});
    }
    for (auto [run, step, ndcg, ilad] : std::vector<std::tuple<int64_t, int64_t, double, double>>{
             {r1, 0, 0.10, 0.50}, {r1, 3, 0.30, 0.40}, {r2, 0, 0.10, 0.50}, {r2, 3, 0.20, 0.80}}) {
      w.evaluation(eval(run, step, "ndcg@10", ndcg));
      w.evaluation(eval(run, step, "ilad", ilad));
    }
    // Per-user NDCG@10 of both last evaluations: two users, r2 − r1 = −0.1 and −0.4 (mean −0.25; the
    // differences' sd is sqrt(0.045), so the standard error is 0.15: within twice it).
    w.evaluation_users({{r1, 3, "model", "test", "ndcg@10", 0, 4, 7, 0.4}, {r1, 3, "model", "test", "ndcg@10", 1, 9, 7, 0.5},
                        {r2, 3, "model", "test", "ndcg@10", 0, 4, 7, 0.3}, {r2, 3, "model", "test", "ndcg@10", 1, 9, 7, 0.1}});
    w.close();
    rf::SqliteDb db = rf::run_store_open(path, false);
    const auto reward = rf::gui::compare_best_last(db, r2, "reward");
    QCOMPARE(reward.best_step, int64_t(1));
    QVERIFY(std::abs(reward.best - 0.4) < 1e-12 && std::abs(reward.last - 0.2) < 1e-12);
    const auto loss = rf::gui::compare_best_last(db, r1, "loss");  // lower is better
    QCOMPARE(loss.best_step, int64_t(3));
    QCOMPARE(rf::gui::compare_best_last(db, r1, "eval/ilad").best_step, int64_t(0));
    QCOMPARE(rf::gui::compare_best_last(db, r1, "kl").last_step, int64_t(-1));
    QVERIFY(rf::gui::compare_lower_is_better("eval/ilad_se"));  // a standard error: smaller is surer
    QVERIFY(!rf::gui::compare_lower_is_better("eval/ilad"));

    rf::gui::ComparePanel panel;
    panel.resize(1000, 500);
    panel.setProject(dir_.path());
    panel.setRuns({r1, r2});
    panel.setAxes("ndcg@10", "ilad");
    QCOMPARE(panel.points().size(), size_t(4));
    // Front: (0.3, 0.4) of r1 and (0.2, 0.8) of r2; (0.1, 0.5) is beaten by (0.2, 0.8).
    std::vector<std::string> front;
    for (size_t i : panel.front()) front.push_back(panel.points()[i].label);
    QCOMPARE(front, (std::vector<std::string>{"run " + std::to_string(r2) + " @ 3", "run " + std::to_string(r1) + " @ 3"}));
    QCOMPARE(panel.plot()->graphCount(), 3);  // two runs + the front
    QTableWidget* t = panel.table();
    QCOMPARE(t->columnCount(), 2);
    QStringList rows;
    for (int r = 0; r < t->rowCount(); ++r) rows << t->verticalHeaderItem(r)->text();
    QVERIFY2(rows.contains("seed") && !rows.contains("grpo.beta"), qPrintable(rows.join(",")));
    QVERIFY(rows.contains("loss ↓") && rows.contains("eval/ndcg@10 ↑"));
    const int paired = static_cast<int>(rows.indexOf(QString("Δ ndcg@10 vs #%1, paired").arg(r1)));
    QVERIFY2(paired >= 0, qPrintable(rows.join(",")));
    QCOMPARE(t->item(paired, 0)->text(), QString("reference"));
    QCOMPARE(t->item(paired, 1)->text(), QString("-0.2500 ± 0.1500 (2 users): within noise"));
    QVERIFY(!rows.contains(QString("Δ ilad vs #%1, paired").arg(r1)));  // no per-user ILAD stored
    // Both runs' reward curves overlaid below.
    panel.curves()->refresh();
    const auto drawn = panel.curves()->drawnSeries();
    QCOMPARE(drawn.size(), size_t(2));
    QCOMPARE(drawn[0], (std::pair<int64_t, std::string>{r1, "reward"}));
    QCOMPARE(drawn[1], (std::pair<int64_t, std::string>{r2, "reward"}));
  }
};

RF_TEST_SUITE(TestCompare);
#include "test_compare.moc"
