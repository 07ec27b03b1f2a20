// Tests for comparing two evaluations user by user (core/engine/eval_compare.h): only the same user, held-out
// position and candidate pool pair up; the difference and its standard error against hand-computed values;
// "last evaluation" against an explicit step; a baseline as one side; the pool key against FNV-1a by hand.
#include "engine/eval_compare.h"
#include "store/run_store.h"
#include "store/run_store_writer.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <cmath>

namespace {

using Row = rf::EvaluationUserRow;

bool close(double a, double b) { return std::fabs(a - b) < 1e-12; }

}  // namespace

class TestEvalCompare : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void pairs_same_user_position_and_pool() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    rf::SqliteDb db = rf::run_store_open(path, true);
    const int64_t a = rf::run_store_create_run(db, "a", "sft", nlohmann::json::object());
    const int64_t b = rf::run_store_create_run(db, "b", "grpo", nlohmann::json::object());
    {
      rf::RunStoreWriter w(path);
      for (const auto& [step, subject] : std::vector<std::pair<int64_t, std::string>>{{10, "model"}, {0, "pop"}})
        w.evaluation({a, step, subject, "test", "ndcg@10", 0.5, 1});
      w.evaluation({b, 10, "model", "test", "ndcg@10", 0.5, 1});
      w.evaluation({b, 20, "model", "test", "ndcg@10", 0.5, 1});
      // A: four users. B at its last step (20): three of them, one user A never saw, and user 4 on another pool.
      w.evaluation_users({{a, 10, "model", "test", "ndcg@10", 1, 5, 100, 0.2},
                          {a, 10, "model", "test", "ndcg@10", 2, 6, 100, 0.4},
                          {a, 10, "model", "test", "ndcg@10", 3, 7, 100, 0.6},
                          {a, 10, "model", "test", "ndcg@10", 4, 8, 100, 0.8},
                          {a, 0, "pop", "test", "ndcg@10", 1, 5, 100, 0.9},
                          {a, 0, "pop", "test", "ndcg@10", 2, 6, 100, 0.7}});
      w.evaluation_users({{b, 20, "model", "test", "ndcg@10", 1, 5, 100, 0.5},
                          {b, 20, "model", "test", "ndcg@10", 2, 6, 100, 0.5},
                          {b, 20, "model", "test", "ndcg@10", 3, 7, 100, 0.9},
                          {b, 20, "model", "test", "ndcg@10", 5, 9, 100, 1.0},
                          {b, 20, "model", "test", "ndcg@10", 4, 8, 999, 0.0},
                          {b, 20, "model", "test", "ilad", 1, 5, 100, 0.8},
                          {b, 10, "model", "test", "ndcg@10", 1, 5, 100, 0.2},
                          {b, 10, "model", "test", "ndcg@10", 2, 6, 100, 0.4}});
      w.close();
    }
    // Pairs: users 1, 2, 3. Differences 0.3, 0.1, 0.3: mean 7/30; deviations 1/15, -2/15, 1/15, so the
    // sample variance is (6/225) / 2 = 1/75 and the standard error sqrt(1/75 / 3) = 1/15.
    const rf::EvalComparison c = rf::eval_compare(db, {a}, {b}, "ndcg@10");
    QCOMPARE(c.step_a, int64_t(10));
    QCOMPARE(c.step_b, int64_t(20));
    QCOMPARE(c.users_a, int64_t(4));
    QCOMPARE(c.users_b, int64_t(5));
    QCOMPARE(c.difference.n, int64_t(3));
    QVERIFY(close(c.difference.difference, 7.0 / 30.0));
    QVERIFY(close(c.difference.se, 1.0 / 15.0));
    QVERIFY(close(c.mean_a, 0.4));
    QVERIFY(close(c.mean_b, 1.9 / 3.0));
    QVERIFY(c.difference.beyond());
    // B's earlier evaluation, asked for by step: the same values as A on its two users, so no gap at all.
    const rf::EvalComparison early = rf::eval_compare(db, {a}, {b, "model", 10}, "ndcg@10");
    QCOMPARE(early.difference.n, int64_t(2));
    QVERIFY(close(early.difference.difference, 0.0) && close(early.difference.se, 0.0));
    QVERIFY(!early.difference.beyond());
    // A baseline of run A against run B's model: users 1 and 2, differences -0.4 and -0.2.
    const rf::EvalComparison base = rf::eval_compare(db, {a, "pop"}, {b}, "ndcg@10");
    QCOMPARE(base.step_a, int64_t(0));
    QVERIFY(close(base.difference.difference, -0.3));
    QVERIFY(close(base.difference.se, 0.1));  // differences ±0.1 around the mean: sd sqrt(0.02), / sqrt(2)
    // A metric only one side has: no pairs, NaN means; a run never evaluated: step -1.
    const rf::EvalComparison none = rf::eval_compare(db, {a}, {b}, "ilad");
    QCOMPARE(none.difference.n, int64_t(0));
    QVERIFY(std::isnan(none.mean_a) && std::isnan(none.difference.difference) && !none.difference.beyond());
    QCOMPARE(rf::eval_ref_step(db, {a, "sasrec"}), int64_t(-1));
    QCOMPARE(rf::eval_ref_step(db, {b, "model", 15}), int64_t(-1));  // no evaluation at that step
    QCOMPARE(rf::eval_ref_step(db, {b, "model", 10}), int64_t(10));
    QCOMPARE(rf::eval_user_metrics(db, {b}), (std::vector<std::string>{"ilad", "ndcg@10"}));
    QVERIFY(rf::eval_user_metrics(db, {a, "sasrec"}).empty());
  }

  // FNV-1a 64 over the item indices' little-endian bytes, top bit cleared: {1} hashes to 0x91599a98306c74a2
  // (by hand from the offset basis 0xcbf29ce484222325 and prime 0x100000001b3), 0x11599a98306c74a2 kept.
  void pool_key() {
    QCOMPARE(rf::eval_pool_key({}), int64_t(0));
    QCOMPARE(rf::eval_pool_key({1}), int64_t(0x11599a98306c74a2LL));
    QVERIFY(rf::eval_pool_key({1, 2}) != rf::eval_pool_key({2, 1}));  // the order the prompt showed counts
    QVERIFY(rf::eval_pool_key({1, 2}) > 0);
  }
};

RF_TEST_SUITE(TestEvalCompare);
#include "test_eval_compare.moc"
