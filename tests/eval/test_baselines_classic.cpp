// Tests for the classic baselines against hand-computed values: Popularity counts, ItemKNN cosine
// similarities with shrinkage and top-K truncation, the mean rating predictors (with damping and the
// fallback for unknown users and items), and the factory's names and parameter errors.
#include "eval/baseline_factory.h"
#include "eval/baseline_itemknn.h"
#include "eval/baseline_popularity.h"
#include "eval/baseline_rating_mean.h"
#include "support/suite_registry.h"
#include "support/test_names.h"
#include "util/error.h"

#include <QtTest/QtTest>

namespace {

using rf::test::name_of;

using Items = std::vector<int32_t>;
using Scores = std::vector<float>;

// 4 users, 5 items; the binary train matrix (users -> items):
//   u0: {0, 1, 2}   u1: {0, 1}   u2: {1, 3}   u3: {0, 2, 4}
// so the item -> users sets are U0 = {u0,u1,u3}, U1 = {u0,u1,u2}, U2 = {u0,u3}, U3 = {u2}, U4 = {u3}.
struct Tiny {
  rf::Dataset ds;
  rf::Split split;
};

Tiny tiny() {
  Tiny t;
  for (int i = 0; i < 5; ++i) rf::dataset_add_item(t.ds, rf::Item{name_of("i", i)});
  for (int u = 0; u < 4; ++u) rf::dataset_add_user(t.ds, rf::User{name_of("u", u), ""});
  t.split.kind = "manual";
  t.split.users.resize(4);
  t.split.users[0].train = {0, 1, 2};
  t.split.users[1].train = {1, 0, 0};  // a repeat counts once in the binary matrix (and twice for popularity)
  t.split.users[2].train = {1, 3};
  t.split.users[3].train = {0, 2, 4};
  t.split.users[0].test = {4};  // held-out items are never fitted on
  return t;
}

rf::FitData fit_data(const Tiny& t) {
  rf::FitData d;
  d.ds = &t.ds;
  d.split = &t.split;
  return d;
}

Scores score_one(const rf::Recommender& model, const Items& history) {
  std::vector<std::vector<float>> out;
  model.score({0}, {history}, out);
  return out.at(0);
}

void compare_scores(const Scores& got, const Scores& expected) {
  QCOMPARE(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    QVERIFY2(std::abs(got[i] - expected[i]) < 1e-5, qPrintable(QString("item %1: %2 vs %3").arg(i).arg(got[i]).arg(expected[i])));
}

// Rated interactions: u0 rates i0 5, i1 3; u1 rates i0 4; u2 rates i1 2, i2 1 (i3 is never rated).
rf::Dataset rated() {
  rf::Dataset ds;
  for (int i = 0; i < 4; ++i) rf::dataset_add_item(ds, rf::Item{name_of("i", i)});
  const int r[][3] = {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {2, 1, 2}, {2, 2, 1}};
  for (const auto& x : r) {
    rf::Interaction it;
    it.user = rf::dataset_user_get_or_add(ds, name_of("u", x[0]));
    it.item = x[1];
    it.rating = static_cast<float>(x[2]);
    ds.interactions.push_back(it);
  }
  rf::dataset_add_user(ds, rf::User{"u3", ""});  // no ratings
  return ds;
}

}  // namespace

class TestBaselinesClassic : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void popularity_counts_train_interactions() {
    const Tiny t = tiny();
    auto model = rf::recommender_create("pop", nlohmann::json::object());
    QCOMPARE(model->name(), std::string("pop"));
    model->fit(fit_data(t));
    // i0: u0, u1 twice, u3 = 4; i1: u0, u1, u2 = 3; i2: 2; i3: 1; i4: 1 (u0's test item is not counted).
    compare_scores(score_one(*model, {0}), {4, 3, 2, 1, 1});
    compare_scores(score_one(*model, {}), {4, 3, 2, 1, 1});  // the same for everyone
  }

