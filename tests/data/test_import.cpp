// Importers on real data (tests/fixtures/data: copies of /work/shared/data) and on small hand-written
// fixtures for each format. Counts are the ones the data README states; other expected values were read
// off the raw files by hand (or, where noted, counted with Python's csv module, independently of this code).
#include "data/importer.h"
#include "support/fixtures.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>

using rf::test::fixture_path;

namespace {

using Strings = std::vector<std::string>;

rf::Dataset import_fixture(const std::string& rel, const std::string& format = "auto", const std::string& meta = "") {
  rf::ImportOptions o;
  o.format = format;
  if (!meta.empty()) o.meta_path = fixture_path(meta);
  return rf::data_import(fixture_path(rel), o);
}

const rf::Item& item_of(const rf::Dataset& ds, const std::string& id) {
  const int32_t i = ds.item_find(id);
  if (i < 0) throw rf::Error("test: no item '" + id + "'");
  return ds.items[static_cast<size_t>(i)];
}

// The user's (item id, time, rating) triples in time order.
struct Event {
  std::string item;
  int64_t time;
  float rating;
};
std::vector<Event> history_of(const rf::Dataset& ds, const std::string& user) {
  const int32_t u = ds.user_find(user);
  if (u < 0) throw rf::Error("test: no user '" + user + "'");
  std::vector<Event> out;
  const auto histories = rf::dataset_user_histories(ds);
  for (int32_t i : histories[static_cast<size_t>(u)]) {
    const auto& x = ds.interactions[static_cast<size_t>(i)];
    out.push_back({ds.items[static_cast<size_t>(x.item)].id, x.time, x.rating});
  }
  return out;
}

Strings item_ids(const std::vector<Event>& h) {
  Strings out;
  for (const auto& e : h) out.push_back(e.item);
  return out;
}

void write_file(const QString& path, const std::string& bytes) {
  std::ofstream(path.toStdString(), std::ios::binary) << bytes;
}

}  // namespace

