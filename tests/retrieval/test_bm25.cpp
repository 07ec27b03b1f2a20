// Tests for the BM25 index over SQLite FTS5: scores against BM25 computed by hand (Python, from FTS5's
// formula: idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6, k1 = 1.2, b = 0.75, lengths in tokens),
// the cached-length ranking against FTS5's own bm25() to the last bit (with and without column weights),
// Boolean semantics, ties, tokenizers, datasets, project databases, clones across threads, errors, and
// the `retrieve` CLI on a generated catalogue and on the real Beauty titles.
#include "retrieval/bm25_index.h"
#include "store/sqlite_db.h"
#include "support/fixtures.h"
#include "support/cli_process.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <set>
#include <thread>

namespace {

using Docs = std::vector<std::pair<int32_t, std::string>>;
using Hits = std::vector<std::pair<int, double>>;

// Lowercase ASCII words only, so that whitespace splitting is exactly what unicode61 does.
const Docs& corpus() {
  static const Docs docs = {{0, "red lipstick matte finish new"},
                            {1, "red nail polish new"},
                            {2, "matte lipstick long lasting lipstick new"},
                            {3, "blue nail polish glitter new"},
                            {4, "lip balm shea butter"},
                            {5, "red red red lipstick"},
                            {6, "hair shampoo dry hair"},
                            {7, "night cream dry skin"},
                            {8, "blue nail polish glitter new"}};
  return docs;
}

rf::Bm25Index& corpus_index() {
  static rf::Bm25Index index = rf::bm25_index_build(corpus());
  return index;
}

rf::Bm25Query parsed(const std::string& text, bool implicit_and = false) {
  rf::QueryParseOptions o;
  o.implicit_and = implicit_and;
  return rf::query_parse(text, o);
}

std::set<int> doc_set(const std::vector<rf::Bm25Hit>& hits) {
  std::set<int> s;
  for (const rf::Bm25Hit& h : hits) s.insert(h.doc);
  return s;
}

// BM25 in the test itself, for multi-column checks: single-word phrases, documents as word lists per column.
double bm25_by_hand(const std::vector<std::vector<std::vector<std::string>>>& docs, const std::vector<double>& weights,
                    const std::vector<std::string>& terms, size_t d) {
  double total = 0;
  for (const auto& doc : docs)
    for (const auto& col : doc) total += static_cast<double>(col.size());
  const double n_docs = static_cast<double>(docs.size()), avgdl = total / n_docs;
  double len = 0;
  for (const auto& col : docs[d]) len += static_cast<double>(col.size());
  double score = 0;
  for (const std::string& t : terms) {
    double hits = 0, f = 0;
    for (const auto& doc : docs) {
      bool in = false;
      for (const auto& col : doc) in = in || std::count(col.begin(), col.end(), t) > 0;
      hits += in ? 1 : 0;
    }
    for (size_t c = 0; c < docs[d].size(); ++c)
      f += weights[c] * static_cast<double>(std::count(docs[d][c].begin(), docs[d][c].end(), t));
    double idf = std::log((n_docs - hits + 0.5) / (hits + 0.5));
    if (idf <= 0) idf = 1e-6;
    score += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len / avgdl));
  }
  return score;
}

using rf::test::CliRun;

using rf::test::cli_run;

}  // namespace

Q_DECLARE_METATYPE(Hits)