  void itemknn_similarities_data() {
    QTest::addColumn<double>("shrink");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("item");
    QTest::addColumn<Items>("neighbours");
    QTest::addColumn<Scores>("sims");
    // sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i| |U_j|) + shrink). With shrink 1:
    //   sim(0,1) = 2 / (sqrt(3·3) + 1) = 2 / 4         = 0.5
    //   sim(0,2) = 2 / (sqrt(3·2) + 1) = 2 / 3.449490  = 0.579796
    //   sim(0,4) = 1 / (sqrt(3·1) + 1) = 1 / 2.732051  = 0.366025
    //   sim(1,2) = 1 / (sqrt(3·2) + 1)                 = 0.289898
    //   sim(1,3) = 1 / (sqrt(3·1) + 1)                 = 0.366025
    //   sim(2,4) = 1 / (sqrt(2·1) + 1) = 1 / 2.414214  = 0.414214
    //   sim(0,3) = sim(1,4) = sim(2,3) = sim(3,4) = 0 (no common user: not a neighbour)
    QTest::newRow("shrink 1, item 0") << 1.0 << 100 << 0 << Items{2, 1, 4} << Scores{0.579796f, 0.5f, 0.366025f};
    QTest::newRow("shrink 1, item 1") << 1.0 << 100 << 1 << Items{0, 3, 2} << Scores{0.5f, 0.366025f, 0.289898f};
    QTest::newRow("shrink 1, item 3") << 1.0 << 100 << 3 << Items{1} << Scores{0.366025f};
    QTest::newRow("shrink 1, k 2, item 2") << 1.0 << 2 << 2 << Items{0, 4} << Scores{0.579796f, 0.414214f};
    // Without shrinkage: plain cosine, 2/3, 2/sqrt(6) = 0.816497, 1/sqrt(3) = 0.577350, 1/sqrt(2) = 0.707107.
    QTest::newRow("shrink 0, item 0") << 0.0 << 100 << 0 << Items{2, 1, 4} << Scores{0.816497f, 0.666667f, 0.577350f};
    QTest::newRow("shrink 0, item 4") << 0.0 << 100 << 4 << Items{2, 0} << Scores{0.707107f, 0.577350f};
    QTest::newRow("shrink 0, k 1, item 4") << 0.0 << 1 << 4 << Items{2} << Scores{0.707107f};
  }
  void itemknn_similarities() {
    QFETCH(double, shrink);
    QFETCH(int, k);
    QFETCH(int, item);
    QFETCH(Items, neighbours);
    QFETCH(Scores, sims);
    const Tiny t = tiny();
    rf::ItemKnnRecommender model(k, shrink, 2);
    model.fit(fit_data(t));
    const auto got = model.neighbours(item);
    QCOMPARE(got.size(), neighbours.size());
    for (size_t n = 0; n < got.size(); ++n) {
      QCOMPARE(got[n].item, neighbours[n]);
      QVERIFY2(std::abs(got[n].sim - sims[n]) < 1e-5, qPrintable(QString::number(got[n].sim)));
    }
  }

  void itemknn_scores() {
    const Tiny t = tiny();
    // score(u, j) = Σ_{i in history} sim(i, j) over the neighbour rows of the history items.
    // History {0, 1}, shrink 1, k 100: row 0 gives j2 .579796, j1 .5, j4 .366025; row 1 gives j0 .5,
    // j3 .366025, j2 .289898 -> [.5, .5, .869694, .366025, .366025].
    auto full = rf::recommender_create("itemknn", {{"shrink", 1.0}});
    full->fit(fit_data(t));
    compare_scores(score_one(*full, {0, 1}), {0.5f, 0.5f, 0.869694f, 0.366025f, 0.366025f});
    compare_scores(score_one(*full, {1, 0, 1}), {0.5f, 0.5f, 0.869694f, 0.366025f, 0.366025f});  // repeats count once
    // k 2: row 0 keeps j2, j1; row 1 keeps j0, j3 -> [.5, .5, .579796, .366025, 0].
    auto top2 = rf::recommender_create("itemknn", {{"shrink", 1.0}, {"k", 2}, {"threads", 1}});
    top2->fit(fit_data(t));
    compare_scores(score_one(*top2, {0, 1}), {0.5f, 0.5f, 0.579796f, 0.366025f, 0.0f});
    compare_scores(score_one(*top2, {}), {0, 0, 0, 0, 0});
    QVERIFY_THROWS_EXCEPTION(rf::Error, score_one(*top2, {5}));  // not a catalogue item
  }

