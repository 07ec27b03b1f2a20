// Tests for the evaluator (core/eval/eval_runner.h) on data sets where the answer is known: oracle and
// reverse-oracle recommenders under full ranking and sampled candidates, history exclusion (a target is
// never excluded), valid vs test, thread and batch invariance, errors, rating errors hand-computed, and
// `recforge-cli eval` on tests/fixtures/data/eval-mini with Popularity numbers worked out by hand.
#include "eval/baseline_factory.h"
#include "eval/eval_runner.h"
#include "support/fixtures.h"
#include "support/cli_process.h"
#include "support/suite_registry.h"
#include "support/test_names.h"
#include "util/error.h"

#include <QtCore/QProcess>
#include <QtTest/QtTest>

namespace {

using rf::test::name_of;

using Items = std::vector<int32_t>;

// Scores the held-out targets `target_score`, the history `history_score` and everything else 0: the
// evaluator's answer is then known exactly.
class Oracle : public rf::Recommender {
 public:
  Oracle(float target_score, float history_score, bool on_test, int32_t row_size = -1)
      : target_(target_score), history_(history_score), on_test_(on_test), row_size_(row_size) {}
  std::string name() const override { return "oracle"; }
  void fit(const rf::FitData& data) override {
    ds_ = data.ds;
    split_ = data.split;
  }
  void score(const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& histories,
             std::vector<std::vector<float>>& out) const override {
    out.assign(users.size(), std::vector<float>(static_cast<size_t>(row_size_ >= 0 ? row_size_ : ds_->item_count()), 0.0f));
    for (size_t b = 0; b < users.size(); ++b) {
      if (row_size_ >= 0) continue;
      for (int32_t i : histories[b]) out[b][static_cast<size_t>(i)] = history_;
      const auto& s = split_->users[static_cast<size_t>(users[b])];
      for (int32_t t : on_test_ ? s.test : s.valid) out[b][static_cast<size_t>(t)] = target_;
    }
  }

 private:
  float target_, history_;
  bool on_test_;
  int32_t row_size_;
  const rf::Dataset* ds_ = nullptr;
  const rf::Split* split_ = nullptr;
};

// 30 items; 12 users with 6 distinct items each (so 5 history items on test, 4 on valid) and 2 users with
// 2 items (never evaluated). Items 0..9 carry categories.
rf::Dataset generated() {
  rf::Dataset ds;
  ds.name = "generated";
  for (int i = 0; i < 30; ++i) {
    rf::Item item{name_of("i", i)};
    if (i < 10) item.categories = {i % 2 ? "odd" : "even"};
    rf::dataset_add_item(ds, item);
  }
  int64_t t = 0;
  for (int u = 0; u < 14; ++u) {
    const int n = u < 12 ? 6 : 2;
    for (int k = 0; k < n; ++k) {
      rf::Interaction x;
      x.user = rf::dataset_user_get_or_add(ds, name_of("u", u));
      x.item = (u * 7 + k * 5) % 30;  // distinct within a user (5 and 30 share the factor 5, but k < 6)
      x.time = ++t;
      ds.interactions.push_back(x);
    }
  }
  return ds;
}

rf::EvalOptions options(int32_t candidates, std::vector<int> ks = {1, 5, 10}) {
  rf::EvalOptions o;
  o.ks = std::move(ks);
  o.candidates = candidates;
  o.seed = 3;
  return o;
}

void near(double got, double expected, const char* what) {
  QVERIFY2(std::abs(got - expected) < 1e-6, qPrintable(QString("%1: %2 vs %3").arg(what).arg(got).arg(expected)));
}

using rf::test::CliRun;

CliRun cli_run(const QStringList& args) { return rf::test::cli_run(args, {{}, 60000, {}}); }

QStringList mini(QStringList more) {
  return QStringList{"eval", "--data", QString::fromStdString(rf::test::fixture_path("data/eval-mini"))} + more;
}

nlohmann::json cli_json(const QStringList& args) {
  const CliRun r = cli_run(args);
  if (r.exit_code != 0) qWarning("recforge-cli failed: %s", r.err.constData());
  return r.exit_code == 0 ? nlohmann::json::parse(r.out.toStdString()) : nlohmann::json();
}

}  // namespace