class TestBm25 : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Expected values computed by hand with Python's math.log from the formula in the file comment (N = 9,
  // avgdl = 41 / 9), independently of SQLite.
  void scores_match_hand_computed_data() {
    QTest::addColumn<QString>("query");
    QTest::addColumn<Hits>("expected");
    QTest::newRow("one term") << "matte" << Hits{{0, 1.05644806436955}, {2, 0.972471329125255}};
    QTest::newRow("term frequency 3 ranks first") << "red" << Hits{{5, 0.998879008913084}, {1, 0.65154418434354}, {0, 0.595280773968458}};
    QTest::newRow("OR sums the terms") << "red lipstick"
                                       << Hits{{5, 1.65042319325662}, {0, 1.19056154793692}, {2, 0.78148826589561}, {1, 0.65154418434354}};
    QTest::newRow("phrase") << "\"nail polish\"" << Hits{{1, 0.65154418434354}, {3, 0.595280773968458}, {8, 0.595280773968458}};
    QTest::newRow("idf floored at 1e-6 (term in 5 of 9)")
        << "new" << Hits{{1, 1.05250875145858e-06}, {0, 9.61620469083156e-07}, {3, 9.61620469083156e-07}, {8, 9.61620469083156e-07}, {2, 8.85181550539745e-07}};
    QTest::newRow("AND") << "dry AND hair" << Hits{{6, 3.62608618634164}};
    QTest::newRow("NOT keeps only the positive part's score") << "lipstick NOT red" << Hits{{2, 0.78148826589561}};
    QTest::newRow("ties by doc index") << "glitter" << Hits{{3, 1.05644806436955}, {8, 1.05644806436955}};
  }
  void scores_match_hand_computed() {
    QFETCH(QString, query);
    QFETCH(Hits, expected);
    const std::vector<rf::Bm25Hit> hits = corpus_index().search(parsed(query.toStdString()), 100);
    QCOMPARE(hits.size(), expected.size());
    for (size_t i = 0; i < hits.size(); ++i) {
      QCOMPARE(hits[i].doc, expected[i].first);
      QVERIFY2(std::abs(hits[i].score - expected[i].second) <= 1e-12 * std::max(1.0, expected[i].second),
               qPrintable(QString("rank %1: %2 vs %3").arg(i).arg(hits[i].score, 0, 'g', 17).arg(expected[i].second, 0, 'g', 17)));
    }
  }

  void top_k_is_a_prefix() {
    const std::vector<rf::Bm25Hit> all = corpus_index().search(parsed("red lipstick nail"), 100);
    const std::vector<rf::Bm25Hit> top2 = corpus_index().search(parsed("red lipstick nail"), 2);
    QCOMPARE(top2.size(), size_t(2));
    QCOMPARE(top2[0].doc, all[0].doc);
    QCOMPARE(top2[1].doc, all[1].doc);
    QCOMPARE(corpus_index().count(parsed("red lipstick nail")), int64_t(all.size()));
  }

  void boolean_semantics_data() {
    QTest::addColumn<QString>("query");
    QTest::addColumn<bool>("implicit_and");
    QTest::addColumn<QList<int>>("docs");
    QTest::newRow("AND") << "red AND lipstick" << false << QList<int>{0, 5};
    QTest::newRow("OR") << "red OR lipstick" << false << QList<int>{0, 1, 2, 5};
    QTest::newRow("adjacent = OR") << "red lipstick" << false << QList<int>{0, 1, 2, 5};
    QTest::newRow("adjacent = AND option") << "red lipstick" << true << QList<int>{0, 5};
    QTest::newRow("NOT") << "lipstick NOT red" << false << QList<int>{2};
    QTest::newRow("-word") << "dry -hair" << false << QList<int>{7};
    QTest::newRow("leading NOT") << "NOT red lipstick" << false << QList<int>{2};
    QTest::newRow("NOT applies to the whole OR") << "red OR matte NOT lipstick" << false << QList<int>{1};
    QTest::newRow("parentheses") << "(nail OR lip) AND polish" << false << QList<int>{1, 3, 8};
    QTest::newRow("AND before OR") << "matte OR nail AND blue" << false << QList<int>{0, 2, 3, 8};
    QTest::newRow("phrase in order") << "\"nail polish\"" << false << QList<int>{1, 3, 8};
    QTest::newRow("phrase out of order") << "\"polish nail\"" << false << QList<int>{};
    QTest::newRow("excluded group") << "polish -(red OR new)" << false << QList<int>{};
    QTest::newRow("group of NOT applies to parent") << "nail AND (NOT red)" << false << QList<int>{3, 8};
    QTest::newRow("hyphen makes a phrase") << "RED-lipstick" << false << QList<int>{0, 5};  // "red lipstick" adjacent
    QTest::newRow("case-folded phrase") << "Red-Red" << false << QList<int>{5};
    QTest::newRow("word not in the corpus") << "mascara" << false << QList<int>{};
  }
  void boolean_semantics() {
    QFETCH(QString, query);
    QFETCH(bool, implicit_and);
    QFETCH(QList<int>, docs);
    const std::set<int> got = doc_set(corpus_index().search(parsed(query.toStdString(), implicit_and), 100));
    QCOMPARE(got, std::set<int>(docs.begin(), docs.end()));
  }

  void no_search_gives_no_results() {
    const rf::Bm25Query q = parsed("the 💄 NOT red");
    QVERIFY(!q.ok);
    QVERIFY(corpus_index().search(q, 10).empty());
    QCOMPARE(corpus_index().count(q), int64_t(0));
  }

  // The default ranking (cached row lengths) must equal FTS5's bm25() exactly, columns weighted or not.
  void cached_ranking_equals_fts5_bm25() {
    const std::vector<std::string> columns = {"title", "body"};
    const std::vector<std::pair<int32_t, std::vector<std::string>>> docs = {
        {10, {"red lipstick", "a matte red lipstick for lips"}},
        {11, {"nail polish", "red nail polish with shine"}},
        {12, {"lip balm", "balm for dry lips"}},
        {13, {"matte lipstick", "matte finish long lasting"}},
        {14, {"shampoo", "for dry hair"}},
        {15, {"night cream", "cream for dry skin at night"}}};
    std::vector<std::vector<std::vector<std::string>>> words;
    for (const auto& [id, fields] : docs) {
      std::vector<std::vector<std::string>> cols;
      for (const std::string& f : fields) {
        std::istringstream in(f);
        cols.emplace_back(std::istream_iterator<std::string>(in), std::istream_iterator<std::string>());
      }
      words.push_back(cols);
    }
    for (const std::vector<double>& weights : {std::vector<double>{}, std::vector<double>{3.0, 0.5}}) {
      rf::Bm25Options fast, builtin;
      fast.weights = builtin.weights = weights;
      builtin.builtin_bm25 = true;
      rf::Bm25Index a = rf::bm25_index_build(columns, docs, fast);
      rf::Bm25Index b = rf::bm25_index_build(columns, docs, builtin);
      for (const char* text : {"red", "lipstick matte", "dry OR cream", "\"red lipstick\"", "lips -night", "matte AND lipstick",
                               "(red OR lips) -(night OR shampoo) matte AND lipstick", "red red lipstick", "dry -hair dry"}) {
        const std::vector<rf::Bm25Hit> x = a.search(a.parse(text), 50), y = b.search(b.parse(text), 50);
        QCOMPARE(x.size(), y.size());
        QVERIFY(!x.empty());
        for (size_t i = 0; i < x.size(); ++i) {
          QCOMPARE(x[i].doc, y[i].doc);
          QVERIFY2(x[i].score == y[i].score, qPrintable(QString("%1: %2 vs %3").arg(text).arg(x[i].score, 0, 'g', 17).arg(y[i].score, 0, 'g', 17)));
        }
      }
      // Single-word queries against the hand computation, weights included.
      const std::vector<double> w = weights.empty() ? std::vector<double>{1.0, 1.0} : weights;
      for (const char* term : {"red", "dry", "matte"}) {
        for (const rf::Bm25Hit& h : a.search(a.parse(term), 50)) {
          const double expect = bm25_by_hand(words, w, {term}, static_cast<size_t>(h.doc - 10));
          QVERIFY2(std::abs(h.score - expect) <= 1e-12, qPrintable(QString("%1 doc %2: %3 vs %4").arg(term).arg(h.doc).arg(h.score, 0, 'g', 17).arg(expect, 0, 'g', 17)));
        }
      }
    }
  }

  void tokenizers() {
    const Docs docs = {{0, "Running shoes for trail runners"}, {1, "Crème brûlée lip balm"}, {2, "ÉCLAT serum"}};
    rf::Bm25Index plain = rf::bm25_index_build(docs);
    rf::Bm25Options stem;
    stem.tokenizer = "porter unicode61 remove_diacritics 2";
    rf::Bm25Index porter = rf::bm25_index_build(docs, stem);
    QVERIFY(plain.search(plain.parse("run"), 5).empty());
    QCOMPARE(doc_set(porter.search(porter.parse("run"), 5)), (std::set<int>{0}));  // running, runners -> run
    for (rf::Bm25Index* idx : {&plain, &porter}) {
      QCOMPARE(doc_set(idx->search(idx->parse("creme BRULEE"), 5)), (std::set<int>{1}));
      QCOMPARE(doc_set(idx->search(idx->parse("eclat"), 5)), (std::set<int>{2}));
    }
  }

  void dataset_fields() {
    rf::Dataset ds;
    rf::Item a;
    a.id = "a";
    a.title = "Velvet lipstick";
    a.categories = {"Makeup", "Lips"};
    a.tags = {"vegan"};
    a.creator = "Rosewood";
    a.text = "A soft matte colour.";
    rf::dataset_add_item(ds, a);
    rf::Item b;
    b.id = "b";
    b.title = "Rosewood hand cream";
    rf::dataset_add_item(ds, b);
    rf::Bm25Index all = rf::bm25_index_build(ds);
    QCOMPARE(all.columns(), (std::vector<std::string>{"title", "categories", "tags", "creator", "text"}));
    QCOMPARE(all.document_count(), int64_t(2));
    QCOMPARE(doc_set(all.search(all.parse("vegan"), 5)), (std::set<int>{0}));
    QCOMPARE(doc_set(all.search(all.parse("matte"), 5)), (std::set<int>{0}));
    QCOMPARE(doc_set(all.search(all.parse("rosewood"), 5)), (std::set<int>{0, 1}));
    rf::Bm25Options titles;
    titles.fields = {"title"};
    rf::Bm25Index t = rf::bm25_index_build(ds, titles);
    QVERIFY(t.search(t.parse("vegan"), 5).empty());
    QCOMPARE(doc_set(t.search(t.parse("rosewood"), 5)), (std::set<int>{1}));
    QCOMPARE(rf::bm25_item_field(a, "categories"), std::string("Makeup, Lips"));
  }

  void project_database_table() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("project.sqlite").toStdString();
    {
      rf::SqliteDb db(path);
      rf::Bm25Options o;
      o.table = "catalogue_fts";
      rf::Bm25Index built = rf::bm25_index_build(corpus(), o, &db);
      QCOMPARE(built.search(parsed("red"), 10).front().doc, 5);
      rf::Bm25Index again = rf::bm25_index_build(Docs{{0, "only one"}}, o, &db);  // rebuilt in place
      QCOMPARE(again.document_count(), int64_t(1));
      rf::bm25_index_build(corpus(), o, &db);
      db.exec("CREATE TABLE items (id INTEGER)");
      o.table = "items";
      QVERIFY_THROWS_EXCEPTION(rf::Error, rf::bm25_index_build(corpus(), o, &db));  // never drops user data
    }
    rf::SqliteDb db(path);
    rf::Bm25Options o;
    o.table = "catalogue_fts";
    rf::Bm25Index opened = rf::bm25_index_open(db, o);
    QCOMPARE(opened.document_count(), int64_t(9));
    QCOMPARE(opened.columns(), (std::vector<std::string>{"text"}));
    const std::vector<rf::Bm25Hit> a = opened.search(parsed("red lipstick"), 10);
    const std::vector<rf::Bm25Hit> b = corpus_index().search(parsed("red lipstick"), 10);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QVERIFY(a[i].doc == b[i].doc && a[i].score == b[i].score);
    rf::Bm25Index clone = opened.clone();  // a second connection to the file
    QCOMPARE(clone.search(parsed("red lipstick"), 10).size(), b.size());
    o.table = "missing";
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::bm25_index_open(db, o));
  }

  void clones_search_in_parallel() {
    std::vector<std::string> queries = {"red", "lipstick matte", "nail -blue", "dry AND (hair OR skin)", "\"nail polish\" glitter"};
    std::vector<std::vector<rf::Bm25Hit>> expected;
    for (const std::string& q : queries) expected.push_back(corpus_index().search(parsed(q), 10));
    std::vector<rf::Bm25Index> clones;
    for (int t = 0; t < 4; ++t) clones.push_back(corpus_index().clone());
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int rep = 0; rep < 200; ++rep)
          for (size_t i = 0; i < queries.size(); ++i) {
            const std::vector<rf::Bm25Hit> got = clones[static_cast<size_t>(t)].search(clones[static_cast<size_t>(t)].parse(queries[i]), 10);
            bool same = got.size() == expected[i].size();
            for (size_t j = 0; same && j < got.size(); ++j) same = got[j].doc == expected[i][j].doc && got[j].score == expected[i][j].score;
            mismatches[static_cast<size_t>(t)] += same ? 0 : 1;
          }
      });
    for (std::thread& th : threads) th.join();
    QCOMPARE(mismatches, (std::vector<int>{0, 0, 0, 0}));
  }

  void errors_name_the_problem_data() {
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("message");
    QTest::newRow("table name") << 0 << "table name 'x; DROP TABLE y'";
    QTest::newRow("tokenizer injection") << 1 << "only letters, digits, '_' and spaces";
    QTest::newRow("unknown tokenizer") << 2 << "must be unicode61, ascii or porter";
    QTest::newRow("weights count") << 3 << "2 weights given for 1 columns";
    QTest::newRow("duplicate id") << 4 << "document id 7 appears twice";
    QTest::newRow("k < 1") << 5 << "k must be >= 1";
    QTest::newRow("unknown field") << 6 << "unknown item field 'price'";
    QTest::newRow("reserved column") << 7 << "'rank' cannot be a column name";
  }
  void errors_name_the_problem() {
    QFETCH(int, which);
    QFETCH(QString, message);
    rf::Bm25Options o;
    Docs docs = {{7, "a"}, {8, "b"}};
    try {
      switch (which) {
        case 0: o.table = "x; DROP TABLE y"; break;
        case 1: o.tokenizer = "unicode61'); DROP TABLE x; --"; break;
        case 2: o.tokenizer = "icu"; break;
        case 3: o.weights = {1.0, 2.0}; break;
        case 4: docs.push_back({7, "c"}); break;
        case 5: corpus_index().search(parsed("red"), 0); break;
        case 6: {
          rf::Dataset ds;
          rf::dataset_add_item(ds, rf::Item{"i"});
          o.fields = {"title", "price"};
          rf::bm25_index_build(ds, o);
          break;
        }
        case 7: {
          const std::vector<std::pair<int32_t, std::vector<std::string>>> rows = {{1, {"x"}}};
          rf::bm25_index_build(std::vector<std::string>{"rank"}, rows, o);
          break;
        }
      }
      rf::bm25_index_build(docs, o);
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString::fromStdString(e.what()).contains(message), e.what());
    }
  }

  void cli_retrieve_on_a_small_catalogue() {
    QTemporaryDir tmp;
    std::ofstream(tmp.filePath("items.jsonl").toStdString())
        << R"({"id": "p1", "title": "Red velvet lipstick", "creator": "Rosewood"})" << "\n"
        << R"({"id": "p2", "title": "Pink lip gloss"})" << "\n"
        << R"({"id": "p3", "title": "Red nail polish"})" << "\n";
    std::ofstream(tmp.filePath("interactions.csv").toStdString()) << "user,item,time\nu1,p1,1\nu1,p2,2\n";
    const QString data = tmp.path();
    CliRun r = cli_run({"retrieve", "--data", data, "--format", "generic", "--query", "red lipstick -nail", "--json"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["expression"].get<std::string>(), std::string(R"(("red" OR "lipstick") NOT "nail")"));
    QCOMPARE(j["documents"].get<int>(), 3);
    QCOMPARE(j["results"].size(), size_t(1));
    QCOMPARE(j["results"][0]["id"].get<std::string>(), std::string("p1"));

    r = cli_run({"retrieve", "--data", data, "--format", "generic", "--answer", R"({"query": "the"})"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("query has no searchable words"), r.out.constData());

    r = cli_run({"retrieve", "--data", data, "--format", "generic", "--query", "title:(gloss) AND pink)", "--k", "1"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("Pink lip gloss") && r.out.contains("repair:"), r.out.constData());

    r = cli_run({"retrieve", "--data", data, "--format", "generic", "--answer", "not json"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("answer is not JSON"), r.err.constData());
  }

  void cli_retrieve_on_beauty_titles() {
    const CliRun r = cli_run({"retrieve", "--data", QString::fromStdString(rf::test::fixture_path("data/amazon-beauty-5core")),
                              "--format", "sequence", "--fields", "title", "--query", "\"nail lacquer\" OPI", "--k", "3", "--json"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["documents"].get<int>(), 12101);  // the data README's count
    QCOMPARE(j["results"].size(), size_t(3));
    for (const auto& hit : j["results"]) {
      std::string title = hit["title"].get<std::string>();
      for (char& c : title) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      QVERIFY2(title.find("opi") != std::string::npos && title.find("nail lacquer") != std::string::npos, title.c_str());
    }
  }
};

RF_TEST_SUITE(TestBm25);
#include "test_bm25.moc"