  void itemknn_threads_agree() {
    // A larger random-ish matrix: one thread and four threads give identical neighbour lists.
    rf::Dataset ds;
    for (int i = 0; i < 300; ++i) rf::dataset_add_item(ds, rf::Item{name_of("i", i)});
    rf::Split split;
    split.kind = "manual";
    uint64_t x = 12345;
    for (int u = 0; u < 200; ++u) {
      rf::dataset_add_user(ds, rf::User{name_of("u", u), ""});
      rf::UserSplit s;
      for (int n = 0; n < 15; ++n) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        s.train.push_back(static_cast<int32_t>((x >> 33) % 300));
      }
      split.users.push_back(s);
    }
    rf::FitData d;
    d.ds = &ds;
    d.split = &split;
    rf::ItemKnnRecommender one(20, 2.0, 1), four(20, 2.0, 4);
    one.fit(d);
    four.fit(d);
    for (int32_t i = 0; i < 300; ++i) {
      const auto a = one.neighbours(i), b = four.neighbours(i);
      QCOMPARE(a.size(), b.size());
      for (size_t n = 0; n < a.size(); ++n) {
        QCOMPARE(a[n].item, b[n].item);
        QCOMPARE(a[n].sim, b[n].sim);
      }
    }
  }

  void rating_means_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<double>("damping");
    QTest::addColumn<int>("user");
    QTest::addColumn<int>("item");
    QTest::addColumn<double>("expected");
    // Ratings 5, 3, 4, 2, 1: global mean 15 / 5 = 3.
    QTest::newRow("global") << "global-mean" << 0.0 << 0 << 0 << 3.0;
    QTest::newRow("user u0: (5 + 3) / 2") << "user-mean" << 0.0 << 0 << 3 << 4.0;
    QTest::newRow("user u2: (2 + 1) / 2") << "user-mean" << 0.0 << 2 << 0 << 1.5;
    QTest::newRow("user without ratings -> global") << "user-mean" << 0.0 << 3 << 0 << 3.0;
    QTest::newRow("unknown user index -> global") << "user-mean" << 0.0 << 99 << 0 << 3.0;
    QTest::newRow("item i0: (5 + 4) / 2") << "item-mean" << 0.0 << 3 << 0 << 4.5;
    QTest::newRow("item i2: 1") << "item-mean" << 0.0 << 0 << 2 << 1.0;
    QTest::newRow("item never rated -> global") << "item-mean" << 0.0 << 0 << 3 << 3.0;
    // Damping 2: (Σ + 2·3) / (n + 2).
    QTest::newRow("damped user u0: (8 + 6) / 4") << "user-mean" << 2.0 << 0 << 0 << 3.5;
    QTest::newRow("damped user u1: (4 + 6) / 3") << "user-mean" << 2.0 << 1 << 0 << 10.0 / 3.0;
    QTest::newRow("damped item i2: (1 + 6) / 3") << "item-mean" << 2.0 << 0 << 2 << 7.0 / 3.0;
  }
  void rating_means() {
    QFETCH(QString, model);
    QFETCH(double, damping);
    QFETCH(int, user);
    QFETCH(int, item);
    QFETCH(double, expected);
    const rf::Dataset ds = rated();
    auto p = rf::rating_predictor_create(model.toStdString(), {{"damping", damping}});
    QCOMPARE(QString::fromStdString(p->name()), model);
    p->fit(ds, {0, 1, 2, 3, 4}, 0);
    QVERIFY2(std::abs(p->predict(user, item) - expected) < 1e-9, qPrintable(QString::number(p->predict(user, item))));
  }

  void rating_mean_errors() {
    rf::Dataset ds = rated();
    auto p = rf::rating_predictor_create("user-mean");
    QVERIFY_THROWS_EXCEPTION(rf::Error, p->predict(0, 0));  // before fit
    QVERIFY_THROWS_EXCEPTION(rf::Error, p->fit(ds, {}, 0));  // nothing to fit
    QVERIFY_THROWS_EXCEPTION(rf::Error, p->fit(ds, {7}, 0));  // no such interaction
    ds.interactions[1].rating = NAN;
    QVERIFY_THROWS_EXCEPTION(rf::Error, p->fit(ds, {0, 1}, 0));  // unrated
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::rating_predictor_create("item-mean", {{"damping", -1}}));
  }

  void factory_names_and_errors() {
    for (const auto& name : {"pop", "itemknn"}) QCOMPARE(rf::recommender_create(name)->name(), std::string(name));
    for (const auto& name : {"global-mean", "user-mean", "item-mean"})
      QCOMPARE(rf::rating_predictor_create(name)->name(), std::string(name));
    try {
      rf::recommender_create("knn");
      QFAIL("no error for an unknown recommender");
    } catch (const rf::Error& e) {
      const std::string m = e.what();
      QVERIFY2(m.find("knn") != std::string::npos && m.find("pop, itemknn, bpr, sasrec") != std::string::npos, e.what());
    }
    try {
      rf::rating_predictor_create("median");
      QFAIL("no error for an unknown rating predictor");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("global-mean, user-mean, item-mean, biased-mf") != std::string::npos, e.what());
    }
    try {
      rf::recommender_create("itemknn", {{"neighbours", 5}});
      QFAIL("no error for an unknown parameter");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("'neighbours'") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::recommender_create("itemknn", {{"k", 0}}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::recommender_create("itemknn", {{"k", "ten"}}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::recommender_create("itemknn", {{"shrink", -1}}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::recommender_create("pop", {{"k", 1}}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::recommender_create("pop", nlohmann::json::array()));
  }

  void fit_checks_its_data() {
    Tiny t = tiny();
    auto model = rf::recommender_create("itemknn");
    rf::FitData none;
    QVERIFY_THROWS_EXCEPTION(rf::Error, model->fit(none));
    QVERIFY_THROWS_EXCEPTION(rf::Error, score_one(*model, {}));  // before fit
    t.split.users[2].train.push_back(9);  // not a catalogue item
    QVERIFY_THROWS_EXCEPTION(rf::Error, model->fit(fit_data(t)));
    t.split.users.pop_back();  // split of another dataset
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::recommender_create("pop")->fit(fit_data(t)));
  }
};

RF_TEST_SUITE(TestBaselinesClassic);
#include "test_baselines_classic.moc"
