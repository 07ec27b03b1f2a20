// Dataset statistics (core/data/dataset_stats.h) on a hand-built data set whose every number is worked
// out in the comments, plus the empty data set, date handling, and the JSON form `data stats --json` prints.
#include "data/dataset_stats.h"
#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <cmath>

namespace {

// Items A {x, y}, B {x}, C {z}, D {} and users u1 (A B C), u2 (A B), u3 (A):
// per user 3, 2, 1; per item 3, 2, 1, 0; 6 interactions in 3 x 4 cells.
rf::Dataset small() {
  rf::Dataset ds;
  ds.name = "small";
  rf::dataset_add_item(ds, rf::Item{"A", "", {"x", "y"}});
  rf::dataset_add_item(ds, rf::Item{"B", "", {"x"}});
  rf::dataset_add_item(ds, rf::Item{"C", "", {"z"}});
  rf::dataset_add_item(ds, rf::Item{"D"});
  auto add = [&](const char* u, int32_t item, int64_t t, float r, const char* label) {
    rf::Interaction x;
    x.user = rf::dataset_user_get_or_add(ds, u);
    x.item = item;
    x.time = t;
    x.rating = r;
    x.label = label;
    ds.interactions.push_back(x);
  };
  add("u1", 0, 100, 5, "E");
  add("u1", 1, 200, 3, "");
  add("u1", 2, 300, 4, "");
  add("u2", 0, 150, 5, "E");
  add("u2", 1, 250, NAN, "");
  add("u3", 0, 120, 1, "I");
  return ds;
}

}  // namespace

class TestDatasetStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void hand_computed() {
    const rf::DatasetStats s = rf::dataset_stats(small());
    QCOMPARE(s.users, int64_t(3));
    QCOMPARE(s.items, int64_t(4));
    QCOMPARE(s.interactions, int64_t(6));
    QCOMPARE(s.items_with_interactions, int64_t(3));
    QCOMPARE(s.users_with_interactions, int64_t(3));
    QCOMPARE(s.sparsity, 0.5);  // 1 - 6 / 12
    // History lengths sorted 1 2 3: q at position q * 2 (linear interpolation).
    QCOMPARE(s.history_length.min, 1.0);
    QCOMPARE(s.history_length.p25, 1.5);
    QCOMPARE(s.history_length.median, 2.0);
    QCOMPARE(s.history_length.p75, 2.5);
    QVERIFY(std::fabs(s.history_length.p90 - 2.8) < 1e-12);
    QCOMPARE(s.history_length.max, 3.0);
    QCOMPARE(s.history_length.mean, 2.0);
    // Item popularity sorted 0 1 2 3: position q * 3.
    QCOMPARE(s.item_popularity.min, 0.0);
    QCOMPARE(s.item_popularity.p25, 0.75);
    QCOMPARE(s.item_popularity.median, 1.5);
    QCOMPARE(s.item_popularity.p75, 2.25);
    QVERIFY(std::fabs(s.item_popularity.p90 - 2.7) < 1e-12);
    QCOMPARE(s.item_popularity.max, 3.0);
    QCOMPARE(s.item_popularity.mean, 1.5);
    // Top 1% and top 10% of 4 items are both 1 item (A, 3 of 6 interactions).
    QCOMPARE(s.top1_share, 0.5);
    QCOMPARE(s.top10_share, 0.5);
    // Gini: sum (2i - n - 1) x_i = -3*0 - 1*1 + 1*2 + 3*3 = 10, over n * total = 24.
    QVERIFY(std::fabs(s.gini - 10.0 / 24.0) < 1e-12);
    // Ratings 5 3 4 5 1 (one NaN): mean 18 / 5.
    QCOMPARE(s.rated, int64_t(5));
    QVERIFY(std::fabs(s.rating_mean - 3.6) < 1e-12);
    using Counts = std::vector<std::pair<double, int64_t>>;
    QCOMPARE(s.rating_counts, (Counts{{1.0, 1}, {3.0, 1}, {4.0, 1}, {5.0, 2}}));
    using Labels = std::vector<std::pair<std::string, int64_t>>;
    QCOMPARE(s.label_counts, (Labels{{"E", 2}, {"I", 1}}));
    // Categories: x on A and B (5 of 6), y on A (3 of 6), z on C (1 of 6).
    QCOMPARE(s.top_categories.size(), size_t(3));
    QCOMPARE(s.top_categories[0].first, std::string("x"));
    QVERIFY(std::fabs(s.top_categories[0].second - 5.0 / 6.0) < 1e-12);
    QCOMPARE(s.top_categories[1].first, std::string("y"));
    QCOMPARE(s.top_categories[1].second, 0.5);
    QCOMPARE(s.top_categories[2].first, std::string("z"));
    QCOMPARE(s.time_min, int64_t(100));
    QCOMPARE(s.time_max, int64_t(300));
    QVERIFY(!s.times_are_unix);  // positions, not dates
  }

  void gini_extremes() {
    QCOMPARE(rf::gini_of({2, 2, 2, 2}), 0.0);
    QCOMPARE(rf::gini_of({0, 0, 0, 8}), 0.75);  // (n - 1) / n: everything on one item
    QCOMPARE(rf::gini_of({}), 0.0);
    QCOMPARE(rf::gini_of({0, 0}), 0.0);
  }

  void empty_dataset() {
    const rf::DatasetStats s = rf::dataset_stats(rf::Dataset{});
    QCOMPARE(s.interactions, int64_t(0));
    QCOMPARE(s.sparsity, 1.0);
    QCOMPARE(s.gini, 0.0);
    QCOMPARE(s.history_length.max, 0.0);
    const nlohmann::json j = rf::dataset_stats_to_json(s);
    QVERIFY(j["ratings"].is_null());
    QVERIFY(j["time"].is_null());
  }

  void dates() {
    rf::Dataset ds = small();
    for (auto& x : ds.interactions) x.time += 1537799250 - 300;  // the last becomes 2018-09-24 14:27:30 UTC
    const rf::DatasetStats s = rf::dataset_stats(ds);
    QVERIFY(s.times_are_unix);
    QCOMPARE(rf::unix_date(s.time_max), std::string("2018-09-24"));
    QCOMPARE(rf::unix_date(0), std::string("1970-01-01"));
    const nlohmann::json j = rf::dataset_stats_to_json(s);
    QCOMPARE(j["time"]["last_date"].get<std::string>(), std::string("2018-09-24"));
    QCOMPARE(j["item_popularity"]["gini"].get<double>(), s.gini);
    QCOMPARE(j["history_length"]["median"].get<double>(), 2.0);
    QCOMPARE(j["ratings"]["count"].get<int64_t>(), int64_t(5));
    QCOMPARE(j["top_categories"][0]["category"].get<std::string>(), std::string("x"));
    QCOMPARE(j["labels"][0]["label"].get<std::string>(), std::string("E"));
  }
};

RF_TEST_SUITE(TestDatasetStats);
#include "test_dataset_stats.moc"
