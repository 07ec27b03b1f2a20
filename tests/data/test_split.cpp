// Tests for splits and candidate pools (core/data/split.h): leave-last-out on a hand-built data set with
// short users and ties in time, temporal boundaries, and pools checked for size, targets, exclusions,
// reproducibility (per user, whatever the processing order), seeds, popularity weighting against the
// exact probabilities, and errors when a pool cannot be filled.
#include "data/split.h"
#include "support/suite_registry.h"
#include "support/test_names.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <set>

namespace {

using rf::test::name_of;

using Items = std::vector<int32_t>;

rf::Dataset catalogue(int n_items) {
  rf::Dataset ds;
  ds.name = "split-test";
  for (int i = 0; i < n_items; ++i) rf::dataset_add_item(ds, rf::Item{name_of("i", i)});
  return ds;
}

void add(rf::Dataset& ds, const std::string& user, int32_t item, int64_t time) {
  rf::Interaction x;
  x.user = rf::dataset_user_get_or_add(ds, user);
  x.item = item;
  x.time = time;
  ds.interactions.push_back(x);
}

// Users a (4 items, given out of time order), b (1 item), c (2 items), d (3 items at the same time:
// source order decides), e (exactly 3 items), and items at the temporal boundaries 25 and 35.
rf::Dataset hand_built() {
  rf::Dataset ds = catalogue(10);
  add(ds, "a", 3, 40);
  add(ds, "b", 7, 15);
  add(ds, "a", 0, 10);
  add(ds, "d", 4, 5);
  add(ds, "c", 8, 50);
  add(ds, "a", 2, 30);
  add(ds, "d", 5, 5);
  add(ds, "c", 9, 45);
  add(ds, "a", 1, 20);
  add(ds, "d", 6, 5);
  add(ds, "e", 1, 25);
  add(ds, "e", 2, 35);
  add(ds, "e", 0, 24);
  return ds;
}

bool has_duplicates(Items v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) != v.end();
}

// Catalogue of 100 items; items 0..9 are each used by 50 filler users, items 10..99 by one each. The last
// user ("probe") has no interactions.
rf::Dataset skewed() {
  rf::Dataset ds = catalogue(100);
  int64_t t = 0;
  for (int u = 0; u < 50; ++u)
    for (int i = 0; i < 10; ++i) add(ds, name_of("f", u), i, ++t);
  for (int i = 10; i < 100; ++i) add(ds, name_of("g", i), i, ++t);
  rf::dataset_user_get_or_add(ds, "probe");
  return ds;
}

}  // namespace

