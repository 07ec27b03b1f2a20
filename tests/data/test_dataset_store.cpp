// Datasets in a project database (core/data/dataset_store.h): a field-by-field round trip (unicode,
// NaN ratings, multi-line reviews, empty strings), real data sets round-tripped whole, listing, replace,
// delete, dataset_open on a project or a source, and atomicity: a save that fails part-way (a duplicate
// item id hit after rows were written) leaves every table exactly as it was.
#include "data/dataset_store.h"
#include "data/importer.h"
#include "store/project.h"
#include "support/fixtures.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <cmath>

using rf::test::fixture_path;

namespace {

rf::Dataset hand_made(const std::string& name) {
  rf::Dataset ds;
  ds.name = name;
  ds.source = "test:hand-made";
  rf::Item a;
  a.id = "a-1";
  a.title = "Crème brûlée — 日本 \"quoted\", with comma";
  a.categories = {"desserts", "französisch"};
  a.tags = {"sweet", "Sweet tooth"};
  a.creator = "Chef Ø";
  a.text = "line one\nline two\ttabbed";
  a.attributes = {{"year", "1999"}, {"price", "3.50"}, {"emoji", "🍮"}};
  rf::dataset_add_item(ds, a);
  rf::dataset_add_item(ds, rf::Item{"b-2"});  // everything else empty
  rf::dataset_add_item(ds, rf::Item{"c-3", "Never seen"});
  rf::dataset_add_user(ds, rf::User{"user é", "likes 🍮"});
  rf::dataset_add_user(ds, rf::User{"u2", ""});
  auto add = [&](int32_t u, int32_t i, int64_t t, float r, std::string review, std::string label) {
    rf::Interaction x;
    x.user = u;
    x.item = i;
    x.time = t;
    x.rating = r;
    x.review = std::move(review);
    x.label = std::move(label);
    ds.interactions.push_back(x);
  };
  add(0, 0, 1600000000, 4.5f, "great,\n\"really\"", "E");
  add(0, 1, -5, NAN, "", "");
  add(1, 0, 1600000000, 0.f, "", "I");
  add(1, 1, int64_t(1) << 40, 1.25f, "ünïcode", "");
  rf::dataset_update_popularity(ds);
  return ds;
}

void compare_datasets(const rf::Dataset& a, const rf::Dataset& b) {
  QCOMPARE(b.name, a.name);
  QCOMPARE(b.source, a.source);
  QCOMPARE(b.items.size(), a.items.size());
  for (size_t i = 0; i < a.items.size(); ++i) {
    QCOMPARE(b.items[i].id, a.items[i].id);
    QCOMPARE(b.items[i].title, a.items[i].title);
    QCOMPARE(b.items[i].categories, a.items[i].categories);
    QCOMPARE(b.items[i].tags, a.items[i].tags);
    QCOMPARE(b.items[i].creator, a.items[i].creator);
    QCOMPARE(b.items[i].text, a.items[i].text);
    QCOMPARE(b.items[i].attributes, a.items[i].attributes);
    QCOMPARE(b.items[i].popularity, a.items[i].popularity);
  }
  QCOMPARE(b.users.size(), a.users.size());
  for (size_t i = 0; i < a.users.size(); ++i) {
    QCOMPARE(b.users[i].id, a.users[i].id);
    QCOMPARE(b.users[i].profile, a.users[i].profile);
  }
  QCOMPARE(b.interactions.size(), a.interactions.size());
  for (size_t i = 0; i < a.interactions.size(); ++i) {
    const auto &x = a.interactions[i], &y = b.interactions[i];
    QCOMPARE(y.user, x.user);
    QCOMPARE(y.item, x.item);
    QCOMPARE(y.time, x.time);
    QCOMPARE(y.has_rating(), x.has_rating());
    if (x.has_rating()) QCOMPARE(y.rating, x.rating);
    QCOMPARE(y.review, x.review);
    QCOMPARE(y.label, x.label);
  }
  // The indices are rebuilt on load.
  for (size_t i = 0; i < a.items.size(); ++i) QCOMPARE(b.item_find(a.items[i].id), int32_t(i));
  for (size_t i = 0; i < a.users.size(); ++i) QCOMPARE(b.user_find(a.users[i].id), int32_t(i));
}

struct RowCounts {
  int64_t datasets, items, users, interactions;
  bool operator==(const RowCounts& o) const {
    return datasets == o.datasets && items == o.items && users == o.users && interactions == o.interactions;
  }
};

RowCounts row_counts(rf::Project& p) {
  auto count = [&](const char* table) {
    auto stmt = p.db->prepare(std::string("SELECT COUNT(*) FROM ") + table);
    stmt.step();
    return stmt.column_int64(0);
  };
  return {count("datasets"), count("items"), count("users"), count("interactions")};
}

}  // namespace

class TestDatasetStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void round_trip_field_by_field() {
    QTemporaryDir dir;
    const rf::Dataset ds = hand_made("hand");
    {
      rf::Project p = rf::project_open(dir.path().toStdString(), true);
      rf::dataset_save(p, ds, false);
    }
    rf::Project p = rf::project_open(dir.path().toStdString(), false);  // reopened: it was committed
    compare_datasets(ds, rf::dataset_load(p, "hand"));
  }

  void round_trip_real_data_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("ml-latest-small") << "data/ml-latest-small";
    QTest::newRow("esci-sample") << "data/esci-sample";
    QTest::newRow("generic-mini") << "data/generic-mini";
    QTest::newRow("amazon-2014-mini") << "data/amazon-2014-mini";
  }
  void round_trip_real_data() {
    QFETCH(QString, path);
    QTemporaryDir dir;
    rf::Project p = rf::project_open(dir.path().toStdString(), true);
    const rf::Dataset ds = rf::data_import(fixture_path(path.toStdString()), rf::ImportOptions{});
    rf::dataset_save(p, ds, false);
    compare_datasets(ds, rf::dataset_load(p, ds.name));
  }

  void list_and_delete() {
    QTemporaryDir dir;
    rf::Project p = rf::project_open(dir.path().toStdString(), true);
    QVERIFY(rf::dataset_list(p).empty());
    rf::dataset_save(p, hand_made("zeta"), false);
    rf::dataset_save(p, hand_made("alpha"), false);
    auto list = rf::dataset_list(p);
    QCOMPARE(list.size(), size_t(2));
    QCOMPARE(list[0].name, std::string("alpha"));  // by name
    QCOMPARE(list[0].items, int64_t(3));
    QCOMPARE(list[0].users, int64_t(2));
    QCOMPARE(list[0].interactions, int64_t(4));
    QCOMPARE(list[0].source, std::string("test:hand-made"));
    QVERIFY2(QRegularExpression("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")
                 .match(QString::fromStdString(list[0].imported_at))
                 .hasMatch(),
             list[0].imported_at.c_str());
    rf::dataset_delete(p, "zeta");
    QCOMPARE(rf::dataset_list(p).size(), size_t(1));
    QCOMPARE(row_counts(p), (RowCounts{1, 3, 2, 4}));  // zeta's rows are gone too
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::dataset_delete(p, "zeta"));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::dataset_load(p, "zeta"));
  }

  void existing_name_needs_replace() {
    QTemporaryDir dir;
    rf::Project p = rf::project_open(dir.path().toStdString(), true);
    rf::dataset_save(p, hand_made("d"), false);
    const RowCounts before = row_counts(p);
    try {
      rf::dataset_save(p, hand_made("d"), false);
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains("already has a dataset named 'd'"), e.what());
    }
    QCOMPARE(row_counts(p), before);
    // With replace, the new content takes the old one's place.
    rf::Dataset v2 = hand_made("d");
    v2.items.resize(2);
    v2.interactions = {v2.interactions[0]};
    rf::dataset_reindex(v2);
    rf::dataset_update_popularity(v2);
    rf::dataset_save(p, v2, true);
    QCOMPARE(row_counts(p), (RowCounts{1, 2, 2, 1}));
    compare_datasets(v2, rf::dataset_load(p, "d"));
  }

  // A save that fails after rows were written (the third item repeats the first's id, which the
  // items_ext_id index rejects) rolls everything back: new datasets and replacements alike.
  void failed_save_leaves_project_unchanged() {
    QTemporaryDir dir;
    rf::Project p = rf::project_open(dir.path().toStdString(), true);
    const rf::Dataset original = hand_made("keep");
    rf::dataset_save(p, original, false);
    const RowCounts before = row_counts(p);
    const auto list_before = rf::dataset_list(p);

    rf::Dataset bad = hand_made("keep");
    bad.items.push_back(bad.items[0]);  // bypasses dataset_add_item's duplicate check on purpose
    try {
      rf::dataset_save(p, bad, true);
      QFAIL("expected the replacing save to fail");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains("UNIQUE"), e.what());
    }
    QCOMPARE(row_counts(p), before);
    compare_datasets(original, rf::dataset_load(p, "keep"));

    bad.name = "new";
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::dataset_save(p, bad, false));
    QCOMPARE(row_counts(p), before);
    const auto list_after = rf::dataset_list(p);
    QCOMPARE(list_after.size(), list_before.size());
    QCOMPARE(list_after[0].name, list_before[0].name);
    QCOMPARE(list_after[0].imported_at, list_before[0].imported_at);

    // Indices out of range are caught before anything is written.
    rf::Dataset broken = hand_made("broken");
    broken.interactions[1].item = 7;
    try {
      rf::dataset_save(p, broken, false);
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains("interaction 1 names user 0 and item 7"), e.what());
    }
    QCOMPARE(row_counts(p), before);
  }

  void open_project_or_source() {
    QTemporaryDir dir;
    const std::string proj = dir.path().toStdString();
    // A source: imported on the fly, named by the caller.
    rf::Dataset from_source = rf::dataset_open(fixture_path("data/generic-mini"), "mine", rf::ImportOptions{});
    QCOMPARE(from_source.name, std::string("mine"));
    QCOMPARE(from_source.interactions.size(), size_t(4));
    {
      rf::Project p = rf::project_open(proj, true);
      QVERIFY_THROWS_EXCEPTION(rf::Error, rf::dataset_open(proj, "", rf::ImportOptions{}));  // no datasets yet
      rf::dataset_save(p, hand_made("one"), false);
    }
    QCOMPARE(rf::dataset_open(proj, "", rf::ImportOptions{}).name, std::string("one"));  // the only one
    {
      rf::Project p = rf::project_open(proj, false);
      rf::dataset_save(p, hand_made("two"), false);
    }
    try {
      rf::dataset_open(proj, "", rf::ImportOptions{});
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains("one, two") && QString(e.what()).contains("--dataset"), e.what());
    }
    QCOMPARE(rf::dataset_open(proj, "two", rf::ImportOptions{}).name, std::string("two"));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::project_open((dir.path() + "/nope").toStdString(), false));
  }
};

RF_TEST_SUITE(TestDatasetStore);
#include "test_dataset_store.moc"