class TestEvalRunner : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void oracle_full_ranking() {
    const rf::Dataset ds = generated();
    const rf::Split split = rf::split_leave_last_out(ds);
    Oracle oracle(1, 0, true);
    const rf::EvalReport r = rf::eval_next_item(oracle, ds, split, options(0));
    QCOMPARE(r.users, int64_t(12));
    QCOMPARE(r.mode, std::string("full"));
    for (const char* m : {"hit@1", "recall@1", "ndcg@1", "hit@10", "ndcg@10", "mrr"}) near(r.metric(m), 1.0, m);
    QVERIFY(r.has_metric("ilad@10") && r.has_metric("coverage@10") && r.has_metric("novelty@10"));
  }

  void reverse_oracle_full_ranking() {
    const rf::Dataset ds = generated();
    const rf::Split split = rf::split_leave_last_out(ds);
    Oracle reverse(-1, 0, true);
    const rf::EvalReport r = rf::eval_next_item(reverse, ds, split, options(0));
    // 30 items less 5 excluded history items: the target is last of 25.
    near(r.metric("mrr"), 1.0 / 25, "mrr");
    near(r.metric("hit@10"), 0.0, "hit@10");
    // On valid the history is train (4 items): last of 26.
    Oracle reverse_valid(-1, 0, false);
    rf::EvalOptions o = options(0);
    o.on_test = false;
    const rf::EvalReport rv = rf::eval_next_item(reverse_valid, ds, split, o);
    QCOMPARE(rv.target, std::string("valid"));
    near(rv.metric("mrr"), 1.0 / 26, "valid mrr");
  }

  void history_is_excluded_but_never_the_target() {
    const rf::Dataset ds = generated();
    const rf::Split split = rf::split_leave_last_out(ds);
    Oracle history_lover(1, 2, true);  // history items above the target
    near(rf::eval_next_item(history_lover, ds, split, options(0)).metric("hit@1"), 1.0, "full hit@1");
    near(rf::eval_next_item(history_lover, ds, split, options(9)).metric("hit@1"), 1.0, "sampled hit@1");
    // A target that is also in the history (re-consumption) stays rankable.
    rf::Split repeat = split;
    for (auto& s : repeat.users)
      if (!s.test.empty()) s.test = {s.train.front()};
    Oracle oracle(1, 0, true);
    near(rf::eval_next_item(oracle, ds, repeat, options(0)).metric("hit@1"), 1.0, "repeat hit@1");
  }

  void sampled_candidates() {
    const rf::Dataset ds = generated();
    const rf::Split split = rf::split_leave_last_out(ds);
    Oracle oracle(1, 0, true), reverse(-1, 0, true);
    for (auto sampling : {rf::NegativeSampling::Uniform, rf::NegativeSampling::Popularity}) {
      rf::EvalOptions o = options(9);
      o.sampling = sampling;
      const rf::EvalReport good = rf::eval_next_item(oracle, ds, split, o);
      QCOMPARE(good.mode, std::string("sampled"));
      near(good.metric("hit@1"), 1.0, "oracle hit@1");
      // The target last of 1 + 9: MRR 1/10, inside the top 10 but not the top 5.
      const rf::EvalReport bad = rf::eval_next_item(reverse, ds, split, o);
      near(bad.metric("mrr"), 0.1, "reverse mrr");
      near(bad.metric("hit@5"), 0.0, "reverse hit@5");
      near(bad.metric("hit@10"), 1.0, "reverse hit@10");
      near(bad.metric("ndcg@10"), 1.0 / std::log2(11.0), "reverse ndcg@10");
    }
  }

  void threads_and_batches_do_not_change_the_numbers() {
    const rf::Dataset ds = generated();
    const rf::Split split = rf::split_leave_last_out(ds);
    for (int32_t candidates : {0, 9}) {
      auto model = rf::recommender_create("itemknn");
      rf::EvalOptions a = options(candidates, {1, 5, 10, 20});
      a.threads = 1;
      a.sampling = rf::NegativeSampling::Popularity;
      rf::EvalOptions b = a;
      b.threads = 2;
      b.batch_size = 5;
      const auto ra = rf::eval_next_item(*model, ds, split, a);
      b.fit = false;
      const auto rb = rf::eval_next_item(*model, ds, split, b);
      QCOMPARE(ra.metrics, rb.metrics);
    }
  }

  void max_users_and_reports() {
    const rf::Dataset ds = generated();
    const rf::Split split = rf::split_leave_last_out(ds);
    auto pop = rf::recommender_create("pop");
    rf::EvalOptions o = options(0);
    o.max_users = 5;
    const rf::EvalReport r = rf::eval_next_item(*pop, ds, split, o);
    QCOMPARE(r.users, int64_t(5));
    const nlohmann::json j = r.to_json();
    QCOMPARE(j["model"].get<std::string>(), std::string("pop"));
    QCOMPARE(j["users"].get<int64_t>(), int64_t(5));
    QVERIFY(j["metrics"].contains("ndcg@10") && j["metrics"].contains("mrr"));
    QVERIFY(r.table().find("NDCG@K") != std::string::npos);
    QVERIFY(rf::eval_table_compare({r, r}).find("recall@10") != std::string::npos);
    QVERIFY_THROWS_EXCEPTION(rf::Error, r.metric("auc"));
  }

  void errors() {
    const rf::Dataset ds = generated();
    const rf::Split split = rf::split_leave_last_out(ds);
    Oracle short_rows(1, 0, true, 29);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::eval_next_item(short_rows, ds, split, options(0)));
    Oracle oracle(1, 0, true);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::eval_next_item(oracle, ds, split, options(25)));  // 30 - 6 = 24 negatives at most
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::eval_next_item(oracle, ds, split, options(0, {0})));
    rf::Split other = split;
    other.users.pop_back();
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::eval_next_item(oracle, ds, other, options(0)));
    rf::Split empty = split;
    for (auto& s : empty.users) s.test.clear();
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::eval_next_item(oracle, ds, empty, options(0)));
  }

  void rating_errors_hand_computed_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<double>("mae");
    QTest::addColumn<double>("rmse");
    QTest::addColumn<double>("exact");
    QTest::addColumn<double>("within_one");
    // Fit on train + valid: u0 i0 5, i1 3; u1 i0 4, i2 2; u2 i1 1, i3 3 (global mean 18 / 6 = 3).
    // Test (each user's last rating): u0 i2 = 4, u1 i3 = 5; u2 has 3 ratings too: i0 = 2.
    // global-mean: |3-4|, |3-5|, |3-2| = 1, 2, 1 -> MAE 4/3, RMSE sqrt(6/3), exact 0, within one 2/3.
    QTest::newRow("global-mean") << "global-mean" << 4.0 / 3 << std::sqrt(2.0) << 0.0 << 2.0 / 3;
    // user-mean: u0 4, u1 3, u2 2 -> errors 0, 2, 0: MAE 2/3, RMSE sqrt(4/3), exact 2/3, within one 2/3.
    QTest::newRow("user-mean") << "user-mean" << 2.0 / 3 << std::sqrt(4.0 / 3) << 2.0 / 3 << 2.0 / 3;
    // item-mean: i2 2, i3 3, i0 4.5 -> errors 2, 2, 2.5: MAE 6.5/3, RMSE sqrt(14.25/3), exact 0, within 0.
    QTest::newRow("item-mean") << "item-mean" << 6.5 / 3 << std::sqrt(14.25 / 3) << 0.0 << 0.0;
  }
  void rating_errors_hand_computed() {
    QFETCH(QString, model);
    QFETCH(double, mae);
    QFETCH(double, rmse);
    QFETCH(double, exact);
    QFETCH(double, within_one);
    rf::Dataset ds;
    ds.name = "rated";
    for (int i = 0; i < 4; ++i) rf::dataset_add_item(ds, rf::Item{name_of("i", i)});
    // user, item, rating in time order per user.
    const int rows[][3] = {{0, 0, 5}, {0, 1, 3}, {0, 2, 4}, {1, 0, 4}, {1, 2, 2}, {1, 3, 5}, {2, 1, 1}, {2, 3, 3}, {2, 0, 2}};
    int64_t t = 0;
    for (const auto& x : rows) {
      rf::Interaction it;
      it.user = rf::dataset_user_get_or_add(ds, name_of("u", x[0]));
      it.item = x[1];
      it.rating = static_cast<float>(x[2]);
      it.time = ++t;
      ds.interactions.push_back(it);
    }
    const rf::Split split = rf::split_leave_last_out(ds);
    auto p = rf::rating_predictor_create(model.toStdString());
    const rf::EvalReport r = rf::eval_rating(*p, ds, split);
    QCOMPARE(r.mode, std::string("rating"));
    QCOMPARE(r.targets, int64_t(3));
    near(r.metric("mae"), mae, "mae");
    near(r.metric("rmse"), rmse, "rmse");
    near(r.metric("exact_match"), exact, "exact");
    near(r.metric("within_one"), within_one, "within_one");
    QVERIFY(r.table().find("MAE") != std::string::npos);
    // A split from another dataset is refused.
    rf::Split wrong = split;
    wrong.users[0].train.pop_back();
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::eval_rating(*p, ds, wrong));
  }

  // eval-mini (see its README): leave-last-out, Popularity on train A 3, B 2, F 1, C = D = E = 0.
  //   u1 history A,B,C, target D: ranking F, D, E          -> rank 2
  //   u2 history A,B,   target E: ranking F, C, D, E       -> rank 4
  //   u3 history A,C,   target B: ranking B, F, D, E       -> rank 1
  // Hit@1 1/3, Hit@2 2/3, Hit@5 1; MRR (1/2 + 1/4 + 1) / 3 = 0.583333;
  // NDCG@5 (1/log2 3 + 1/log2 5 + 1) / 3 = 0.687202; coverage@10 = |{B,C,D,E,F}| / 6 = 0.833333.
  void cli_pop_full_ranking() {
    const nlohmann::json j = cli_json(mini({"--model", "pop", "--candidates", "0", "--ks", "1,2,5", "--json"}));
    QVERIFY(!j.is_null());
    QCOMPARE(j["reports"].size(), size_t(1));
    const auto& r = j["reports"][0];
    QCOMPARE(r["mode"].get<std::string>(), std::string("full"));
    QCOMPARE(r["users"].get<int>(), 3);
    const auto& m = r["metrics"];
    near(m["hit@1"].get<double>(), 1.0 / 3, "hit@1");
    near(m["hit@2"].get<double>(), 2.0 / 3, "hit@2");
    near(m["hit@5"].get<double>(), 1.0, "hit@5");
    near(m["mrr"].get<double>(), 1.75 / 3, "mrr");
    near(m["ndcg@5"].get<double>(), (1 / std::log2(3.0) + 1 / std::log2(5.0) + 1) / 3, "ndcg@5");
    near(m["coverage@10"].get<double>(), 5.0 / 6, "coverage@10");
  }

  // Sampled with 2 negatives: u1 can only get E, F (pool D, E, F: rank 2); u2's E (score 0, index 4) is
  // last of any 3 (rank 3); u3's B (score 2) is first. MRR (1/2 + 1/3 + 1) / 3 = 0.611111.
  void cli_pop_sampled() {
    {
      const nlohmann::json j =
          cli_json(mini({"--model", "pop", "--candidates", "2", "--sampling", "popularity", "--ks", "1,2", "--json"}));
      QVERIFY(!j.is_null());
      const auto& m = j["reports"][0]["metrics"];
      near(m["mrr"].get<double>(), (0.5 + 1.0 / 3 + 1) / 3, "mrr");
      near(m["hit@1"].get<double>(), 1.0 / 3, "hit@1");
      near(m["hit@2"].get<double>(), 2.0 / 3, "hit@2");
    }
    // 3 negatives cannot be found for u1 (4 of the 6 items are theirs).
    const CliRun r = cli_run(mini({"--model", "pop", "--candidates", "3"}));
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("u1") && r.err.contains("negatives"), r.err.constData());
  }

  void cli_default_prints_both_tables() {
    const CliRun r = cli_run(mini({"--model", "itemknn"}));
    QCOMPARE(r.exit_code, 0);
    const int full = r.out.indexOf("full ranking"), sampled = r.out.indexOf("sampled");
    QVERIFY2(full >= 0 && sampled > full, r.out.constData());
  }

  // Temporal: times 100, 200 train, 300 valid, 400 test: only u1 has a test item (D): rank 2 behind F.
  void cli_temporal() {
    const nlohmann::json j = cli_json(
        mini({"--model", "pop", "--split", "temporal", "--valid-from", "250", "--test-from", "350", "--candidates", "0", "--json"}));
    QVERIFY(!j.is_null());
    QCOMPARE(j["split"].get<std::string>(), std::string("temporal"));
    QCOMPARE(j["reports"][0]["users"].get<int>(), 1);
    near(j["reports"][0]["metrics"]["mrr"].get<double>(), 0.5, "mrr");
  }

  // Ratings: fit on train + valid (u1 A5 B4 C3, u2 A4 B3, u3 A3 C4, u4 B5 F4: mean 35 / 9), test D 2, E 5, B 2.
  // global-mean: errors 1.888889, 1.111111, 1.888889 -> MAE 4.888889 / 3 = 1.629630.
  // user-mean: u1 4, u2 3.5, u3 3.5 -> errors 2, 1.5, 1.5 -> MAE 5 / 3.
  void cli_rating_means() {
    const nlohmann::json g = cli_json(mini({"--model", "global-mean", "--json"}));
    QVERIFY(!g.is_null());
    near(g["reports"][0]["metrics"]["mae"].get<double>(), (2 * (35.0 / 9 - 2) + (5 - 35.0 / 9)) / 3, "global mae");
    const nlohmann::json u = cli_json(mini({"--model", "user-mean", "--json"}));
    QVERIFY(!u.is_null());
    near(u["reports"][0]["metrics"]["mae"].get<double>(), 5.0 / 3, "user mae");
  }

  void cli_errors() {
    const CliRun unknown = cli_run(mini({"--model", "knn"}));
    QCOMPARE(unknown.exit_code, 1);
    QVERIFY2(unknown.err.contains("pop, itemknn, bpr, sasrec"), unknown.err.constData());
    const CliRun params = cli_run(mini({"--model", "itemknn", "--params", "{\"k\": -1}"}));
    QCOMPARE(params.exit_code, 1);
    QVERIFY2(params.err.contains("'k'"), params.err.constData());
  }
};

RF_TEST_SUITE(TestEvalRunner);
#include "test_eval_runner.moc"