class TestSplit : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void leave_last_out() {
    const rf::Dataset ds = hand_built();
    const rf::Split s = rf::split_leave_last_out(ds);
    QCOMPARE(s.kind, std::string("leave-last-out"));
    QCOMPARE(s.users.size(), size_t(5));
    const auto& a = s.users[static_cast<size_t>(ds.user_find("a"))];
    QCOMPARE(a.train, (Items{0, 1}));
    QCOMPARE(a.valid, (Items{2}));
    QCOMPARE(a.test, (Items{3}));
    // Fewer than 3 interactions: everything stays in train, in time order.
    const auto& b = s.users[static_cast<size_t>(ds.user_find("b"))];
    QCOMPARE(b.train, (Items{7}));
    QVERIFY(b.valid.empty() && b.test.empty());
    const auto& c = s.users[static_cast<size_t>(ds.user_find("c"))];
    QCOMPARE(c.train, (Items{9, 8}));
    QVERIFY(c.valid.empty() && c.test.empty());
    // Ties in time keep the source order.
    const auto& d = s.users[static_cast<size_t>(ds.user_find("d"))];
    QCOMPARE(d.train, (Items{4}));
    QCOMPARE(d.valid, (Items{5}));
    QCOMPARE(d.test, (Items{6}));
    const auto& e = s.users[static_cast<size_t>(ds.user_find("e"))];
    QCOMPARE(e.train, (Items{0}));
    QCOMPARE(e.valid, (Items{1}));
    QCOMPARE(e.test, (Items{2}));
  }

  void temporal_boundaries() {
    const rf::Dataset ds = hand_built();
    // time < 25 train, 25 <= time < 35 valid, time >= 35 test.
    const rf::Split s = rf::split_temporal(ds, 25, 35);
    QCOMPARE(s.kind, std::string("temporal"));
    const auto& a = s.users[static_cast<size_t>(ds.user_find("a"))];
    QCOMPARE(a.train, (Items{0, 1}));
    QCOMPARE(a.valid, (Items{2}));
    QCOMPARE(a.test, (Items{3}));
    const auto& e = s.users[static_cast<size_t>(ds.user_find("e"))];  // times 24, 25, 35
    QCOMPARE(e.train, (Items{0}));
    QCOMPARE(e.valid, (Items{1}));
    QCOMPARE(e.test, (Items{2}));
    const auto& c = s.users[static_cast<size_t>(ds.user_find("c"))];  // 45, 50: all test, in time order
    QVERIFY(c.train.empty() && c.valid.empty());
    QCOMPARE(c.test, (Items{9, 8}));
    const auto& d = s.users[static_cast<size_t>(ds.user_find("d"))];
    QCOMPARE(d.train, (Items{4, 5, 6}));
    // No validation window when both cut-offs are equal.
    const rf::Split s2 = rf::split_temporal(ds, 30, 30);
    QCOMPARE(s2.users[static_cast<size_t>(ds.user_find("a"))].valid, Items{});
    QCOMPARE(s2.users[static_cast<size_t>(ds.user_find("a"))].test, (Items{2, 3}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::split_temporal(ds, 36, 35));
  }

  void bad_interaction_is_an_error() {
    rf::Dataset ds = hand_built();
    ds.interactions[3].item = 10;  // outside the 10-item catalogue
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::split_leave_last_out(ds));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::split_temporal(ds, 0, 1));
  }

  void pool_shape_data() {
    QTest::addColumn<bool>("popularity");
    QTest::addColumn<int>("pool_size");
    QTest::newRow("uniform sparse") << false << 20;
    QTest::newRow("uniform dense") << false << 80;
    QTest::newRow("popularity") << true << 20;
    QTest::newRow("popularity all allowed") << true << 89;
  }
  void pool_shape() {
    QFETCH(bool, popularity);
    QFETCH(int, pool_size);
    const rf::Dataset ds = skewed();
    const int32_t user = ds.user_find("f3");
    const Items user_items = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const Items targets = {42, 17};
    rf::CandidateOptions o;
    o.pool_size = pool_size;
    o.sampling = popularity ? rf::NegativeSampling::Popularity : rf::NegativeSampling::Uniform;
    o.seed = 7;
    const Items pool = rf::candidates_sample(ds, user, targets, user_items, o);
    QCOMPARE(static_cast<int>(pool.size()), pool_size);
    QVERIFY(!has_duplicates(pool));
    for (int32_t t : targets) QVERIFY(std::find(pool.begin(), pool.end(), t) != pool.end());
    for (int32_t i : pool) {
      QVERIFY(i >= 0 && i < ds.item_count());
      QVERIFY(std::find(user_items.begin(), user_items.end(), i) == user_items.end());
    }
    // Without shuffling the targets come first, in the given order.
    o.shuffle = false;
    const Items ordered = rf::candidates_sample(ds, user, targets, user_items, o);
    QCOMPARE(Items(ordered.begin(), ordered.begin() + 2), targets);
    // The prebuilt sampler gives the same pools.
    const rf::CandidateSampler sampler = rf::candidates_sampler(ds);
    QCOMPARE(rf::candidates_sample(sampler, user, targets, user_items, o), ordered);
  }

  void pool_takes_every_allowed_item_when_it_must() {
    const rf::Dataset ds = skewed();
    Items user_items;
    for (int i = 0; i < 90; ++i) user_items.push_back(i);  // 90..99 are left; 90 is the target
    for (auto sampling : {rf::NegativeSampling::Uniform, rf::NegativeSampling::Popularity}) {
      rf::CandidateOptions o;
      o.pool_size = 10;
      o.sampling = sampling;
      Items pool = rf::candidates_sample(ds, 0, {90}, user_items, o);
      std::sort(pool.begin(), pool.end());
      QCOMPARE(pool, (Items{90, 91, 92, 93, 94, 95, 96, 97, 98, 99}));
    }
  }

  void zero_popularity_items_fill_the_pool_last() {
    rf::Dataset ds = catalogue(6);
    add(ds, "u", 0, 1);
    add(ds, "v", 1, 1);  // items 2..5 were never seen
    rf::CandidateOptions o;
    o.pool_size = 5;
    o.sampling = rf::NegativeSampling::Popularity;
    Items pool = rf::candidates_sample(ds, 0, {0}, {0}, o);  // needs 1 (popular) + 3 of the 4 unseen
    QCOMPARE(pool.size(), size_t(5));
    QVERIFY(std::find(pool.begin(), pool.end(), 1) != pool.end());
    QVERIFY(!has_duplicates(pool));
  }

  void pools_are_reproducible_per_user() {
    const rf::Dataset ds = skewed();
    const rf::CandidateSampler sampler = rf::candidates_sampler(ds);
    rf::CandidateOptions o;
    o.pool_size = 15;
    o.seed = 123;
    for (auto sampling : {rf::NegativeSampling::Uniform, rf::NegativeSampling::Popularity}) {
      o.sampling = sampling;
      std::vector<Items> forward(static_cast<size_t>(ds.user_count())), backward(forward.size());
      for (int32_t u = 0; u < ds.user_count(); ++u)
        forward[static_cast<size_t>(u)] = rf::candidates_sample(sampler, u, {50}, {}, o);
      for (int32_t u = ds.user_count() - 1; u >= 0; --u)
        backward[static_cast<size_t>(u)] = rf::candidates_sample(sampler, u, {50}, {}, o);
      QCOMPARE(forward, backward);
      // Different users get different pools, and another seed changes them.
      QVERIFY(forward[0] != forward[1]);
      rf::CandidateOptions other = o;
      other.seed = 124;
      int changed = 0;
      for (int32_t u = 0; u < 20; ++u) changed += rf::candidates_sample(sampler, u, {50}, {}, other) != forward[static_cast<size_t>(u)];
      QCOMPARE(changed, 20);
    }
  }

  void popularity_favours_popular_items() {
    const rf::Dataset ds = skewed();
    const rf::CandidateSampler sampler = rf::candidates_sampler(ds);
    const int32_t probe = ds.user_find("probe");
    // Share of the 10 popular items (weight 50 each, 500 of 590) among 10 negatives, over 500 seeds.
    // Uniform: 10/100 expected. Popularity: the first draw alone is popular with probability 500/590.
    for (auto sampling : {rf::NegativeSampling::Uniform, rf::NegativeSampling::Popularity}) {
      rf::CandidateOptions o;
      o.pool_size = 10;
      o.sampling = sampling;
      int popular = 0, total = 0;
      for (uint64_t seed = 0; seed < 500; ++seed) {
        o.seed = seed;
        for (int32_t i : rf::candidates_sample(sampler, probe, {}, {}, o)) {
          popular += i < 10;
          ++total;
        }
      }
      const double share = double(popular) / total;
      if (sampling == rf::NegativeSampling::Uniform) QVERIFY2(share > 0.08 && share < 0.12, qPrintable(QString::number(share)));
      else QVERIFY2(share > 0.6, qPrintable(QString::number(share)));
    }
  }

  void popularity_matches_the_exact_probabilities() {
    // Allowed negatives 0, 1, 2 with weights 1, 2, 3 (items 3..5 are the user's): one negative per pool,
    // so P(i) = w_i / 6. 6000 seeds: the standard error of each share is below 0.007.
    rf::Dataset ds = catalogue(6);
    int64_t t = 0;
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k <= i; ++k) add(ds, name_of("w", i) + "_" + std::to_string(k), i, ++t);
    for (int i = 3; i < 6; ++i) add(ds, "probe", i, ++t);
    const rf::CandidateSampler sampler = rf::candidates_sampler(ds);
    rf::CandidateOptions o;
    o.pool_size = 1;
    o.sampling = rf::NegativeSampling::Popularity;
    std::vector<int> count(3, 0);
    for (uint64_t seed = 0; seed < 6000; ++seed) {
      o.seed = seed;
      const Items pool = rf::candidates_sample(sampler, ds.user_find("probe"), {}, {3, 4, 5}, o);
      QCOMPARE(pool.size(), size_t(1));
      QVERIFY(pool[0] < 3);
      ++count[static_cast<size_t>(pool[0])];
    }
    for (int i = 0; i < 3; ++i) QVERIFY2(std::abs(count[i] / 6000.0 - (i + 1) / 6.0) < 0.03, qPrintable(QString::number(count[i])));
  }

  void impossible_pools_are_errors() {
    const rf::Dataset ds = skewed();
    rf::CandidateOptions o;
    o.pool_size = 100;  // 100 items, the user has one: 98 negatives available for 99 slots
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::candidates_sample(ds, 0, {5}, {3}, o));
    o.pool_size = 99;
    QCOMPARE(rf::candidates_sample(ds, 0, {5}, {3}, o).size(), size_t(99));
    o.pool_size = 1;  // smaller than the targets
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::candidates_sample(ds, 0, {5, 6}, {}, o));
    o.pool_size = 10;
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::candidates_sample(ds, 0, {100}, {}, o));       // target out of range
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::candidates_sample(ds, 0, {5}, {-1}, o));       // user item out of range
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::candidates_sample(ds, ds.user_count(), {5}, {}, o));  // no such user
    try {
      o.pool_size = 100;
      rf::candidates_sample(ds, 0, {5}, {3}, o);
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("98") != std::string::npos, e.what());
    }
  }
};

RF_TEST_SUITE(TestSplit);
#include "test_split.moc"