class TestImport : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // --- real data ---------------------------------------------------------------------------------------
  void ml_latest_small_counts() {
    const rf::Dataset ds = import_fixture("data/ml-latest-small");
    QCOMPARE(ds.name, std::string("ml-latest-small"));
    QVERIFY(ds.source.rfind("movielens-latest:", 0) == 0);
    QCOMPARE(ds.interactions.size(), size_t(100836));
    QCOMPARE(ds.users.size(), size_t(610));
    QCOMPARE(ds.items.size(), size_t(9742));
    QCOMPARE(std::count_if(ds.items.begin(), ds.items.end(), [](const rf::Item& i) { return i.popularity > 0; }), 9724L);
    // tags.csv has 3,683 rows: 3,579 distinct (movie, tag) pairs, 3,574 when case is ignored (Python csv count).
    size_t tags = 0;
    for (const auto& i : ds.items) tags += i.tags.size();
    QCOMPARE(tags, size_t(3574));
    for (const auto& x : ds.interactions) {
      QVERIFY(x.rating >= 0.5f && x.rating <= 5.0f);
      QCOMPARE(std::fmod(x.rating * 2.0f, 1.0f), 0.0f);  // half stars
    }
  }

  void ml_latest_small_values() {
    const rf::Dataset ds = import_fixture("data/ml-latest-small");
    // ratings.csv line 2 and the last line.
    const rf::Interaction& first = ds.interactions.front();
    QCOMPARE(ds.users[static_cast<size_t>(first.user)].id, std::string("1"));
    QCOMPARE(ds.items[static_cast<size_t>(first.item)].id, std::string("1"));
    QCOMPARE(first.rating, 4.0f);
    QCOMPARE(first.time, int64_t(964982703));
    const rf::Interaction& last = ds.interactions.back();
    QCOMPARE(ds.users[static_cast<size_t>(last.user)].id, std::string("610"));
    QCOMPARE(ds.items[static_cast<size_t>(last.item)].id, std::string("170875"));
    QCOMPARE(last.rating, 3.0f);
    QCOMPARE(last.time, int64_t(1493846415));
    // A quoted title with a comma, its genre list and year.
    const rf::Item& president = item_of(ds, "11");
    QCOMPARE(president.title, std::string("American President, The (1995)"));
    QCOMPARE(president.categories, (Strings{"Comedy", "Drama", "Romance"}));
    QCOMPARE(president.attributes.at("year"), std::string("1995"));
    QCOMPARE(item_of(ds, "1").categories, (Strings{"Adventure", "Animation", "Children", "Comedy", "Fantasy"}));
    // Doubled quotes inside a quoted title (movies.csv line 5021).
    QCOMPARE(item_of(ds, "7789").title, std::string("11'09\"01 - September 11 (2002)"));
    QCOMPARE(item_of(ds, "114335").categories, Strings{});  // "(no genres listed)"
    QCOMPARE(item_of(ds, "114335").attributes.at("year"), std::string("1957"));
    QVERIFY(item_of(ds, "40697").attributes.count("year") == 0);  // "Babylon 5"
    // Tags: first spelling kept, case-insensitive duplicates dropped (tags.csv lines 17, 18, 2056).
    QCOMPARE(item_of(ds, "5995").tags, (Strings{"holocaust", "true story"}));
    QCOMPARE(item_of(ds, "60756").tags, (Strings{"funny", "Highly quotable", "will ferrell", "comedy"}));
    QCOMPARE(item_of(ds, "1").popularity, 215.0);
  }

  void beauty_sequences() {
    const rf::Dataset ds = import_fixture("data/amazon-beauty-5core");
    QVERIFY(ds.source.rfind("sequence:", 0) == 0);
    QCOMPARE(ds.users.size(), size_t(22363));
    QCOMPARE(ds.items.size(), size_t(12101));
    QCOMPARE(ds.interactions.size(), size_t(198502));
    const auto histories = rf::dataset_user_histories(ds);
    for (const auto& h : histories) QVERIFY(h.size() >= 5);
    for (size_t i = 0; i < ds.items.size(); ++i) QCOMPARE(ds.items[i].id, std::to_string(i + 1));  // items.jsonl order
    const rf::Item& opi = item_of(ds, "1");
    QCOMPARE(opi.title, std::string("OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce"));
    QCOMPARE(opi.attributes.at("asin"), std::string("B004756YJA"));
    QCOMPARE(opi.categories, (Strings{"attr:173", "attr:1", "attr:162", "attr:171"}));
    QCOMPARE(std::count_if(ds.items.begin(), ds.items.end(), [](const rf::Item& i) { return i.title.empty(); }), 7L);
    const auto first = history_of(ds, "1");
    QCOMPARE(item_ids(first), (Strings{"1", "2", "3", "4", "5"}));
    for (size_t k = 0; k < first.size(); ++k) {
      QCOMPARE(first[k].time, int64_t(k));  // time = position
      QVERIFY(std::isnan(first[k].rating));
    }
    QCOMPARE(item_ids(history_of(ds, "22363")), (Strings{"6466", "9744", "3025", "10607", "10487"}));
  }

  void esci_sample() {
    const rf::Dataset ds = import_fixture("data/esci-sample");
    QVERIFY(ds.source.rfind("esci:", 0) == 0);
    QCOMPARE(ds.interactions.size(), size_t(200));
    QCOMPARE(ds.users.size(), size_t(200));
    QCOMPARE(ds.items.size(), size_t(200));
    std::map<std::string, int> labels;
    for (size_t i = 0; i < ds.interactions.size(); ++i) {
      const auto& x = ds.interactions[i];
      ++labels[x.label];
      QCOMPARE(x.time, int64_t(i));
      const float expected = x.label == "E" ? 3.f : x.label == "S" ? 2.f : x.label == "C" ? 1.f : 0.f;
      QCOMPARE(x.rating, expected);
    }
    QCOMPARE(labels, (std::map<std::string, int>{{"E", 138}, {"S", 49}, {"I", 12}, {"C", 1}}));
    // The first row: query 65329 "mama koala", product B01LVWQY6K, Exact.
    QCOMPARE(ds.users[0].id, std::string("65329"));
    QCOMPARE(ds.users[0].profile, std::string("mama koala"));
    const rf::Item& koala = item_of(ds, "B01LVWQY6K");
    QCOMPARE(koala.title, std::string("Mama Koala One Size Baby Washable Reusable Pocket Cloth Diapers, 6 Pack with 6 One "
                                      "Size Microfiber Inserts (Jagger)"));
    QCOMPARE(koala.creator, std::string("Mama Koala"));
    QCOMPARE(koala.attributes.at("color"), std::string("Jagger"));
    QCOMPARE(koala.attributes.at("locale"), std::string("us"));
    QVERIFY2(koala.text.rfind("Product Details\nMama Koala cloth diaper is a one-size pocket diaper", 0) == 0, koala.text.c_str());
    QVERIFY(koala.text.find("\nNO LEAKS - Waterproof and breathable TPU outer") != std::string::npos);  // bullets
    QCOMPARE(ds.interactions[0].label, std::string("E"));
    // HTML removed, entities decoded (esci_sample.csv lines 509 and 1440).
    for (const auto& item : ds.items) {
      QVERIFY2(item.text.find("<br") == std::string::npos && item.text.find("<p>") == std::string::npos, item.id.c_str());
      QVERIFY2(item.text.find("&amp;") == std::string::npos && item.text.find("&nbsp;") == std::string::npos, item.id.c_str());
    }
    QVERIFY(item_of(ds, "B07Q5WRQYM").text.find("OFFICIAL TRADEMARKED ALIVELY® DESIGN") != std::string::npos);
  }

  // --- hand-written fixtures ---------------------------------------------------------------------------
  void movielens_100k() {
    const rf::Dataset ds = import_fixture("data/movielens-100k-mini");
    QVERIFY(ds.source.rfind("movielens-100k:", 0) == 0);
    QCOMPARE(ds.items.size(), size_t(5));
    QCOMPARE(ds.users.size(), size_t(3));
    QCOMPARE(ds.interactions.size(), size_t(6));
    QCOMPARE(item_of(ds, "3").title, std::string("Misérables, Les (1995)"));  // latin-1 0xE9 -> UTF-8
    QCOMPARE(item_of(ds, "3").categories, (Strings{"Drama", "War"}));
    QCOMPARE(item_of(ds, "1").categories, (Strings{"Animation", "Children's", "Comedy"}));
    QCOMPARE(item_of(ds, "1").attributes.at("year"), std::string("1995"));
    QCOMPARE(item_of(ds, "1").attributes.at("release_date"), std::string("01-Jan-1995"));
    QCOMPARE(item_of(ds, "4").title, std::string("unknown"));
    QCOMPARE(item_of(ds, "4").categories, Strings{"unknown"});
    QCOMPARE(item_of(ds, "5").popularity, 0.0);  // a catalogue item nobody rated
    QCOMPARE(item_of(ds, "1").popularity, 2.0);
    QCOMPARE(ds.users[0].profile, std::string("age 24, gender M, occupation technician, zip code 85711"));
    const auto h = history_of(ds, "1");
    QCOMPARE(item_ids(h), (Strings{"1", "2", "3"}));  // 874965758 < 876893171 < 878542960 (u.data lines 1, 2, 6)
    QCOMPARE(h[0].rating, 5.0f);
    QCOMPARE(h[0].time, int64_t(874965758));
  }

  void movielens_1m() {
    const rf::Dataset ds = import_fixture("data/movielens-1m-mini");
    QVERIFY(ds.source.rfind("movielens-1m:", 0) == 0);
    QCOMPARE(ds.items.size(), size_t(3));
    QCOMPARE(ds.users.size(), size_t(2));
    QCOMPARE(ds.interactions.size(), size_t(4));
    QCOMPARE(item_of(ds, "73").title, std::string("Misérables, Les (1995)"));
    QCOMPARE(item_of(ds, "73").categories, (Strings{"Drama", "Musical"}));
    QCOMPARE(item_of(ds, "2").categories, (Strings{"Adventure", "Children's", "Fantasy"}));
    QCOMPARE(ds.users[0].profile, std::string("gender F, age under 18, occupation K-12 student, zip code 48067"));
    QCOMPARE(ds.users[1].profile, std::string("gender M, age 56+, occupation self-employed, zip code 70072"));
    const auto h = history_of(ds, "2");
    QCOMPARE(item_ids(h), (Strings{"2", "1"}));
    QCOMPARE(h[1].rating, 3.0f);
    QCOMPARE(h[1].time, int64_t(978299026));
  }

  void amazon_2014() {
    const rf::Dataset ds = import_fixture("data/amazon-2014-mini");
    QVERIFY(ds.source.rfind("amazon:", 0) == 0);
    // Metadata items in file order, then the reviewed item missing from it.
    QCOMPARE(ds.items.size(), size_t(4));
    QCOMPARE(ds.items[0].id, std::string("B001"));
    QCOMPARE(ds.items[3].id, std::string("B009"));
    QCOMPARE(ds.items[3].title, std::string());
    QCOMPARE(item_of(ds, "B003").popularity, 0.0);
    const rf::Item& lotion = item_of(ds, "B001");
    QCOMPARE(lotion.title, std::string("Silky Lotion"));
    QCOMPARE(lotion.categories, (Strings{"Beauty", "Skin Care", "Body", "Fragrance"}));  // lists of lists, deduplicated
    QCOMPARE(lotion.creator, std::string("Acme"));
    QCOMPARE(lotion.text, std::string("A light lotion."));
    QCOMPARE(lotion.attributes.at("price"), std::string("12.5"));
    QCOMPARE(ds.users.size(), size_t(3));
    const auto h = history_of(ds, "A1");
    QCOMPARE(item_ids(h), (Strings{"B001", "B002"}));
    QCOMPARE(h[0].rating, 5.0f);
    QCOMPARE(h[0].time, int64_t(1365811200));
    QCOMPARE(ds.interactions[2].review, std::string("Ünïcödé review ✓"));
    QCOMPARE(ds.interactions[0].review, std::string("Great lotion, smells nice."));
  }

  void amazon_2018() {
    const rf::Dataset ds = import_fixture("data/amazon-2018-mini/Beauty_5_mini.json", "amazon",
                                          "data/amazon-2018-mini/meta_Beauty_mini.json");
    QCOMPARE(ds.items.size(), size_t(2));  // the repeated C001 line is skipped
    const rf::Item& shampoo = item_of(ds, "C001");
    QCOMPARE(shampoo.title, std::string("Daily Shampoo"));
    QCOMPARE(shampoo.categories, (Strings{"All Beauty", "Hair Care"}));
    QCOMPARE(shampoo.text, std::string("Shampoo for all hair.\nSulfate free.\n12 oz"));
    QCOMPARE(shampoo.creator, std::string("HairCo"));
    QCOMPARE(shampoo.attributes.at("main_category"), std::string("All Beauty"));
    QCOMPARE(shampoo.attributes.at("price"), std::string("$8.99"));
    QVERIFY(item_of(ds, "C002").attributes.count("price") == 0);  // "" is no price
    QCOMPARE(ds.interactions.size(), size_t(3));
    QCOMPARE(ds.interactions[1].rating, 2.0f);
    QCOMPARE(ds.interactions[1].time, int64_t(1472774400));
    QCOMPARE(ds.interactions[2].review, std::string());  // no reviewText key
  }

  void amazon_2023() {
    const rf::Dataset ds = import_fixture("data/amazon-2023-mini");
    QCOMPARE(ds.items.size(), size_t(4));
    QCOMPARE(ds.items[0].id, std::string("B01CUPMQZE"));
    const rf::Item& spray = item_of(ds, "B00YQ6X8EO");
    QCOMPARE(spray.title, std::string("Lovely Scent Spray"));
    QCOMPARE(spray.creator, std::string("ScentCo"));  // store
    QCOMPARE(spray.categories, (Strings{"Beauty & Personal Care", "Fragrance"}));
    QCOMPARE(spray.text, std::string("A spray.\nLong lasting"));
    QCOMPARE(spray.attributes.at("price"), std::string("19.99"));
    QVERIFY(item_of(ds, "B01CUPMQZE").attributes.count("price") == 0);  // null
    // parent_asin wins over asin; the item is only in the reviews, so its title is empty.
    QVERIFY(ds.item_find("B081TJ8YS3") < 0);
    QCOMPARE(item_of(ds, "B08BBQ29N5").title, std::string());
    const auto h = history_of(ds, "AGKHLEW2SOWHNMFQIJGBECAF7INQ");
    QCOMPARE(item_ids(h), (Strings{"B08BBQ29N5", "B00YQ6X8EO"}));
    QCOMPARE(h[0].time, int64_t(1588615855));  // milliseconds -> seconds
    QCOMPARE(h[1].time, int64_t(1588687728));
    QCOMPARE(h[1].rating, 5.0f);
    QCOMPARE(ds.interactions[0].review, std::string("This spray is really nice."));
  }

  void generic_jsonl_items() {
    const rf::Dataset ds = import_fixture("data/generic-mini");
    QVERIFY(ds.source.rfind("generic:", 0) == 0);
    QCOMPARE(ds.items.size(), size_t(4));
    QCOMPARE(ds.users.size(), size_t(3));
    QCOMPARE(ds.interactions.size(), size_t(4));
    const rf::Item& cafe = item_of(ds, "m1");
    QCOMPARE(cafe.title, std::string("Café au lait"));
    QCOMPARE(cafe.categories, (Strings{"drinks", "french"}));
    QCOMPARE(cafe.tags, Strings{"warm"});
    QCOMPARE(cafe.creator, std::string("Chez Nous"));
    QCOMPARE(cafe.text, std::string("Coffee with milk."));
    QCOMPARE(cafe.attributes, (std::map<std::string, std::string>{{"price", "3.5"}, {"year", "1990"}}));
    QCOMPARE(item_of(ds, "m3").title, std::string("日本のお茶"));
    QCOMPARE(item_of(ds, "m3").attributes.at("topic"), std::string("tea"));  // extra keys kept
    QCOMPARE(item_of(ds, "4").title, std::string("Unseen item"));               // integer id
    QCOMPARE(ds.users[2].profile, std::string("no interactions yet"));
    const auto& x = ds.interactions;
    QCOMPARE(x[0].review, std::string("Lovely, warm \"and\" sweet"));
    QCOMPARE(x[0].rating, 4.5f);
    QVERIFY(std::isnan(x[1].rating));
    QCOMPARE(x[1].review, std::string("two\nlines"));
    QCOMPARE(x[2].label, std::string("click"));
    QCOMPARE(x[3].time, int64_t(1600000300));
  }

  void generic_csv_items() {
    const rf::Dataset ds = import_fixture("data/generic-csv-mini");
    QCOMPARE(ds.items.size(), size_t(2));
    QCOMPARE(ds.users.size(), size_t(2));  // no users table: made from the interactions
    const rf::Item& dune = item_of(ds, "b1");
    QCOMPARE(dune.title, std::string("Dune, Deluxe"));
    QCOMPARE(dune.categories, (Strings{"sci-fi", "classic"}));
    QCOMPARE(dune.tags, (Strings{"desert", "spice"}));
    QCOMPARE(dune.creator, std::string("Frank Herbert"));
    QCOMPARE(dune.attributes.at("price"), std::string("9.99"));
    QVERIFY(item_of(ds, "b2").attributes.empty());
    QCOMPARE(ds.interactions[0].rating, 5.0f);
    QVERIFY(std::isnan(ds.interactions[1].rating));
    QCOMPARE(ds.interactions[1].label, std::string("E"));
    QCOMPARE(ds.interactions[2].time, int64_t(12));
  }

  void sequence_with_item_table() {
    const rf::Dataset ds = import_fixture("data/sequence-mini");
    QCOMPARE(ds.items.size(), size_t(4));
    QCOMPARE(item_of(ds, "i4").popularity, 0.0);  // in the table, never interacted: kept
    QCOMPARE(item_of(ds, "i1").categories, (Strings{"attr:3", "attr:1"}));
    QCOMPARE(item_of(ds, "i1").attributes.at("asin"), std::string("A1"));
    QCOMPARE(item_ids(history_of(ds, "u1")), (Strings{"i1", "i2", "i3"}));
    QCOMPARE(history_of(ds, "u2")[1].time, int64_t(1));
  }

  void sequence_without_item_table() {
    QTemporaryDir dir;
    write_file(dir.filePath("s.txt"), "7 30 10\n8 10 20 30\n\n9 20\n");
    const rf::Dataset ds = rf::data_import(dir.filePath("s.txt").toStdString(), rf::ImportOptions{"sequence", "", ""});
    QCOMPARE(ds.items.size(), size_t(3));
    QCOMPARE(ds.items[0].id, std::string("30"));  // first appearance order
    QCOMPARE(ds.items[1].id, std::string("10"));
    QCOMPARE(ds.users.size(), size_t(3));
    QCOMPARE(ds.interactions.size(), size_t(6));
    QCOMPARE(ds.name, dir.path().section('/', -1).toStdString());  // named after the folder
  }

  void sequence_with_item2attributes() {
    QTemporaryDir dir;
    write_file(dir.filePath("Toys.txt"), "1 2 1\n2 10\n");
    write_file(dir.filePath("Toys_item2attributes.json"), "{\"10\": [5], \"2\": [7, 8], \"1\": []}");
    const rf::Dataset ds = rf::data_import(dir.path().toStdString(), rf::ImportOptions{"auto", "toys", ""});
    QCOMPARE(ds.name, std::string("toys"));
    QCOMPARE(ds.items.size(), size_t(3));
    QCOMPARE(ds.items[0].id, std::string("1"));  // numeric id order, not the JSON's
    QCOMPARE(ds.items[2].id, std::string("10"));
    QCOMPARE(item_of(ds, "2").categories, (Strings{"attr:7", "attr:8"}));
  }

  void detect_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("format");
    QTest::newRow("ml-latest folder") << "data/ml-latest-small" << "movielens-latest";
    QTest::newRow("ml-latest ratings.csv") << "data/ml-latest-small/ratings.csv" << "movielens-latest";
    QTest::newRow("100k") << "data/movielens-100k-mini" << "movielens-100k";
    QTest::newRow("1m") << "data/movielens-1m-mini" << "movielens-1m";
    QTest::newRow("beauty folder") << "data/amazon-beauty-5core" << "sequence";
    QTest::newRow("beauty file") << "data/amazon-beauty-5core/Beauty.txt" << "sequence";
    QTest::newRow("esci folder") << "data/esci-sample" << "esci";
    QTest::newRow("esci file") << "data/esci-sample/esci_sample.csv" << "esci";
    QTest::newRow("amazon 2014 folder") << "data/amazon-2014-mini" << "amazon";
    QTest::newRow("amazon 2023 file") << "data/amazon-2023-mini/All_Beauty_mini.jsonl" << "amazon";
    QTest::newRow("generic") << "data/generic-mini" << "generic";
    QTest::newRow("generic csv items") << "data/generic-csv-mini" << "generic";
  }
  void detect() {
    QFETCH(QString, path);
    QFETCH(QString, format);
    QCOMPARE(QString::fromStdString(rf::data_detect_format(fixture_path(path.toStdString()))), format);
  }

  void detect_unknown_names_what_it_looked_for() {
    QTemporaryDir dir;
    write_file(dir.filePath("notes.md"), "hello\n");
    try {
      rf::data_detect_format(dir.path().toStdString());
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      const QString msg = e.what();
      QVERIFY2(msg.contains("u.data") && msg.contains("interactions.csv") && msg.contains("--format"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::data_import("/nonexistent/data", rf::ImportOptions{}));
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::data_import(fixture_path("data/generic-mini"), rf::ImportOptions{"csv-ish", "", ""}));
  }
};

RF_TEST_SUITE(TestImport);
#include "test_import.moc"
